/**
 * The blast radius at preview: which computers (or tenants, or people) a MaintenanceSession's new run would start
 * on, said by `pulumi preview` before anyone merges. Resolved read-only in check and shown in two places, the only
 * two a dynamic provider has in the Pulumi CLI (read in pulumi/pulumi; no CLI runs here, so not seen on screen):
 *
 * - a line on the provider host's stdout. The CLI turns each line a dynamic-provider host prints into an info
 *   diagnostic without a URN (sdk/go/common/resource/plugin/plugin.go `runtrace`; shown again since v3.146.0,
 *   pulumi/pulumi#18253, after v3.144.0 hid all plugin output, #17943; on Windows the host binary ends in `.cmd`,
 *   which `isDynamicPluginBinary` misses, so it stays hidden there). `pulumi preview` prints it under "Diagnostics:"
 *   in the stack's group, on stdout (pkg/backend/display/progress.go), so pulumi/actions' PR comment, which holds the
 *   command's stdout (src/main.ts), has it; with `--diff` it goes to stderr (display/diff.go `ShowDiffEvents`) and
 *   the action logs it as a warning instead. `pulumi.log` is no other channel: the host has no engine address
 *   (`PULUMI_NODEJS_ENGINE` is set only for programs, cmd/run), so it falls back to `console.log` too;
 * - the `plannedTargets` property of the checked inputs: `pulumi preview --diff` prints a new resource's inputs and a
 *   replacement's changed inputs (display/object_diff.go `getResourcePropertiesDetails`; the host sends no `diffs`,
 *   so no key is filtered out), which the PR comment holds with the action's `diff: true`. A program may export it:
 *   the host does not support provider previews, so at preview the engine answers the inputs as outputs.
 *
 * It never changes the diff: `plannedTargets` is no argument, and diff compares arguments only. It is looked up only
 * in a check without olds, which the engine makes for a new resource and for the replacement of a changed one
 * (pkg/resource/deploy/step_generator.go re-checks without olds once Diff asks for a replace; every change of a run
 * replaces it): exactly the runs that would start. A check with olds (a run that stays, or one about to be checked
 * again for its replacement) keeps what the state says and sends nothing. Check cannot tell a preview from `up` (the
 * CheckRequest has no preview flag, and the host passes check only olds and news, no URN), so `up` resolves once more
 * before the create, which resolves the targets for itself. At most {@link BUDGET_MS}: a failure or a slow answer
 * becomes "could not resolve the targets: ..." and the preview goes on.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ImmyBotClient } from "./client";
import { containsUnknown } from "./check";
import { client } from "./context";
import { findComputer, findTenant } from "./lookups";
import { deploymentComputers, model, readDeployment } from "./maintenance-session";
import type { Lifecycle } from "./rest-resource";
import { formatDuration } from "./session-runs";

/** The property that carries the resolved targets (checked inputs, outputs). */
export const PLANNED = "plannedTargets";
/** Names shown before "and N more". */
export const NAMES_SHOWN = 5;
/** The longest a preview waits for the targets (less when `requestTimeoutMs` is lower). */
export const BUDGET_MS = 10_000;

type Props = Record<string, unknown>;

/** Count, noun and the first names: "7 computers: A, B, C, D, E and 2 more". */
export function countAndNames(count: number, noun: string, names: readonly string[]): string {
  const counted = `${count} ${noun}${count === 1 ? "" : "s"}`;
  if (count === 0) return counted;
  const more = count - names.length;
  return `${counted}: ${names.join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}

/** The first {@link NAMES_SHOWN} ids by name (one lookup each, at once); a missing one says so. */
async function namesOf(ids: readonly number[], lookup: (id: number) => Promise<{ name: string }>, noun: string): Promise<string[]> {
  return Promise.all(
    ids.slice(0, NAMES_SHOWN).map((id) =>
      lookup(id).then(
        (found) => found.name || `${noun} ${id}`,
        (e: unknown) => {
          if ((e as { code?: unknown })?.code === "IMMYBOT_LOOKUP_NONE") return `${noun} ${id} (not in ImmyBot)`;
          throw e;
        },
      ),
    ),
  );
}

/** What the run would target, read from ImmyBot now; throws when a request fails. Inputs are checked and known. */
async function resolve(api: ImmyBotClient, v: Props): Promise<string> {
  const list = (key: string) => (Array.isArray(v[key]) ? (v[key] as number[]) : undefined);
  const computers = list("computers");
  if (computers) return countAndNames(computers.length, "computer", await namesOf(computers, (id) => findComputer(api, { id }), "computer"));
  const tenants = list("tenants");
  if (tenants) return countAndNames(tenants.length, "tenant", await namesOf(tenants, (id) => findTenant(api, { id }), "tenant"));
  const persons = list("persons");
  if (persons) return countAndNames(persons.length, "person", persons.slice(0, NAMES_SHOWN).map((id) => `person ${id}`));
  if (typeof v.deploymentId !== "string") return "0 computers: no deployment and no computers given";
  const deploymentId = v.deploymentId;
  const found = await deploymentComputers(api, deploymentId, await readDeployment(api, deploymentId)).catch((e: unknown) => {
    if ((e as { code?: unknown })?.code === "IMMYBOT_RUN_NO_TARGETS") return e as Error;
    throw e;
  });
  if (found instanceof Error) return `0 computers: the run would fail (${found.message})`;
  if (found.length === 0) return `0 computers: deployment ${deploymentId} targets none at the moment, so the run would fail; check its target, or give computers`;
  const text = countAndNames(
    found.length,
    "computer",
    found.slice(0, NAMES_SHOWN).map((c) => c.name ?? `computer ${c.id}`),
  );
  // `triggers: [deployment.updatedAt]` is unknown exactly when the deployment changes in this update: its new target
  // is not in ImmyBot yet.
  const pending = Object.keys(model.fields).filter((k) => containsUnknown(v[k]));
  return pending.length > 0 ? `${text} (deployment ${deploymentId} as it is now; ${pending.join(", ")} not known yet: the deployment may change in this update)` : text;
}

/** The inputs the targets depend on that are not known yet (preview of values another resource computes). */
function unknownInputs(v: Props): string[] {
  const lists = ["computers", "tenants", "persons"].filter((k) => v[k] !== undefined);
  return (lists.length > 0 ? lists : ["deploymentId"]).filter((k) => containsUnknown(v[k]));
}

/** The text of `plannedTargets` for a run about to start, within the budget; never throws. */
export async function plannedTargets(v: Props): Promise<string> {
  const unknown = unknownInputs(v);
  if (unknown.length > 0) return `targets not known yet (${unknown.join(", ")} will be known when the update runs)`;
  let timer: NodeJS.Timeout | undefined;
  try {
    const api = client();
    const budget = Math.min(api.settings.requestTimeoutMs, BUDGET_MS);
    // The lookup is read-only: left running after the budget, its answer is dropped (never an unhandled rejection).
    const work = resolve(api, v).then(
      (text) => ({ text }),
      (e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }),
    );
    const late = new Promise<{ error: string }>((ok) => {
      timer = setTimeout(() => ok({ error: `no answer within ${formatDuration(budget)}` }), budget);
      timer.unref?.();
    });
    const outcome = await Promise.race([work, late]);
    return "text" in outcome ? outcome.text : `could not resolve the targets: ${oneLine(outcome.error)}`;
  } catch (e) {
    return `could not resolve the targets: ${oneLine(e instanceof Error ? e.message : String(e))}`;
  } finally {
    clearTimeout(timer);
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** The line the CLI shows under "Diagnostics:": check has no resource name, so the deployment and the targets say which run. */
export function previewLine(v: Props, planned: string): string {
  const of =
    v.fullMaintenance === true ? " (full maintenance)" : typeof v.deploymentId === "string" && !containsUnknown(v.deploymentId) ? ` of deployment ${v.deploymentId}` : "";
  return `immybot: MaintenanceSession${of}: a new run would start${/^[1-9]/.test(planned) ? ` on ${planned}` : `; ${planned}`}`;
}

/**
 * True when the check is for a run that would start: the engine checks without olds for a new resource and for the
 * replacement of a changed one (it checks a replaced resource twice: with olds, then, once Diff has asked for the
 * replace, without). A check with olds is for a resource that stays (or is about to be re-checked).
 */
function startsRun(olds: Props): boolean {
  return !Object.keys(olds).some((k) => Object.hasOwn(model.fields, k));
}

function without(props: Props): Props {
  const { [PLANNED]: _dropped, ...rest } = props;
  return rest;
}

/** `props` with `planned` under {@link PLANNED}, when there is one. */
function withPlanned<T extends Props | undefined>(props: T, planned: unknown): T {
  return typeof planned === "string" && props ? ({ ...props, [PLANNED]: planned } as T) : props;
}

/** A failure that keeps the run in state keeps what the preview said, too. */
function keepPlanned(e: unknown, planned: unknown): unknown {
  const failure = e as { properties?: Props } | null;
  if (failure && typeof failure === "object" && failure.properties && typeof failure.properties === "object") {
    failure.properties = withPlanned(failure.properties, planned);
  }
  return e;
}

/**
 * MaintenanceSession's lifecycle with the blast radius: check adds `plannedTargets` (and prints the line) for a run
 * that would start, and carries the stored one over otherwise; create, update and read keep it in the outputs and
 * pass the run's own code the arguments without it.
 */
export function withRunPreview(run: Lifecycle): Lifecycle {
  return {
    ...run,
    async check(olds, news) {
      const result: dynamic.CheckResult = await run.check(olds, without(news));
      if ((result.failures?.length ?? 0) > 0 || !result.inputs) return result;
      if (!startsRun(olds)) return { ...result, inputs: withPlanned(result.inputs, olds[PLANNED]) };
      const planned = await plannedTargets(result.inputs);
      console.log(previewLine(result.inputs, planned));
      return { ...result, inputs: { ...result.inputs, [PLANNED]: planned } };
    },
    async create(inputs) {
      try {
        const created = await run.create(without(inputs));
        return { ...created, outs: withPlanned(created.outs, inputs[PLANNED]) };
      } catch (e) {
        throw keepPlanned(e, inputs[PLANNED]);
      }
    },
    async update(id, olds, news) {
      const planned = news[PLANNED] ?? olds[PLANNED];
      try {
        const updated = await run.update(id, olds, without(news));
        return { ...updated, outs: withPlanned(updated.outs, planned) };
      } catch (e) {
        throw keepPlanned(e, planned);
      }
    },
    async read(id, props) {
      const read = await run.read(id, props);
      if (read.id === "") return read;
      return { ...read, props: withPlanned(read.props, props[PLANNED]), inputs: withPlanned(read.inputs, props[PLANNED]) };
    },
  };
}
