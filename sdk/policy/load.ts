/**
 * Loading a policy: read the YAML files, parse them, and validate every file before anything is declared. One
 * run reports every problem of every file (`file: path: message`, with the fix), never just the first.
 *
 * Who judges what, so each rule exists once:
 * - the file's structure (which keys exist, the policy's own keys: `tenant`, `name`, `target`, `software`, ...)
 *   is the zod schema of `schema.ts`, tied to the documented interfaces of `types.ts`;
 * - the values of resource fields (times, time zones, enums, cron, reboot and e-mail options, durations, and the
 *   cross-field rules) are judged by the resources' own models (`parseInputs(schedule.model, args)`, ...), exactly
 *   as `pulumi preview` would judge them. Names that are resolved later (tenant, computers, tags, deployments) go
 *   in as Pulumi's "unknown" sentinel, so the rules about ids are skipped; the software or task id is a
 *   placeholder id instead (the sentinel inside `software` would hide its desired state and version from the model);
 * - what only the policy knows (unique entry names, references to deployments of the same file, which keys go
 *   with software or with a task, `secretFromConfig`, one entry per tag name) is checked in load-checks.ts and
 *   load-judges.ts.
 *
 * Loading makes no API call and declares nothing; names are resolved by `declare`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { TOO_DEEP, tooDeepAt } from "../../provider/models/plain";
import { FILE_DEPTH, shownPath, yamlTooDeep } from "./depth";
import { checkNames, checkReferences, checkResourceNames, checkTagNames, checkTags, checkTenant, type NamedEntries } from "./load-checks";
import { isPlainObject, JUDGES, type Entry, type Path } from "./load-judges";
import { formatPath, PolicyError, type PolicyProblem } from "./problems";
import { isList, LISTS, NAME, policyFileSchema, RESOURCE_KEYS, RING_RESOURCE_KEYS, unknownKey, type ListKey } from "./schema";
import type { PolicyFile } from "./types";

export { isParameterSetting, isSecretReference } from "./load-judges";

/** A policy file's text and the path messages show for it. */
export interface PolicySource {
  /** As shown in messages, e.g. "tenants/contoso.yaml". Its name without the extension prefixes resource names. */
  path: string;
  /** The YAML text. */
  text: string;
}

/** One validated policy file. */
export interface LoadedPolicyFile {
  /** As shown in messages, e.g. "tenants/contoso.yaml". */
  path: string;
  /** The file name without its extension, e.g. "contoso": resources are named `<stem>-<entry name>`. */
  stem: string;
  /** The file's content as written (keys with an empty value left out). */
  content: PolicyFile;
}

/** A validated policy: its files, in file name order. Give it to `declare`. */
export interface Policy {
  readonly files: readonly LoadedPolicyFile[];
}


const YAML_FILE = /\.ya?ml$/i;

/**
 * Reads every `*.yaml` and `*.yml` file of `dir` (not its subdirectories, nor dot files) and validates them all. Throws one
 * {@link PolicyError} listing every problem of every file; makes no API call.
 * Files are shown as `<directory name>/<file>`, e.g. "tenants/contoso.yaml".
 */
export function load(dir: string): Policy {
  return parse(readPolicyDir(dir));
}

/** The policy files of `dir` as {@link load} reads them; a {@link PolicyError} when there are none or it cannot be read. */
export function readPolicyDir(dir: string): PolicySource[] {
  const shown = basename(resolve(dir));
  let names: string[];
  try {
    names = readdirSync(dir)
      // Dot files are never policy files (e.g. `.immybot-lint.yaml`, the repository's lint settings).
      .filter((n) => YAML_FILE.test(n) && !n.startsWith(".") && statSync(join(dir, n)).isFile())
      .sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new PolicyError([{ file: dir, path: "", message: `cannot be read (${code}): give the directory that holds the policy files` }]);
  }
  if (names.length === 0) throw new PolicyError([{ file: dir, path: "", message: "holds no policy files (*.yaml or *.yml)" }]);
  return names.map((n) => ({ path: `${shown}/${n}`, text: readFileSync(join(dir, n), "utf8") }));
}

/** Validates policy files given as text (what {@link load} does after reading them). */
export function parse(sources: readonly PolicySource[]): Policy {
  const { files, problems } = checkSources(sources);
  if (problems.length > 0) throw new PolicyError(problems);
  return { files };
}

/**
 * Validates policy files without throwing: every problem, and the files whose own content is valid (their names
 * can be resolved even while another file has problems; a clash between files is a problem of the later file).
 */
export function checkSources(sources: readonly PolicySource[]): { files: LoadedPolicyFile[]; problems: PolicyProblem[] } {
  const problems: PolicyProblem[] = [];
  const files: LoadedPolicyFile[] = [];
  /** Every file that reads as a mapping, valid or not: resource names clash across files whatever else is wrong. */
  const named: NamedEntries[] = [];
  const stems = new Map<string, string>();
  for (const source of sources) {
    const stem = basename(source.path).replace(YAML_FILE, "");
    const fileProblem = (message: string) => problems.push({ file: source.path, path: "", message });
    const stemOk = NAME.test(stem) && !stems.has(stem);
    if (!NAME.test(stem)) {
      fileProblem(`the file name ${JSON.stringify(stem)} prefixes its resources' names: use letters, digits, ".", "_" and "-", e.g. "contoso.yaml"`);
    } else if (stems.has(stem)) {
      fileProblem(`has the same name as ${stems.get(stem)}; both would name their resources "${stem}-...": rename one`);
    } else {
      stems.set(stem, source.path);
    }
    const { content, raw } = checkFile(source, problems);
    if (content) files.push({ path: source.path, stem, content });
    if (raw && stemOk) named.push({ path: source.path, stem, raw });
  }
  checkResourceNames(named, problems);
  checkTagNames(named, problems);
  return { files, problems };
}

// ---- one file ---------------------------------------------------------------------------------------------------

/**
 * The file's content when it has no problem (its problems are added to `problems`), and the data it holds when
 * it reads as a mapping at all, problems or not.
 */
function checkFile(source: PolicySource, problems: PolicyProblem[]): { content?: PolicyFile; raw?: Entry } {
  const before = problems.length;
  const lines = new LineCounter();
  // Measured before the document is composed, which is recursive (see depth.ts).
  const deep = yamlTooDeep(source.text);
  if (deep) {
    problems.push({ file: source.path, path: formatPath(deep.path), message: TOO_DEEP, line: deep.line, column: deep.col });
    return {};
  }
  // `merge`: `<<: *defaults` shares settings between entries (YAML 1.1 merge keys, which YAML 1.2 left out).
  const doc = parseDocument(source.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const { line, col } = lines.linePos(e.pos[0]);
      problems.push({ file: source.path, path: "", message: `line ${line}, column ${col}: ${e.message} (YAML syntax)`, line, column: col });
    }
    return {};
  }
  const seen = new Set<string>();
  const add = (path: Path, message: string) => {
    const text = formatPath(path);
    const key = `${text}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    const pos = position(doc, lines, path);
    problems.push({ file: source.path, path: text, message: quoteHint(message), ...(pos ? { line: pos.line, column: pos.col } : {}) });
  };

  let raw: unknown;
  try {
    raw = withoutNulls(doc.toJS());
  } catch (e) {
    add([], e instanceof RangeError ? "nests too deeply through its aliases (*name) to be read: flatten it" : `cannot be read as data: ${(e as Error).message}`);
    return {};
  }
  // Aliases repeat what they name, so the data can nest deeper than the text did.
  const deepData = tooDeepAt(raw, FILE_DEPTH);
  if (deepData) {
    add(shownPath(deepData), TOO_DEEP);
    return {};
  }
  if (raw === undefined || raw === null) {
    add([], "is empty: a policy file needs at least `tenant: <name>`");
    return {};
  }
  if (isPlainObject(raw)) {
    for (const list of Object.keys(LISTS)) {
      if (Array.isArray(raw[list])) raw[list] = (raw[list] as unknown[]).map(withoutNulls);
    }
  }

  // Structure: the policy's own keys; resource fields are left to the models below.
  const invalid = new Set<string>();
  const parsed = policyFileSchema.safeParse(raw, { reportInput: true });
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const path = issue.path as Path;
    const list = path[0] as ListKey;
    const inEntry = path.length >= 3 && isList(list) && typeof path[1] === "number";
    if (inEntry && RESOURCE_KEYS[list].has(String(path[2]))) continue;
    // A ring's gate values are the rollout model's to judge, like an entry's resource fields.
    if (inEntry && list === "rollouts" && path[2] === "rings" && typeof path[3] === "number" && RING_RESOURCE_KEYS.has(String(path[4]))) continue;
    if (inEntry) invalid.add(`${String(list)}|${path[1]}|${String(path[2])}`);
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) add([...path, key], unknownKey(key, path));
    } else {
      add(path, issue.message);
    }
  }
  if (!isPlainObject(raw)) return {};
  checkTenant(raw, add);

  // Values: every entry through its resource's model; then what only the policy knows.
  const crossTenant = raw.crossTenant === true;
  for (const list of Object.keys(LISTS) as ListKey[]) {
    const entries = raw[list];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry, index) => {
      if (!isPlainObject(entry)) return;
      const valid = (key: string) => entry[key] !== undefined && !invalid.has(`${list}|${index}|${key}`);
      JUDGES[list](entry, valid, (path, message) => add([list, index, ...path], message), crossTenant);
    });
  }
  checkNames(raw, add);
  checkReferences(raw, add);
  checkTags(raw, add);
  if (problems.length === before) return { content: raw as unknown as PolicyFile, raw };
  // In the order of the file (a stable sort: problems of one value keep their order).
  const found = problems.splice(before).sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  problems.push(...found);
  return { raw };
}

/** 1-based line and column of the value at `path`, or of the nearest enclosing value. */
function position(doc: ReturnType<typeof parseDocument>, lines: LineCounter, path: Path): { line: number; col: number } | undefined {
  for (let p = [...path]; ; p = p.slice(0, -1)) {
    const node = p.length === 0 ? doc.contents : doc.getIn(p, true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lines.linePos(range[0]);
    if (p.length === 0) return undefined;
  }
}

// ---- messages --------------------------------------------------------------------------------------------------

/** YAML reads `24.08` or `2200` as a number (and `yes` as text): the model says to quote it; say why. */
function quoteHint(message: string): string {
  return /must be a string; got -?[\d.]+(?:e[+-]?\d+)?; write it in quotes, e\.g\. "[^"]*"$/.test(message) ? `${message} (YAML reads it as a number)` : message;
}


/** `key:` with nothing after it (null) means the key is not set. */
function withoutNulls(v: unknown): unknown {
  return isPlainObject(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null)) : v;
}
