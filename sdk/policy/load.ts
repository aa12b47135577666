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
 *   with software or with a task, `secretFromConfig`) is checked here.
 *
 * Loading makes no API call and declares nothing; names are resolved by `declare`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { parseInputs, UNKNOWN, type InputModel } from "../../provider/check";
import { TOO_DEEP, tooDeepAt } from "../../provider/models/plain";
import { model as deploymentModel } from "../../provider/deployment";
import { closeMatches } from "../../provider/lookups";
import { model as sessionModel } from "../../provider/maintenance-session";
import { model as scheduleModel } from "../../provider/schedule";
import { FILE_DEPTH, shownPath, yamlTooDeep } from "./depth";
import { closestKey, formatPath, PolicyError, type PolicyProblem } from "./problems";
import { DEPLOYMENT_FIELDS, isList, LISTS, NAME, policyFileSchema, RESOURCE_KEYS, SCHEDULE_FIELDS, SESSION_FIELDS, tenant as tenantSchema, unknownKey, type ListKey } from "./schema";
import type { PolicyFile, SecretFromConfig } from "./types";

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

type Path = (string | number)[];
type Entry = Record<string, unknown>;

const YAML_FILE = /\.ya?ml$/i;
/** What the model sees instead of a value that is a secret (resolved by `declare` from the stack config). */
const SECRET_PLACEHOLDER = "(secret from config)";
/** A valid id where the model must see an item, which `declare` resolves by name. */
const PLACEHOLDER_ID = "1";

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

// ---- resource fields: the resources' models ----------------------------------------------------------------------

type Report = (path: Path, message: string) => void;
type Judge = (entry: Entry, valid: (key: string) => boolean, report: Report, crossTenant: boolean) => void;

/**
 * The target fields the model sees: the kind of target is known, the ids are not (yet). A tenant's file limits
 * every target to the tenant (`all` is AllForTenant); a crossTenant file has no tenant (`all` is All).
 */
function targetArgs(entry: Entry, valid: (key: string) => boolean, crossTenant: boolean): Entry {
  const base = { tenantId: crossTenant ? undefined : UNKNOWN, targetGroupFilter: entry.groupFilter, propagateToChildTenants: entry.propagateToChildTenants };
  if (!valid("target")) return { ...base, targetType: UNKNOWN, target: UNKNOWN };
  if (entry.target === "all") return { ...base, targetType: crossTenant ? "All" : "AllForTenant" };
  return { ...base, targetType: "computer" in (entry.target as object) ? "Computer" : "Tag", target: UNKNOWN };
}

const pickKeys = (entry: Entry, keys: readonly string[]): Entry => Object.fromEntries(keys.filter((k) => entry[k] !== undefined).map((k) => [k, entry[k]]));
const defined = (o: Entry): Entry => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Where a failure of the model's property is in the policy entry, for each kind (by the longest matching prefix). */
const TARGET_PROPERTIES = { targetType: "target", target: "target", tenantId: "target", targetCategory: "target", targetGroupFilter: "groupFilter" };
const PROPERTY_PATHS: Record<ListKey, Record<string, string>> = {
  schedules: { ...TARGET_PROPERTIES, maintenanceType: "deployment", maintenanceIdentifier: "deployment" },
  deployments: {
    ...TARGET_PROPERTIES,
    "software.id": "software",
    "software.scope": "scope",
    "software.desiredState": "desiredState",
    "software.version": "version",
    "task.id": "task",
    "task.scope": "scope",
    "task.mode": "mode",
  },
  sessions: { deploymentId: "deployment" },
};

/** The model's words for its own argument names, in the policy's terms. */
const REWRITES: [RegExp, string][] = [
  [/\btargetGroupFilter\b/g, "groupFilter"],
  [/remove maintenanceType and maintenanceIdentifier/g, "remove deployment"],
  [/e\.g\. software: \{.*$/, 'e.g. "software: 7-Zip" (with desiredState) or "task: Set BIOS password" (with mode)'],
  [/give at least one id, or leave it out/, "give at least one computer name, or leave it out"],
  [/only applies to a single tenant: set tenantId, or remove propagateToChildTenants/, "only applies to a tenant's file; a crossTenant file has no tenant: remove propagateToChildTenants"],
];

/** The model's path of a failure -> the path in the policy entry (a parameter's path is the same in both). */
function policyPath(list: ListKey, path: Path): Path {
  if (path[0] === "parameters") return path;
  const renames = PROPERTY_PATHS[list];
  for (let n = path.length; n > 0; n--) {
    const prefix = path.slice(0, n).join(".");
    if (Object.hasOwn(renames, prefix)) return [renames[prefix] as string, ...path.slice(n)];
  }
  return path;
}

function judge<S extends z.ZodRawShape>(list: ListKey, model: InputModel<S>, args: Entry, report: Report): void {
  for (const f of parseInputs(model, defined(args)).failures) {
    report(policyPath(list, f.path), REWRITES.reduce((text, [re, to]) => text.replace(re, to), f.reason));
  }
}

const JUDGES: Record<ListKey, Judge> = {
  schedules(entry, valid, report, crossTenant) {
    const item = valid("deployment") ? { maintenanceType: "GlobalSoftware", maintenanceIdentifier: PLACEHOLDER_ID } : {};
    judge("schedules", scheduleModel, { ...targetArgs(entry, valid, crossTenant), ...pickKeys(entry, SCHEDULE_FIELDS), ...item }, report);
  },
  deployments(entry, valid, report, crossTenant) {
    const software = entry.software === undefined ? undefined : defined({ id: PLACEHOLDER_ID, scope: entry.scope, desiredState: entry.desiredState ?? "LatestVersion", version: entry.version });
    const task = entry.task === undefined ? undefined : defined({ id: PLACEHOLDER_ID, scope: entry.scope, mode: entry.mode });
    const parameters = entry.parameters === undefined ? undefined : withoutSecrets(entry.parameters);
    judge("deployments", deploymentModel, { ...targetArgs(entry, valid, crossTenant), ...pickKeys(entry, DEPLOYMENT_FIELDS), software, task, parameters }, report);
    // Keys that go with one kind of item: the model only sees them inside `software` or `task`.
    if (entry.task !== undefined && entry.software === undefined) {
      for (const key of ["desiredState", "version"]) {
        if (entry[key] !== undefined) report([key], `only applies to software; a task deployment has mode instead: remove ${key}`);
      }
    }
    if (entry.software !== undefined && entry.task === undefined && entry.mode !== undefined) {
      report(["mode"], "only applies to a task; software has desiredState instead: remove mode");
    }
    checkSecretReferences(entry.parameters, (path, message) => report(["parameters", ...path], message));
  },
  sessions(entry, _valid, report) {
    const computers = Array.isArray(entry.computers) ? entry.computers.map(() => UNKNOWN) : undefined;
    judge("sessions", sessionModel, { deploymentId: UNKNOWN, computers, ...pickKeys(entry, SESSION_FIELDS) }, report);
  },
};

// ---- parameters and secrets ------------------------------------------------------------------------------------

/** A mapping whose only key is `secretFromConfig`. */
export function isSecretReference(v: unknown): v is SecretFromConfig {
  return isPlainObject(v) && Object.keys(v).length === 1 && "secretFromConfig" in v;
}

/** A parameter in its long form: `{ value, allowOverride?, requiresOverride? }`. */
export function isParameterSetting(v: unknown): v is { value: unknown; allowOverride?: unknown; requiresOverride?: unknown } {
  return isPlainObject(v) && "value" in v && Object.keys(v).every((k) => ["value", "allowOverride", "requiresOverride"].includes(k));
}

/** Parameters as the model sees them: each secret reference replaced by a placeholder text. */
function withoutSecrets(parameters: unknown): unknown {
  if (!isPlainObject(parameters)) return parameters;
  const hide = (v: unknown) => (isSecretReference(v) ? SECRET_PLACEHOLDER : v);
  return Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, isParameterSetting(v) ? { ...v, value: hide(v.value) } : hide(v)]));
}

/** Pulumi config keys: `name` (the project's namespace) or `namespace:name`. */
const CONFIG_KEY = /^(?:[A-Za-z0-9_.-]+:)?[A-Za-z0-9_.-]+$/;

function checkSecretReferences(parameters: unknown, report: Report): void {
  if (!isPlainObject(parameters)) return;
  for (const [name, v] of Object.entries(parameters)) {
    for (const [value, path] of [[v, [name]], ...(isParameterSetting(v) ? [[v.value, [name, "value"]]] : [])] as [unknown, Path][]) {
      if (isSecretReference(value)) {
        const key = value.secretFromConfig;
        if (typeof key !== "string" || !CONFIG_KEY.test(key)) {
          report([...path, "secretFromConfig"], `must be a stack config key, e.g. "biosPassword" (set with \`pulumi config set --secret biosPassword <value>\`); got ${JSON.stringify(key)}`);
        }
      } else if (isPlainObject(value) && Object.keys(value).length === 1) {
        const [key] = Object.keys(value) as [string];
        if (closestKey(key, ["secretFromConfig"]) !== undefined) {
          report([...path, key], `${JSON.stringify(key)} is not a known key; did you mean "secretFromConfig"? As written, the mapping itself would be sent to ImmyBot as the value`);
        }
      }
    }
  }
}

// ---- what only the policy knows --------------------------------------------------------------------------------

/** A file is for one tenant, or across tenants: exactly one of `tenant` and `crossTenant`. */
function checkTenant(raw: Entry, add: Report): void {
  if (raw.tenant === undefined && raw.crossTenant === undefined) add(["tenant"], tenantSchema.safeParse(undefined).error?.issues[0]?.message ?? "is required");
  if (raw.tenant !== undefined && raw.crossTenant !== undefined) {
    add(["crossTenant"], "cannot be combined with tenant: a file is either for one tenant (tenant: <name>) or across tenants (crossTenant: true); remove one");
  }
}

/** Entry names are unique within each list of a file. */
function checkNames(raw: Entry, add: Report): void {
  for (const list of Object.keys(LISTS) as ListKey[]) {
    const entries = raw[list];
    if (!Array.isArray(entries)) continue;
    const first = new Map<string, number>();
    entries.forEach((entry, i) => {
      const name = isPlainObject(entry) ? entry.name : undefined;
      if (typeof name !== "string" || !NAME.test(name)) return;
      const earlier = first.get(name);
      if (earlier === undefined) first.set(name, i);
      else add([list, i, "name"], `${JSON.stringify(name)} is already the name of ${list}[${earlier}]: names must be unique among the ${list} of a file (they name the resources); rename one`);
    });
  }
}

/** A schedule's or session's `deployment` names a deployment of the same file. */
function checkReferences(raw: Entry, add: Report): void {
  const deployments = Array.isArray(raw.deployments) ? raw.deployments : [];
  const names = deployments.map((d) => (isPlainObject(d) ? d.name : undefined)).filter((n): n is string => typeof n === "string");
  for (const list of ["schedules", "sessions"] as const) {
    const entries = raw[list];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry, i) => {
      const ref = isPlainObject(entry) ? entry.deployment : undefined;
      if (typeof ref !== "string" || names.includes(ref)) return;
      const near = closeMatches(ref, names, (n) => n);
      const hint =
        names.length === 0
          ? "this file declares no deployments: add one under deployments, or remove this reference"
          : `${near.length > 0 ? `did you mean ${JSON.stringify(near[0])}? ` : ""}The file's deployments: ${names.join(", ")}`;
      add([list, i, "deployment"], `${JSON.stringify(ref)} is not the name of a deployment in this file; ${hint}`);
    });
  }
}

/** A file's data as read, for the checks across files. */
interface NamedEntries {
  path: string;
  stem: string;
  raw: Entry;
}

/**
 * Resource names (`<stem>-<name>`) are unique per resource type across all files: checked on every entry with a
 * usable name, also in files with other problems, so one run reports a clash with the rest.
 */
function checkResourceNames(files: readonly NamedEntries[], problems: PolicyProblem[]): void {
  for (const list of Object.keys(LISTS) as ListKey[]) {
    const owner = new Map<string, { file: string; at: string }>();
    for (const file of files) {
      const entries = Array.isArray(file.raw[list]) ? (file.raw[list] as unknown[]) : [];
      entries.forEach((entry, i) => {
        const name = isPlainObject(entry) ? entry.name : undefined;
        if (typeof name !== "string" || !NAME.test(name)) return;
        const resource = `${file.stem}-${name}`;
        const path = formatPath([list, i, "name"]);
        const other = owner.get(resource);
        if (other === undefined) owner.set(resource, { file: file.path, at: `${file.path}: ${path}` });
        // The same name twice in one file is the file's own problem (checkNames), reported there.
        else if (other.file !== file.path) problems.push({ file: file.path, path, message: `makes the resource name ${JSON.stringify(resource)}, as ${other.at} does: rename one of them` });
      });
    }
  }
}

// ---- messages --------------------------------------------------------------------------------------------------

/** YAML reads `24.08` or `2200` as a number (and `yes` as text): the model says to quote it; say why. */
function quoteHint(message: string): string {
  return /must be a string; got -?[\d.]+(?:e[+-]?\d+)?; write it in quotes, e\.g\. "[^"]*"$/.test(message) ? `${message} (YAML reads it as a number)` : message;
}

function isPlainObject(v: unknown): v is Entry {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `key:` with nothing after it (null) means the key is not set. */
function withoutNulls(v: unknown): unknown {
  return isPlainObject(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null)) : v;
}
