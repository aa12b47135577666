/**
 * MaintenanceSession's wire mapping, each direction written once: the arguments and the deployment as ImmyBot holds
 * it -> `RunImmyServiceRequestBody` (enums as the spec's integers), and ImmyBot's sessions -> the resource's outputs,
 * with the rule of which statuses fail the step and the message that says why.
 */
import { plainJson } from "./check";
import { LifecycleError } from "./errors";
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
  TargetGroupFilter,
  TargetType,
  type MaintenanceTypeName,
  type SessionStatusName,
} from "./models/enums";
import { maintenanceOptionsToWire } from "./models/maintenance-options";
import { nonEmpty } from "./models/target";
import type { Answer } from "./models/wire";
import type { RunDeployment } from "./deployment-wire";
import type { MaintenanceSessionInputs, MaintenanceSessionOutputs, SessionAction, SessionResult } from "./maintenance-session-args";
import { countByStatus, decodeSession, isTerminal, settled, type RunTarget, type SessionAnswer, type Wire } from "./session-runs";

/** The run's target list, exactly one kind. */
function targetsToWire(targets: readonly RunTarget[]): Wire {
  const of = (kind: RunTarget["kind"], key: string) => {
    const list = targets.filter((t) => t.kind === kind).map((t) => ({ [key]: t.id }));
    return list.length > 0 ? list : null;
  };
  return { computers: of("computer", "computerId"), tenants: of("tenant", "tenantId"), persons: of("person", "personId") };
}

/** An enum the deployment's answer holds (an integer, or a name: decoding made sure it knows it) as the integer a request sends; left out when null. */
const echoInt = (e: { wireInt(value: unknown): number }, value: string | number | null): number | undefined => (value === null ? undefined : e.wireInt(value));

/**
 * What the run enforces: the deployment's item, desired state and parameters (API notes §4.6), or, for a full
 * maintenance (no deployment), no item at all, so that ImmyBot runs every deployment that applies to each target.
 */
function itemToWire(deploymentId: string | undefined, deployment: RunDeployment | undefined): Wire {
  if (deployment === undefined) return { deploymentId: null, useWinningDeployment: false, fullMaintenance: true, licenseId: null };
  const version = deployment.softwareSemanticVersionString ?? undefined;
  return {
    deploymentId: Number(deploymentId),
    deploymentType: DatabaseType.wireInt(deployment.databaseType),
    useWinningDeployment: false,
    maintenanceParams: {
      maintenanceType: MaintenanceType.wireInt(deployment.maintenanceType),
      maintenanceIdentifier: deployment.maintenanceIdentifier,
      desiredSoftwareState: echoInt(DesiredSoftwareState, deployment.desiredSoftwareState),
      maintenanceTaskMode: echoInt(MaintenanceTaskMode, deployment.maintenanceTaskMode),
      softwareProviderType: echoInt(SoftwareProviderType, deployment.softwareProviderType),
      taskParameterValues: deployment.taskParameterValues,
      providerLinkIdForMaintenanceItem: deployment.providerLinkIdForMaintenanceItem,
      repair: false,
      ...(version ? { semanticVersion: version } : {}),
    },
    fullMaintenance: false,
    licenseId: deployment.licenseId,
  };
}

/**
 * Arguments + the deployment as ImmyBot holds it (undefined for a full maintenance) -> `RunImmyServiceRequestBody`.
 * Every option is sent explicitly, enums as integers.
 */
export function toWire(v: MaintenanceSessionInputs, deployment: RunDeployment | undefined, targets: readonly RunTarget[], sessionGroupId: string): Wire {
  return {
    ...targetsToWire(targets),
    ...itemToWire(v.deploymentId, deployment),
    detectionOnly: v.detectionOnly,
    resolutionOnly: false,
    inventoryOnly: false,
    cacheOnly: false,
    runInventoryInDetection: false,
    ...maintenanceOptionsToWire(v),
    updateTime: v.executionTime ?? null,
    timeZoneInfoId: v.executionTime ? (v.timeZone ?? "UTC") : null,
    sessionGroupId,
    skipBackgroundJob: false,
    providerLinkIdForAgentUpdates: null,
    propagateToChildTenants: false,
    allowAccessToParentTenant: false,
  };
}

type PreviewTarget = Pick<
  RunDeployment,
  | "targetType"
  | "target"
  | "tenantId"
  | "targetGroupFilter"
  | "propagateToChildTenants"
  | "allowAccessToParentTenant"
  | "providerLinkId"
  | "providerClientGroupType"
  | "providerDeviceGroupType"
  | "onboardingOnly"
>;

/** The computers carrying a tag, as ImmyBot's target preview resolves them (a deployment's target of type Tag). */
export function tagPreviewRequest(tagId: string): Wire {
  return targetPreviewRequest({
    targetType: "Tag",
    target: tagId,
    tenantId: null,
    targetGroupFilter: "All",
    propagateToChildTenants: false,
    allowAccessToParentTenant: false,
    providerLinkId: null,
    providerClientGroupType: null,
    providerDeviceGroupType: null,
    onboardingOnly: false,
  });
}

/** The deployment's target as ImmyBot's target preview wants it (`CalculateTargetsRequest`), enums as integers whatever the answer held. */
export function targetPreviewRequest(deployment: PreviewTarget): Wire {
  return {
    targetType: TargetType.wireInt(deployment.targetType),
    target: deployment.target,
    tenantId: deployment.tenantId,
    targetGroupFilter: TargetGroupFilter.wireInt(deployment.targetGroupFilter),
    propagateToChildTenants: deployment.propagateToChildTenants,
    allowAccessToParentTenant: deployment.allowAccessToParentTenant,
    providerLinkId: deployment.providerLinkId,
    providerClientGroupType: deployment.providerClientGroupType,
    providerDeviceGroupType: deployment.providerDeviceGroupType,
    onboardingOnly: deployment.onboardingOnly,
  };
}

const str = (v: string | null): string | null => nonEmpty(v) ?? null;
const seconds = (from: string | null, to: string | null): number | null =>
  from && to && Number.isFinite(Date.parse(from)) && Number.isFinite(Date.parse(to)) ? Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000)) : null;

function actionFromWire(a: SessionAnswer["maintenanceActions"][number]): SessionAction {
  return {
    id: a.id,
    item: str(a.maintenanceDisplayName),
    actionType: MaintenanceActionType.fromWire(a.actionType),
    status: MaintenanceActionStatus.fromWire(a.status),
    result: MaintenanceActionResult.fromWire(a.result),
    reason: str(a.resultReasonMessage),
    detectedVersion: str(a.detectedVersionString),
    desiredVersion: str(a.desiredVersionString),
    deploymentId: a.assignmentId,
    deploymentType: a.assignmentType === null ? null : DatabaseType.fromWire(a.assignmentType),
  };
}

/**
 * A `GetMaintenanceSessionResponse` (from the route `at`, for messages) + its last log line -> one session's
 * outputs; a missing or mistyped field is an error naming the route and the field.
 */
export function sessionFromWire(body: unknown, lastLog: string | null, startedByThisRun: boolean, at?: Answer): SessionResult {
  const w = decodeSession(body, at);
  const status = SessionStatus.fromWire(w.sessionStatus);
  const stage = SessionStatus.fromWire;
  const createdAt = str(w.createdDateUTC);
  const updatedAt = str(w.updatedDateUTC);
  const finishedAt = isTerminal(status) ? updatedAt : null;
  return {
    id: w.id,
    status,
    stages: {
      onboarding: stage(w.onboardingStageStatus),
      detection: stage(w.detectionStageStatus),
      execution: stage(w.executionStageStatus),
      agentUpdates: stage(w.agentUpdatesStageStatus),
      resolution: stage(w.resolutionStageStatus),
      inventory: stage(w.inventoryStageStatus),
    },
    computerId: w.computerId,
    computerName: str(w.computerName),
    tenantId: w.tenantId,
    tenantName: str(w.tenantName),
    personId: w.personId,
    createdAt,
    updatedAt,
    scheduledExecutionAt: str(w.scheduledExecutionDate),
    finishedAt,
    durationSeconds: seconds(createdAt, finishedAt),
    actions: w.maintenanceActions.map(actionFromWire),
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
  run: { sessionGroupId: string; startedAt: string; maintenanceType: MaintenanceTypeName | null; maintenanceIdentifier: string | null; targets: readonly RunTarget[] },
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

/** The error that fails the step (`IMMYBOT_RUN_FAILED` when a session failed, else `IMMYBOT_RUN_TIMEOUT`), or undefined. */
export function runFailure(v: MaintenanceSessionInputs, outs: MaintenanceSessionOutputs, timedOut: boolean): LifecycleError | undefined {
  const message = failureMessage(v, outs, timedOut);
  if (message === undefined) return undefined;
  const failing = failureStatuses(v);
  return new LifecycleError(outs.sessions.some((s) => failing.has(s.status)) ? "IMMYBOT_RUN_FAILED" : "IMMYBOT_RUN_TIMEOUT", message);
}
