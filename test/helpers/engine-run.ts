/**
 * One `up` or `preview` of the engine harness (test/helpers/engine.ts): the program's registrations, taken as
 * pulumi's step generator takes them (one at a time, in the order they arrive: Check, then Diff, then the step is
 * handed to a worker), and their steps, run on at most `parallel` workers as pulumi's step executor runs them.
 */
import { HostError } from "./host";
import { Slots } from "./slots";
import type { Engine } from "./engine";
import { deleteAll, deleteResource, dependentReplacements, type DependentReplace } from "./engine-delete";
import { watchRequests, type Metas, type RequestMeta } from "./engine-requests";
import { annotateSecrets, deepEqual, messageOf, plainOf, secretOutputs, secretsWhere, step, wire, type Op, type Props, type StateResource, type Step } from "./engine-state";

/** What the mock monitor's newResource gets. */
export interface Registration {
  type: string;
  name: string;
  inputs: Props;
  custom: boolean;
  id?: string;
}

/** What the engine answers the program for one resource. */
type Answer = { id: string | undefined; state: Props };

interface Diff {
  changes: "some" | "none" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/** What the step generator hands to a worker: a step, or (parallelDiff) a Diff whose result goes back to the generator. */
type Work = { step: () => Promise<Answer> } | { diff: () => Promise<Diff>; next: (diff: Diff) => Promise<Work> };

/** An existing resource being registered again, once checked. */
interface Registered {
  urn: string;
  /** The program's inputs (secrets marked). */
  news: Props;
  /** The checked inputs (secrets marked). */
  inputs: Props;
  old: StateResource;
  meta: RequestMeta;
  base: Omit<StateResource, "id" | "inputs" | "outputs">;
}

/** A registration that reached no provider because an earlier step failed (reported once, by that step). */
class NotRun extends Error {
  constructor(name: string) {
    super(`${name}: not run, an earlier step failed`);
  }
}

export class Run {
  readonly steps: Step[] = [];
  readonly errors: string[] = [];
  private readonly metas: Metas = new Map();
  private readonly seen = new Set<string>();
  /** The state's resources as they were before this run, in state order. */
  private readonly base: StateResource[];
  /** Old resources (by URN) as they were before this run: what Check and Diff compare with. */
  private readonly olds: Map<string, StateResource>;
  /** Resources whose step the generator has decided. */
  private readonly decided = new Set<string>();
  /**
   * Dependents deleted (planned, in a preview) with a delete-before-replace resource, by URN, with the inputs that
   * force their replacement: when the program registers one again, it is created anew (a replace, without a Diff).
   */
  private readonly recreating = new Map<string, string[]>();
  /** In a preview: the resources a replace would leave for deletion after the program. */
  private readonly condemned = new Set<StateResource>();
  /** Pulumi's step generator: one registration at a time (Check, Diff, hand-off to a worker). */
  private readonly generator = new Slots(1);
  /** Pulumi's step executor: `parallel` workers. */
  private readonly workers: Slots;
  private readonly inFlight = new Set<Promise<unknown>>();
  private failed = false;
  /** The Stack's outputs as the program registered them (secrets marked where they are). */
  stackOutputs: Props = {};
  private closed = false;
  private failProgram!: () => void;
  /** Settles when the program reported an error (a rejection nobody handled, or its own failure). */
  readonly programFailed = new Promise<void>((resolve) => (this.failProgram = resolve));

  constructor(
    private readonly engine: Engine,
    private readonly preview: boolean,
  ) {
    this.base = [...engine.stackState.resources];
    this.olds = new Map(this.base.filter((r) => !r.delete).map((r) => [r.urn, r]));
    this.workers = new Slots(engine.parallel);
  }

  /** Records each request's options (dependencies, deleteBeforeReplace, ...) before the mock sees it. */
  watch(monitor: unknown): void {
    watchRequests(monitor, this.metas, (outputs) => (this.stackOutputs = outputs));
  }

  /** The mock's newResource (called in the order the requests arrive): one registration. Returns the engine's answer. */
  register(args: Registration): Promise<Answer> {
    if (!args.custom) return Promise.resolve({ id: undefined, state: args.inputs }); // the Stack, components
    if (this.closed) return Promise.reject(new Error(`${args.name}: not run, the program already failed`));
    const result = this.step(args);
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

  /**
   * One registration; its failure fails the run (the engine then starts no other step, unless `continueOnError`:
   * then only the resources that depend on it are not run, as their inputs never resolve).
   */
  private async step(args: Registration): Promise<Answer> {
    try {
      return await this.schedule(args.name, () => this.generate(args));
    } catch (e) {
      if (!(e instanceof NotRun)) {
        if (!this.engine.continueOnError) this.failed = true;
        this.errors.push(`${args.name}: ${messageOf(e)}`);
      }
      throw e;
    }
  }

  /**
   * The generator's part (`generate`: Check, Diff) runs when the registrations before it are through theirs; it
   * then waits for a free worker (holding up the generator, as the engine's unbuffered hand-off does) and the step
   * runs there. A Diff run on a worker (parallelDiff) goes back to the generator with its result.
   */
  private async schedule(name: string, generate: () => Promise<Work>): Promise<Answer> {
    const { work, release } = await this.generator.run(async () => {
      if (this.failed) throw new NotRun(name);
      const work = await generate();
      return { work, release: await this.workers.acquire() };
    });
    let diff: Diff;
    try {
      if (this.failed) throw new NotRun(name);
      if ("step" in work) return await work.step();
      diff = await work.diff();
    } finally {
      release();
    }
    return this.schedule(name, () => work.next(diff));
  }

  /** The step generator for one registration: Check (and Diff, unless parallelDiff) decide the step. */
  private async generate(args: Registration): Promise<Work> {
    const meta = this.metas.get(`${args.type}::${args.name}`);
    const urn = this.engine.urnOf(args.type, args.name);
    if (!meta) throw new Error("no RegisterResource request seen for this resource");
    if (meta.unsupported.length) throw new Error(`the harness does not model ${meta.unsupported.join(", ")}`);
    if (this.seen.has(urn)) throw new Error(`duplicate resource URN ${urn}`);
    this.seen.add(urn);
    // The program's inputs as the engine gets them: unknowns marked, each secret where the program put it.
    const news = wire(secretsWhere(args.inputs, meta.object) as Props);
    if (meta.read) return this.decide(urn, { step: () => this.read(urn, args, news, meta) });

    const engine = this.engine;
    const old = this.olds.get(urn);
    const aso = meta.additionalSecretOutputs;
    const base = {
      urn,
      type: args.type,
      dependencies: meta.dependencies,
      propertyDependencies: Object.keys(meta.propertyDependencies).length ? meta.propertyDependencies : undefined,
      retainOnDelete: meta.retainOnDelete || undefined,
      deleteBeforeReplace: meta.deleteBeforeReplace || undefined,
      additionalSecretOutputs: aso.length ? aso : undefined,
    };
    const recreate = this.recreating.get(urn);
    // `news` and `inputs` are in the program's form (secrets marked); the host gets them plain.
    const inputs = await this.check(urn, old && !old.external && !recreate ? engine.open(old.inputs) : {}, news);
    if (recreate) return this.decide(urn, this.recreate(urn, base, inputs, recreate));
    if (!old || old.external) {
      return this.decide(urn, { step: async () => (this.preview ? this.planned("create", urn, undefined, inputs) : this.create(urn, base, inputs, old, "create")) });
    }
    const r: Registered = { urn, news, inputs, old, meta, base };
    if (engine.parallelDiff) return { diff: () => this.diff(r), next: (d) => this.afterDiff(r, d) };
    return this.afterDiff(r, await this.diff(r));
  }

  /** The generator has decided the step of `urn` (a later delete-before-replace no longer counts it as a dependent). */
  private decide(urn: string, work: Work): Work {
    this.decided.add(urn);
    return work;
  }

  /** A dependent deleted with a delete-before-replace resource, registered again: created anew, without a Diff. */
  private recreate(urn: string, base: Registered["base"], inputs: Props, keys: string[]): Work {
    return { step: async () => (this.preview ? this.planned("replace", urn, undefined, inputs, keys) : this.create(urn, base, inputs, undefined, "replace", keys)) };
  }

  /** Diff; "unknown" (the provider cannot tell) becomes the engine's own comparison of stored and checked inputs. */
  private async diff({ urn, old, inputs }: Registered): Promise<Diff> {
    const engine = this.engine;
    const host = await engine.provider();
    const diff = await host.diff(urn, old.id, engine.reveal(old.outputs), plainOf(inputs));
    if (diff.changes !== "unknown") return diff;
    return { ...diff, changes: deepEqual(engine.reveal(old.inputs), plainOf(inputs)) ? "none" : "some" };
  }

  /**
   * The step a Diff calls for (in the generator). A replace deletes first when the program's deleteBeforeReplace
   * option says so, or, when the program left it unset, when the provider asks for it; it then takes its dependents
   * with it (`dependentReplacements`, found here, before the step is handed on).
   */
  private async afterDiff(r: Registered, diff: Diff): Promise<Work> {
    const recreate = this.recreating.get(r.urn); // (parallelDiff) deleted with another resource while its Diff ran
    if (recreate) return this.decide(r.urn, this.recreate(r.urn, r.base, await this.check(r.urn, {}, r.news), recreate));
    if (diff.changes === "some" && diff.replaces.length) {
      // The engine re-checks without olds: defaults carried over from the old resource no longer apply.
      const inputs = await this.check(r.urn, {}, r.news);
      if (!(r.meta.deleteBeforeReplace ?? diff.deleteBeforeReplace)) return this.decide(r.urn, { step: () => this.replace({ ...r, inputs }, diff) });
      const ignore = (urn: string) => this.decided.has(urn) || this.recreating.has(urn);
      const dependents = await dependentReplacements(this.engine, this.base, r.old, ignore);
      for (const d of dependents) this.recreating.set(d.resource.urn, d.keys);
      return this.decide(r.urn, { step: () => this.replaceDeletingFirst({ ...r, inputs }, diff, dependents) });
    }
    if (diff.changes === "some" || r.old.initErrors?.length) return this.decide(r.urn, { step: () => this.update(r) });
    return this.decide(r.urn, { step: () => this.same(r) });
  }

  private async read(urn: string, args: Registration, props: Props, meta: RequestMeta): Promise<Answer> {
    const engine = this.engine;
    const read = await (await engine.provider()).read(urn, String(args.id), plainOf(props));
    if (!read.id) throw new Error(`resource '${args.id}' does not exist`);
    const old = engine.stackState.resources.find((r) => r.urn === urn && !r.delete);
    const aso = meta.additionalSecretOutputs;
    const outputs = secretOutputs(annotateSecrets(read.properties, props), props, aso);
    const entry: StateResource = {
      urn,
      type: args.type,
      id: read.id,
      inputs: engine.seal(annotateSecrets(read.inputs ?? {}, props)),
      outputs: engine.seal(outputs),
      dependencies: meta.dependencies,
      external: true,
      ...(aso.length ? { additionalSecretOutputs: aso } : {}),
    };
    if (!this.preview) this.commit(old, entry);
    this.steps.push(step("read", urn));
    return { id: read.id, state: outputs };
  }

  /** Create the replacement; once it exists, the old one waits in state, condemned, for the deletes after the program. */
  private async replace({ urn, old, inputs, base }: Registered, diff: Diff): Promise<Answer> {
    if (this.preview) {
      this.condemned.add(old);
      return this.planned("replace", urn, undefined, inputs, diff.replaces);
    }
    return this.create(urn, base, inputs, undefined, "replace", diff.replaces, old);
  }

  /**
   * Delete-before-replace, as one chain of steps: the dependents (in reverse dependency order), the old resource,
   * then the replacement's create.
   */
  private async replaceDeletingFirst({ urn, old, inputs, base }: Registered, diff: Diff, dependents: DependentReplace[]): Promise<Answer> {
    const doomed = [...dependents.map((d) => d.resource).reverse(), old];
    if (this.preview) {
      for (const r of doomed) this.steps.push(step(r.delete ? "delete" : "delete-replaced", r.urn));
      return this.planned("replace", urn, undefined, inputs, diff.replaces);
    }
    for (const r of doomed) await deleteResource(this.engine, r, this.steps, r.delete ? "delete" : "delete-replaced");
    return this.create(urn, base, inputs, undefined, "replace", diff.replaces);
  }

  private async update({ urn, old, inputs, meta, base }: Registered): Promise<Answer> {
    const engine = this.engine;
    if (this.preview) return this.planned("update", urn, old.id, inputs);
    try {
      const updated = await (await engine.provider()).update(urn, old.id, engine.reveal(old.outputs), plainOf(inputs));
      const outputs = secretOutputs(annotateSecrets(updated.properties, inputs), inputs, meta.additionalSecretOutputs);
      this.commit(old, { ...base, id: old.id, inputs: engine.seal(inputs), outputs: engine.seal(outputs) });
      this.steps.push(step("update", urn));
      return { id: old.id, state: outputs };
    } catch (e) {
      if (e instanceof HostError && e.initFailure) {
        const outputs = engine.seal(secretOutputs(annotateSecrets(e.initFailure.properties, inputs), inputs, meta.additionalSecretOutputs));
        // The engine stores the old inputs with the new outputs (pulumi#2011: the object is not as those inputs say).
        this.commit(old, { ...base, id: old.id, inputs: old.inputs, outputs, initErrors: e.initFailure.reasons });
      }
      throw e;
    }
  }

  /** Same: new inputs, old outputs. */
  private async same({ urn, old, inputs, base }: Registered): Promise<Answer> {
    const engine = this.engine;
    if (!this.preview) this.commit(old, { ...base, id: old.id, inputs: engine.seal(inputs), outputs: old.outputs });
    this.steps.push(step("same", urn));
    return { id: old.id, state: engine.open(old.outputs) };
  }

  /** Check with plain values; the checked inputs keep the secrets of `news` (and those the provider wrapped). */
  private async check(urn: string, olds: Props, news: Props): Promise<Props> {
    const checked = await (await this.engine.provider()).check(urn, plainOf(olds), plainOf(news));
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
  ): Promise<Answer> {
    const engine = this.engine;
    const aso = base.additionalSecretOutputs ?? [];
    try {
      const created = await (await engine.provider()).create(urn, plainOf(inputs));
      const outputs = secretOutputs(annotateSecrets(created.properties, inputs), inputs, aso);
      this.commit(old, { ...base, id: created.id, inputs: engine.seal(inputs), outputs: engine.seal(outputs) }, condemned);
      this.steps.push(step(op, urn, detail));
      return { id: created.id, state: outputs };
    } catch (e) {
      if (e instanceof HostError && e.initFailure?.id) {
        const outputs = engine.seal(secretOutputs(annotateSecrets(e.initFailure.properties, inputs), inputs, aso));
        this.commit(old, { ...base, id: e.initFailure.id, inputs: engine.seal(inputs), outputs, initErrors: e.initFailure.reasons }, condemned);
      }
      throw e;
    }
  }

  /** A planned step of a preview: what the engine answers the program (outputs = inputs, unknown id for new ones). */
  private planned(op: Op, urn: string, id: string | undefined, inputs: Props, detail?: string[]): Answer {
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
   * After the program: deletes what it no longer declares and what was replaced, as the engine schedules deletes
   * (a preview only lists them, in reverse state order).
   */
  async deletes(): Promise<void> {
    const state = this.engine.stackState;
    if (this.preview) {
      // What the up would delete: not declared (unless planned for deletion with a delete-before-replace already), replaced.
      const gone = (r: StateResource) => r.delete || this.condemned.has(r) || (!this.seen.has(r.urn) && !this.recreating.has(r.urn));
      for (const r of state.resources.filter(gone).reverse()) {
        this.steps.push(step(r.external ? "discard" : r.delete || this.condemned.has(r) ? "delete-replaced" : "delete", r.urn));
      }
      return;
    }
    const doomed = state.resources.filter((r) => r.delete || !this.seen.has(r.urn)).reverse();
    this.errors.push(...(await deleteAll(this.engine, doomed, this.steps)));
  }
}
