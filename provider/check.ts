/**
 * Plan-time validation and diffing shared by every resource: a resource describes its inputs once (zod fields,
 * cross-field rules, a normaliser) and gets `check` and `diff` from here.
 *
 * - Values not yet known at preview (the engine's sentinel string) are never validated and never defaulted:
 *   their field is left out of the parse and every rule that reads it is skipped.
 * - Each problem becomes a failure `{property, reason}`; the reason says what is wrong and how to fix it.
 * - The returned inputs are canonical (defaults filled, nulls dropped), equal to what `read` rebuilds from the
 *   server's answer, so a refresh followed by a preview shows no change.
 */
import { z } from "zod";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { LifecycleError } from "./errors";
import { formatPath, MAX_DEPTH, plainCopy, PROTO_KEY, TOO_DEEP, tooDeepAt, type Path } from "./models/plain";
import { closestName } from "./models/similar";

/** What the engine sends for a value that is not known yet (preview of an output of another resource). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface CheckFailure {
  /** Where, as the user writes it: `computers[0]`, `software.version` (see `formatPath`). */
  property: string;
  reason: string;
}

/** A failure with its path as segments, for callers that name the place in their own terms (the policy loader). */
export interface PathFailure extends CheckFailure {
  path: Path;
}

/** A failure at `path`. */
export function failureAt(path: readonly PropertyKey[], reason: string): PathFailure {
  const segments = path.map((p) => (typeof p === "number" ? p : String(p)));
  return { property: formatPath(segments), path: segments, reason };
}

export interface RuleContext<T> {
  readonly value: T;
  /** False when the field's value is unknown at preview: rules that read it must not judge it. */
  known(key: string): boolean;
  /** A failure at `property`: a key, or a path (`"software.version"`, `["computers", 0]`). */
  issue(property: string | readonly PropertyKey[], reason: string): void;
}

export type Rule<T> = (ctx: RuleContext<T>) => void;

/** A resource's input model: its fields, its cross-field rules and its canonical form. */
export interface InputModel<S extends z.ZodRawShape = z.ZodRawShape> {
  /** The resource's name, for messages. */
  readonly kind: string;
  readonly fields: S;
  readonly rules: ReadonlyArray<Rule<z.output<z.ZodObject<S>>>>;
  /** Fills values the server would infer; runs after the parse, before the rules. */
  readonly normalize?: (value: z.output<z.ZodObject<S>>, known: (key: string) => boolean) => z.output<z.ZodObject<S>>;
  /** Input keys whose change cannot be made in place (the resource is replaced). */
  readonly replaceOnChanges: readonly string[];
  /** Input keys read only at create (like `adoptId`); the generic diff never compares them. */
  readonly createOnly?: readonly string[];
}

/** True when `v` is or holds the unknown sentinel at any depth (iterative: any depth is safe). */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (!v || typeof v !== "object") return false; // most arguments: no walk
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x === UNKNOWN) return true;
    if (x && typeof x === "object") for (const y of Array.isArray(x) ? x : Object.values(x)) stack.push(y);
  }
  return false;
}

export interface ParsedInputs<T> {
  /** Canonical inputs, unknown values kept as they came. */
  inputs: Record<string, unknown>;
  /** The parsed known values (when there is no failure). */
  value?: T;
  failures: PathFailure[];
  unknown: ReadonlySet<string>;
}

/**
 * Validates and canonicalises raw inputs against a model. Makes no API call and never throws: whatever `raw`
 * holds (keys named like `Object.prototype`'s members, values nested thousands of levels deep) becomes failures.
 * Each argument is first copied as plain data (`models/plain.ts`): one nested more than {@link MAX_DEPTH} levels
 * deep is refused before any recursive code sees it, and a `__proto__` key, which JavaScript would drop, is
 * reported where it is.
 */
export function parseInputs<S extends z.ZodRawShape>(model: InputModel<S>, raw: Record<string, unknown>): ParsedInputs<z.output<z.ZodObject<S>>> {
  const given: Record<string, unknown> = {};
  const restore: Record<string, unknown> = {};
  const unknown = new Set<string>();
  const failures: PathFailure[] = [];
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    return { inputs: {}, failures: [failureAt([], `the arguments must be an object; got ${shown(raw)}`)], unknown };
  }
  /** Arguments refused before the parse (too deep): left out of it, like values that failed it. */
  const refused = new Set<string>();
  for (const k of Object.keys(raw)) {
    const v = raw[k];
    if (k === "__provider" || v === null || v === undefined) continue;
    if (k === PROTO_KEY) {
      failures.push(...unknownKeyFailures([], [k], model.fields));
      continue;
    }
    if (typeof v !== "object") {
      // Most arguments are text, numbers or flags: nothing to copy, nothing nested.
      if (v === UNKNOWN) unknown.add(k);
      (v === UNKNOWN ? restore : given)[k] = v;
      continue;
    }
    const deep = tooDeepAt(v, MAX_DEPTH);
    if (deep) {
      failures.push(failureAt(deepPath(model.fields, k, deep), TOO_DEEP));
      refused.add(k);
      continue;
    }
    const copy = plainCopy(v);
    for (const path of copy.protoKeys) failures.push(protoKeyFailure(model.fields, [k, ...path]));
    if (containsUnknown(copy.value)) {
      unknown.add(k);
      restore[k] = copy.value;
    } else {
      given[k] = copy.value;
    }
  }
  const parse = (skip: ReadonlySet<string>) => {
    const fields = skip.size === 0 ? given : Object.fromEntries(Object.entries(given).filter(([k]) => !skip.has(k)));
    return strictWithout(model.fields, skip).safeParse(fields, { reportInput: true });
  };
  let skip: Set<string> = new Set([...unknown, ...refused]);
  let parsed = parse(skip);
  if (!parsed.success) {
    // A loop, not push(...): a list of 100 000 bad ids would exceed the number of arguments a call can take.
    for (const issue of parsed.error.issues) for (const f of failuresOf(issue, model.fields)) failures.push(f);
    // Judge the cross-field rules on the fields that did parse, treating the bad ones like unknown values,
    // so one run reports every problem.
    skip = new Set([...skip, ...failures.map((f) => String(f.path[0] ?? ""))]);
    parsed = parse(skip);
    if (!parsed.success) return { inputs: { ...given, ...restore }, failures, unknown };
  }
  const known = (k: string) => !skip.has(k);
  let value = parsed.data as z.output<z.ZodObject<S>>;
  if (model.normalize) value = model.normalize(value, known);
  const issue = (property: string | readonly PropertyKey[], reason: string) => failures.push(failureAt(typeof property === "string" ? property.split(".") : property, reason));
  for (const rule of model.rules) rule({ value, known, issue });
  if (failures.length > 0) return { inputs: { ...given, ...restore }, failures, unknown };
  return { inputs: plainJson({ ...value, ...restore }), value, failures, unknown };
}

/** Built schemas per model: the strict object once, and one omitted variant per distinct set of skipped fields. */
const built = new WeakMap<z.ZodRawShape, { strict: z.ZodObject; without: Map<string, z.ZodObject> }>();
const NONE: ReadonlySet<string> = new Set();
/** Variants kept per model: a stack repeats a few sets of unknown or failing fields; more are built again. */
const MAX_VARIANTS = 64;

/**
 * `z.strictObject(fields)` without the fields in `skip`, built once per model and set of skipped fields (building
 * costs far more than parsing, and check and diff run for every resource of a stack). Schemas are immutable, so a
 * cached one parses exactly as a new one would. Module state, not the serialized shim's: the shim requires this
 * module when the host calls it.
 */
export function strictWithout(fields: z.ZodRawShape, skip: ReadonlySet<string>): z.ZodObject {
  let cache = built.get(fields);
  if (!cache) built.set(fields, (cache = { strict: z.strictObject(fields), without: new Map() }));
  if (skip.size === 0) return cache.strict;
  const omitted = [...skip].filter((k) => Object.hasOwn(fields, k)).sort();
  if (omitted.length === 0) return cache.strict;
  const key = omitted.join("\n");
  let schema = cache.without.get(key);
  if (!schema) {
    schema = cache.strict.omit(Object.fromEntries(omitted.map((k) => [k, true as const])) as never) as z.ZodObject;
    if (cache.without.size >= MAX_VARIANTS) cache.without.delete(cache.without.keys().next().value as string);
    cache.without.set(key, schema);
  }
  return schema;
}

/**
 * The checked value for create and update, which the engine calls only after a successful check; a failure here
 * means state from elsewhere (an import, an older version), so it is an error listing every problem.
 */
export function checkedValue<S extends z.ZodRawShape>(model: InputModel<S>, inputs: Record<string, unknown>): z.output<z.ZodObject<S>> {
  const parsed = parseInputs(model, inputs);
  if (parsed.failures.length > 0 || !parsed.value) {
    throw new LifecycleError("IMMYBOT_INVALID_ARGUMENTS", `Invalid ${model.kind} arguments: ${parsed.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
  }
  return parsed.value;
}

/**
 * The dynamic provider's `check`: canonical inputs plus failures. It never throws: an exception would reach the
 * engine as an RPC error and lose every other problem of the arguments. One that escapes `parseInputs` anyway (a
 * bug) becomes a failure of the whole resource.
 */
export function checkWith<S extends z.ZodRawShape>(model: InputModel<S>, news: Record<string, unknown>): dynamic.CheckResult {
  try {
    const { inputs, failures } = parseInputs(model, news);
    return { inputs, failures: failures.map(({ property, reason }) => ({ property, reason })) };
  } catch (e) {
    return { inputs: {}, failures: [{ property: "", reason: `could not be checked (${e instanceof Error ? e.message : String(e)}); this is a bug in pulumi-immybot: please report it` }] };
  }
}

/**
 * The dynamic provider's `diff`: compares the model's input keys of the stored state (canonicalised the same way,
 * so state written by an older version with fewer defaults does not diff) with the checked new inputs.
 * Output-only fields (id, timestamps, computed values) and `__provider` are never compared.
 */
export function diffWith<S extends z.ZodRawShape>(model: InputModel<S>, olds: Record<string, unknown>, news: Record<string, unknown>): dynamic.DiffResult {
  const keys = diffKeysOf(model);
  // `before[k]` as `pick(before, keys)` holds it: null and undefined alike absent.
  const differing = (before: Record<string, unknown>) => keys.filter((k) => containsUnknown(news[k]) || !jsonEqual(before[k] ?? undefined, news[k]));
  // The state usually holds exactly the checked arguments (canonical both): only a difference needs the old ones
  // canonicalised (state written by an older version, with fewer defaults), which costs a parse per resource.
  let changed = differing(olds);
  if (changed.length > 0) {
    const canonicalOld = parseInputs(model, pick(olds, keys));
    if (canonicalOld.failures.length === 0) changed = differing(canonicalOld.inputs);
  }
  const replaces = changed.filter((k) => model.replaceOnChanges.includes(k));
  return { changes: changed.length > 0, replaces, deleteBeforeReplace: false };
}

/** The input keys the generic diff compares, per model (its fields but the create-only ones), listed once. */
const diffKeys = new WeakMap<object, readonly string[]>();

function diffKeysOf(model: Pick<InputModel, "fields" | "createOnly">): readonly string[] {
  let keys = diffKeys.get(model);
  if (!keys) diffKeys.set(model, (keys = Object.keys(model.fields).filter((k) => !model.createOnly?.includes(k))));
  return keys;
}

export function pick(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined && o[k] !== null).map((k) => [k, o[k]]));
}

/** Structural equality of JSON values; key order does not matter (iterative: any depth is safe). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false; // most arguments: no walk
  const stack: [unknown, unknown][] = [[a, b]];
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    if (x === y) continue;
    if (x === null || y === null || typeof x !== "object" || typeof y !== "object") return false;
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    const [kx, ky] = [definedKeys(x), definedKeys(y)];
    if (kx.length !== ky.length || !kx.every((k) => Object.hasOwn(y, k))) return false;
    for (const k of kx) stack.push([(x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]]);
  }
  return true;
}

const definedKeys = (o: object) => Object.keys(o).filter((k) => (o as Record<string, unknown>)[k] !== undefined);

/** Plain JSON (no undefined anywhere): the host's Struct conversion rejects anything else. */
export function plainJson<T>(v: T): T {
  const copy = jsonCopy(v, 0);
  return (copy === NOT_PLAIN ? JSON.parse(JSON.stringify(v)) : copy) as T;
}

const NOT_PLAIN = Symbol("not plain");
/** Deeper than this, plainJson leaves the copy to JSON (which does not overflow the stack as soon). */
const COPY_DEPTH = 64;

/**
 * What `JSON.parse(JSON.stringify(v))` gives, for the values check and read produce (text, finite numbers, flags,
 * null, plain objects and arrays, undefined properties): a copy made in one walk, several times cheaper than the
 * round trip, which runs for every check. NOT_PLAIN for anything else (toJSON, a `__proto__` key, an undefined or
 * function in an array, NaN...): JSON's own rules then apply.
 */
function jsonCopy(v: unknown, depth: number): unknown {
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? (v === 0 ? 0 : v) : NOT_PLAIN; // -0 becomes 0, as in JSON
  if (typeof v !== "object" || depth > COPY_DEPTH) return NOT_PLAIN;
  if (Array.isArray(v)) {
    const out: unknown[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = jsonCopy(v[i], depth + 1);
      if (x === NOT_PLAIN) return NOT_PLAIN;
      out[i] = x;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || typeof (v as { toJSON?: unknown }).toJSON === "function") return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined) continue;
    if (k === PROTO_KEY) return NOT_PLAIN;
    const y = jsonCopy(x, depth + 1);
    if (y === NOT_PLAIN) return NOT_PLAIN;
    out[k] = y;
  }
  return out;
}

/** Keys `keys` of the object at `path` that its schema does not have: unknown properties, with "did you mean". */
function unknownKeyFailures(path: readonly PropertyKey[], keys: readonly string[], fields: z.ZodRawShape): PathFailure[] {
  const property = formatPath(path);
  const at = unwrap(schemaAt(fields, path));
  const known = at instanceof z.ZodObject ? Object.keys(at.shape) : [];
  const where = path.length === 0 ? "" : ` of ${property}`;
  return keys.map((k) => {
    const near = k === PROTO_KEY ? undefined : closestName(k, known);
    const fix = near ? `; did you mean ${JSON.stringify(near)}?` : path.length > 0 && known.length <= 8 ? `: remove it (the properties${where} are ${known.join(", ")})` : ": remove it";
    return failureAt([...path, k], `is not a known property${where}${fix}`);
  });
}

/** A `__proto__` key at `path` (which ends with it): an unknown property of an object, else a key that cannot travel. */
function protoKeyFailure(fields: z.ZodRawShape, path: Path): PathFailure {
  const parent = path.slice(0, -1);
  if (unwrap(schemaAt(fields, parent)) instanceof z.ZodObject) return unknownKeyFailures(parent, [PROTO_KEY], fields)[0]!;
  return failureAt(
    path,
    `cannot be used as a key: JavaScript drops a key named "${PROTO_KEY}" (Pulumi's provider host already does), so it would never reach ImmyBot: rename it or remove it`,
  );
}

/** Where a too-deep value is reported: the argument, or for a record (parameters) the entry by its name. */
function deepPath(fields: z.ZodRawShape, key: string, path: Path): Path {
  return unwrap(schemaAt(fields, [key])) instanceof z.ZodRecord && path.length > 0 ? [key, path[0]!] : [key];
}

function failuresOf(issue: z.core.$ZodIssue, fields: z.ZodRawShape): PathFailure[] {
  const at = (reason: string) => [failureAt(issue.path, reason)];
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "unrecognized_keys":
      return unknownKeyFailures(issue.path, issue.keys, fields);
    case "invalid_type":
      if (input === undefined) return at(`is required (${issue.expected})`);
      // A schema's own message says more than the type ("is not a computer id ..."); zod's own is replaced.
      if (!issue.message.startsWith("Invalid input")) return at(issue.message);
      return at(`must be ${TYPE_NAMES[issue.expected] ?? article(issue.expected)}; got ${shown(input)}${typeHint(issue.expected, input, schemaAt(fields, issue.path))}`);
    case "too_big":
    case "too_small":
      // zod's own words ("Too big: expected string to have <=128 characters") become the bound and the fix; a
      // schema's own message is kept.
      return at(/^Too (big|small):/.test(issue.message) ? boundReason(issue, input) : issue.message);
    case "invalid_key": {
      // A record's key (e.g. a parameter name): the path ends with the key itself.
      const key = issue.path.at(-1);
      return [failureAt(issue.path.slice(0, -1), `has the key ${JSON.stringify(key)}: ${issue.issues[0]?.message ?? issue.message}`)];
    }
    default:
      return at(issue.message);
  }
}

/**
 * How to write the value when it was given in another type and would be right in the expected one (`"3"` for a
 * number, `42` for an id that is text, `"true"` for a boolean); `schema` (the field's, when known) decides.
 */
function typeHint(expected: string, input: unknown, schema: z.core.$ZodType | undefined): string {
  const accepts = (v: unknown) => schema === undefined || z.safeParse(schema, v).success;
  if (expected === "string" && (typeof input === "number" || typeof input === "boolean")) {
    if (accepts(String(input))) return `; write it in quotes, e.g. "${String(input)}"`;
    // Quoting alone would not do: say what the text must look like (the field's own message, e.g. "is not HH:mm").
    const own = z.safeParse(schema!, String(input)).error?.issues[0]?.message;
    return own && !/^(Invalid|Too )/.test(own) ? `; ${own}` : "";
  }
  if (expected === "number" && typeof input === "string" && input.trim() !== "" && accepts(Number(input))) return `; write ${input.trim()} without quotes`;
  if (expected === "array" && input !== null && !Array.isArray(input) && accepts([input])) return `; write it as a list, e.g. ${JSON.stringify([input])}`;
  if (expected === "boolean") return typeof input === "string" && /^(true|false)$/i.test(input.trim()) ? `; write ${input.trim().toLowerCase()} without quotes` : "; use true or false";
  return "";
}

/** zod's type names, where they are not plain words. */
const TYPE_NAMES: Record<string, string> = { int: "a whole number", record: "an object" };

/** A length or a number out of its bounds: what the bound is, and what to do. */
function boundReason(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall, input: unknown): string {
  const big = issue.code === "too_big";
  const bound = Number(big ? (issue as z.core.$ZodIssueTooBig).maximum : (issue as z.core.$ZodIssueTooSmall).minimum);
  if (issue.origin === "string" && typeof input === "string") {
    if (!big && bound <= 1) return "is empty: give a value, or leave it out";
    return big ? `is ${input.length} characters long; at most ${bound} are allowed: shorten it` : `is ${input.length} characters long; at least ${bound} are needed`;
  }
  if (issue.origin === "array" && Array.isArray(input)) {
    return big ? `lists ${input.length} items; at most ${bound} are allowed` : `lists ${input.length} items; at least ${bound} are needed`;
  }
  const limit = big ? (issue.inclusive ? `at most ${bound}` : `less than ${bound}`) : issue.inclusive ? `at least ${bound}` : `greater than ${bound}`;
  return `must be ${limit}; got ${shown(input)}`;
}

/** The schema of the value at `path` inside `fields`, if any. */
function schemaAt(fields: z.ZodRawShape, path: readonly PropertyKey[]): z.core.$ZodType | undefined {
  let schema: z.core.$ZodType | undefined = strictWithout(fields, NONE);
  for (const segment of path) {
    schema = unwrap(schema);
    // Own keys only: a user's key such as "constructor" must not find Object.prototype's function.
    if (schema instanceof z.ZodObject) schema = Object.hasOwn(schema.shape, String(segment)) ? schema.shape[String(segment)] : undefined;
    else if (schema instanceof z.ZodArray) schema = schema.element;
    else if (schema instanceof z.ZodRecord) schema = schema.valueType;
    else return undefined;
  }
  return schema;
}

/** The schema inside optional, default, nullable and transform wrappers. */
function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  for (let s = schema; ; ) {
    const def = (s as { _zod?: { def?: { innerType?: z.core.$ZodType; in?: z.core.$ZodType } } } | undefined)?._zod?.def;
    const inner = def?.innerType ?? def?.in;
    if (!inner) return s;
    s = inner;
  }
}

/** A value as a message quotes it: JSON, except what JSON cannot say (NaN, Infinity, undefined). */
export function shown(v: unknown): string {
  return (typeof v === "number" && !Number.isFinite(v)) || v === undefined ? String(v) : (JSON.stringify(v) ?? String(v));
}

function article(t: string): string {
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}
