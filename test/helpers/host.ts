/**
 * Drives Pulumi's real dynamic-provider host over gRPC, as the engine does: Configure, then Check, Diff, Create,
 * Read, Update, Delete with the serialized provider in `__provider`. No Pulumi CLI is needed.
 *
 * `ProviderHost.start` starts a host and waits for it; `ProviderHost.fresh` hands out one started ahead in the
 * background (a process that has served nothing yet) and starts the next.
 *
 * The host runs with its working directory in a scratch project whose node_modules/pulumi-immybot links to this
 * repository, exactly where a user's project has the installed package (the shim requires it by name).
 *
 * `ProviderHost.start(env, { record: true })` records every message of the conversation in `traffic`, one string
 * each: `request <method> <json>`, `response <method> <json>` or `error <method> <json>` (the message as
 * `toObject()` gives it, each Struct decoded to its JSON; an error's code, details and partial-failure
 * properties). `logs` holds the host's stdout and stderr. `beforeCall` is awaited before each request is sent: a test
 * holds calls back with it to make them overlap (the recorded request is the one sent, after the wait).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, symlinkSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { wrapSecret } from "../../provider/secrets";
import { PROVIDER_MODULE } from "../../sdk/shim";
import { Slots } from "./slots";

const nodeRequire = createRequire(__filename);
/** The checkout's root (the folder with PulumiPlugin.yaml), whether this file runs from test/ or compiled from dist/test/. */
export const REPO = findRepo(__dirname);

function findRepo(from: string): string {
  for (let d = from; d !== dirname(d); d = dirname(d)) if (existsSync(join(d, "PulumiPlugin.yaml"))) return d;
  throw new Error(`no PulumiPlugin.yaml above ${from}`);
}
const grpc = nodeRequire("@grpc/grpc-js");
const services = nodeRequire("@pulumi/pulumi/proto/provider_grpc_pb");
const messages = nodeRequire("@pulumi/pulumi/proto/provider_pb");
const { Struct } = nodeRequire("google-protobuf/google/protobuf/struct_pb");
const { Status } = nodeRequire("@pulumi/pulumi/proto/status_pb");

export { UNKNOWN } from "../../provider/check";
type Props = Record<string, unknown>;

export function urnFor(type: string, name: string, stack = "dev", project = "immybot-test"): string {
  return `urn:pulumi:${stack}::${project}::pulumi-nodejs:dynamic/immybot:${type}::${name}`;
}

/** The exact `__provider` text the engine stores for a resource type: the SDK's own serializer on the built shim. */
export async function serializedProvider(kind: string): Promise<string> {
  const runtime = nodeRequire("@pulumi/pulumi/runtime");
  const { shimFor } = nodeRequire(join(REPO, "dist/sdk/shim.js"));
  const provider = shimFor(kind); // what pulumi.dynamic.Resource does: serialize `() => provider`
  const sf = await runtime.serializeFunction(() => provider, { allowSecrets: true });
  return sf.text;
}

/** An error the host returned; `initFailure` is set when the object exists (partial failure kept in state). */
export class HostError extends Error {
  constructor(
    message: string,
    readonly initFailure?: { id: string; properties: Props; reasons: string[] },
  ) {
    super(message);
  }
}

export interface HostOptions {
  /** Record every request, response and error in `traffic`. */
  record?: boolean;
  /** Awaited before each request is sent (`method`: "check", "diff", "create", ...). */
  beforeCall?: (method: string) => Promise<void> | void;
  /** How long the host may take from its spawn until it listens (default {@link START_TIMEOUT_MS}). */
  startTimeoutMs?: number;
  /**
   * A user's project to run in instead of a scratch one linked to this checkout: the host is that project's
   * @pulumi/pulumi and the shim finds that project's installed pulumi-immybot (the directory is left in place).
   */
  project?: string;
}

export class ProviderHost {
  /** The recorded conversation (with `record: true`), oldest first. */
  readonly traffic: string[] = [];

  private stopped = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly exited: Promise<unknown>,
    private readonly stub: any,
    /** The scratch project the host runs in (removed on stop), or undefined when it runs in a user's project. */
    private readonly scratch: string | undefined,
    readonly logs: { stdout: string; stderr: string },
    private options: HostOptions,
    /** How long the start took, from the spawn until the host listened (ms). */
    readonly startMs: number,
  ) {}

  /**
   * A host that has served nothing yet, as `start` gives, but usually without the wait: one started in the
   * background by an earlier call with the same environment, if there is one (it has also loaded the provider's
   * code, as its first call would); each call starts the next in the background. At most two such spares are kept
   * (the oldest is stopped); like every host, they never keep the test process alive and exit with it.
   */
  static async fresh(env: NodeJS.ProcessEnv = {}, options: HostOptions = {}): Promise<ProviderHost> {
    const key = JSON.stringify(spawnEnv(env));
    const spare = spares.get(key);
    spares.delete(key);
    const next = ProviderHost.start({ ...env, PULUMI_IMMYBOT_HOST_PRELOAD: PROVIDER_MODULE });
    spares.set(key, next);
    void next.catch(() => spares.get(key) === next && spares.delete(key)); // a failed spare: the next call starts its own
    for (const [k, p] of [...spares].slice(0, -2)) {
      spares.delete(k);
      void p.then((h) => h.stop(), () => undefined);
    }
    const host = await spare?.catch(() => undefined);
    if (!host?.running) {
      void host?.stop(); // a spare that died waiting: its scratch directory goes
      return ProviderHost.start(env, options);
    }
    host.options = options;
    return host;
  }

  /**
   * Starts a host and waits until it listens. At most {@link MAX_STARTING} hosts start at once in this process (the
   * others wait their turn; the timeout counts from the spawn). A host that exits, cannot be spawned or does not
   * listen within `startTimeoutMs` (default {@link START_TIMEOUT_MS}) fails the start with its exit code or signal, stderr and stdout.
   */
  static start(env: NodeJS.ProcessEnv = {}, options: HostOptions = {}): Promise<ProviderHost> {
    return starting.run(() => ProviderHost.spawn(env, options));
  }

  /** The most hosts that were starting at once in this process so far (at most {@link MAX_STARTING}). */
  static get peakStarting(): number {
    return starting.peak;
  }

  private static async spawn(env: NodeJS.ProcessEnv, options: HostOptions): Promise<ProviderHost> {
    const started = performance.now();
    const dir = options.project ?? mkdtempSync(join(tmpdir(), "immybot-host-"));
    if (!options.project) {
      mkdirSync(join(dir, "node_modules"));
      symlinkSync(REPO, join(dir, "node_modules", "pulumi-immybot"), "dir");
    }
    const hostModule = options.project ? { PULUMI_IMMYBOT_HOST_MODULE: nodeRequire.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [options.project] }) } : {};
    const child = spawn(process.execPath, [join(REPO, "test/helpers/host-entry.cjs"), "127.0.0.1:1"], {
      cwd: dir,
      env: { ...spawnEnv(env), ...hostModule },
      stdio: ["pipe", "pipe", "pipe"],
    });
    // The host never keeps the test process alive (calls in flight do); it exits when the test process does.
    for (const handle of [child, child.stdin, child.stdout, child.stderr]) (handle as { unref?: () => void } | null)?.unref?.();
    const exited = new Promise((r) => child.once("exit", r));
    child.stdin!.on("error", () => undefined); // EPIPE after a kill: the exit is what counts
    const logs = { stdout: "", stderr: "" };
    child.stderr!.on("data", (d) => (logs.stderr += d));
    child.stdout!.on("data", (d) => (logs.stdout += d));
    const failure = (what: string) => {
      const s = Math.round((performance.now() - started) / 100) / 10;
      return new Error(`provider host (pid ${child.pid ?? "none"}) ${what} after ${s} s\n${output("stderr", logs.stderr)}\n${output("stdout", logs.stdout)}`);
    };
    const timeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
    const port = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(failure(`did not start within ${timeoutMs / 1000} s (killed)`)), timeoutMs);
      const done = () => clearTimeout(timer);
      child.stdout!.on("data", () => {
        const m = /^(\d+)\s*$/m.exec(logs.stdout);
        if (m) {
          done();
          ok(m[1] as string);
        }
      });
      child.once("error", (e) => {
        done();
        fail(failure(`could not be spawned (${e.message})`));
      });
      // "close": the exit, and the output read to its end.
      child.once("close", (code, signal) => {
        done();
        fail(failure(`exited before it listened (${signal ? `signal ${signal}` : `exit code ${code}`})`));
      });
    }).catch(async (e: unknown) => {
      child.kill("SIGKILL");
      if (child.pid !== undefined) await exited;
      if (!options.project) rmSync(dir, { recursive: true, force: true });
      throw e;
    });
    const stub = new services.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new ProviderHost(child, exited, stub, options.project ? undefined : dir, logs, options, performance.now() - started);
  }

  /** Whether the host's process is still running (not yet stopped or killed). */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The host's process id (e.g. to read its peak memory). */
  get pid(): number {
    return this.child.pid!;
  }

  /** Kills the host at once (SIGKILL), as a cancelled CI job or a crash would: calls in flight fail. */
  async kill(): Promise<void> {
    if (!this.stopped) this.child.kill("SIGKILL");
    await this.stop();
  }

  /** Stops the host (it exits when its stdin closes); once stopped, or killed, it stays so. */
  async stop(): Promise<void> {
    if (this.stopped) return this.exited.then(() => undefined);
    this.stopped = true;
    this.stub.close();
    this.child.stdin!.end();
    await this.exited;
    if (this.scratch) rmSync(this.scratch, { recursive: true, force: true });
  }

  private async call<T>(method: string, req: unknown): Promise<T> {
    await this.options.beforeCall?.(method);
    const record = this.options.record ?? false;
    if (record) this.traffic.push(`request ${method} ${JSON.stringify(messageJson(req))}`);
    return new Promise((ok, fail) =>
      this.stub[method](req, (err: any, resp: T) => {
        if (err) {
          const e = toHostError(err);
          if (record) this.traffic.push(`error ${method} ${JSON.stringify({ code: err.code, details: err.details, message: e.message, initFailure: e.initFailure })}`);
          fail(e);
        } else {
          if (record) this.traffic.push(`response ${method} ${JSON.stringify(messageJson(resp))}`);
          ok(resp);
        }
      }),
    );
  }

  /**
   * Configure with stack config (`<namespace>:<key>` -> value). Keys in `secretKeys` travel as the engine sends a
   * secret config value: in the RPC secret form, which the host unwraps.
   */
  async configure(config: Record<string, string>, secretKeys: readonly string[] = []): Promise<void> {
    const req = new messages.ConfigureRequest();
    const args = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, secretKeys.includes(k) ? wrapSecret(v) : v]));
    req.setArgs(Struct.fromJavaScript(args));
    req.setAcceptsecrets(true);
    await this.call("configure", req);
  }

  async check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    const req = new messages.CheckRequest();
    req.setUrn(urn);
    req.setOlds(Struct.fromJavaScript(olds));
    req.setNews(Struct.fromJavaScript(news));
    const resp: any = await this.call("check", req);
    return {
      inputs: resp.getInputs().toJavaScript(),
      failures: resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  /**
   * Check with a CheckRequest's bytes as they are (see `wire-struct.ts`): what the engine can send but this
   * client's protobuf library cannot build.
   */
  async checkBytes(request: Buffer): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    if (this.options.record) this.traffic.push(`request check (${request.length} bytes)`);
    const resp: any = await new Promise((ok, fail) =>
      this.stub.makeUnaryRequest(
        "/pulumirpc.ResourceProvider/Check",
        (b: Buffer) => b,
        (b: Buffer) => messages.CheckResponse.deserializeBinary(new Uint8Array(b)),
        request,
        (err: any, r: unknown) => (err ? fail(toHostError(err)) : ok(r)),
      ),
    );
    return {
      inputs: resp.getInputs().toJavaScript(),
      failures: resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(urn: string, id: string, olds: Props, news: Props): Promise<{ changes: "none" | "some" | "unknown"; replaces: string[]; deleteBeforeReplace: boolean }> {
    const req = new messages.DiffRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(Struct.fromJavaScript(olds));
    req.setNews(Struct.fromJavaScript(news));
    const resp: any = await this.call("diff", req);
    const kinds = messages.DiffResponse.DiffChanges;
    const changes = resp.getChanges() === kinds.DIFF_SOME ? "some" : resp.getChanges() === kinds.DIFF_NONE ? "none" : "unknown";
    return { changes, replaces: resp.getReplacesList(), deleteBeforeReplace: resp.getDeletebeforereplace() };
  }

  async create(urn: string, props: Props): Promise<{ id: string; properties: Props }> {
    const req = new messages.CreateRequest();
    req.setUrn(urn);
    req.setProperties(Struct.fromJavaScript(props));
    const resp: any = await this.call("create", req);
    return { id: resp.getId(), properties: resp.getProperties().toJavaScript() };
  }

  async read(urn: string, id: string, props: Props, inputs?: Props): Promise<{ id: string; properties: Props; inputs?: Props }> {
    const req = new messages.ReadRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(Struct.fromJavaScript(props));
    if (inputs) req.setInputs(Struct.fromJavaScript(inputs));
    const resp: any = await this.call("read", req);
    return { id: resp.getId(), properties: resp.getProperties()?.toJavaScript() ?? {}, inputs: resp.getInputs()?.toJavaScript() };
  }

  async update(urn: string, id: string, olds: Props, news: Props): Promise<{ properties: Props }> {
    const req = new messages.UpdateRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(Struct.fromJavaScript(olds));
    req.setNews(Struct.fromJavaScript(news));
    const resp: any = await this.call("update", req);
    return { properties: resp.getProperties().toJavaScript() };
  }

  async delete(urn: string, id: string, props: Props): Promise<void> {
    const req = new messages.DeleteRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(Struct.fromJavaScript(props));
    await this.call("delete", req);
  }
}

/** A gRPC message as JSON: `toObject()`, with each Struct field decoded (`olds`, `news`, `properties`, `inputs`, `args`, ...). */
function messageJson(msg: any): Record<string, unknown> {
  const o: Record<string, unknown> = msg?.toObject?.() ?? {};
  for (const k of Object.keys(o)) {
    const getter = msg[`get${k[0]!.toUpperCase()}${k.slice(1).toLowerCase()}`];
    const v = typeof getter === "function" ? getter.call(msg) : undefined;
    if (v && typeof v.toJavaScript === "function") o[k] = v.toJavaScript();
  }
  return o;
}

/** The host's environment: `env` over this process's, but nothing IMMYBOT_* from the developer's shell leaks into a test. */
function spawnEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("IMMYBOT_")));
  return { ...inherited, ...env, PULUMI_IMMYBOT_HOST_MODULE: nodeRequire.resolve("@pulumi/pulumi/cmd/dynamic-provider") };
}

/**
 * How many hosts start at once in this process. A start is a Node process loading @pulumi/pulumi, CPU-bound for
 * about a second: a dozen at once on 2 cores (bad-input's settings hosts) made each one late, some past any timeout.
 */
const MAX_STARTING = 2;
const starting = new Slots(MAX_STARTING);

/** How long a host may take from its spawn until it listens: about 1 s idle, several under load; this is for a machine far busier. */
const START_TIMEOUT_MS = 45_000;

/** A stream's text for an error message: its last 4000 characters, or "(empty)". */
function output(name: string, text: string): string {
  const t = text.trim();
  return `${name}: ${t === "" ? "(empty)" : t.length > 4000 ? `...${t.slice(-4000)}` : t}`;
}

/** Hosts started ahead for `ProviderHost.fresh`, by their spawn environment (oldest first). */
const spares = new Map<string, Promise<ProviderHost>>();

function toHostError(err: any): HostError {
  const raw = err.metadata?.get?.("grpc-status-details-bin")?.[0];
  if (raw) {
    const status = Status.deserializeBinary(new Uint8Array(raw));
    for (const any of status.getDetailsList()) {
      if (any.getTypeName() === "pulumirpc.ErrorResourceInitFailed") {
        const detail = messages.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
        return new HostError(err.details ?? err.message, {
          id: detail.getId(),
          properties: detail.getProperties()?.toJavaScript() ?? {},
          reasons: detail.getReasonsList(),
        });
      }
    }
  }
  return new HostError(err.details ?? err.message);
}
