/**
 * Arguments as plain JSON data, whoever sends them (the engine through the provider host, the policy loader, a
 * test): own keys only, bounded depth. Every walk here is iterative, so no input, however deep, overflows the
 * stack; the recursive code after it (zod, JSON.stringify, the secret and equality walkers) only ever sees values
 * at most {@link MAX_DEPTH} levels deep.
 */

export type Path = (string | number)[];

/**
 * A path as the user writes it: `computers[0]`, `software.version`, `parameters["Admin Password"]` (the form of
 * the policy files and of JavaScript, so a check failure names the place as the program or the file spells it).
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/**
 * How deep an argument's value may nest (a list of lists of numbers is 2 levels). No ImmyBot setting comes close;
 * Pulumi's provider host itself cannot decode a request nested a thousand or so levels deep.
 */
export const MAX_DEPTH = 32;

/** The check failure's reason for a value nested deeper than {@link MAX_DEPTH}. */
export const TOO_DEEP = `is nested more than ${MAX_DEPTH} levels deep; no ImmyBot argument needs that: flatten the value`;

/**
 * JavaScript's `obj[key] = value` with this key sets the object's prototype instead of a property, so the key
 * vanishes (the provider host's protobuf decoding already drops it).
 */
export const PROTO_KEY = "__proto__";

const isContainer = (v: unknown): v is object => typeof v === "object" && v !== null;

/**
 * The path (from `v`) of the first object or array nested more than `max` levels deep in `v`, where `v` itself
 * is level 1; undefined when there is none. `leaf` says which objects not to enter (e.g. Pulumi outputs).
 */
export function tooDeepAt(v: unknown, max: number, leaf: (o: object) => boolean = () => false): Path | undefined {
  const stack: { value: unknown; path: Path }[] = [{ value: v, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (!isContainer(value) || leaf(value)) continue;
    if (path.length >= max) return path;
    for (const [k, x] of entriesOf(value)) stack.push({ value: x, path: [...path, k] });
  }
  return undefined;
}

export interface PlainCopy {
  /** `v` rebuilt from fresh objects and arrays: own enumerable keys only, `__proto__` keys left out. */
  value: unknown;
  /** Where `__proto__` keys were (each path ends with the key). */
  protoKeys: Path[];
}

/**
 * `v` as plain data (see {@link PlainCopy}). Call it only on values {@link tooDeepAt} accepted: it walks
 * iteratively, but its result is for recursive code.
 */
export function plainCopy(v: unknown): PlainCopy {
  const protoKeys: Path[] = [];
  const root: { value?: unknown } = {};
  const stack: { value: unknown; path: Path; put: (x: unknown) => void }[] = [{ value: v, path: [], put: (x) => (root.value = x) }];
  while (stack.length > 0) {
    const { value, path, put } = stack.pop()!;
    if (!isContainer(value)) {
      put(value);
      continue;
    }
    const copy = (Array.isArray(value) ? [] : {}) as Record<string | number, unknown>;
    put(copy);
    const entries = entriesOf(value).filter(([k]) => {
      if (k === PROTO_KEY) protoKeys.push([...path, k]);
      return k !== PROTO_KEY;
    });
    // Keys take their place in order now; their values are filled as the walk reaches them.
    for (const [k] of entries) copy[k] = undefined;
    for (const [k, x] of entries.reverse()) stack.push({ value: x, path: [...path, k], put: (y) => (copy[k] = y) });
  }
  return { value: root.value, protoKeys };
}

/** Own entries: indices of an array, own enumerable string keys of an object. */
function entriesOf(o: object): [string | number, unknown][] {
  if (Array.isArray(o)) return o.map((x, i) => [i, x]);
  return Object.keys(o).map((k) => [k, (o as Record<string, unknown>)[k]]);
}
