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
 *     replaces -> Check again with no olds, then Create the replacement and Delete the old one after the program;
 *     or, delete-before-replace (when the resource's deleteBeforeReplace option says so, or, if the program did
 *     not set it to true or false, when the provider's Diff asks for it), one step that deletes first the
 *     dependents that would be replaced with it, last first, then the resource itself, then Creates the
 *     replacement. The dependents, as the engine's calculateDependentReplacements finds them: among the resources
 *     registered after it in the state and not yet registered in this run, those depending on it, directly or
 *     through one another, one of whose inputs came from a resource being replaced (by its property dependencies)
 *     and whose provider's Diff, with those inputs unknown, names a replacement; one depending by dependsOn only
 *     stays. A dependent so deleted is created anew when the program registers it again (Check with no olds, a
 *     replace without Diff). A preview lists these deletes, and the deletes after the program.
 * A partial failure (the host's ErrorResourceInitFailed) keeps id, outputs and initErrors in the state and fails
 * the step (an Update's keeps the old inputs, as the engine does). In a refresh it fails nothing: the resource is
 * stored as read, its reasons as initErrors (so the next `up` updates it), and RunResult.warnings says it is
 * unhealthy; an id of "" drops it. (Pulumi's dynamic-provider host never answers Read so: a failed read reaches
 * the engine as a plain error, which fails the refresh.) `.get` reads the resource (Read) and keeps it as external
 * (never deleted). After a successful program, resources that were not registered are deleted. After a failed
 * step, no further step starts (registrations waiting for the generator or a worker fail without reaching the
 * provider; steps running finish), and nothing is deleted. The state file is written while steps run (coalesced:
 * at most every 250 ms) and at the end of every operation, failed or not.
 *
 * Secrets, as the engine keeps them: a value is secret where it arrived secret from the program (`pulumi.secret`,
 * `Config#requireSecret`), nested in an object or a list included (the harness takes the positions from the request:
 * the SDK's mock monitor would make the whole top-level input secret); where the engine's `annotateSecrets` for
 * providers that do not accept secrets puts it in the provider's answers (checked inputs, outputs), comparing them
 * with what was sent: into objects on both sides it recurs, key by key; otherwise the answer at a key whose sent
 * value held a secret anywhere is secret whole (so a list holding one is secret whole); when its output is named in
 * the resource's additionalSecretOutputs (kept in the state, so a refresh applies them too) or its input of the same
 * name is a secret as a whole (the step executor); or when the provider returned it wrapped as a secret. The state
 * file holds each secret as `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext":
 * "v1:<nonce>:<AES-256-GCM ciphertext>"}` (base64), as Pulumi's passphrase secrets provider writes it: the key is
 * derived from `passphrase` and the state's `encryptionsalt` (the salt and a check value; never the key); an
 * unchanged secret keeps its ciphertext. `resources`, `outputs` and RunResult.outputs show secrets in that stored
 * form (`reveal` decrypts). The host gets every value plain (it answers Configure with acceptSecrets=false, and the
 * engine then sends plain values); the program gets secret outputs as secrets (`Output.isSecret`), and the stack
 * outputs are stored with each secret encrypted where the program registered it.
 *
 * Simplified (on purpose): Configure gets `hostConfig` only (the real engine sends a dynamic provider the whole
 * stack config; this provider reads only `immybot:*`); an operation takes its host at its first provider call, so
 * one that needs none (a program failing before its first registration, a destroy of `.get` resources only) has none
 * (the CLI may start it earlier, when it loads the providers recorded in the state); with parallelDiff, a
 * replacement's second Check runs in the generator once the Diff is back; component resources (the Stack included)
 * are not stored, and URNs ignore parents; the key derivation uses fewer PBKDF2 rounds than Pulumi's; resource
 * options other than dependsOn, deleteBeforeReplace, retainOnDelete and additionalSecretOutputs (protect,
 * ignoreChanges, replaceOnChanges, import, explicit providers, aliases, deletedWith, customTimeouts, replaceWith,
 * replacementTrigger, hideDiffs) are refused (the step fails naming them) rather than half-modelled; a `.get` stores
 * the inputs Read returns (the engine stores the properties the program gave); pending operations of an interrupted
 * run are not recorded (Pulumi only warns about them; the provider's take-over of unrecorded creates is what makes a
 * restarted run converge).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { ProviderHost } from "./host";
import { defaultParallel, type EngineOptions } from "./engine-options";
import { loadProgram, withProgramEnvironment, type Program } from "./engine-program";
import { deleteAll } from "./engine-delete";
import { refreshAll } from "./engine-refresh";
import { Run } from "./engine-run";
import {
  Crypter,
  dedupe,
  EngineError,
  isSealed,
  isSecretValue,
  nameOf,
  plain,
  secret,
  secretsWhere,
  type Op,
  type Props,
  type RunResult,
  type StackState,
  type StateResource,
  type Step,
} from "./engine-state";
import { SECRET_SIG, SIG_KEY, unwrapSecrets } from "../../provider/secrets";

export { defaultParallel, EngineError };
export type { EngineOptions };
export type { Op, Program, RunResult, StackState, StateResource, Step };

const nodeRequire = createRequire(__filename);
const pulumi = nodeRequire("@pulumi/pulumi");
const settings = nodeRequire("@pulumi/pulumi/runtime/settings");
/** After a program error, how long no new error must come before the run is over (see `stopped` in run). */
const QUIET_AFTER_ERROR_MS = 1_000;

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

  /**
   * Reads every resource (`parallel` at once); an empty id (deleted out of band) drops it from the state, a partial
   * failure keeps its reasons as init errors and warns.
   */
  refresh(): Promise<RunResult> {
    return this.operation(() => refreshAll(this));
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

  private async destroyAll(): Promise<RunResult> {
    const steps: Step[] = [];
    const errors = await deleteAll(this, [...this.state.resources].reverse(), steps);
    if (errors.length) throw new EngineError(errors, steps);
    this.state.outputs = {};
    this.save();
    return { steps, outputs: {}, warnings: [] };
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
      run.watch(pulumi.runtime.getMonitor());
      // After an unhandled error (e.g. a failed lookup feeding a resource's input), the stack outputs and the RPCs
      // that depend on it may never settle. The language host reports every unhandled error (cmd/run: each once)
      // and its process ends when its event loop is empty, so a lookup still in flight reports its own failure too.
      // The test runner's loop never empties: the engine stops waiting once the steps in flight are done and no new
      // error has come for a quiet second (not 10 ms: on a loaded machine a second lookup's answer takes longer).
      const stopped = run.programFailed.then(async () => {
        const giveUp = Date.now() + 30_000;
        let seen = -1;
        while (seen !== run.errors.length && Date.now() < giveUp) {
          seen = run.errors.length;
          await new Promise((r) => setTimeout(r, QUIET_AFTER_ERROR_MS));
          await run.idle();
        }
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
    // Stack outputs: plain JSON, with each secret where the program registered it, encrypted.
    const stackOutputs = this.seal(secretsWhere(plain(outputs), run.stackOutputs) as Props);
    if (!preview) {
      this.state.outputs = stackOutputs;
      this.save();
    }
    return { steps: run.steps, outputs: stackOutputs, warnings: [] };
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

  /** @internal Puts `next` where `old` was (or at the end). */
  replaceEntry(old: StateResource | undefined, next: StateResource): void {
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
