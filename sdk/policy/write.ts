/**
 * Writing a policy file: the text `load` reads back as the same content, formatted the same way every time
 * (`pulumi-immybot export` writes a repository with it; two writes of one content are byte-identical).
 *
 * - the schema line editors use first, then the file's comment;
 * - the file's keys in a fixed order (tenant or crossTenant, tags, deployments, schedules, sessions, rollouts: what
 *   an entry refers to comes first), a blank line before each list and between entries;
 * - entries sorted by name; an entry's keys in the order of the format (`schema.ts`: name and adoptId first, then
 *   what it is, where, and how); parameter names, and the keys of any mapping inside a value, sorted;
 * - targets and `{ secretFromConfig }` as one-line mappings; a text YAML could read as something else (a time, a
 *   version, `yes`, also by YAML 1.1 rules older tools follow) in double quotes; long texts never folded.
 */
import { Document, isMap, isScalar, isSeq, parse, Scalar, visit, type Node, type Pair, type YAMLMap } from "yaml";
import { isParameterSetting } from "./load";
import { LISTS, type ListKey } from "./schema";
import type { PolicyFile } from "./types";

/** What goes above the content. */
export interface PolicyFileHeader {
  /** The JSON Schema for editors, relative to the file, e.g. "../policy.schema.json" (the `yaml-language-server` line). */
  schema?: string;
  /** Comment lines after the schema line (without "#"). */
  comment?: readonly string[];
}

/** The order of a file's keys: what others refer to first. */
const FILE_KEYS = ["tenant", "crossTenant", "tags", "deployments", "schedules", "sessions", "rollouts"] as const;

/** Mappings written on one line: a target (`{ tag: Canary }`) and a secret reference. */
const ONE_LINE_KEYS = new Set(["computer", "tag", "secretFromConfig"]);

/** The text of a policy file with this content (see the module's comment for the formatting). */
export function formatPolicyFile(content: PolicyFile, header: PolicyFileHeader = {}): string {
  const ordered: Record<string, unknown> = {};
  for (const key of [...FILE_KEYS, ...Object.keys(content).filter((k) => !(FILE_KEYS as readonly string[]).includes(k)).sort(byCodePoint)]) {
    const value = (content as Record<string, unknown>)[key];
    if (value === undefined) continue;
    ordered[key] = Object.hasOwn(LISTS, key) ? sortedEntries(key as ListKey, value as Record<string, unknown>[]) : value;
  }
  const doc = new Document(ordered);
  const lines = [...(header.schema === undefined ? [] : [`yaml-language-server: $schema=${header.schema}`]), ...(header.comment ?? [])];
  if (lines.length > 0) doc.commentBefore = lines.map((l) => (l === "" ? "" : ` ${l}`)).join("\n");
  visit(doc, {
    Pair(_, pair) {
      // A blank line before each list of the file.
      if (isSeq(pair.value) && isScalar(pair.key) && Object.hasOwn(LISTS, String(pair.key.value))) (pair.key as Scalar).spaceBefore = true;
    },
    Seq(_, seq) {
      seq.items.forEach((item, i) => {
        if (i > 0 && isMap(item) && isEntry(item)) (item as Node).spaceBefore = true;
      });
    },
    Map(_, map) {
      if (map.items.length === 1 && isScalar(map.items[0]?.key) && ONE_LINE_KEYS.has(String(map.items[0]!.key.value))) map.flow = true;
    },
    Scalar(_, node) {
      if (typeof node.value === "string" && misread(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** A list's entries by name, each with its keys in the format's order. */
function sortedEntries(list: ListKey, entries: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const order: readonly string[] = LISTS[list].keys;
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return [...entries]
    .sort((a, b) => byCodePoint(String(a.name), String(b.name)))
    .map((entry) => {
      const keys = Object.keys(entry).filter((k) => entry[k] !== undefined);
      keys.sort((a, b) => rank(a) - rank(b) || byCodePoint(a, b));
      return Object.fromEntries(keys.map((k) => [k, k === "parameters" ? sortedParameters(entry[k]) : entry[k]]));
    });
}

/** Parameters by name; the long form as `value`, `allowOverride`, `requiresOverride`; mappings in values sorted. */
function sortedParameters(parameters: unknown): unknown {
  if (parameters === null || typeof parameters !== "object" || Array.isArray(parameters)) return parameters;
  const p = parameters as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(p)
      .sort(byCodePoint)
      .map((name) => {
        const v = p[name];
        if (!isParameterSetting(v)) return [name, sortedKeys(v)];
        const { value, allowOverride, requiresOverride } = v;
        return [name, { value: sortedKeys(value), ...(allowOverride === undefined ? {} : { allowOverride }), ...(requiresOverride === undefined ? {} : { requiresOverride }) }];
      }),
  );
}

/** Mappings with their keys sorted, all the way down (lists keep their order). */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort(byCodePoint)
      .map((k) => [k, sortedKeys((v as Record<string, unknown>)[k])]),
  );
}

/** A list item of a file's list (not a list inside a value, e.g. a session's computers). */
function isEntry(map: YAMLMap): boolean {
  return map.items.some((p: Pair) => isScalar(p.key) && p.key.value === "name");
}

/**
 * Text that YAML 1.2 or 1.1 would read, unquoted, as something else (a number, a boolean, a time, null), and a
 * cron expression (plain YAML, but read more easily quoted, as the examples write it).
 */
function misread(text: string): boolean {
  if (text === "" || text !== text.trim() || text.includes("\n")) return false; // quoted or a block already
  if (text.includes("*")) return true;
  for (const version of ["1.2", "1.1"] as const) {
    try {
      if (parse(text, { version }) !== text) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/** Locale-independent order, so every machine writes the same file. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
