/**
 * MaintenanceSession's arguments and outputs: the documented interfaces (the source of the docs tables and the
 * JSON Schema), the zod model tied to them at compile time, and the cross-field rules. The wire mapping is in
 * `maintenance-session-wire.ts`, the lifecycle in `maintenance-session.ts`.
 */
import { z } from "zod";
import type { InputModel, RuleContext } from "./check";
import type { DatabaseTypeName, MaintenanceActionResultName, MaintenanceActionStatusName, MaintenanceActionTypeName, MaintenanceTypeName, SessionStatusName } from "./models/enums";
import { emailFields, executionFields, maintenanceOptionRules, rebootFields, type EmailArgs, type ExecutionArgs, type RebootArgs } from "./models/maintenance-options";
import { idNumber, idString } from "./models/target";
import { didYouMean } from "./models/similar";
import { timeOfDay, timeZone } from "./models/time";
import { keysOf, type Tie } from "./models/tie";
import { WAIT_FOR, formatDuration, type RunTarget, type WaitFor } from "./session-runs";

const KIND = "MaintenanceSession";

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * The arguments of a MaintenanceSession. Changing any of them starts a new run (the resource is replaced). A run
 * enforces one deployment (`deploymentId`) or is a full maintenance (`fullMaintenance: true`: every deployment
 * that applies to the computers given).
 */
export interface MaintenanceSessionArgs extends RebootArgs, EmailArgs, ExecutionArgs {
  /**
   * The deployment to enforce, by id (a Deployment's `id`). The run applies its item, desired state and parameters.
   * Required unless fullMaintenance is true; not with fullMaintenance.
   */
  deploymentId?: string;
  /**
   * A full maintenance (UI: Run Maintenance, on one computer or a batch; API: fullMaintenance): run every
   * deployment that applies to each target, as ImmyBot resolves them per computer (enabled, Required, the most
   * specific of an item winning), instead of one deployment. Needs computers (or tenants or persons); not with
   * deploymentId. The dialog's reboot options are rebootPreference "Suppress" (Suppress Reboots), "Normal"
   * (Reboot if Necessary, the default) and "Force" (Force Reboot). Default false.
   */
  fullMaintenance?: boolean;
  /**
   * Run on these computers, by id. At most one of computers, tenants and persons; omit all three to run on every
   * computer the deployment targets (as ImmyBot's target preview resolves it at create). A full maintenance needs
   * one of them.
   */
  computers?: number[];
  /** Run for these tenants (cloud sessions, for tenant-targeted tasks), by id. */
  tenants?: number[];
  /** Run for these people (person-targeted tasks), by id. */
  persons?: number[];
  /** Only detect what would change; make no change (UI: Detection only). Default false. */
  detectionOnly?: boolean;
  /**
   * Run the execution stage at this time of day, 24-hour "HH:mm" (UI: Schedule execution; API: updateTime), after
   * detection now; a time already past today means tomorrow. Omit to execute right after detection.
   */
  executionTime?: string;
  /** IANA time zone of executionTime (API: timeZoneInfoId), e.g. "Europe/Berlin". Omit for UTC. Needs executionTime. */
  timeZone?: string;
  /**
   * Any values; changing them starts a new run (like pulumi-command's triggers), e.g. `[deployment.updatedAt]` or a
   * release number.
   */
  triggers?: JsonValue[];
  /**
   * How long `pulumi up` waits: "completed" (default: until every session has finished), "started" (until ImmyBot
   * has picked up every session) or "none" (only until the sessions exist).
   */
  waitFor?: WaitFor;
  /**
   * The longest wait, a duration such as "45m", "1h30m" or "90s" (at most "24h"). Default "1h". Offline computers
   * with offlineBehavior "ApplyOnConnect" may wait for a long time. A timeout fails the step; the sessions keep
   * running in ImmyBot.
   */
  timeout?: string;
  /**
   * Sessions that end "PartialPassed" (some actions failed) fail the step too. Default false. "Failed",
   * "Cancelled", "Missed" and the licensing statuses always fail it.
   */
  failOnPartialPassed?: boolean;
  /** Sessions the user postponed fail the step. Default false. */
  failOnPostponed?: boolean;
}

const positiveIds = (what: string) =>
  z
    .array(idNumber(what))
    .min(1, { error: `lists no ${what}; give at least one id, or leave it out to run on every computer the deployment targets` });

/** Go-style duration, e.g. "1h30m", "45m", "90s". */
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const MAX_TIMEOUT_MS = 24 * 3600_000;

export function durationMs(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m || text === "") return undefined;
  return (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
}

export const duration = z.string().transform((text, ctx) => {
  const ms = durationMs(text.trim());
  if (ms === undefined || ms <= 0 || ms > MAX_TIMEOUT_MS) {
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(text)} is not a duration between "1s" and "24h" (e.g. "45m", "1h30m", "90s")` });
    return z.NEVER;
  }
  return formatDuration(ms);
});

const sessionFields = {
  deploymentId: idString("a deployment id", "42").optional(),
  fullMaintenance: z.boolean().default(false),
  computers: positiveIds("computer").optional(),
  tenants: positiveIds("tenant").optional(),
  persons: positiveIds("person").optional(),
  detectionOnly: z.boolean().default(false),
  executionTime: timeOfDay.optional(),
  timeZone: timeZone.optional(),
  ...rebootFields,
  ...emailFields,
  ...executionFields,
  triggers: z.array(z.json()).optional(),
  waitFor: z.enum(WAIT_FOR, { error: (i) => `must be "none", "started" or "completed"; got ${JSON.stringify(i.input)}${didYouMean(i.input, WAIT_FOR)}` }).default("completed"),
  timeout: duration.default("1h"),
  failOnPartialPassed: z.boolean().default(false),
  failOnPostponed: z.boolean().default(false),
};
const _tie: Tie<z.input<z.ZodObject<typeof sessionFields>>, MaintenanceSessionArgs> = true;

/** Checked, canonical MaintenanceSession arguments. */
export type MaintenanceSessionInputs = z.output<z.ZodObject<typeof sessionFields>>;

/** Stage statuses of one session (stages that did not run keep the status ImmyBot gives them, usually "Created"). */
export interface SessionStages {
  /** Onboarding a new computer (only in onboarding sessions). */
  onboarding: SessionStatusName;
  /** Finding out what needs doing. */
  detection: SessionStatusName;
  /** Doing it. */
  execution: SessionStatusName;
  /** Updating the ImmyBot agent. */
  agentUpdates: SessionStatusName;
  /** Resolving which deployments apply. */
  resolution: SessionStatusName;
  /** Collecting inventory. */
  inventory: SessionStatusName;
}

/** What one maintenance action did for the deployment's item. */
export interface SessionAction {
  /** The action's id in ImmyBot. */
  id: number;
  /** The item's display name, e.g. "7-Zip". */
  item: string | null;
  /** "Install", "Update", "Uninstall", "TaskEnforce", ... */
  actionType: MaintenanceActionTypeName;
  /** Progress of the action: "PerformingAction", "Complete", ... */
  status: MaintenanceActionStatusName;
  /** "Success", "Failed", "Pending", ... */
  result: MaintenanceActionResultName;
  /** Why it failed, when it did. */
  reason: string | null;
  /** The software version found on the computer, when there is one. */
  detectedVersion: string | null;
  /** The software version the deployment wants, when it names one. */
  desiredVersion: string | null;
  /** The deployment the action came from (ImmyBot's assignmentId): a Deployment's id when deploymentType is "Local". */
  deploymentId: number | null;
  /** "Local" (your instance's deployments, the Deployment resource's) or "Global" (ImmyBot's); null when not sent. */
  deploymentType: DatabaseTypeName | null;
}

/** One session of the run: one target (computer, tenant or person). */
export interface SessionResult {
  /** The session's id in ImmyBot (its page: Sessions -> this id). */
  id: number;
  /** Overall status: "Passed", "Failed", "Running", "PendingConnectivity", ... */
  status: SessionStatusName;
  /** The status of each stage. */
  stages: SessionStages;
  /** The computer the session runs on (null for tenant and person sessions). */
  computerId: number | null;
  computerName: string | null;
  /** The tenant of the computer, or the tenant a cloud session runs for. */
  tenantId: number | null;
  tenantName: string | null;
  /** The person a person session runs for. */
  personId: number | null;
  /** When ImmyBot created the session (ISO 8601, UTC). */
  createdAt: string | null;
  /** When its status last changed. */
  updatedAt: string | null;
  /** When the execution stage is due, for a run with executionTime. */
  scheduledExecutionAt: string | null;
  /** When the session reached a terminal status; null while it is in progress. */
  finishedAt: string | null;
  /** Seconds from createdAt to finishedAt. */
  durationSeconds: number | null;
  /** The maintenance actions with their results (empty before detection has finished). */
  actions: SessionAction[];
  /** The session's newest log line, for sessions that did not pass (why it failed, or what it waits for). */
  lastLog: string | null;
  /** False for a session ImmyBot reported as already in progress for the target, which this run did not start. */
  startedByThisRun: boolean;
}

/** What a run produced. */
export interface MaintenanceSessionComputed {
  /** The run's session group id (also the resource id). */
  sessionGroupId: string;
  /** The ids of the run's sessions, ascending. */
  sessionIds: number[];
  /** Each session of the run, by id. */
  sessions: SessionResult[];
  /** Sessions by status, e.g. { Passed: 4, Failed: 1 }. */
  statusCounts: Record<string, number>;
  /** "Succeeded" (every session finished without a failure), "Failed" (a session failed) or "InProgress". */
  result: "Succeeded" | "Failed" | "InProgress";
  /** When `pulumi up` started the run (ISO 8601, UTC). */
  startedAt: string;
  /** When the last session finished; null while any is in progress. */
  finishedAt: string | null;
  /** Seconds from startedAt to finishedAt. */
  durationSeconds: number | null;
  /**
   * The item the run enforced, as on the wire ("GlobalSoftware", ...); null for a full maintenance, which runs many
   * (each session's `actions` name them).
   */
  maintenanceType: MaintenanceTypeName | null;
  /** The id of the item the run enforced; null for a full maintenance. */
  maintenanceIdentifier: string | null;
  /**
   * What the run was started for: the computers, tenants or persons given, or the computers ImmyBot's target
   * preview resolved at create. A target without a session in `sessions` has none yet.
   */
  targets: RunTarget[];
  /**
   * What the preview said the run would start on: the count and the first five names, e.g. "7 computers: DC01,
   * DC02, FS01, WS001, LT014 and 2 more", read from ImmyBot when the run was about to start (the deployment's target
   * preview, or the computers, tenants or people given), or why it could not say. Only informs: never compared (a
   * computer that joins later starts no new run), and the start resolves its targets again (`targets`).
   * `pulumi preview --diff` shows it.
   */
  plannedTargets?: string;
}

export type MaintenanceSessionOutputs = MaintenanceSessionInputs & MaintenanceSessionComputed;

/** Every property of a MaintenanceSession resource (arguments and computed outputs). */
export const outputKeys: readonly string[] = [
  ...Object.keys(sessionFields),
  ...keysOf<MaintenanceSessionComputed>({
    sessionGroupId: true,
    sessionIds: true,
    sessions: true,
    statusCounts: true,
    result: true,
    startedAt: true,
    finishedAt: true,
    durationSeconds: true,
    maintenanceType: true,
    maintenanceIdentifier: true,
    targets: true,
    plannedTargets: true,
  }),
];

/** Why a full maintenance needs targets, and how to give them (check, and create as a last line of defence). */
export const FULL_MAINTENANCE_TARGETS =
  "a full maintenance needs its targets, as there is no deployment to take them from: give computers by id (e.g. [6, 8]), or tenants or persons";

/** The targets the arguments list, or undefined when they list none (a deployment's run then takes the deployment's). */
export function givenTargets(v: Pick<MaintenanceSessionInputs, "computers" | "tenants" | "persons">): RunTarget[] | undefined {
  if (v.computers) return v.computers.map((id) => ({ kind: "computer", id }));
  if (v.tenants) return v.tenants.map((id) => ({ kind: "tenant", id }));
  if (v.persons) return v.persons.map((id) => ({ kind: "person", id }));
  return undefined;
}

/** A run enforces one deployment or is a full maintenance, and a full maintenance has no deployment to take targets from. */
function runKindRules(ctx: RuleContext<MaintenanceSessionInputs>): void {
  const v = ctx.value;
  if (!ctx.known("fullMaintenance")) return;
  if (!v.fullMaintenance) {
    // Unknown at preview: a Deployment's id still to come.
    if (ctx.known("deploymentId") && v.deploymentId === undefined) {
      ctx.issue(
        "deploymentId",
        'is required: give the deployment to run (a Deployment\'s id, e.g. "42"), or set fullMaintenance: true with computers to run every deployment that applies to them (UI: Run Maintenance)',
      );
    }
    return;
  }
  if (ctx.known("deploymentId") && v.deploymentId !== undefined) {
    ctx.issue(
      "deploymentId",
      `is not used with fullMaintenance: true, which runs every deployment that applies to the computers: remove deploymentId, or remove fullMaintenance to run only deployment ${v.deploymentId}`,
    );
  }
  const lists = ["computers", "tenants", "persons"] as const;
  if (lists.every((k) => ctx.known(k) && v[k] === undefined)) {
    ctx.issue("computers", FULL_MAINTENANCE_TARGETS);
  }
}

function targetRules(ctx: RuleContext<MaintenanceSessionInputs>): void {
  const v = ctx.value;
  const lists = (["computers", "tenants", "persons"] as const).filter((k) => ctx.known(k) && v[k] !== undefined);
  if (lists.length > 1) {
    const none = v.fullMaintenance ? "" : " (or none, to run on every computer the deployment targets)";
    ctx.issue(lists[1] as string, `a run targets one kind: give ${lists.join(" or ")}, not both${none}`);
  }
  if (v.timeZone !== undefined && ctx.known("executionTime") && v.executionTime === undefined) {
    ctx.issue("timeZone", "is the time zone of executionTime: set executionTime (e.g. \"22:00\"), or remove timeZone");
  }
}

/** With waitFor "none" the step ends before any session finishes, so failing on how sessions end could never happen. */
function waitRules(ctx: RuleContext<MaintenanceSessionInputs>): void {
  const v = ctx.value;
  if (!ctx.known("waitFor") || v.waitFor !== "none") return;
  for (const k of ["failOnPartialPassed", "failOnPostponed"] as const) {
    if (v[k] && ctx.known(k)) {
      ctx.issue(k, `has no effect with waitFor "none", which ends the step before any session finishes: set waitFor "completed", or remove ${k}`);
    }
  }
}

/** Sorted and without repeats: the order of ids never starts a new run. */
const idSet = (ids: number[] | undefined) => (ids ? [...new Set(ids)].sort((a, b) => a - b) : undefined);

export const model: InputModel<typeof sessionFields> = {
  kind: KIND,
  fields: sessionFields,
  rules: [runKindRules, targetRules, waitRules, (ctx) => maintenanceOptionRules(ctx)],
  normalize: (v) => ({ ...v, computers: idSet(v.computers), tenants: idSet(v.tenants), persons: idSet(v.persons) }),
  // A session is a run: any change is a new run.
  replaceOnChanges: Object.keys(sessionFields),
};
