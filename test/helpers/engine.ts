/**
 * A small stand-in for the Pulumi engine, so that scenario tests can run `up`, `preview`, `refresh` and `destroy`
 * without the Pulumi CLI. The program runs in this process under the SDK's mock monitor; every custom resource it
 * registers is forwarded to Pulumi's real dynamic-provider host over gRPC (test/helpers/host.ts) in the engine's
 * order, and the stack's state lives in a JSON file between runs.
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
 * resources that were not registered are deleted in reverse state order (state order: a resource after the ones
 * it depends on). After a failed step, later registrations fail without reaching the provider, and nothing is
 * deleted. The state file is written while steps run (coalesced: at most every 250 ms) and at the end of every
 * operation, failed or not.
 *
 * Steps run as the engine runs them: each as soon as the SDK registers it (a resource is registered only once the
 * outputs it depends on are known), at most `parallel` at once (default unbounded, as `pulumi up`; 1 = one at a
 * time in registration order); refresh reads in parallel the same way.
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
 * Simplified (on purpose): deletes run one at a time in reverse state order; component resources (the Stack
 * included) are not stored, and URNs ignore parents; the key derivation uses fewer PBKDF2 rounds than Pulumi's;
 * resource options other than dependsOn, deleteBeforeReplace, retainOnDelete and additionalSecretOutputs (protect, ignoreChanges,
 * replaceOnChanges, import, explicit providers) are refused rather than half-modelled; dependents of a
 * delete-before-replace resource are not replaced with it; a refresh starts no read after a failed one; pending
 * operations of an interrupted run are not recorded (Pulumi only warns about them; the provider's take-over of
 * unrecorded creates is what makes a restarted run converge).
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve, sep } from "node:path";
import { HostError, REPO, UNKNOWN, type ProviderHost } from "./host";
import { isSecret, SECRET_SIG, SIG_KEY, unwrapSecrets } from "../../provider/secrets";

const nodeRequire = createRequire(__filename);
const pulumi = nodeRequire("@pulumi/pulumi");
const settings = nodeRequire("@pulumi/pulumi/runtime/settings");

type Props = Record<string, unknown>;

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
}

/** `up`, `preview`, `refresh` or `destroy` failed; `errors` holds every message, `steps` what was done. */
export class EngineError extends Error {
  constructor(
    readonly errors: string[],
    readonly steps: Step[],
  ) {
    super(errors.join("\n"));
  }
}

/** A function declaring resources (its return value: the stack outputs), or the path of a program module. */
export type Program = (() => unknown) | string;

export interface EngineOptions {
  host: ProviderHost;
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
  /** Resource operations in flight at once (`pulumi up --parallel`). Default 2147483647 (unbounded), as Pulumi's. */
  parallel?: number;
  /** The passphrase the secrets key is derived from (PULUMI_CONFIG_PASSPHRASE). Default "immybot-test-passphrase". */
  passphrase?: string;
}

interface Registration {
  type: string;
  name: string;
  inputs: Props;
  custom: boolean;
  id?: string;
}

/** What the RegisterResource / ReadResource request said beyond the mock's newResource arguments. */
interface RequestMeta {
  read: boolean;
  dependencies: string[];
  deleteBeforeReplace: boolean;
  retainOnDelete: boolean;
  additionalSecretOutputs: string[];
  unsupported: string[];
}

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";
let running = false;

export class Engine {
  private readonly host: ProviderHost;
  private readonly stateFile: string;
  private readonly options: EngineOptions;
  private state: StackState;
  private saveTimer?: NodeJS.Timeout;
  private lastWriteMs = 0;
  private readonly crypter: Crypter;

  constructor(options: EngineOptions) {
    this.options = options;
    this.host = options.host;
    this.stateFile = options.stateFile;
    this.state = existsSync(this.stateFile)
      ? (JSON.parse(readFileSync(this.stateFile, "utf8")) as StackState)
      : { version: 1, project: options.project ?? "", stack: options.stack ?? "dev", outputs: {}, resources: [] };
    this.crypter = new Crypter(options.passphrase ?? "immybot-test-passphrase", this.state);
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
    return this.writingStateAfter(() => this.refreshAll());
  }

  private async refreshAll(): Promise<RunResult> {
    const steps: Step[] = [];
    const errors: string[] = [];
    const limit = new Limit(this.parallel);
    await Promise.all(
      [...this.state.resources].map((r) =>
        limit.run(async () => {
          if (errors.length) return; // the engine starts nothing after a failure
          try {
            const [olds, oldInputs] = [this.open(r.outputs), this.open(r.inputs)];
            const read = await this.host.read(r.urn, r.id, plainOf(olds), plainOf(oldInputs));
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

  /** Deletes every resource in reverse state order (external and retained ones only leave the state). */
  destroy(): Promise<RunResult> {
    return this.writingStateAfter(() => this.destroyAll());
  }

  /** Runs an operation; whatever it changed is in the state file when it ends, failed or not. */
  private async writingStateAfter<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } finally {
      this.flush();
    }
  }

  private async destroyAll(): Promise<RunResult> {
    const steps: Step[] = [];
    for (const r of [...this.state.resources].reverse()) {
      try {
        await this.deleteResource(r, steps, r.delete ? "delete-replaced" : "delete");
      } catch (e) {
        throw new EngineError([`${nameOf(r.urn)}: ${messageOf(e)}`], steps);
      }
    }
    this.state.outputs = {};
    this.save();
    return { steps, outputs: {} };
  }

  // ---- up and preview ----

  private async deploy(program: Program, preview: boolean): Promise<RunResult> {
    // The SDK's mock monitor, config and stack are process-wide: one program at a time.
    if (running) throw new Error("another Engine is running a program in this process; await it first");
    running = true;
    try {
      return await this.writingStateAfter(() => this.deployOnce(program, preview));
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
    await withProgramEnvironment({ env: this.options.env ?? {}, cwd }, run, async () => {
      await pulumi.runtime.setMocks(
        {
          newResource: (args: Registration) => run.register(args),
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

  /** @internal */ get provider(): ProviderHost {
    return this.host;
  }

  /** @internal Resource operations in flight at once. */
  get parallel(): number {
    return this.options.parallel ?? 2147483647;
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

  /** @internal Deletes one resource through the provider (unless external or retained) and drops it from state. */
  async deleteResource(r: StateResource, steps: Step[], op: Op): Promise<void> {
    if (!r.external && !r.retainOnDelete) await this.host.delete(r.urn, r.id, this.reveal(r.outputs));
    this.state.resources = this.state.resources.filter((x) => x !== r);
    this.save();
    steps.push(step(r.external ? "discard" : op, r.urn));
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

  /** @internal Writes the state file now if it changed (atomically: a crash never leaves half a file). */
  flush(): void {
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

/** One `up` or `preview`: the registrations of one program run and the steps they caused. */
class Run {
  readonly steps: Step[] = [];
  readonly errors: string[] = [];
  private readonly metas = new Map<string, RequestMeta>();
  private readonly seen = new Set<string>();
  /** Old resources (by URN) as they were before this run: what Check and Diff compare with. */
  private readonly olds: Map<string, StateResource>;
  /** Steps start in registration order, `parallel` at once. */
  private readonly limit: Limit;
  private readonly inFlight = new Set<Promise<unknown>>();
  private failed = false;
  /** Stack outputs the program registered as secrets (top-level names). */
  secretStackOutputs: string[] = [];
  private closed = false;
  private failProgram!: () => void;
  /** Settles when the program reported an error (a rejection nobody handled, or its own failure). */
  readonly programFailed = new Promise<void>((resolve) => (this.failProgram = resolve));

  constructor(
    private readonly engine: Engine,
    private readonly preview: boolean,
  ) {
    this.olds = new Map(engine.stackState.resources.filter((r) => !r.delete).map((r) => [r.urn, r]));
    this.limit = new Limit(engine.parallel);
  }

  /** Records each request's options (dependencies, deleteBeforeReplace, ...) before the mock sees it. */
  watchRequests(monitor: any): void {
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: unknown) => {
      const unsupported = [
        req.getProtect() && "protect",
        req.getIgnorechangesList().length && "ignoreChanges",
        req.getReplaceonchangesList().length && "replaceOnChanges",
        req.getImportid() && "import",
        req.getProvider() && "provider",
      ].filter((x): x is string => typeof x === "string" && x !== "");
      this.metas.set(`${req.getType()}::${req.getName()}`, {
        read: false,
        dependencies: req.getDependenciesList().map(engineUrn),
        deleteBeforeReplace: req.getDeletebeforereplace(),
        retainOnDelete: req.getRetainondelete?.() ?? false,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        unsupported,
      });
      return register(req, cb);
    };
    // The Stack's outputs as the program registers them: secrets still marked.
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, cb: unknown) => {
      if (req.getUrn().includes(`::${ROOT_STACK_TYPE}::`)) {
        const outputs: Props = req.getOutputs()?.toJavaScript() ?? {};
        this.secretStackOutputs = Object.keys(outputs).filter((k) => containsSecret(outputs[k]));
      }
      return registerOutputs(req, cb);
    };
    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (req: any, cb: unknown) => {
      this.metas.set(`${req.getType()}::${req.getName()}`, {
        read: true,
        dependencies: req.getDependenciesList().map(engineUrn),
        deleteBeforeReplace: false,
        retainOnDelete: false,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        unsupported: req.getProvider() ? ["provider"] : [],
      });
      return read(req, cb);
    };
  }

  /** The mock's newResource: one step, started when a slot is free. Returns what the engine would answer. */
  register(args: Registration): Promise<{ id: string | undefined; state: Props }> {
    if (!args.custom) return Promise.resolve({ id: undefined, state: args.inputs }); // the Stack, components
    if (this.closed) return Promise.reject(new Error(`${args.name}: not run, the program already failed`));
    const result = this.limit.run(() => this.step(args));
    const settled = result.catch(() => undefined);
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
    return result;
  }

  /** Resolves when no step is waiting or running (steps may register more steps while it waits). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** The program's run is over: a registration arriving late (after a program error) starts no step. */
  close(): void {
    this.closed = true;
  }

  programError(e: unknown): void {
    this.failProgram();
    const message = messageOf(e);
    if (message.includes("not run, an earlier step failed")) return;
    // A registration that failed also rejects the outputs the program awaits: report that failure once.
    if (!this.errors.some((x) => message.includes(x.slice(x.indexOf(": ") + 2)))) this.errors.push(message);
  }

  private async step(args: Registration): Promise<{ id: string | undefined; state: Props }> {
    const meta = this.metas.get(`${args.type}::${args.name}`);
    const urn = this.engine.urnOf(args.type, args.name);
    // After a failed step the engine starts no other step; the program's registration fails (reported once).
    if (this.failed) throw new Error(`${args.name}: not run, an earlier step failed`);
    try {
      if (!meta) throw new Error("no RegisterResource request seen for this resource");
      if (meta.unsupported.length) throw new Error(`the harness does not model ${meta.unsupported.join(", ")}`);
      if (this.seen.has(urn)) throw new Error(`duplicate resource URN ${urn}`);
      this.seen.add(urn);
      const news = wire(args.inputs);
      return meta.read ? await this.read(urn, args, news, meta) : await this.registerCustom(urn, args.type, news, meta);
    } catch (e) {
      this.failed = true;
      this.errors.push(`${args.name}: ${messageOf(e)}`);
      throw e;
    }
  }

  private async read(urn: string, args: Registration, props: Props, meta: RequestMeta) {
    const read = await this.engine.provider.read(urn, String(args.id), plainOf(props));
    if (!read.id) throw new Error(`resource '${args.id}' does not exist`);
    const old = this.engine.stackState.resources.find((r) => r.urn === urn && !r.delete);
    const aso = meta.additionalSecretOutputs;
    const outputs = annotateSecrets(read.properties, props, aso);
    const entry: StateResource = {
      urn,
      type: args.type,
      id: read.id,
      inputs: this.engine.seal(annotateSecrets(read.inputs ?? {}, props)),
      outputs: this.engine.seal(outputs),
      dependencies: meta.dependencies,
      external: true,
      ...(aso.length ? { additionalSecretOutputs: aso } : {}),
    };
    if (!this.preview) this.commit(old, entry);
    this.steps.push(step("read", urn));
    return { id: read.id, state: outputs };
  }

  private async registerCustom(urn: string, type: string, news: Props, meta: RequestMeta) {
    const host = this.engine.provider;
    const old = this.olds.get(urn);
    const aso = meta.additionalSecretOutputs;
    const base = {
      urn,
      type,
      dependencies: meta.dependencies,
      retainOnDelete: meta.retainOnDelete || undefined,
      deleteBeforeReplace: meta.deleteBeforeReplace || undefined,
      additionalSecretOutputs: aso.length ? aso : undefined,
    };
    const engine = this.engine;

    // `news` and `inputs` are in the program's form (secrets marked); the host gets them plain.
    let inputs = await this.check(urn, old && !old.external ? engine.open(old.inputs) : {}, news);
    if (!old || old.external) {
      if (this.preview) return this.planned("create", urn, undefined, inputs);
      return this.create(urn, base, inputs, old, "create");
    }

    let diff: { changes: "some" | "none" | "unknown"; replaces: string[]; deleteBeforeReplace: boolean };
    diff = await host.diff(urn, old.id, engine.reveal(old.outputs), plainOf(inputs));
    if (diff.changes === "unknown") diff = { ...diff, changes: deepEqual(engine.reveal(old.inputs), plainOf(inputs)) ? "none" : "some" };

    if (diff.changes === "some" && diff.replaces.length) {
      // The engine re-checks without olds: defaults carried over from the old resource no longer apply.
      inputs = await this.check(urn, {}, news);
      const deleteFirst = diff.deleteBeforeReplace || meta.deleteBeforeReplace;
      if (this.preview) return this.planned("replace", urn, undefined, inputs, diff.replaces);
      if (deleteFirst) {
        await host.delete(urn, old.id, engine.reveal(old.outputs));
        this.engine.stackState.resources = this.engine.stackState.resources.filter((r) => r !== old);
        this.engine.save();
        this.steps.push(step("delete-replaced", urn));
        return this.create(urn, base, inputs, undefined, "replace", diff.replaces);
      }
      // Create the replacement; once it exists, the old one waits in state, condemned, for the deletes after the program.
      return this.create(urn, base, inputs, undefined, "replace", diff.replaces, old);
    }

    if (diff.changes === "some" || old.initErrors?.length) {
      if (this.preview) return this.planned("update", urn, old.id, inputs);
      try {
        const updated = await host.update(urn, old.id, engine.reveal(old.outputs), plainOf(inputs));
        const outputs = annotateSecrets(updated.properties, inputs, aso);
        this.commit(old, { ...base, id: old.id, inputs: engine.seal(inputs), outputs: engine.seal(outputs) });
        this.steps.push(step("update", urn));
        return { id: old.id, state: outputs };
      } catch (e) {
        if (e instanceof HostError && e.initFailure) {
          const outputs = engine.seal(annotateSecrets(e.initFailure.properties, inputs, aso));
          this.commit(old, { ...base, id: old.id, inputs: engine.seal(inputs), outputs, initErrors: e.initFailure.reasons });
        }
        throw e;
      }
    }

    // Same: new inputs, old outputs.
    if (this.preview) {
      this.steps.push(step("same", urn));
      return { id: old.id, state: engine.open(old.outputs) };
    }
    this.commit(old, { ...base, id: old.id, inputs: engine.seal(inputs), outputs: old.outputs });
    this.steps.push(step("same", urn));
    return { id: old.id, state: engine.open(old.outputs) };
  }

  /** Check with plain values; the checked inputs keep the secrets of `news` (and those the provider wrapped). */
  private async check(urn: string, olds: Props, news: Props): Promise<Props> {
    const checked = await this.engine.provider.check(urn, plainOf(olds), plainOf(news));
    if (checked.failures.length) {
      throw new Error(checked.failures.map((f) => (f.property ? `${f.property}: ${f.reason}` : f.reason)).join("; "));
    }
    return annotateSecrets(checked.inputs, news);
  }

  /** Create; `condemned` (the resource it replaces) is marked for deletion in the same state write. */
  private async create(
    urn: string,
    base: Omit<StateResource, "id" | "inputs" | "outputs">,
    inputs: Props,
    old: StateResource | undefined,
    op: Op,
    detail?: string[],
    condemned?: StateResource,
  ) {
    const engine = this.engine;
    const aso = base.additionalSecretOutputs ?? [];
    try {
      const created = await engine.provider.create(urn, plainOf(inputs));
      const outputs = annotateSecrets(created.properties, inputs, aso);
      this.commit(old, { ...base, id: created.id, inputs: engine.seal(inputs), outputs: engine.seal(outputs) }, condemned);
      this.steps.push(step(op, urn, detail));
      return { id: created.id, state: outputs };
    } catch (e) {
      if (e instanceof HostError && e.initFailure?.id) {
        const outputs = engine.seal(annotateSecrets(e.initFailure.properties, inputs, aso));
        this.commit(old, { ...base, id: e.initFailure.id, inputs: engine.seal(inputs), outputs, initErrors: e.initFailure.reasons }, condemned);
      }
      throw e;
    }
  }

  /** A planned step of a preview: what the engine answers the program (outputs = inputs, unknown id for new ones). */
  private planned(op: Op, urn: string, id: string | undefined, inputs: Props, detail?: string[]) {
    this.steps.push(step(op, urn, detail));
    return { id, state: inputs };
  }

  /**
   * Stores a resource after its step. The state keeps registration order (a resource after those it depends on):
   * a registered resource moves behind the ones already registered in this run, ahead of those not yet seen.
   */
  private commit(old: StateResource | undefined, next: StateResource, condemned?: StateResource): void {
    const state = this.engine.stackState;
    if (condemned) condemned.delete = true;
    const clean = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)) as unknown as StateResource;
    state.resources = state.resources.filter((r) => r !== old);
    const isDone = (r: StateResource) => this.seen.has(r.urn) && !r.delete && r.urn !== next.urn;
    state.resources = [...state.resources.filter(isDone), clean, ...state.resources.filter((r) => !isDone(r))];
    this.engine.save();
  }

  /**
   * After the program: deletes what it no longer declares and what was replaced, in reverse state order (a
   * preview only lists them).
   */
  async deletes(): Promise<void> {
    const state = this.engine.stackState;
    const doomed = state.resources.filter((r) => r.delete || !this.seen.has(r.urn)).reverse();
    if (this.preview) {
      for (const r of doomed) this.steps.push(step(r.external ? "discard" : r.delete ? "delete-replaced" : "delete", r.urn));
      return;
    }
    for (const r of doomed) {
      try {
        await this.engine.deleteResource(r, this.steps, r.delete ? "delete-replaced" : "delete");
      } catch (e) {
        this.errors.push(`${nameOf(r.urn)}: ${messageOf(e)}`);
        return;
      }
    }
  }
}

// ---- the program ----

/** The program as a function, with the project name and directory of a module program. */
function loadProgram(program: Program): { fn: () => unknown; project?: string; cwd?: string } {
  if (typeof program === "function") return { fn: program };
  const file = nodeRequire.resolve(resolve(program));
  const dir = dirname(file);
  linkPackage(dir);
  if (file.endsWith(".ts")) registerTsNode();
  const sdkPulumi = nodeRequire.resolve("@pulumi/pulumi", { paths: [dir] });
  if (sdkPulumi !== nodeRequire.resolve("@pulumi/pulumi")) {
    throw new Error(`${dir} resolves @pulumi/pulumi to ${sdkPulumi}, not the harness's copy: mocks would not apply`);
  }
  const yaml = join(findProjectDir(dir), "Pulumi.yaml");
  const project = existsSync(yaml) ? /^name:\s*(\S+)/m.exec(readFileSync(yaml, "utf8"))?.[1] : undefined;
  return {
    project,
    cwd: findProjectDir(dir),
    fn: async () => {
      // A fresh load of the program's own files each run (the SDK and its packages stay loaded: one @pulumi/pulumi).
      for (const k of Object.keys(nodeRequire.cache)) {
        if (k.startsWith(dir + sep) && !k.includes(`${sep}node_modules${sep}`)) delete nodeRequire.cache[k];
      }
      const exported = nodeRequire(file);
      // As the Node language host does: a default-exported function is called, its result is the stack outputs.
      const main = typeof exported === "function" ? exported : typeof exported?.default === "function" ? exported.default : undefined;
      return main ? await main() : exported;
    },
  };
}

function findProjectDir(dir: string): string {
  for (let d = dir; d !== dirname(d); d = dirname(d)) if (existsSync(join(d, "Pulumi.yaml"))) return d;
  return dir;
}

/** `pulumi-immybot` resolves from an example to this checkout, as `npm start` links it (node_modules is ignored). */
function linkPackage(dir: string): void {
  const project = findProjectDir(dir);
  if (!project.startsWith(join(REPO, "examples") + sep)) return;
  (nodeRequire(join(REPO, "dist/scripts/quickstart.js")) as typeof import("../../scripts/quickstart")).linkPackage(project);
}

let tsNodeRegistered = false;
function registerTsNode(): void {
  if (tsNodeRegistered) return;
  nodeRequire("ts-node").register({
    transpileOnly: true,
    skipProject: true,
    compilerOptions: { module: "commonjs", target: "ES2022", moduleResolution: "node", esModuleInterop: true },
  });
  tsNodeRegistered = true;
}

/**
 * Runs `body` with the program's environment variables and working directory, and with unhandled rejections
 * reported as program errors (the Node language host logs them as errors; the test runner would fail the file).
 */
async function withProgramEnvironment(opts: { env: Record<string, string>; cwd?: string }, run: Run, body: () => Promise<void>): Promise<void> {
  const savedEnv = Object.fromEntries(Object.keys(opts.env).map((k) => [k, process.env[k]]));
  const savedCwd = process.cwd();
  const listeners = process.listeners("unhandledRejection");
  const onRejection = (reason: unknown) => run.programError(reason);
  Object.assign(process.env, opts.env);
  if (opts.cwd) process.chdir(opts.cwd);
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", onRejection);
  try {
    await body();
    // Rejections of outputs nobody awaited surface after the microtasks; give them a turn of the event loop.
    await new Promise((r) => setTimeout(r, 10));
  } finally {
    process.removeListener("unhandledRejection", onRejection);
    for (const l of listeners) process.on("unhandledRejection", l as (...args: unknown[]) => void);
    if (opts.cwd) process.chdir(savedCwd);
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** At most `size` tasks at once, started in the order they were offered. */
class Limit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`parallel must be a whole number >= 1, got ${size}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next task
      else this.active--;
    }
  }
}

// ---- values ----

/** The program's inputs as JSON: unknowns as the sentinel, secrets still marked (`{ <sig>, value }`). */
function wire(inputs: Props): Props {
  const unknowns = (v: unknown): unknown => {
    if (isUnknown(v)) return UNKNOWN;
    if (Array.isArray(v)) return v.map(unknowns);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unknowns(x)]));
    return v;
  };
  return unknowns(inputs) as Props;
}

/** Values as the engine sends them to a provider that does not accept secrets (the dynamic-provider host): plain. */
function plainOf(props: Props): Props {
  return unwrapSecrets(props) as Props;
}

// ---- secrets ----

/** A secret in the program's form: `{ <sig>, value }`. */
function isSecretValue(v: unknown): v is { value: unknown } {
  return isSecret(v) && "value" in v;
}

/** A secret in the stored form: `{ <sig>, ciphertext }`. */
function isSealed(v: unknown): v is { ciphertext: string } {
  return isSecret(v) && typeof (v as Props).ciphertext === "string";
}

function secret(value: unknown): Props {
  return { [SIG_KEY]: SECRET_SIG, value };
}

function containsSecret(v: unknown): boolean {
  if (isSecretValue(v) || isSealed(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  if (v && typeof v === "object") return Object.values(v).some(containsSecret);
  return false;
}

/**
 * The engine's rule for a provider that does not accept secrets: an output (or checked input) is secret when the
 * input of the same top-level name held a secret anywhere, or when its name is in `secretNames`
 * (additionalSecretOutputs); secrets the provider returned wrapped stay secrets where they are.
 */
function annotateSecrets(outs: Props, ins: Props | undefined, secretNames: readonly string[] = []): Props {
  return Object.fromEntries(
    Object.entries(outs).map(([k, v]) => {
      const makeSecret = v !== undefined && !isSecretValue(v) && (secretNames.includes(k) || (ins !== undefined && containsSecret(ins[k])));
      return [k, makeSecret ? secret(unwrapSecrets(v)) : v];
    }),
  );
}

/**
 * Pulumi's passphrase secrets provider: AES-256-GCM under a key derived (PBKDF2-SHA256) from the passphrase and
 * a per-state random salt. The state keeps `encryptionsalt` = `v1:<salt>:` + the encryption of "pulumi" (to tell a
 * wrong passphrase), never the key. Encrypting the same plaintext again gives the ciphertext it had (Pulumi caches
 * them too), so an unchanged secret does not change the state.
 */
class Crypter {
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
function plain(v: unknown): unknown {
  const json = JSON.stringify(unwrapSecrets(v) ?? {}, (_k, x) => (isUnknown(x) || x === UNKNOWN ? undefined : x));
  return JSON.parse(json);
}

/** The engine's URN: children of the root stack do not carry its type (the mock monitor's URNs do). */
function engineUrn(urn: string): string {
  return urn.replace(`::${ROOT_STACK_TYPE}$`, "::");
}

/** The SDK's unknown value, by its marker (unwrapSecrets copies it into a plain object). */
function isUnknown(v: unknown): boolean {
  return !!v && typeof v === "object" && (v as { __pulumiUnknown?: unknown }).__pulumiUnknown === true;
}

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

function step(op: Op, urn: string, detail?: string[]): Step {
  return detail ? { op, urn, name: nameOf(urn), detail } : { op, urn, name: nameOf(urn) };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Props)[k])]));
  return v;
}
