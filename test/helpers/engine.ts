/**
 * A small stand-in for the Pulumi engine, so that scenario tests can run `up`, `preview`, `refresh` and `destroy`
 * without the Pulumi CLI. The program runs in this process under the SDK's mock monitor; every custom resource it
 * registers is forwarded to Pulumi's real dynamic-provider host over gRPC (test/helpers/host.ts), and the stack's
 * state lives in a JSON file between runs.
 *
 * The provider host, as the CLI runs it: every operation has a host process of its own, sends it Configure first
 * (`hostConfig`, the keys in `hostSecretConfig` as secrets) and stops it when the operation ends, failed or not;
 * nothing the provider keeps in memory (ids it has seen, caches, its token) outlives an operation. To spare the
 * tests the wait, the process is one started in the background while an earlier operation ran (it has served
 * nothing before this operation's Configure; `prestartHosts: false` starts it when needed). The host's
 * environment is `hostEnv`, by default the program's `env` (the CLI passes its environment to both). `currentHost`
 * is the host of the operation in flight (a test may kill it), RunResult.host and EngineError.host the one of the
 * finished operation (logs, recorded traffic, pid), `hosts` every host the Engine started.
 *
 * Order and parallelism, as pulumi's step generator and step executor have them:
 *   - Registrations are taken one at a time, in the order they arrive (a resource registers once the outputs it
 *     depends on are known): Check, then Diff, then the step is handed to a worker, waiting for a free one. So a
 *     registration whose Check or Diff (or hand-off) is waiting holds up the next one's.
 *   - At most `parallel` steps (create, update, replace, same, read of `.get`) run at once on the workers; default
 *     4 x os.availableParallelism(), as recent CLIs (`--parallel`, PULUMI_PARALLEL).
 *   - `continueOnError` (`--continue-on-error`): a failed step does not stop the others; resources depending on it
 *     are not run, and the operation fails at the end with every error (and deletes nothing).
 *   - `parallelDiff` (PULUMI_PARALLEL_DIFF=true): a Diff runs on a worker, and its result goes back to the
 *     generator, which then hands the step on.
 *   - Deletes (after the program of an `up`, and `destroy`) run in rounds, as the engine's ScheduleDeletes: each
 *     round deletes, `parallel` at once, what no other resource still to be deleted depends on (directly or through
 *     resources that stay). `refresh` reads every resource, `parallel` at once.
 *
 * Per registered resource (as pulumi's step generator does):
 *   Check(olds = stored inputs or {}, news = the program's inputs, secrets unwrapped) -> failures fail the step;
 *   new resource -> Create;
 *   existing -> Diff(id, olds = stored outputs, news = checked inputs):
 *     none -> same (no call), unless the stored resource has init errors: then Update ("continue awaiting");
 *     unknown -> the engine's own comparison of stored and checked inputs;
 *     some, no replaces -> Update;
 *     replaces -> Check again with no olds, then Create the replacement and Delete the old one after the program
 *     (or Delete first when the provider or the resource's options ask for delete-before-replace).
 * A partial failure (the host's ErrorResourceInitFailed) keeps id, outputs and initErrors in the state and fails
 * the step. `.get` reads the resource (Read) and keeps it as external (never deleted). After a successful program,
 * resources that were not registered are deleted. After a failed step, no further step starts (registrations
 * waiting for the generator or a worker fail without reaching the provider; steps running finish), and nothing is
 * deleted. The state file is written while steps run (coalesced: at most every 250 ms) and at the end of every
 * operation, failed or not.
 *
 * Secrets, as the engine keeps them: a value is secret when it arrived secret from the program (`pulumi.secret`,
 * `Config#requireSecret`), when its output is named in the resource's additionalSecretOutputs (kept in the state,
 * so a refresh applies them too), when an input of the same top-level name held a secret (the engine's
 * `annotateSecrets` for providers that do not accept secrets), or when the provider returned it wrapped as a secret.
 * The state file holds each secret as `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
 * "ciphertext": "v1:<nonce>:<AES-256-GCM ciphertext>"}` (base64), as Pulumi's passphrase secrets provider writes
 * it: the key is derived from `passphrase` and the state's `encryptionsalt` (the salt and a check value; never the
 * key); an unchanged secret keeps its ciphertext. `resources`, `outputs` and RunResult.outputs show secrets in that
 * stored form (`reveal` decrypts). The host gets every value plain (it answers Configure with acceptSecrets=false,
 * and the engine then sends plain values); the program gets secret outputs as secrets (`Output.isSecret`), and
 * secret stack outputs are stored encrypted.
 *
 * Simplified (on purpose): Configure gets `hostConfig` only (the real engine sends a dynamic provider the whole
 * stack config; this provider reads only `immybot:*`); an operation takes its host at its first provider call, so
 * one that needs none (a program failing before its first registration, a destroy of `.get` resources only) has
 * none (the CLI may start it earlier, when it loads the providers recorded in the state); with parallelDiff, a
 * replacement's second Check runs in the generator once the Diff is back; component resources (the Stack included)
 * are not stored, and URNs ignore parents; the key derivation uses fewer PBKDF2 rounds than Pulumi's; resource
 * options other than dependsOn, deleteBeforeReplace, retainOnDelete and additionalSecretOutputs (protect,
 * ignoreChanges, replaceOnChanges, import, explicit providers, aliases, deletedWith, customTimeouts, replaceWith,
 * replacementTrigger, hideDiffs) are refused (the step fails naming them) rather than half-modelled; dependents of
 * a delete-before-replace resource are not replaced with it; pending operations of an interrupted run are not
 * recorded (Pulumi only warns about them; the provider's take-over of unrecorded creates is what makes a restarted
 * run converge).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { HostError, ProviderHost } from "./host";
import { loadProgram, withProgramEnvironment, type Program } from "./engine-program";
import { Run, Slots } from "./engine-run";
import {
  annotateSecrets,
  Crypter,
  dedupe,
  isSealed,
  isSecretValue,
  messageOf,
  nameOf,
  plain,
  plainOf,
  secret,
  step,
  type Op,
  type Props,
  type StackState,
  type StateResource,
  type Step,
} from "./engine-state";
import { SECRET_SIG, SIG_KEY, unwrapSecrets } from "../../provider/secrets";

export type { Op, Program, StackState, StateResource, Step };

const nodeRequire = createRequire(__filename);
const pulumi = nodeRequire("@pulumi/pulumi");
const settings = nodeRequire("@pulumi/pulumi/runtime/settings");

export interface RunResult {
  steps: Step[];
  /** The stack's outputs (after `up`; unknown values of a preview are left out). */
  outputs: Props;
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

export interface EngineOptions {
  stateFile: string;
  /** Default: a module program's Pulumi.yaml `name`, else "immybot-test". */
  project?: string;
  stack?: string;
  /** Stack config for the program, keys `<namespace>:<key>`. */
  config?: Record<string, string>;
  /** Config keys holding secrets (`pulumi.Config#requireSecret` then returns secrets). */
  secretConfig?: string[];
  /** Environment variables set while the program runs (e.g. IMMYBOT_* for lookups). */
  env?: Record<string, string>;
  /** The provider config each operation's host gets in Configure, `<namespace>:<key>` (e.g. `immybot:baseUrl`). */
  hostConfig?: Record<string, string>;
  /** Keys of hostConfig sent as secrets (as the engine sends secret stack config). */
  hostSecretConfig?: string[];
  /** The environment of each provider host. Default: `env`. */
  hostEnv?: Record<string, string>;
  /** Record each host's gRPC conversation (ProviderHost.traffic). */
  record?: boolean;
  /** Awaited before each call to a host is sent (`method`: "check", "create", ...): a test holds calls back with it. */
  beforeCall?: (method: string) => Promise<void> | void;
  /** Called when an operation's host is started and configured, before its first resource call. */
  onHost?: (host: ProviderHost) => void;
  /** Called when an operation ends, just before its host is stopped (e.g. to read the process's resource usage). */
  beforeHostStop?: (host: ProviderHost) => void;
  /**
   * Take each operation's host from the hosts started ahead in the background (ProviderHost.fresh: a process that
   * has served nothing yet), so the operation does not wait for one to start. Default true; false starts it when
   * needed (the bench: no start running beside the operation it measures).
   */
  prestartHosts?: boolean;
  /** Steps in flight at once (`pulumi up --parallel`). Default 4 x os.availableParallelism(), as recent CLIs. */
  parallel?: number;
  /** Run Diffs on the workers, as PULUMI_PARALLEL_DIFF=true does. Default false: in the step generator, serially. */
  parallelDiff?: boolean;
  /**
   * Keep starting steps after one failed (`pulumi up --continue-on-error`): the resources depending on a failed one
   * are not run, the operation still fails with every error, and nothing is deleted. Default false.
   */
  continueOnError?: boolean;
  /** The passphrase the secrets key is derived from (PULUMI_CONFIG_PASSPHRASE). Default "immybot-test-passphrase". */
  passphrase?: string;
}

/** The CLI's default `--parallel`: four steps per CPU. */
export function defaultParallel(): number {
  return 4 * availableParallelism();
}

// The SDK's mock monitor, config and stack are process-wide: one program at a time.
let running = false;

export class Engine {
  private readonly stateFile: string;
  private readonly options: EngineOptions;
  private state: StackState;
  private saveTimer?: NodeJS.Timeout;
  private lastWriteMs = 0;
  private readonly crypter: Crypter;
  private readonly started: ProviderHost[] = [];
  /** The host of the operation in flight (or the last one), once started. */
  private host?: ProviderHost;
  /** The start of the operation's host, once asked for. */
  private hostReady?: Promise<ProviderHost>;
  private busy = false;

  constructor(options: EngineOptions) {
    const parallel = options.parallel;
    if (parallel !== undefined && !(Number.isInteger(parallel) && parallel >= 1)) throw new RangeError(`parallel must be a whole number >= 1, got ${parallel}`);
    this.options = options;
    this.stateFile = options.stateFile;
    this.state = existsSync(this.stateFile)
      ? (JSON.parse(readFileSync(this.stateFile, "utf8")) as StackState)
      : { version: 1, project: options.project ?? "", stack: options.stack ?? "dev", outputs: {}, resources: [] };
    this.crypter = new Crypter(options.passphrase ?? "immybot-test-passphrase", this.state);
  }

  /** The provider host of the operation in flight, else of the last operation (stopped); undefined if it started none. */
  get currentHost(): ProviderHost | undefined {
    return this.host;
  }

  /** Every provider host this Engine started, oldest first (all stopped but the one of an operation in flight). */
  get hosts(): ProviderHost[] {
    return [...this.started];
  }

  /** A stored value with its secrets decrypted and unwrapped (what `--show-secrets` shows). */
  reveal<T = unknown>(stored: T): T {
    return unwrapSecrets(this.open(stored)) as T;
  }

  /** @internal Stored form -> the program's form: each secret `{ <sig>, value }` (plain inside). */
  open<T = unknown>(v: T): T {
    const walk = (x: unknown): unknown => {
      if (isSealed(x)) return secret(JSON.parse(this.crypter.decrypt(x.ciphertext)));
      if (isSecretValue(x)) return secret(unwrapSecrets(x.value));
      if (Array.isArray(x)) return x.map(walk);
      if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y)]));
      return x;
    };
    return walk(v) as T;
  }

  /** @internal The program's form -> stored form: each secret encrypted. */
  seal<T = unknown>(v: T): T {
    const walk = (x: unknown): unknown => {
      if (isSealed(x)) return x;
      if (isSecretValue(x)) return { [SIG_KEY]: SECRET_SIG, ciphertext: this.crypter.encrypt(JSON.stringify(unwrapSecrets(x.value))) };
      if (Array.isArray(x)) return x.map(walk);
      if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y)]));
      return x;
    };
    return walk(v) as T;
  }

  /** The resources in the state, in state order (a copy). */
  get resources(): StateResource[] {
    return structuredClone(this.state.resources);
  }

  /** The stack outputs of the last successful `up`. */
  get outputs(): Props {
    return structuredClone(this.state.outputs);
  }

  /** The resource with this name (or URN) in the state. */
  resource(nameOrUrn: string): StateResource | undefined {
    const r = this.state.resources.find((x) => !x.delete && (x.urn === nameOrUrn || nameOf(x.urn) === nameOrUrn));
    return r && structuredClone(r);
  }

  up(program: Program): Promise<RunResult> {
    return this.deploy(program, false);
  }

  /** Check and Diff only: the planned steps. Never calls Create, Update or Delete and never writes the state. */
  preview(program: Program): Promise<RunResult> {
    return this.deploy(program, true);
  }

  /** Reads every resource (`parallel` at once); an empty id (deleted out of band) drops it from the state. */
  refresh(): Promise<RunResult> {
    return this.operation(() => this.refreshAll());
  }

  /** Deletes every resource, dependents first (external and retained ones only leave the state). */
  destroy(): Promise<RunResult> {
    return this.operation(() => this.destroyAll());
  }

  /**
   * Runs one operation with a provider host of its own (started on first use, stopped at the end); whatever the
   * operation changed is in the state file when it ends, failed or not.
   */
  private async operation(body: () => Promise<RunResult>): Promise<RunResult> {
    if (this.busy) throw new Error("this Engine is running an operation; await it first");
    this.busy = true;
    this.forgetHost();
    try {
      const result = await body();
      return this.host ? { ...result, host: this.host } : result;
    } catch (e) {
      if (e instanceof EngineError) e.host = this.host;
      throw e;
    } finally {
      this.flush();
      await this.hostReady?.catch(() => undefined); // a start in flight ends first
      if (this.host) {
        this.options.beforeHostStop?.(this.host);
        await this.host.stop();
      }
      this.busy = false;
    }
  }

  /** A new operation: no host yet. */
  private forgetHost(): void {
    this.host = undefined;
    this.hostReady = undefined;
  }

  /** @internal The operation's provider host: started and configured when first asked for. */
  provider(): Promise<ProviderHost> {
    if (!this.busy) return Promise.reject(new Error("no operation is running"));
    this.hostReady ??= this.startHost();
    return this.hostReady;
  }

  private async startHost(): Promise<ProviderHost> {
    const o = this.options;
    const start = o.prestartHosts === false ? ProviderHost.start : ProviderHost.fresh;
    const host = await start(o.hostEnv ?? o.env ?? {}, { record: o.record, beforeCall: o.beforeCall });
    this.started.push(host);
    this.host = host;
    await host.configure(o.hostConfig ?? {}, o.hostSecretConfig ?? []);
    o.onHost?.(host);
    return host;
  }

  private async refreshAll(): Promise<RunResult> {
    const steps: Step[] = [];
    const errors: string[] = [];
    const workers = new Slots(this.parallel);
    await Promise.all(
      [...this.state.resources].map((r) =>
        workers.run(async () => {
          if (errors.length) return; // the engine starts nothing after a failure
          try {
            const [olds, oldInputs] = [this.open(r.outputs), this.open(r.inputs)];
            const read = await (await this.provider()).read(r.urn, r.id, plainOf(olds), plainOf(oldInputs));
            if (!read.id) {
              this.state.resources = this.state.resources.filter((x) => x !== r);
              steps.push(step("discard", r.urn));
            } else {
              const outputs = this.seal(annotateSecrets(read.properties, olds, r.additionalSecretOutputs));
              const inputs = read.inputs ? this.seal(annotateSecrets(read.inputs, oldInputs)) : r.inputs;
              this.replaceEntry(r, { ...r, id: read.id, outputs, inputs, initErrors: undefined });
              steps.push(step("refresh", r.urn));
            }
          } catch (e) {
            if (e instanceof HostError && e.initFailure) {
              const outputs = this.seal(annotateSecrets(e.initFailure.properties, this.open(r.outputs), r.additionalSecretOutputs));
              this.replaceEntry(r, { ...r, id: e.initFailure.id || r.id, outputs, initErrors: e.initFailure.reasons });
            }
            errors.push(`${nameOf(r.urn)}: ${messageOf(e)}`);
          }
          this.save();
        }),
      ),
    );
    if (errors.length) throw new EngineError(errors, steps);
    return { steps, outputs: this.outputs };
  }

  private async destroyAll(): Promise<RunResult> {
    const steps: Step[] = [];
    const errors = await this.deleteAll([...this.state.resources].reverse(), steps);
    if (errors.length) throw new EngineError(errors, steps);
    this.state.outputs = {};
    this.save();
    return { steps, outputs: {} };
  }

  /**
   * @internal Deletes `doomed` (given in reverse state order) as the engine schedules deletes: in rounds, each
   * deleting (`parallel` at once) what no resource still to be deleted depends on, directly or through resources
   * that stay. Returns the errors; after one, no delete starts.
   */
  async deleteAll(doomed: StateResource[], steps: Step[]): Promise<string[]> {
    const errors: string[] = [];
    const workers = new Slots(this.parallel);
    const dependsOn = this.transitiveDependencies();
    let left = doomed;
    while (left.length > 0 && errors.length === 0) {
      const ready = left.filter((r) => !left.some((o) => o.urn !== r.urn && dependsOn(o.urn).has(r.urn)));
      const round = ready.length > 0 ? ready : left.slice(0, 1); // a cycle (never in a valid state): one at a time
      await Promise.all(
        round.map((r) =>
          workers.run(async () => {
            if (errors.length) return;
            try {
              await this.deleteResource(r, steps, r.delete ? "delete-replaced" : "delete");
            } catch (e) {
              errors.push(`${nameOf(r.urn)}: ${messageOf(e)}`);
            }
          }),
        ),
      );
      left = left.filter((r) => !round.includes(r));
    }
    return errors;
  }

  /** URN -> every URN it depends on, directly or through others, by the state's dependencies. */
  private transitiveDependencies(): (urn: string) => Set<string> {
    const direct = new Map<string, string[]>();
    for (const r of this.state.resources) direct.set(r.urn, [...(direct.get(r.urn) ?? []), ...r.dependencies]);
    const memo = new Map<string, Set<string>>();
    const of = (urn: string): Set<string> => {
      let all = memo.get(urn);
      if (all) return all;
      all = new Set();
      memo.set(urn, all); // a cycle stops here
      for (const d of direct.get(urn) ?? []) {
        all.add(d);
        for (const x of of(d)) all.add(x);
      }
      return all;
    };
    return of;
  }

  /** Deletes one resource through the provider (unless external or retained) and drops it from state. */
  private async deleteResource(r: StateResource, steps: Step[], op: Op): Promise<void> {
    if (!r.external && !r.retainOnDelete) await (await this.provider()).delete(r.urn, r.id, this.reveal(r.outputs));
    this.state.resources = this.state.resources.filter((x) => x !== r);
    this.save();
    steps.push(step(r.external ? "discard" : op, r.urn));
  }

  // ---- up and preview ----

  private async deploy(program: Program, preview: boolean): Promise<RunResult> {
    if (running) throw new Error("another Engine is running a program in this process; await it first");
    running = true;
    try {
      return await this.operation(() => this.deployOnce(program, preview));
    } finally {
      running = false;
    }
  }

  private async deployOnce(program: Program, preview: boolean): Promise<RunResult> {
    const run = new Run(this, preview);
    const { fn, project, cwd } = loadProgram(program);
    const projectName = this.options.project ?? project ?? (this.state.project || "immybot-test");
    const stackName = this.options.stack ?? this.state.stack ?? "dev";
    this.state.project = projectName;
    this.state.stack = stackName;

    let outputs: Props = {};
    await withProgramEnvironment({ env: this.options.env ?? {}, cwd, onRejection: (reason) => run.programError(reason) }, async () => {
      await pulumi.runtime.setMocks(
        {
          newResource: (args: Parameters<Run["register"]>[0]) => run.register(args),
          call: (args: { token: string }) => {
            throw new Error(`the harness does not serve provider functions (${args.token})`);
          },
        },
        projectName,
        stackName,
        preview,
      );
      pulumi.runtime.setAllConfig(this.options.config ?? {}, this.options.secretConfig ?? []);
      run.watchRequests(pulumi.runtime.getMonitor());
      // After an unhandled error (e.g. a failed lookup feeding a resource's input), the stack outputs and the RPCs
      // that depend on it may never settle. The language host's process then ends when its event loop is empty;
      // the test runner's never is, so the engine stops waiting for them once the steps in flight are done.
      const stopped = run.programFailed.then(async () => {
        await new Promise((r) => setTimeout(r, 10));
        await run.idle();
        return {};
      });
      let settled = false;
      try {
        const stack = pulumi.runtime.runInPulumiStack(async () => fn()).finally(() => (settled = true));
        outputs = ((await Promise.race([stack, stopped])) as Props | undefined) ?? {};
      } catch (e) {
        run.programError(e);
      }
      await (settled ? settings.waitForRPCs() : Promise.race([settings.waitForRPCs(), stopped]));
      await run.idle();
      run.close();
    });

    if (run.errors.length === 0) await run.deletes();
    if (run.errors.length) throw new EngineError(dedupe(run.errors), run.steps);
    // Stack outputs: plain JSON, the secret ones (as the program registered them) encrypted.
    const stackOutputs = this.seal(annotateSecrets(plain(outputs) as Props, undefined, run.secretStackOutputs));
    if (!preview) {
      this.state.outputs = stackOutputs;
      this.save();
    }
    return { steps: run.steps, outputs: stackOutputs };
  }

  // ---- state, shared with Run ----

  /** @internal */ get stackState(): StackState {
    return this.state;
  }

  /** @internal Steps in flight at once. */
  get parallel(): number {
    return this.options.parallel ?? defaultParallel();
  }

  /** @internal A failed step does not stop the others. */
  get continueOnError(): boolean {
    return this.options.continueOnError ?? false;
  }

  /** @internal Diffs run on the workers. */
  get parallelDiff(): boolean {
    return this.options.parallelDiff ?? false;
  }

  /** @internal */ urnOf(type: string, name: string): string {
    return `urn:pulumi:${this.state.stack}::${this.state.project}::${type}::${name}`;
  }

  /** Puts `next` where `old` was (or at the end). */
  private replaceEntry(old: StateResource | undefined, next: StateResource): void {
    const i = old ? this.state.resources.indexOf(old) : -1;
    if (i >= 0) this.state.resources[i] = next;
    else this.state.resources.push(next);
  }

  /**
   * @internal Marks the state changed. While steps run it is written at most every 250 ms (or five times as long
   * as the last write took), and at the end of every operation: writing a thousand resources' state after each of
   * a thousand steps would cost more than the steps.
   */
  save(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.flush(), Math.max(250, 5 * this.lastWriteMs));
  }

  /** Writes the state file now if it changed (atomically: a crash never leaves half a file). */
  private flush(): void {
    if (!this.saveTimer) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    mkdirSync(dirname(this.stateFile), { recursive: true });
    const started = performance.now();
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.stateFile);
    this.lastWriteMs = performance.now() - started;
  }
}
