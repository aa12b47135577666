/**
 * MaintenanceSession: a maintenance run bound to a deployment, started by `pulumi up` and followed to its result
 * (ImmyBot `POST /api/v1/run-immy-service-new`, `/api/v1/maintenance-sessions/...`).
 *
 * A run, not a long-lived object, modelled like pulumi-command's Command:
 * - create starts one run (a fresh session group id; one session per target) and, per `waitFor`, waits for it;
 *   nothing runs during preview (the engine never calls create then);
 * - every argument, `triggers` included, replaces: a change means a new run. Outputs never cause one;
 * - a failed run or a timeout fails the step but keeps the session ids in the state (partial failure). The next
 *   `pulumi up` with unchanged arguments then waits for those sessions again (the engine "continues awaiting
 *   initialization" through update) instead of starting a duplicate run;
 * - read refreshes the statuses; when ImmyBot has none of the sessions any more, the resource is gone;
 * - delete cancels the sessions still in progress and leaves finished ones alone (`retainOnDelete` keeps them
 *   running).
 *
 * Order: arguments and zod schema, outputs, wire mapping, then the lifecycle.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ImmyBotClient } from "./client";
import { checkedValue, diffWith, parseInputs, pick, plainJson, checkWith, type InputModel, type RuleContext } from "./check";
import { client, settings } from "./context";
import { LifecycleError } from "./errors";
import { keepInState, readOrGone } from "./lifecycle";
import { secretStrings, withoutSecrets } from "./secrets";
import {
  DatabaseType,
  DesiredSoftwareState,
  MaintenanceActionResult,
  MaintenanceActionStatus,
  MaintenanceActionType,
  MaintenanceTaskMode,
  MaintenanceType,
  SessionStatus,
  SoftwareProviderType,
  TargetCategory,
  TargetGroupFilter,
  TargetType,
  type MaintenanceActionResultName,
  type MaintenanceActionStatusName,
  type MaintenanceActionTypeName,
  type MaintenanceTypeName,
  type SessionStatusName,
} from "./models/enums";
import { emailFields, executionFields, maintenanceOptionRules, maintenanceOptionsToWire, rebootFields, type EmailArgs, type ExecutionArgs, type RebootArgs } from "./models/maintenance-options";
import { idNumber, idString, nonEmpty, numberOrUndefined } from "./models/target";
import { didYouMean } from "./models/similar";
import { timeOfDay, timeZone } from "./models/time";
import type { Tie } from "./models/tie";
import type { Lifecycle } from "./rest-resource";
import {
  START_PATH,
  WAIT_FOR,
  cancelRunning,
  countByStatus,
  discoverSessions,
  formatDuration,
  isTerminal,
  lastLogLine,
  parseStartAnswer,
  readSession,
  readSessions,
  settled,
  statusOf,
  targetKey,
  targetOfSession,
  timing,
  waitForSessions,
  type StartAnswer,
  type RunTarget,
  type WaitFor,
  type Wire,
} from "./session-runs";
import { describeFailure, sendAtMostOnce } from "./write-once";

const KIND = "MaintenanceSession";

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The arguments of a MaintenanceSession. Changing any of them starts a new run (the resource is replaced). */
export interface MaintenanceSessionArgs extends RebootArgs, EmailArgs, ExecutionArgs {
  /** The deployment to enforce, by id (a Deployment's `id`). The run applies its item, desired state and parameters. */
  deploymentId: string;
  /**
   * Run on these computers, by id. At most one of computers, tenants and persons; omit all three to run on every
   * computer the deployment targets (as ImmyBot's target preview resolves it at create).
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

const duration = z.string().transform((text, ctx) => {
  const ms = durationMs(text.trim());
  if (ms === undefined || ms <= 0 || ms > MAX_TIMEOUT_MS) {
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(text)} is not a duration between "1s" and "24h" (e.g. "45m", "1h30m", "90s")` });
    return z.NEVER;
  }
  return formatDuration(ms);
});

const sessionFields = {
  deploymentId: idString("a deployment id", "42"),
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
  /** The item the run enforced, as on the wire ("GlobalSoftware", ...). */
  maintenanceType: MaintenanceTypeName;
  /** The id of the item the run enforced. */
  maintenanceIdentifier: string;
  /**
   * What the run was started for: the computers, tenants or persons given, or the computers ImmyBot's target
   * preview resolved at create. A target without a session in `sessions` has none yet.
   */
  targets: RunTarget[];
}

export type MaintenanceSessionOutputs = MaintenanceSessionInputs & MaintenanceSessionComputed;

const computedKeys: readonly (keyof MaintenanceSessionComputed)[] = [
  "sessionGroupId",
  "sessionIds",
  "sessions",
  "statusCounts",
  "result",
  "startedAt",
  "finishedAt",
  "durationSeconds",
  "maintenanceType",
  "maintenanceIdentifier",
  "targets",
];
export const outputKeys: readonly string[] = [...Object.keys(sessionFields), ...computedKeys];

function targetRules(ctx: RuleContext<MaintenanceSessionInputs>): void {
  const v = ctx.value;
  const lists = (["computers", "tenants", "persons"] as const).filter((k) => ctx.known(k) && v[k] !== undefined);
  if (lists.length > 1) {
    ctx.issue(lists[1] as string, `a run targets one kind: give ${lists.join(" or ")}, not both (or none, to run on every computer the deployment targets)`);
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
  rules: [targetRules, waitRules, (ctx) => maintenanceOptionRules(ctx)],
  normalize: (v) => ({ ...v, computers: idSet(v.computers), tenants: idSet(v.tenants), persons: idSet(v.persons) }),
  // A session is a run: any change is a new run.
  replaceOnChanges: Object.keys(sessionFields),
};

// ---- wire mapping ----------------------------------------------------------------------------------------------

/** The run's target list, exactly one kind. */
function targetsToWire(targets: readonly RunTarget[]): Wire {
  const of = (kind: RunTarget["kind"], key: string) => {
    const list = targets.filter((t) => t.kind === kind).map((t) => ({ [key]: t.id }));
    return list.length > 0 ? list : null;
  };
  return { computers: of("computer", "computerId"), tenants: of("tenant", "tenantId"), persons: of("person", "personId") };
}

/** An enum of the deployment's answer (integer, or a name) as the integer a request sends; left out when absent. */
const echoInt = (e: { wireInt(value: unknown): number }, value: unknown): number | undefined => (value === undefined || value === null ? undefined : e.wireInt(value));

/**
 * Arguments + the deployment as ImmyBot holds it -> `RunImmyServiceRequestBody`. The item, its desired state and
 * its parameters mirror the deployment (API notes §4.6); every option is sent explicitly, enums as integers.
 */
export function toWire(v: MaintenanceSessionInputs, deployment: Wire, targets: readonly RunTarget[], sessionGroupId: string): Wire {
  const version = typeof deployment.softwareSemanticVersionString === "string" ? deployment.softwareSemanticVersionString : undefined;
  return {
    ...targetsToWire(targets),
    deploymentId: Number(v.deploymentId),
    deploymentType: DatabaseType.wireInt(deployment.databaseType ?? 1),
    useWinningDeployment: false,
    maintenanceParams: {
      maintenanceType: MaintenanceType.wireInt(deployment.maintenanceType),
      maintenanceIdentifier: String(deployment.maintenanceIdentifier),
      desiredSoftwareState: echoInt(DesiredSoftwareState, deployment.desiredSoftwareState),
      maintenanceTaskMode: echoInt(MaintenanceTaskMode, deployment.maintenanceTaskMode),
      softwareProviderType: echoInt(SoftwareProviderType, deployment.softwareProviderType),
      taskParameterValues: deployment.taskParameterValues ?? null,
      providerLinkIdForMaintenanceItem: deployment.providerLinkIdForMaintenanceItem ?? null,
      repair: false,
      ...(version ? { semanticVersion: version } : {}),
    },
    fullMaintenance: false,
    detectionOnly: v.detectionOnly,
    resolutionOnly: false,
    inventoryOnly: false,
    cacheOnly: false,
    runInventoryInDetection: false,
    ...maintenanceOptionsToWire(v),
    updateTime: v.executionTime ?? null,
    timeZoneInfoId: v.executionTime ? (v.timeZone ?? "UTC") : null,
    licenseId: typeof deployment.licenseId === "number" ? deployment.licenseId : null,
    sessionGroupId,
    skipBackgroundJob: false,
    providerLinkIdForAgentUpdates: null,
    propagateToChildTenants: false,
    allowAccessToParentTenant: false,
  };
}

const str = (v: unknown): string | null => nonEmpty(v) ?? null;
const num = (v: unknown): number | null => numberOrUndefined(v) ?? null;
const seconds = (from: string | null, to: string | null): number | null =>
  from && to && Number.isFinite(Date.parse(from)) && Number.isFinite(Date.parse(to)) ? Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000)) : null;

function actionFromWire(a: Wire): SessionAction {
  return {
    id: Number(a.id),
    item: str(a.maintenanceDisplayName),
    actionType: MaintenanceActionType.fromWire(a.actionType ?? 0),
    status: MaintenanceActionStatus.fromWire(a.status ?? 0),
    result: MaintenanceActionResult.fromWire(a.result ?? 0),
    reason: str(a.resultReasonMessage),
    detectedVersion: str(a.detectedVersionString),
    desiredVersion: str(a.desiredVersionString),
  };
}

/** `GetMaintenanceSessionResponse` (+ its last log line) -> one session's outputs. */
export function sessionFromWire(w: Wire, lastLog: string | null, startedByThisRun: boolean): SessionResult {
  const status = statusOf(w);
  const stage = (key: string): SessionStatusName => SessionStatus.fromWire(w[key] ?? 3);
  const createdAt = str(w.createdDateUTC);
  const updatedAt = str(w.updatedDateUTC);
  const finishedAt = isTerminal(status) ? updatedAt : null;
  return {
    id: Number(w.id),
    status,
    stages: {
      onboarding: stage("onboardingStageStatus"),
      detection: stage("detectionStageStatus"),
      execution: stage("executionStageStatus"),
      agentUpdates: stage("agentUpdatesStageStatus"),
      resolution: stage("resolutionStageStatus"),
      inventory: stage("inventoryStageStatus"),
    },
    computerId: num(w.computerId),
    computerName: str(w.computerName),
    tenantId: num(w.tenantId),
    tenantName: str(w.tenantName),
    personId: num(w.personId),
    createdAt,
    updatedAt,
    scheduledExecutionAt: str(w.scheduledExecutionDate),
    finishedAt,
    durationSeconds: seconds(createdAt, finishedAt),
    actions: Array.isArray(w.maintenanceActions) ? (w.maintenanceActions as Wire[]).map(actionFromWire) : [],
    lastLog,
    startedByThisRun,
  };
}

/** The statuses that fail the step, for these arguments. */
export function failureStatuses(v: Pick<MaintenanceSessionInputs, "failOnPartialPassed" | "failOnPostponed">): ReadonlySet<SessionStatusName> {
  const always: SessionStatusName[] = ["Failed", "Cancelled", "Missed", "MaxTrackedDevicesPerMonthExceeded", "MaintenanceForTrackableDevicesNotAllowed"];
  return new Set([...always, ...(v.failOnPartialPassed ? (["PartialPassed"] as const) : []), ...(v.failOnPostponed ? (["Postponed"] as const) : [])]);
}

/** The run's outputs from its sessions. */
export function runOutputs(
  v: MaintenanceSessionInputs,
  run: { sessionGroupId: string; startedAt: string; maintenanceType: MaintenanceTypeName; maintenanceIdentifier: string; targets: readonly RunTarget[] },
  sessions: readonly SessionResult[],
): MaintenanceSessionOutputs {
  const failing = failureStatuses(v);
  const allDone = sessions.length > 0 && sessions.every((s) => s.finishedAt !== null);
  const finishedAt = allDone ? sessions.map((s) => s.finishedAt as string).sort().at(-1)! : null;
  return plainJson({
    ...v,
    sessionGroupId: run.sessionGroupId,
    startedAt: run.startedAt,
    maintenanceType: run.maintenanceType,
    maintenanceIdentifier: run.maintenanceIdentifier,
    targets: [...run.targets],
    sessionIds: sessions.map((s) => s.id),
    sessions: [...sessions],
    statusCounts: countByStatus(sessions.map((s) => s.status)),
    result: sessions.some((s) => failing.has(s.status)) ? "Failed" : allDone ? "Succeeded" : "InProgress",
    finishedAt,
    durationSeconds: seconds(run.startedAt, finishedAt),
  });
}

// ---- lifecycle -------------------------------------------------------------------------------------------------

const DEPLOYMENTS = "/api/v1/target-assignments";
/** Server clocks drift: a session of this run may carry a creation time somewhat before our start. */
const CLOCK_SKEW_MS = 5 * 60_000;

const checked = (inputs: Record<string, unknown>): MaintenanceSessionInputs => checkedValue(model, inputs);

/** The deployment the run enforces; a clear error when it does not exist. */
async function readDeployment(api: ImmyBotClient, id: string): Promise<Wire> {
  const found = await readOrGone(() => api.get<Wire>(`${DEPLOYMENTS}/${id}`));
  if (!found) throw new Error(`deploymentId: ImmyBot has no deployment ${id}. Check the id, or pass the Deployment resource so the run follows it.`);
  return found;
}

/** Explicit targets, or every computer the deployment's target reaches (ImmyBot's target preview). */
async function resolveTargets(api: ImmyBotClient, v: MaintenanceSessionInputs, deployment: Wire): Promise<RunTarget[]> {
  if (v.computers) return v.computers.map((id) => ({ kind: "computer", id }));
  if (v.tenants) return v.tenants.map((id) => ({ kind: "tenant", id }));
  if (v.persons) return v.persons.map((id) => ({ kind: "person", id }));
  const category = TargetCategory.fromWire(deployment.targetCategory ?? 0);
  if (category !== "Computer") {
    throw new Error(`computers: deployment ${v.deploymentId} targets ${category === "Tenant" ? "tenants" : "people"}, not computers; give tenants or persons explicitly`);
  }
  // CalculateTargetsRequest, copied from the deployment's answer; enums as the spec's integers whatever the answer held.
  const preview = await api.post<Wire[]>(`${DEPLOYMENTS}/target-preview`, {
    targetType: TargetType.wireInt(deployment.targetType),
    target: deployment.target ?? null,
    tenantId: deployment.tenantId ?? null,
    targetGroupFilter: TargetGroupFilter.wireInt(deployment.targetGroupFilter ?? 0),
    propagateToChildTenants: Boolean(deployment.propagateToChildTenants),
    allowAccessToParentTenant: Boolean(deployment.allowAccessToParentTenant),
    providerLinkId: deployment.providerLinkId ?? null,
    providerClientGroupType: deployment.providerClientGroupType ?? null,
    providerDeviceGroupType: deployment.providerDeviceGroupType ?? null,
    onboardingOnly: Boolean(deployment.onboardingOnly),
  });
  const ids = [...new Set((preview ?? []).map((c) => c.id).filter((id): id is number => typeof id === "number"))].sort((a, b) => a - b);
  if (ids.length === 0) {
    throw new Error(`computers: deployment ${v.deploymentId} targets no computer at the moment, so there is nothing to run; check its target, or give computers explicitly`);
  }
  return ids.map((id) => ({ kind: "computer", id }));
}

/** Progress lines go to the host's output, which the Pulumi CLI shows while the step runs. */
const report = (line: string): void => console.log(line);

interface RunState {
  sessionGroupId: string;
  startedAt: string;
  maintenanceType: MaintenanceTypeName;
  maintenanceIdentifier: string;
  targets: readonly RunTarget[];
  /** Session ids ImmyBot reported as already in progress (not started by this run: never cancelled by delete). */
  notOurs: ReadonlySet<number>;
}

/** Sessions -> outputs, fetching the last log line of each session that did not pass. */
async function describe(api: ImmyBotClient, v: MaintenanceSessionInputs, run: RunState, sessions: readonly Wire[]): Promise<MaintenanceSessionOutputs> {
  const results = await Promise.all(
    [...sessions]
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map(async (w) => sessionFromWire(w, statusOf(w) === "Passed" ? null : await lastLogLine(api, Number(w.id)), !run.notOurs.has(Number(w.id)))),
  );
  return runOutputs(v, run, results);
}

/** Why the step fails, or undefined when it succeeds. Lists each failed or unfinished session with its last log line. */
export function failureMessage(v: MaintenanceSessionInputs, outs: MaintenanceSessionOutputs, timedOut: boolean): string | undefined {
  const failing = failureStatuses(v);
  const failed = outs.sessions.filter((s) => failing.has(s.status));
  const open = timedOut ? outs.sessions.filter((s) => !failing.has(s.status) && !settled(s.status, v.waitFor)) : [];
  if (failed.length === 0 && open.length === 0) return undefined;
  const line = (s: SessionResult) => `  - ${s.computerName ?? (s.tenantName ? `tenant ${s.tenantName}` : s.personId ? `person ${s.personId}` : "?")} (session ${s.id}): ${s.status}${s.lastLog ? ` – ${s.lastLog}` : ""}`;
  const counts = Object.entries(outs.statusCounts)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const parts: string[] = [];
  if (failed.length > 0) parts.push(`${failed.length} of ${outs.sessions.length} maintenance sessions failed (${counts}):`, ...failed.map(line));
  if (open.length > 0) {
    parts.push(
      `Timed out after ${v.timeout} waiting for ${open.length} of ${outs.sessions.length} sessions to ${v.waitFor === "started" ? "start" : "finish"}${failed.length ? "" : ` (${counts})`}; they keep running in ImmyBot:`,
      ...open.map(line),
    );
  }
  parts.push(
    `The session ids (${outs.sessionIds.join(", ")}) are kept in the state: the next \`pulumi up\` waits for these sessions again and starts no new run. ` +
      "To start a new run, change `triggers`; `pulumi refresh` updates the statuses.",
  );
  return parts.join("\n");
}

/** Waits per the arguments, then returns the outputs or throws a partial failure that keeps the run in state. */
async function follow(api: ImmyBotClient, v: MaintenanceSessionInputs, run: RunState, initial: readonly Wire[], deadline: number, inputs: Record<string, unknown>) {
  let latest: readonly Wire[] = initial;
  try {
    const waited = await waitForSessions(api, initial, v.waitFor, deadline, report);
    latest = waited.sessions;
    if (latest.length === 0) throw new Error(`ImmyBot no longer has any session of run ${run.sessionGroupId} (they vanished while waiting).`);
    const outs = await describe(api, v, run, latest);
    const problem = failureMessage(v, outs, waited.timedOut);
    if (problem) throw keepInState(new Error(problem), run.sessionGroupId, outs, inputs);
    return outs;
  } catch (e) {
    if (e instanceof Error && "properties" in e) throw e;
    throw keepInState(e, run.sessionGroupId, runOutputs(v, run, latest.map((w) => sessionFromWire(w, null, !run.notOurs.has(Number(w.id))))), inputs);
  }
}

function describeTarget(t: RunTarget): string {
  return `${t.kind} ${t.id}`;
}

/** Starts the run and waits for it (create); `secrets` receives the values no error may quote. */
async function createRun(inputs: Record<string, unknown>, secrets: string[]): Promise<dynamic.CreateResult> {
  const v = checked(inputs);
  const api = client();
  const s = settings();
  const started = timing.now();
  const deadline = started + (durationMs(v.timeout) as number);
  const deployment = await readDeployment(api, v.deploymentId);
  // The deployment's parameter values (passwords) go to ImmyBot with the start: no message may quote them.
  secrets.push(...secretStrings({ parameters: deployment.taskParameterValues as Record<string, unknown> | undefined }, ["parameters"]));
  const targets = await resolveTargets(api, v, deployment);
  const sessionGroupId = randomUUID();
  const body = toWire(v, deployment, targets, sessionGroupId);

  // Sent again only when ImmyBot provably did not take it (a 429, after its Retry-After; a connection never made):
  // a second start would run maintenance twice on the same computers.
  const sent = await sendAtMostOnce(() => api.post(START_PATH, body), {
    attempts: s.maxRetries + 1,
    minDelayMs: s.retryMinDelayMs,
    maxDelayMs: s.retryMaxDelayMs,
    clock: timing,
  });
  const answer = sent.answered ? parseStartAnswer(sent.value) : undefined;
  const run: RunState = {
    sessionGroupId,
    startedAt: new Date(started).toISOString(),
    maintenanceType: MaintenanceType.fromWire(deployment.maintenanceType),
    maintenanceIdentifier: String(deployment.maintenanceIdentifier),
    targets,
    notOurs: new Set(answer?.alreadyInProgress ?? []),
  };
  // From here on the run may exist: every failure keeps its group id in state, so the next `pulumi up` looks for
  // this run again and never starts a second one.
  const sessions = answer
    ? await collectSessions(api, v, run, { named: [...answer.started, ...answer.alreadyInProgress], complete: true, readUntil: deadline, deadline }, inputs)
    : await collectSessions(api, v, run, { named: [], readUntil: deadline, deadline, ...(sent.answered ? {} : { unclear: sent.error }) }, inputs);
  const outs = await follow(api, v, run, sessions, deadline, inputs);
  return { id: sessionGroupId, outs };
}

interface Collect {
  /** Sessions of the run already read (those the state records). */
  have?: readonly Wire[];
  /** Session ids the start's answer named; the targets of neither are looked for. */
  named: readonly number[];
  /** The named sessions are all the run has (the older start route's answer): nothing is looked for. */
  complete?: boolean;
  /** How long a named session may take to become readable. */
  readUntil: number;
  /** How long to look, by the run's group id, for the sessions of targets that have none yet. */
  deadline: number;
  /** The start's ambiguous failure, when it had one. */
  unclear?: unknown;
}

/**
 * The run's sessions: the named ones, and for each target without one, the session found by the run's group id
 * before the deadline. A target still without a session fails the step as a partial failure that keeps the run
 * (its group id, its targets and the sessions found) in the state.
 */
async function collectSessions(api: ImmyBotClient, v: MaintenanceSessionInputs, run: RunState, c: Collect, inputs: Record<string, unknown>): Promise<Wire[]> {
  let sessions: Wire[] = [];
  try {
    sessions = [...(c.have ?? []), ...(c.named.length > 0 ? await readSessions(api, c.named, c.readUntil) : [])];
    const covered = () => new Set(sessions.map(targetOfSession).filter((t) => t !== undefined).map(targetKey));
    const rest = run.targets.filter((t) => !covered().has(targetKey(t)));
    if (rest.length > 0 && !c.complete) {
      const since = Date.parse(run.startedAt) - CLOCK_SKEW_MS;
      sessions = [...sessions, ...(await discoverSessions(api, run.sessionGroupId, rest, since, c.deadline)).values()];
    }
    const missing = run.targets.filter((t) => !covered().has(targetKey(t)));
    if (sessions.length === 0) throw new LifecycleError("IMMYBOT_RUN_UNCONFIRMED", unconfirmedMessage(v, run, c.unclear));
    if (missing.length > 0 && !c.complete) {
      throw new Error(
        `ImmyBot started no session of maintenance run ${run.sessionGroupId} for ${missing.map(describeTarget).join(", ")} within ${v.timeout}. ` +
          `The ${sessions.length} session(s) found are kept in the state, with the run's group id: the next \`pulumi up\` looks for the others again and starts no second run.`,
      );
    }
  } catch (e) {
    throw keepInState(e, run.sessionGroupId, runOutputs(v, run, sessions.map((w) => sessionFromWire(w, null, !run.notOurs.has(Number(w.id))))), inputs);
  }
  return sessions;
}

function unconfirmedMessage(v: MaintenanceSessionInputs, run: RunState, unclear: unknown): string {
  const what =
    unclear === undefined
      ? `None of the sessions of maintenance run ${run.sessionGroupId} has appeared in ImmyBot within ${v.timeout} (ImmyBot starts them in a background job).`
      : `The start of maintenance run ${run.sessionGroupId} got no clear answer (${describeFailure(unclear)}), so ImmyBot may still start it; it was not sent ` +
        `again, as a second start would run maintenance twice on the same computers. None of its sessions appeared within ${v.timeout}.`;
  return (
    `${what} The run's session group id is kept in the state: the next \`pulumi up\` looks for its sessions again and never starts a second run on its own. ` +
    `Only if you are sure ImmyBot has no session of group ${run.sessionGroupId}, change \`triggers\` to start a new run.`
  );
}

export const lifecycle: Lifecycle = {
  async check(_olds, news) {
    return checkWith(model, news);
  },

  async diff(_id, olds, news) {
    return diffWith(model, olds, news);
  },

  async create(inputs): Promise<dynamic.CreateResult> {
    const secrets: string[] = [];
    try {
      return await createRun(inputs, secrets);
    } catch (e) {
      throw withoutSecrets(e, secrets);
    }
  },

  async read(id, props) {
    const api = client();
    const run = runStateOf(id, props);
    const ids = recordedIds(props);
    let sessions = (await Promise.all(ids.map((sid) => readSession(api, sid)))).filter((w): w is Wire => w !== undefined);
    const inputs = pick(props, Object.keys(sessionFields));
    if (ids.length === 0) {
      // The start was never confirmed: one look by group id. The run stays in the state either way: it may still
      // start, and dropping it would let the next `up` start a second run.
      sessions = [...(await discoverSessions(api, id, run.targets, Date.parse(run.startedAt) - CLOCK_SKEW_MS, timing.now())).values()];
      if (sessions.length === 0) return { id, props: pick(props, outputKeys), inputs };
    } else if (sessions.length === 0) {
      return { id: "" };
    }
    const parsed = parseInputs(model, inputs);
    const v = parsed.value ?? (inputs as MaintenanceSessionInputs);
    const outs = await describe(api, v, run, sessions);
    return { id, props: outs, inputs: parsed.failures.length === 0 ? parsed.inputs : inputs };
  },

  /**
   * Reached only with unchanged arguments (every change replaces): the engine retries a run whose create or
   * update failed. Wait for the recorded sessions again, and look for those of targets that had none; start nothing.
   */
  async update(id, olds, news) {
    const v = checked(news);
    const api = client();
    const ids = recordedIds(olds);
    const run = runStateOf(id, olds);
    const deadline = timing.now() + (durationMs(v.timeout) as number);
    const have = (await Promise.all(ids.map((sid) => readSession(api, sid)))).filter((w): w is Wire => w !== undefined);
    if (ids.length > 0 && have.length === 0) {
      throw new Error(`${KIND} ${id}: ImmyBot no longer has any of its sessions (${ids.join(", ")}). Run \`pulumi refresh\` to drop it, or change \`triggers\` to start a new run.`);
    }
    const sessions = await collectSessions(api, v, run, { have, named: [], readUntil: deadline, deadline }, news);
    const outs = await follow(api, v, run, sessions, deadline, news);
    return { outs };
  },

  /** Cancels this run's sessions that are still in progress; finished and vanished ones are left alone. */
  async delete(_id, props) {
    const sessions = Array.isArray(props.sessions) ? (props.sessions as Partial<SessionResult>[]) : [];
    const ours = sessions.filter((s) => s.startedByThisRun !== false && typeof s.id === "number").map((s) => s.id as number);
    // State without per-session detail (written by an older version) only has the ids: cancel those.
    const ids = sessions.length > 0 ? ours : Array.isArray(props.sessionIds) ? (props.sessionIds as number[]) : [];
    if (ids.length > 0) await cancelRunning(client(), ids);
  },
};

/** The session ids a state holds. */
function recordedIds(props: Record<string, unknown>): number[] {
  return Array.isArray(props.sessionIds) ? (props.sessionIds as unknown[]).filter((x): x is number => typeof x === "number") : [];
}

function runStateOf(id: string, props: Record<string, unknown>): RunState {
  const sessions = Array.isArray(props.sessions) ? (props.sessions as Partial<SessionResult>[]) : [];
  return {
    sessionGroupId: typeof props.sessionGroupId === "string" ? props.sessionGroupId : id,
    startedAt: typeof props.startedAt === "string" ? props.startedAt : new Date(timing.now()).toISOString(),
    maintenanceType: MaintenanceType.fromWire(props.maintenanceType ?? 0),
    maintenanceIdentifier: String(props.maintenanceIdentifier ?? ""),
    targets: recordedTargets(props, sessions),
    notOurs: new Set(sessions.filter((s) => s.startedByThisRun === false).map((s) => s.id as number)),
  };
}

/** The run's targets as the state holds them; state written before they were kept: its sessions' or its arguments'. */
function recordedTargets(props: Record<string, unknown>, sessions: readonly Partial<SessionResult>[]): RunTarget[] {
  const kinds = ["computer", "tenant", "person"] as const;
  if (Array.isArray(props.targets)) {
    return (props.targets as Partial<RunTarget>[]).filter((t): t is RunTarget => kinds.includes(t?.kind as RunTarget["kind"]) && typeof t?.id === "number");
  }
  const fromSessions = sessions.map((s) => targetOfSession(s as Wire)).filter((t): t is RunTarget => t !== undefined);
  if (fromSessions.length > 0) return fromSessions;
  const list = (key: "computers" | "tenants" | "persons", kind: RunTarget["kind"]) => (Array.isArray(props[key]) ? (props[key] as number[]).map((id) => ({ kind, id })) : []);
  return [...list("computers", "computer"), ...list("tenants", "tenant"), ...list("persons", "person")];
}

export const { check, diff, create, read, update } = lifecycle;
