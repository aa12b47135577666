/**
 * MaintenanceRollout's arguments and outputs: the documented interfaces (the source of the docs tables and the JSON
 * Schema), the zod model tied to them at compile time, and the cross-field rules. The options a rollout shares with
 * a MaintenanceSession are MaintenanceSession's fields, not copies: each batch of a ring is a MaintenanceSession run.
 */
import { z } from "zod";
import type { InputModel, RuleContext } from "./check";
import { maintenanceOptionRules, type EmailArgs, type ExecutionArgs, type RebootArgs } from "./models/maintenance-options";
import { idNumber, idString } from "./models/target";
import { keysOf, type Tie } from "./models/tie";
import { duration, model as sessionModel, type JsonValue, type MaintenanceSessionArgs, type MaintenanceSessionComputed } from "./maintenance-session-args";

const KIND = "MaintenanceRollout";

/** One ring of a rollout: the computers it runs on (exactly one of computers, tag and fraction) and its gate. */
export interface RolloutRingArgs {
  /** The ring's name, unique in the rollout, e.g. "canary", "pilot", "broad". */
  name: string;
  /** The ring's computers, by id. */
  computers?: number[];
  /**
   * The computers carrying this tag, by the tag's id (a Tag's `id`, or getTag's), as ImmyBot resolves them when the
   * rollout starts (read only: the tag is not changed).
   */
  tag?: string;
  /**
   * A share of the deployment's computers (its target, as ImmyBot's target preview resolves it when the rollout
   * starts), counted from the start of the rollout: 0.25 means "after this ring, a quarter of them have run". The
   * ring takes the next computers by id that no earlier ring had; 1 takes all that are left. Needs deploymentId.
   */
  fraction?: number;
  /**
   * The gate: at most this many of the ring's sessions may fail (a whole number, or a percentage of the ring's
   * computers such as "10%", rounded down) for the rollout to go on to the next ring. Default 0.
   */
  maxFailures?: number | string;
  /** A pause after the ring passed its gate, before the next ring starts, e.g. "2h" (at most "24h"). Default none. */
  soak?: string;
  /**
   * At most this many computers of the ring in maintenance at once: the ring runs in batches of this size, each
   * started when the one before has finished. Default: the whole ring at once.
   */
  maxConcurrent?: number;
}

/**
 * The arguments of a MaintenanceRollout: a deployment (`deploymentId`) or a full maintenance (`fullMaintenance:
 * true`) run ring by ring. The options are those of a MaintenanceSession and apply to every ring's runs. Changing
 * `triggers` after a failed ring starts that ring again (rings that passed are not repeated); after a finished
 * rollout it starts a new one. Any other change starts a new rollout (the resource is replaced).
 */
export interface MaintenanceRolloutArgs
  extends RebootArgs,
    EmailArgs,
    ExecutionArgs,
    Pick<MaintenanceSessionArgs, "detectionOnly" | "failOnPartialPassed" | "failOnPostponed"> {
  /** The deployment to roll out, by id (a Deployment's `id`). Required unless fullMaintenance is true; not with fullMaintenance. */
  deploymentId?: string;
  /**
   * Roll out a full maintenance (UI: Run Maintenance) instead of one deployment: every deployment that applies to
   * each ring's computers. Rings then need computers or a tag (no fraction: there is no deployment). Default false.
   */
  fullMaintenance?: boolean;
  /**
   * Any values, e.g. a release number. After a ring failed, changing them starts that ring again (rings that passed
   * are not repeated); after a finished rollout, they start a new rollout. Unchanged, `pulumi up` only looks at the
   * failed ring's sessions again.
   */
  triggers?: JsonValue[];
  /** The rings, in order: each starts only when the one before passed its gate (and its soak is over). */
  rings: RolloutRingArgs[];
  /** The longest wait for one batch of a ring, a duration such as "45m" (at most "24h"). Default "1h". A timeout fails the step. */
  timeout?: string;
  /**
   * Resume a rollout whose `pulumi up` was cancelled before it ended (the state never recorded it): its id, from the
   * line `immybot: rollout <id> starting` of that up. Each batch's runs are found by their session group ids and
   * followed, never started again; the first batch not found is started only after `timeout` has passed since the
   * batch before it finished (or since this up began looking, for the first batch). Read only at create.
   */
  adoptId?: string;
}

/** "10%" -> 10; undefined when it is not a percentage between 0 and 100. */
export function percentOf(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  const n = m ? Number(m[1]) : NaN;
  return Number.isFinite(n) && n >= 0 && n <= 100 ? n : undefined;
}

const maxFailures = z.union([z.number(), z.string()], { error: 'must be a whole number (e.g. 1) or a percentage (e.g. "10%")' }).superRefine((v, ctx) => {
  if (typeof v === "number" ? !(Number.isSafeInteger(v) && v >= 0) : percentOf(v) === undefined) {
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(v)} is out of range: give a whole number of sessions >= 0 (e.g. 1) or a percentage from "0%" to "100%" (e.g. "10%")` });
  }
});

const ringFields = {
  name: z.string().trim().min(1, { error: 'must not be empty: name the ring, e.g. "canary"' }),
  computers: z.array(idNumber("computer")).min(1, { error: "lists no computer; give at least one id, or use tag or fraction" }).optional(),
  tag: idString("a tag id", "1").optional(),
  fraction: z.number().gt(0, { error: "must be more than 0 and at most 1 (e.g. 0.25 for a quarter of the deployment's computers)" }).max(1, { error: "must be at most 1 (all the deployment's computers left)" }).optional(),
  maxFailures: maxFailures.default(0),
  soak: duration.optional(),
  maxConcurrent: z.number().int({ error: "must be a whole number of computers, e.g. 5" }).min(1, { error: "must be at least 1 (computers in maintenance at once)" }).optional(),
};
const _tieRing: Tie<z.input<z.ZodObject<typeof ringFields>>, RolloutRingArgs> = true;

/** A UUID as randomUUID writes it (any case; normalize lowercases it, so the derived group ids match). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const s = sessionModel.fields;
const rolloutFields = {
  deploymentId: s.deploymentId,
  fullMaintenance: s.fullMaintenance,
  rings: z.array(z.strictObject(ringFields)).min(1, { error: 'lists no ring; give at least one, e.g. [{ name: "canary", tag: "1" }, { name: "broad", fraction: 1 }]' }),
  detectionOnly: s.detectionOnly,
  rebootPreference: s.rebootPreference,
  promptTimeoutAction: s.promptTimeoutAction,
  promptTimeoutMinutes: s.promptTimeoutMinutes,
  autoConsentToReboots: s.autoConsentToReboots,
  suppressRebootsDuringBusinessHours: s.suppressRebootsDuringBusinessHours,
  offlineBehavior: s.offlineBehavior,
  sendDetectionEmail: s.sendDetectionEmail,
  sendDetectionEmailWhenAllActionsAreCompliant: s.sendDetectionEmailWhenAllActionsAreCompliant,
  sendFollowUpEmail: s.sendFollowUpEmail,
  sendFollowUpOnlyIfActionNeeded: s.sendFollowUpOnlyIfActionNeeded,
  showRunNowButton: s.showRunNowButton,
  showPostponeButton: s.showPostponeButton,
  showMaintenanceActions: s.showMaintenanceActions,
  useComputersTimezoneForExecution: s.useComputersTimezoneForExecution,
  scheduleExecutionAfterActiveHours: s.scheduleExecutionAfterActiveHours,
  triggers: s.triggers,
  timeout: s.timeout,
  failOnPartialPassed: s.failOnPartialPassed,
  failOnPostponed: s.failOnPostponed,
  adoptId: z
    .string()
    .trim()
    .regex(UUID, { error: (i) => `${JSON.stringify(i.input)} is not a rollout id: give the UUID from the line "immybot: rollout <id> starting" of the cancelled up, e.g. "0b5e7c2a-4d1f-4e8a-9c3b-2f6d8e1a7b90"` })
    .optional(),
};
const _tie: Tie<z.input<z.ZodObject<typeof rolloutFields>>, MaintenanceRolloutArgs> = true;

/** Checked, canonical MaintenanceRollout arguments. */
export type MaintenanceRolloutInputs = z.output<z.ZodObject<typeof rolloutFields>>;
export type RolloutRing = MaintenanceRolloutInputs["rings"][number];

/** The option fields a ring's runs take from the rollout, as MaintenanceSession arguments. */
export const RUN_OPTION_KEYS: readonly string[] = Object.keys(rolloutFields).filter((k) => k !== "rings" && k !== "adoptId");

/** A computer of a ring whose session failed, with why. */
export interface RolloutFailedComputer {
  computerId: number | null;
  computerName: string | null;
  /** The session's id in ImmyBot. */
  sessionId: number;
  /** Its status: "Failed", "Cancelled", ... */
  status: string;
  /** The session's newest log line. */
  lastLog: string | null;
}

/** One batch of a ring: one MaintenanceSession run (its session group id, its computers, its sessions). */
export type RolloutBatch = Pick<
  MaintenanceSessionComputed,
  "sessionGroupId" | "startedAt" | "finishedAt" | "targets" | "sessionIds" | "sessions" | "statusCounts" | "result" | "maintenanceType" | "maintenanceIdentifier"
>;

/** What one ring did. */
export interface RolloutRingResult {
  /** The ring's name. */
  name: string;
  /** The ring's computers, as resolved when the rollout started (ids, ascending). */
  computers: number[];
  /**
   * "Passed" (gate met), "Failed" (gate not met, or its runs failed to start or timed out), "Running" (its runs were
   * started and not yet judged) or "NotStarted".
   */
  status: "Passed" | "Failed" | "Running" | "NotStarted";
  /** The most failed sessions the gate allows for this ring. */
  allowedFailures: number;
  /** Failed sessions of the ring. */
  failures: number;
  /** The ring's sessions by status, e.g. { Passed: 9, Failed: 1 }. */
  statusCounts: Record<string, number>;
  /** The computers whose session failed, with their last log line. */
  failedComputers: RolloutFailedComputer[];
  /** The ring's runs, one per batch (maxConcurrent), in order. */
  batches: RolloutBatch[];
  /** The `triggers` the ring's runs were started with: a change starts a failed ring again. */
  startedWithTriggers: unknown[] | null;
  /**
   * How many times the ring was started before these runs (0 the first time; starting it again after a new
   * `triggers` adds one). With the rollout's id, the ring's and the batch's place, it makes each batch's session
   * group id, so an interrupted rollout finds its batches again (`adoptId`).
   */
  attempt: number;
  /** When the ring's first run started, and when the ring was judged (ISO 8601, UTC). */
  startedAt: string | null;
  finishedAt: string | null;
  /** When the soak after the ring ends; null without one. */
  soakUntil: string | null;
}

/** What a rollout produced. */
export interface MaintenanceRolloutComputed {
  /** The rollout's id (a GUID of its own; each ring's runs have their own session group ids). */
  rolloutId: string;
  /** "Succeeded" (every ring passed its gate), "Failed" (a ring did not: the next `pulumi up` resumes from it) or "InProgress". */
  result: "Succeeded" | "Failed" | "InProgress";
  /** The name of the ring that did not pass, or null. */
  failedRing: string | null;
  /** Each ring, in order. */
  ringResults: RolloutRingResult[];
  /** When the rollout started, and when its last ring was judged (ISO 8601, UTC). */
  startedAt: string;
  finishedAt: string | null;
}

export type MaintenanceRolloutOutputs = MaintenanceRolloutInputs & MaintenanceRolloutComputed;

export const outputKeys: readonly string[] = [
  ...Object.keys(rolloutFields),
  ...keysOf<MaintenanceRolloutComputed>({ rolloutId: true, result: true, failedRing: true, ringResults: true, startedAt: true, finishedAt: true }),
];

function runKindRules(ctx: RuleContext<MaintenanceRolloutInputs>): void {
  const v = ctx.value;
  if (!ctx.known("fullMaintenance")) return;
  if (v.fullMaintenance && ctx.known("deploymentId") && v.deploymentId !== undefined) {
    ctx.issue("deploymentId", `is not used with fullMaintenance: true, which runs every deployment that applies to the rings' computers: remove deploymentId, or remove fullMaintenance`);
  }
  if (!v.fullMaintenance && ctx.known("deploymentId") && v.deploymentId === undefined) {
    ctx.issue("deploymentId", 'is required: give the deployment to roll out (a Deployment\'s id, e.g. "42"), or set fullMaintenance: true to run every deployment that applies');
  }
}

function ringRules(ctx: RuleContext<MaintenanceRolloutInputs>): void {
  const v = ctx.value;
  if (!ctx.known("rings") || !Array.isArray(v.rings)) return;
  const names = new Set<string>();
  v.rings.forEach((ring, i) => {
    const given = (["computers", "tag", "fraction"] as const).filter((k) => ring[k] !== undefined);
    if (given.length === 0) ctx.issue(["rings", i, "computers"], `ring "${ring.name}" has no computers: give exactly one of computers (ids), tag (a tag id) or fraction (e.g. 0.25)`);
    if (given.length > 1) ctx.issue(["rings", i, given[1] as string], `a ring takes its computers one way: give ${given.join(" or ")}, not both`);
    if (ring.fraction !== undefined && v.fullMaintenance) {
      ctx.issue(["rings", i, "fraction"], "is a share of the deployment's computers, and a full maintenance has no deployment: give computers or tag instead");
    }
    if (names.has(ring.name)) ctx.issue(["rings", i, "name"], `"${ring.name}" names two rings: give each ring its own name`);
    names.add(ring.name);
  });
}

/** Sorted and without repeats: the order of ids never starts a new rollout. */
const idSet = (ids: number[] | undefined) => (ids ? [...new Set(ids)].sort((a, b) => a - b) : undefined);

export const model: InputModel<typeof rolloutFields> = {
  kind: KIND,
  fields: rolloutFields,
  rules: [runKindRules, ringRules, (ctx) => maintenanceOptionRules(ctx)],
  normalize: (v) => ({
    ...v,
    rings: Array.isArray(v.rings) ? v.rings.map((r) => ({ ...r, computers: idSet(r.computers) })) : v.rings,
    adoptId: typeof v.adoptId === "string" ? v.adoptId.toLowerCase() : v.adoptId,
  }),
  // `triggers` updates in place: a failed ring is started again, the rings that passed are kept (maintenance-rollout.ts).
  // adoptId is read only at create; the lifecycle's diff replaces only when it names another rollout.
  replaceOnChanges: Object.keys(rolloutFields).filter((k) => k !== "triggers" && k !== "adoptId"),
  createOnly: ["adoptId"],
};
