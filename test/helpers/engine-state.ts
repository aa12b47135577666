/**
 * The engine harness's state (test/helpers/engine.ts): what it stores per resource, how values travel (unknowns,
 * secrets marked, plain for the host), the engine's secret rules, and Pulumi's passphrase encryption of secrets.
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from "node:crypto";
import { UNKNOWN, type ProviderHost } from "./host";
import { isSecret, SECRET_SIG, SIG_KEY, unwrapSecrets } from "../../provider/secrets";

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

export type Props = Record<string, unknown>;

/** One resource in the stack's state, as the engine keeps it (secrets encrypted). */
export interface StateResource {
  urn: string;
  type: string;
  /** The provider's id; "" never stays in state. */
  id: string;
  /** Checked inputs (`__provider` included). */
  inputs: Props;
  outputs: Props;
  dependencies: string[];
  /** Per input, the resources its value came from (what a delete-before-replace of one of them replaces). */
  propertyDependencies?: Record<string, string[]>;
  /** Reasons of a partial failure: the next `up` updates the resource even without a diff. */
  initErrors?: string[];
  /** Read with `.get`: refreshed, never created, updated or deleted. */
  external?: boolean;
  /** Replaced (create before delete), waiting for its deletion at the end of an `up`. */
  delete?: boolean;
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  /** Outputs the engine stores as secrets whatever the provider answers. */
  additionalSecretOutputs?: string[];
}

export interface StackState {
  version: 1;
  project: string;
  stack: string;
  /** Salt of the secrets key and a check value (`v1:<salt>:v1:<nonce>:<ciphertext of "pulumi">`), once a secret was stored. */
  encryptionsalt?: string;
  outputs: Props;
  resources: StateResource[];
}

export type Op = "create" | "update" | "replace" | "delete" | "delete-replaced" | "same" | "read" | "refresh" | "discard";

export interface Step {
  op: Op;
  urn: string;
  /** The resource's name (the URN's last part). */
  name: string;
  /** For a replace: the properties the provider said force it. */
  detail?: string[];
}

export interface RunResult {
  steps: Step[];
  /** The stack's outputs (after `up`; unknown values of a preview are left out). */
  outputs: Props;
  /** The engine's warnings, each `<resource name>: <message>` (e.g. a resource a refresh found unhealthy). */
  warnings: string[];
  /** The operation's provider host, stopped (its logs, recorded traffic, pid); absent when it needed none. */
  host?: ProviderHost;
}

/** `up`, `preview`, `refresh` or `destroy` failed; `errors` holds every message, `steps` what was done. */
export class EngineError extends Error {
  /** The failed operation's provider host, stopped; absent when it started none. */
  host?: ProviderHost;

  constructor(
    readonly errors: string[],
    readonly steps: Step[],
  ) {
    super(errors.join("\n"));
  }
}

// ---- values ----

/** The program's inputs as JSON: unknowns as the sentinel, secrets still marked (`{ <sig>, value }`). */
export function wire(inputs: Props): Props {
  const unknowns = (v: unknown): unknown => {
    if (isUnknown(v)) return UNKNOWN;
    if (Array.isArray(v)) return v.map(unknowns);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unknowns(x)]));
    return v;
  };
  return unknowns(inputs) as Props;
}

/** Values as the engine sends them to a provider that does not accept secrets (the dynamic-provider host): plain. */
export function plainOf(props: Props): Props {
  return unwrapSecrets(props) as Props;
}

// ---- secrets ----

/** A secret in the program's form: `{ <sig>, value }`. */
export function isSecretValue(v: unknown): v is { value: unknown } {
  return isSecret(v) && "value" in v;
}

/** A secret in the stored form: `{ <sig>, ciphertext }`. */
export function isSealed(v: unknown): v is { ciphertext: string } {
  return isSecret(v) && typeof (v as Props).ciphertext === "string";
}

export function secret(value: unknown): Props {
  return { [SIG_KEY]: SECRET_SIG, value };
}

export function containsSecret(v: unknown): boolean {
  if (isSecretValue(v) || isSealed(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  if (v && typeof v === "object") return Object.values(v).some(containsSecret);
  return false;
}

/** A plain object (not a list, a secret or another special value): what the engine recurs into. */
function isObject(v: unknown): v is Props {
  return !!v && typeof v === "object" && !Array.isArray(v) && !(SIG_KEY in v);
}

/**
 * The engine's `annotateSecrets` (pkg/resource/plugin/provider_plugin.go), applied to what a provider that does not
 * accept secrets answers (Check's inputs, the outputs of Create, Update and Read, Read's inputs), against what it was
 * sent: for each key of both, when both values are objects it recurs into them; otherwise, when the value sent held
 * a secret anywhere, the whole answer at that key becomes secret. So a secret nested in an object stays secret at its
 * position alone, while a list holding one becomes secret whole (a provider may reorder a list). Secrets the provider
 * returned wrapped stay as they are.
 */
export function annotateSecrets(outs: Props, ins: Props | undefined): Props {
  if (!ins) return outs;
  return Object.fromEntries(
    Object.entries(outs).map(([k, v]) => {
      if (v === undefined || !Object.hasOwn(ins, k)) return [k, v];
      const sent = ins[k];
      if (isObject(v) && isObject(sent)) return [k, annotateSecrets(v, sent)];
      return [k, !isSecretValue(v) && containsSecret(sent) ? secret(unwrapSecrets(v)) : v];
    }),
  );
}

/**
 * What the step executor (pkg/resource/deploy/step_executor.go) does to a step's new outputs: those named in
 * additionalSecretOutputs become secret, and so does an output whose input of the same name is a secret as a whole.
 */
export function secretOutputs(outs: Props, inputs: Props, additionalSecretOutputs: readonly string[] = []): Props {
  return Object.fromEntries(
    Object.entries(outs).map(([k, v]) => {
      const makeSecret = v !== undefined && !isSecretValue(v) && (additionalSecretOutputs.includes(k) || isSecretValue(inputs[k]));
      return [k, makeSecret ? secret(unwrapSecrets(v)) : v];
    }),
  );
}

/**
 * `value` as the SDK's mock monitor decodes a request (a secret nested in an object or a list makes the whole
 * enclosing value secret), with its secrets put back where the request itself (`raw`: its Struct as JSON) had them,
 * which is what the engine receives and keeps.
 */
export function secretsWhere(value: unknown, raw: unknown): unknown {
  if (isSecret(raw)) return isSecretValue(value) ? value : secret(value);
  const v = isSecretValue(value) ? value.value : value;
  if (Array.isArray(v) && Array.isArray(raw) && v.length === raw.length) return v.map((x, i) => secretsWhere(x, raw[i]));
  if (isObject(v) && isObject(raw)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, secretsWhere(x, raw[k])]));
  return value;
}

/**
 * Pulumi's passphrase secrets provider: AES-256-GCM under a key derived (PBKDF2-SHA256) from the passphrase and
 * a per-state random salt. The state keeps `encryptionsalt` = `v1:<salt>:` + the encryption of "pulumi" (to tell a
 * wrong passphrase), never the key. Encrypting the same plaintext again gives the ciphertext it had (Pulumi caches
 * them too), so an unchanged secret does not change the state.
 */
export class Crypter {
  private key?: Buffer;
  private readonly ciphertexts = new Map<string, string>();
  private readonly plaintexts = new Map<string, string>();

  constructor(
    private readonly passphrase: string,
    private readonly state: StackState,
  ) {}

  encrypt(plaintext: string): string {
    let c = this.ciphertexts.get(plaintext);
    if (c === undefined) {
      c = encryptWith(this.keyFor(), plaintext);
      this.ciphertexts.set(plaintext, c);
      this.plaintexts.set(c, plaintext);
    }
    return c;
  }

  decrypt(ciphertext: string): string {
    let p = this.plaintexts.get(ciphertext);
    if (p === undefined) {
      p = decryptWith(this.keyFor(), ciphertext);
      this.plaintexts.set(ciphertext, p);
      this.ciphertexts.set(p, ciphertext);
    }
    return p;
  }

  private keyFor(): Buffer {
    if (this.key) return this.key;
    const derive = (salt: Buffer) => pbkdf2Sync(this.passphrase, salt, 10_000, 32, "sha256");
    const stored = this.state.encryptionsalt;
    if (stored === undefined) {
      const salt = randomBytes(8);
      this.key = derive(salt);
      this.state.encryptionsalt = `v1:${salt.toString("base64")}:${encryptWith(this.key, "pulumi")}`;
    } else {
      const m = /^v1:([^:]+):(v1:.+)$/.exec(stored);
      if (!m) throw new Error(`the state's encryptionsalt is not v1:<salt>:<check>: ${stored}`);
      const key = derive(Buffer.from(m[1]!, "base64"));
      let check: string | undefined;
      try {
        check = decryptWith(key, m[2]!);
      } catch {
        check = undefined;
      }
      if (check !== "pulumi") throw new Error("incorrect passphrase: the state's secrets cannot be decrypted");
      this.key = key;
    }
    return this.key;
  }
}

/** `v1:<nonce>:<ciphertext and tag>`, both base64: the format of Pulumi's symmetric crypter. */
function encryptWith(key: Buffer, plaintext: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `v1:${nonce.toString("base64")}:${body.toString("base64")}`;
}

function decryptWith(key: Buffer, ciphertext: string): string {
  const m = /^v1:([^:]+):([^:]+)$/.exec(ciphertext);
  if (!m) throw new Error("a secret in the state is not v1:<nonce>:<ciphertext>");
  const body = Buffer.from(m[2]!, "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(m[1]!, "base64"));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString("utf8");
}

/** Stack outputs as JSON: unknowns (preview) left out, secrets unwrapped. */
export function plain(v: unknown): unknown {
  const json = JSON.stringify(unwrapSecrets(v) ?? {}, (_k, x) => (isUnknown(x) || x === UNKNOWN ? undefined : x));
  return JSON.parse(json);
}

/** The engine's URN: children of the root stack do not carry its type (the mock monitor's URNs do). */
export function engineUrn(urn: string): string {
  return urn.replace(`::${ROOT_STACK_TYPE}$`, "::");
}

/** The SDK's unknown value, by its marker (unwrapSecrets copies it into a plain object). */
export function isUnknown(v: unknown): boolean {
  return !!v && typeof v === "object" && (v as { __pulumiUnknown?: unknown }).__pulumiUnknown === true;
}

export function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

export function step(op: Op, urn: string, detail?: string[]): Step {
  return detail ? { op, urn, name: nameOf(urn), detail } : { op, urn, name: nameOf(urn) };
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Props)[k])]));
  return v;
}
