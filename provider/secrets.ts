/**
 * Secret arguments on the provider side. Pulumi's Node dynamic-provider host answers Configure with
 * `acceptSecrets: false`, so the engine sends every value plain; what the provider answers, though, is kept as a
 * secret when it carries Pulumi's secret wrapper (`{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value }`).
 * So a secret argument (a Deployment's `parameters`: ImmyBot returns password parameters in clear text) leaves
 * the provider wrapped in every answer (Check's inputs, Create/Read/Update outputs, a partial failure's
 * properties), never plain, whatever the engine knew about it; and no error message or check failure quotes its
 * values. Arguments arrive plain (from the engine) or wrapped (from a caller that passes an answer back): both
 * are accepted.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { UNKNOWN } from "./check";
import { redact } from "./client/errors";
import { likeError } from "./errors";
import { MAX_DEPTH } from "./models/plain";
import type { Lifecycle } from "./rest-resource";

/** Pulumi's wire marker of a secret: this key with this value, next to `value`. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

type Props = Record<string, unknown>;

export function isSecret(v: unknown): v is { value: unknown } {
  return !!v && typeof v === "object" && (v as Props)[SIG_KEY] === SECRET_SIG;
}

/**
 * How deep the walkers below go. Arguments arrive before check has judged them and may nest thousands of levels
 * deep; check refuses anything deeper than MAX_DEPTH, so what lies below this depth is never used.
 */
const WALK_DEPTH = 2 * MAX_DEPTH;

/** `v` with every secret wrapper, at any depth up to WALK_DEPTH, replaced by its value (a copy). */
export function unwrapSecrets<T = unknown>(v: unknown): T {
  return unwrapped(v, 0);
}

/**
 * The arguments as check and diff get them: `unwrapSecrets(v)`, or `v` itself when it holds no wrapper. They run
 * for every resource of every up, the engine sends arguments plain, and neither changes them: no copy for nothing.
 */
function plainArgs(v: Props): Props {
  return holdsSecret(v, 0) ? unwrapped(v, 0) : v;
}

function holdsSecret(v: unknown, depth: number): boolean {
  if (depth > WALK_DEPTH || !v || typeof v !== "object") return false;
  if (isSecret(v)) return true;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (holdsSecret(x, depth + 1)) return true;
  return false;
}

function unwrapped<T = unknown>(v: unknown, depth: number): T {
  if (depth > WALK_DEPTH) return v as T;
  if (isSecret(v)) return unwrapped(v.value, depth + 1);
  if (Array.isArray(v)) return v.map((x) => unwrapped(x, depth + 1)) as T;
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapped(x, depth + 1)])) as T;
  return v as T;
}

/** `v` as a secret (a value unknown at preview stays as it is: the engine keeps an unknown's secretness itself). */
export function wrapSecret(v: unknown): unknown {
  if (v === undefined || v === UNKNOWN || isSecret(v)) return v;
  return { [SIG_KEY]: SECRET_SIG, value: unwrapSecrets(v) };
}

/** `props` with the values of `keys` wrapped as secrets. */
export function wrapKeys<T extends Props | undefined>(props: T, keys: readonly string[]): T {
  if (!props || !keys.some((k) => props[k] !== undefined)) return props; // nothing to wrap (wrapSecret leaves undefined as it is)
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, keys.includes(k) ? wrapSecret(v) : v])) as T;
}

/** Every string inside the values of `keys` (what a message must not quote). */
export function secretStrings(props: Props | undefined, keys: readonly string[]): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (typeof v === "string") out.add(v);
    else if (depth > WALK_DEPTH) return;
    else if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    else if (v && typeof v === "object") Object.values(v).forEach((x) => walk(x, depth + 1));
  };
  for (const k of keys) walk(unwrapSecrets(props?.[k]), 0);
  out.delete(UNKNOWN);
  return [...out];
}

/**
 * `l` with the secret arguments `keys` handled at its edges: arguments unwrapped on entry; the values of `keys`
 * wrapped in every answer (and in a partial failure's properties); their strings redacted from check failures
 * and from the message and reasons of any error thrown.
 */
export function withSecrets(keys: readonly string[], l: Lifecycle): Lifecycle {
  if (keys.length === 0) return l;
  const guard = async <T>(args: Props[], call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (e) {
      throw redactedError(e, args.flatMap((a) => secretStrings(a, keys)), keys);
    }
  };
  return {
    ...l,
    async check(olds, news) {
      const [o, n] = [plainArgs(olds), plainArgs(news)];
      return guard([o, n], async () => {
        const r = await l.check(o, n);
        const secrets = secretStrings(n, keys);
        return {
          ...r,
          inputs: wrapKeys(r.inputs, keys),
          ...(r.failures ? { failures: r.failures.map((f) => ({ ...f, reason: redact(f.reason, secrets) })) } : {}),
        };
      });
    },
    async diff(id, olds, news) {
      const [o, n] = [plainArgs(olds), plainArgs(news)];
      return guard([o, n], () => l.diff(id, o, n));
    },
    async create(inputs) {
      const i = unwrapSecrets<Props>(inputs);
      return guard([i], async () => {
        const r = await l.create(i);
        return { ...r, outs: wrapKeys(r.outs, keys) };
      });
    },
    async read(id, props) {
      const p = unwrapSecrets<Props>(props);
      return guard([p], async () => {
        const r = await l.read(id, p);
        return { ...r, ...(r.props ? { props: wrapKeys(r.props, keys) } : {}), ...(r.inputs ? { inputs: wrapKeys(r.inputs, keys) } : {}) };
      });
    },
    async update(id, olds, news) {
      const [o, n] = [unwrapSecrets<Props>(olds), unwrapSecrets<Props>(news)];
      return guard([o, n], async () => {
        const r = await l.update(id, o, n);
        return { ...r, outs: wrapKeys(r.outs, keys) };
      });
    },
    async delete(id, props) {
      const p = unwrapSecrets<Props>(props);
      return guard([p], () => l.delete(id, p));
    },
  };
}

/** `e` without these strings in its message (and a partial failure's reasons); `e` itself when none occurs. */
export function withoutSecrets(e: unknown, secrets: readonly string[]): unknown {
  return secrets.length ? redactedError(e, secrets, []) : e;
}

/**
 * The error the host reports instead of `e`: a new error of its kind and code (the host prints `e.stack`, which
 * keeps the message it was made with) without the secret strings, keeping a partial failure's id, properties
 * (secrets wrapped) and reasons. No `cause`: `util.inspect` would print the original message with it.
 */
function redactedError(e: unknown, secrets: readonly string[], keys: readonly string[]): unknown {
  if (!(e instanceof Error)) return e;
  const message = redact(e.message, secrets);
  const partial = e as Error & { id?: string; properties?: Props; reasons?: string[] };
  if (message === e.message && partial.id === undefined) return e;
  const out = likeError(e, message);
  if (partial.id !== undefined) {
    Object.assign(out, {
      id: partial.id,
      properties: wrapKeys(partial.properties, keys),
      reasons: partial.reasons?.map((r) => redact(r, secrets)),
    });
  }
  return out;
}
