/**
 * Deletes in the engine harness (test/helpers/engine.ts), as pulumi's engine does them: the deletes after a program
 * and `destroy`, scheduled in rounds (pkg/resource/deploy/deployment_executor.go, ScheduleDeletes); and the
 * dependents a delete-before-replace takes with it (pkg/resource/deploy/step_generator.go,
 * calculateDependentReplacements).
 */
import { UNKNOWN } from "./host";
import { Slots } from "./slots";
import type { Engine } from "./engine";
import { messageOf, nameOf, plainOf, step, type Op, type StateResource, type Step } from "./engine-state";

/**
 * Deletes `doomed` (given in reverse state order) as the engine schedules deletes: in rounds, each deleting
 * (`parallel` at once) what no resource still to be deleted depends on, directly or through resources that stay.
 * Returns the errors; after one, no delete starts.
 */
export async function deleteAll(engine: Engine, doomed: StateResource[], steps: Step[]): Promise<string[]> {
  const errors: string[] = [];
  const workers = new Slots(engine.parallel);
  const dependsOn = transitiveDependencies(engine.stackState.resources);
  let left = doomed;
  while (left.length > 0 && errors.length === 0) {
    const ready = left.filter((r) => !left.some((o) => o.urn !== r.urn && dependsOn(o.urn).has(r.urn)));
    const round = ready.length > 0 ? ready : left.slice(0, 1); // a cycle (never in a valid state): one at a time
    await Promise.all(
      round.map((r) =>
        workers.run(async () => {
          if (errors.length) return;
          try {
            await deleteResource(engine, r, steps, r.delete ? "delete-replaced" : "delete");
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
function transitiveDependencies(resources: readonly StateResource[]): (urn: string) => Set<string> {
  const direct = new Map<string, string[]>();
  for (const r of resources) direct.set(r.urn, [...(direct.get(r.urn) ?? []), ...r.dependencies]);
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
export async function deleteResource(engine: Engine, r: StateResource, steps: Step[], op: Op): Promise<void> {
  if (!r.external && !r.retainOnDelete) await (await engine.provider()).delete(r.urn, r.id, engine.reveal(r.outputs));
  engine.stackState.resources = engine.stackState.resources.filter((x) => x !== r);
  engine.save();
  steps.push(step(r.external ? "discard" : op, r.urn));
}

/** A resource deleted with a delete-before-replace one, and the inputs its provider said force its replacement. */
export interface DependentReplace {
  resource: StateResource;
  keys: string[];
}

/**
 * The resources to delete with `root` when it is replaced delete-before-replace, in dependency order (delete them in
 * reverse), as the engine's calculateDependentReplacements finds them: walking the state as it was before the
 * operation (`base`, in which every resource comes after those it depends on) from `root` on, a resource depending
 * on `root` or on a dependent found so far (by dependencies or property dependencies) is a dependent unless
 * `ignore` says it was registered already in this run. A dependent is replaced when one of its inputs came from
 * a resource being replaced (its property dependencies) and its provider's Diff, with each such input unknown,
 * names properties that force a replacement; a dependent by `dependsOn` only, or an external one, is not.
 */
export async function dependentReplacements(engine: Engine, base: readonly StateResource[], root: StateResource, ignore: (urn: string) => boolean): Promise<DependentReplace[]> {
  const at = base.indexOf(root);
  if (at < 0) return [];
  const dependents = new Set([root.urn]);
  const replaced = new Set([root.urn]);
  const found: DependentReplace[] = [];
  for (const r of base.slice(at + 1)) {
    if (ignore(r.urn)) continue;
    const propertyDependencies = r.propertyDependencies ?? {};
    if (![...r.dependencies, ...Object.values(propertyDependencies).flat()].some((d) => dependents.has(d))) continue;
    dependents.add(r.urn);
    if (r.external) continue;
    const inputs = engine.open(r.inputs);
    const changing = Object.keys(inputs).filter((k) => (propertyDependencies[k] ?? []).some((d) => replaced.has(d)));
    if (changing.length === 0) continue;
    const news = { ...inputs, ...Object.fromEntries(changing.map((k) => [k, UNKNOWN])) };
    const diff = await (await engine.provider()).diff(r.urn, r.id, engine.reveal(r.outputs), plainOf(news));
    if (diff.replaces.length === 0) continue;
    replaced.add(r.urn);
    found.push({ resource: r, keys: diff.replaces });
  }
  return found;
}
