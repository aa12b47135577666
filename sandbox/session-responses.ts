/**
 * A stored session and its view at a moment (session-timeline.ts) as the API shows them: GetMaintenanceSessionResponse
 * (with its stages, actions (session-actions.ts) and sessionJobArgs), GetMaintenanceSessionLogResponse, the `/dx`
 * row and the old start route's RunImmyServiceResponseBody. Names (computer, tenant) come from the seed when read.
 * `createdBy` / `createdById` name who started the session (null for a schedule that ran at its time);
 * `scheduledId` (`scheduleId` in a `/dx` row) the schedule that started it.
 *
 * Left out, as elsewhere in the sandbox, are members whose spec `$ref` is not nullable and that the sandbox has
 * nothing for: the expanded `computer` / `tenant`, a stage's `maintenanceSession` and a log line's script enums.
 */
import type { EmailOptionFields } from "./email-options";
import type { Seed } from "./seed";
import { actionResponses, iso, nameOf, type SessionActionResponse } from "./session-actions";

export type { SessionActionResponse } from "./session-actions";
import type { StageName, SessionView } from "./session-timeline";
import type { StoredSession } from "./state";
import { SESSION_ENUMS } from "./wire-enums";

const STATUS = SESSION_ENUMS.sessionStatus.values;
const STAGE_TYPE = SESSION_ENUMS.sessionStageType.values;
const ENQUEUED = SESSION_ENUMS.enqueuedSessionType.values;


/** GetMaintenanceSessionStageResponse (without the back reference to the session). */
export interface SessionStageResponse {
  id: number;
  maintenanceSessionId: number;
  stageStatus: number;
  type: number;
  jobId: string | null;
  updatedBy: number | null;
  createdBy: number | null;
  updatedDateUTC: string;
  createdDateUTC: string;
}

/** The spec's SessionJobArgs: the session's inputs, enums as integers. */
export interface SessionJobArgsResponse {
  sessionGroupId: string;
  manuallyTriggeredByUserId: number | null;
  manuallyResumedByPersonId: number | null;
  manuallyResumed: boolean;
  scheduledId: number | null;
  computerId: number | null;
  tenantId: number | null;
  personId: number | null;
  installWindowsUpdates: boolean;
  cacheOnly: boolean;
  rebootPreference: number;
  promptTimeoutAction: number;
  autoConsentToReboots: boolean;
  promptTimeoutMinutes: number;
  propagateToChildTenants: boolean;
  allowAccessToParentTenant: boolean;
  /** Only with an updateTime: `maintenanceTime` is it (`time`, the detection time, is null: detection runs at once). */
  maintenanceSchedulingConfiguration?: {
    time: string | null;
    maintenanceTime: string | null;
    timeZoneInfoId: string | null;
    offlineBehavior: number;
    useComputersTimezoneForExecution: boolean;
    scheduleExecutionAfterActiveHours: boolean;
  };
  maintenanceEmailConfiguration: EmailOptionFields;
  maintenanceAgentUpdatesConfiguration: { providerLinkId: number | null };
  /** Only when the request named an item (maintenanceParams). */
  maintenanceItem?: { maintenanceIdentifier: string | null; maintenanceType: number; providerLinkIdForMaintenanceItem: number | null };
  deploymentId: number | null;
  deploymentType: number;
  cacheGroupId: string | null;
  rerunningAction: boolean;
  actionIdToRerun: number | null;
  terminalId: string | null;
  detectionOnly: boolean;
  runInventoryInDetection: boolean;
  resolutionOnly: boolean;
  inventoryOnly: boolean;
  repair: boolean;
  offlineBehavior: number;
  suppressRebootsDuringBusinessHours: boolean;
  appliedOnConnect: boolean;
  useWinningDeployment: boolean;
  hasSessionFeatureBeenTracked: boolean;
  rerunFromScheduleId: number | null;
  enqueuedSessionType: number;
}

/**
 * A session's status per stage, as SessionStatus integers: the session response and its `/dx` row both carry all
 * six, whether or not the session has the stage (the sandbox runs detection and execution only).
 */
export interface StageStatusFields {
  onboardingStageStatus: number;
  detectionStageStatus: number;
  executionStageStatus: number;
  agentUpdatesStageStatus: number;
  resolutionStageStatus: number;
  inventoryStageStatus: number;
}

/** GetMaintenanceSessionResponse without the expanded computer and tenant (stage statuses after `tenantName`). */
export interface SessionResponse extends StageStatusFields {
  id: number;
  jobId: string | null;
  computerId: number | null;
  tenantId: number | null;
  personId: number | null;
  scheduledId: number | null;
  sessionStatus: number;
  onboarding: boolean;
  createdDateUTC: string;
  updatedDateUTC: string;
  updatedById: number | null;
  createdById: number | null;
  createdBy: string | null;
  fullMaintenance: boolean;
  computerName: string | null;
  tenantName: string | null;
  sessionJobArgs: SessionJobArgsResponse;
  scheduledExecutionDate: string | null;
  /** Only with includeActions=true, else null. */
  maintenanceActions: SessionActionResponse[] | null;
  /** Only with includeStages=true, else null. */
  stages: SessionStageResponse[] | null;
  /** [] with includeActionActivities=true (the sandbox records none), else null. */
  activities: never[] | null;
  logs: null;
}

/** GetMaintenanceSessionLogResponse as the sandbox fills it. */
export interface SessionLogResponse {
  id: number;
  progressCorrelationId: string | null;
  sessionPhaseId: number | null;
  message: string;
  maintenanceSessionId: number;
  maintenanceSessionStageId: number | null;
  maintenanceActionId: number | null;
  scriptId: number | null;
  script: string | null;
  scriptOutput: string | null;
  scriptParameters: Record<string, unknown> | null;
  paramBlockParameters: Record<string, unknown> | null;
  time: string;
  updatedTime: string | null;
  sessionLogType: number;
  scriptTimeout: number | null;
  isPrimary: boolean;
  progressPercentComplete: number | null;
  progressActivity: string | null;
  progressStatus: string | null;
  progressSecondsRemaining: number | null;
  progressCurrentOperation: string | null;
  progressCompleted: boolean;
}

/**
 * A row of `GET /maintenance-sessions/dx` (API notes §4.5), stage statuses after `updatedDate`. It does not carry
 * the session group id.
 */
export interface SessionDxRow extends StageStatusFields {
  id: number;
  sessionStatus: number;
  statusName: string;
  computerId: number | null;
  computerName: string | null;
  tenantId: number | null;
  tenantName: string | null;
  createdDate: string;
  updatedDate: string;
  scheduleId: number | null;
  fullMaintenance: boolean;
  scheduledExecutionDate: string | null;
  createdBy: string | null;
}

/** One entry of RunImmyServiceResponseBody: the target the session is for; the other ids null. */
export interface StartedSession {
  sessionId: number;
  computerId: number | null;
  tenantId: number | null;
  personId: number | null;
}

/** The old start route's answer (PS module's RunImmyServiceResponseBody; the spec documents no body). */
export interface RunImmyServiceResponse {
  sessionsStarted: StartedSession[];
  /** Always empty: the sandbox starts a new session even when one is in progress for the target. */
  sessionsAlreadyInProgress: StartedSession[];
}

export interface SessionIncludes {
  actions: boolean;
  stages: boolean;
  activities: boolean;
}

/** The session's id-derived stage ids: unique, two per session. */
const stageId = (sessionId: number, stage: StageName): number => (sessionId - 1) * 2 + (stage === "detection" ? 1 : 2);

const stageStatus = (view: SessionView, stage: StageName): number => view.stages[stage]?.status ?? STATUS.Created;

/** The six stage statuses of the session response and the `/dx` row; a stage the sandbox does not run stays Created. */
function stageStatuses(view: SessionView): StageStatusFields {
  return {
    onboardingStageStatus: STATUS.Created,
    detectionStageStatus: stageStatus(view, "detection"),
    executionStageStatus: stageStatus(view, "execution"),
    agentUpdatesStageStatus: STATUS.Created,
    resolutionStageStatus: STATUS.Created,
    inventoryStageStatus: STATUS.Created,
  };
}

export function sessionResponse(s: StoredSession, view: SessionView, seed: Seed, include: SessionIncludes): SessionResponse {
  return {
    id: s.id,
    jobId: null,
    computerId: s.computerId,
    tenantId: s.tenantId,
    personId: s.personId,
    scheduledId: s.scheduleId ?? null,
    sessionStatus: view.status,
    onboarding: false,
    createdDateUTC: s.createdDateUTC,
    updatedDateUTC: iso(view.updatedAt),
    updatedById: view.status === STATUS.Cancelled ? s.cancelledById : null,
    createdById: s.createdById,
    createdBy: s.createdBy,
    fullMaintenance: s.args.fullMaintenance,
    computerName: seed.computer(s.computerId)?.name ?? null,
    tenantName: seed.tenant(s.tenantId)?.name ?? null,
    ...stageStatuses(view),
    sessionJobArgs: jobArgs(s),
    scheduledExecutionDate: s.scheduledExecutionDate,
    maintenanceActions: include.actions ? actionResponses(s, view, seed) : null,
    stages: include.stages ? stages(s, view) : null,
    activities: include.activities ? [] : null,
    logs: null,
  };
}

function stages(s: StoredSession, view: SessionView): SessionStageResponse[] {
  return (["detection", "execution"] as const).flatMap((name) => {
    const stage = view.stages[name];
    if (!stage) return [];
    return [
      {
        id: stageId(s.id, name),
        maintenanceSessionId: s.id,
        stageStatus: stage.status,
        type: name === "detection" ? STAGE_TYPE.Detection : STAGE_TYPE.Execution,
        jobId: null,
        updatedBy: null,
        createdBy: null,
        updatedDateUTC: iso(stage.updatedAt),
        createdDateUTC: iso(stage.createdAt),
      },
    ];
  });
}

function jobArgs(s: StoredSession): SessionJobArgsResponse {
  const a = s.args;
  const params = a.maintenanceParams;
  return {
    sessionGroupId: a.sessionGroupId,
    manuallyTriggeredByUserId: s.createdById,
    manuallyResumedByPersonId: null,
    manuallyResumed: false,
    scheduledId: s.scheduleId ?? null,
    computerId: s.computerId,
    tenantId: s.tenantId,
    personId: s.personId,
    installWindowsUpdates: false,
    cacheOnly: a.cacheOnly,
    rebootPreference: a.rebootPreference,
    promptTimeoutAction: a.promptTimeoutAction,
    autoConsentToReboots: a.autoConsentToReboots,
    promptTimeoutMinutes: a.promptTimeoutMinutes,
    propagateToChildTenants: a.propagateToChildTenants,
    allowAccessToParentTenant: a.allowAccessToParentTenant,
    ...(a.updateTime !== null
      ? {
          maintenanceSchedulingConfiguration: {
            time: null,
            maintenanceTime: a.updateTime,
            timeZoneInfoId: a.timeZoneInfoId,
            offlineBehavior: a.offlineBehavior,
            useComputersTimezoneForExecution: a.useComputersTimezoneForExecution,
            scheduleExecutionAfterActiveHours: a.scheduleExecutionAfterActiveHours,
          },
        }
      : {}),
    maintenanceEmailConfiguration: {
      sendDetectionEmail: a.sendDetectionEmail,
      sendDetectionEmailWhenAllActionsAreCompliant: a.sendDetectionEmailWhenAllActionsAreCompliant,
      sendFollowUpEmail: a.sendFollowUpEmail,
      sendFollowUpOnlyIfActionNeeded: a.sendFollowUpOnlyIfActionNeeded,
      showRunNowButton: a.showRunNowButton,
      showPostponeButton: a.showPostponeButton,
      showMaintenanceActions: a.showMaintenanceActions,
    },
    maintenanceAgentUpdatesConfiguration: { providerLinkId: a.providerLinkIdForAgentUpdates },
    ...(params
      ? { maintenanceItem: { maintenanceIdentifier: params.maintenanceIdentifier, maintenanceType: params.maintenanceType, providerLinkIdForMaintenanceItem: params.providerLinkIdForMaintenanceItem } }
      : {}),
    deploymentId: a.deploymentId,
    deploymentType: a.deploymentType,
    cacheGroupId: null,
    rerunningAction: false,
    actionIdToRerun: null,
    terminalId: null,
    detectionOnly: a.detectionOnly,
    runInventoryInDetection: a.runInventoryInDetection,
    resolutionOnly: a.resolutionOnly,
    inventoryOnly: a.inventoryOnly,
    repair: params?.repair ?? false,
    offlineBehavior: a.offlineBehavior,
    suppressRebootsDuringBusinessHours: a.suppressRebootsDuringBusinessHours,
    appliedOnConnect: s.offlineBehaviorApplied === "ApplyOnConnect" && s.startedAt !== null,
    useWinningDeployment: a.useWinningDeployment,
    hasSessionFeatureBeenTracked: false,
    rerunFromScheduleId: null,
    // A schedule's sessions come from its Hangfire job, a run request's from an ad-hoc one.
    enqueuedSessionType: s.scheduleId == null ? ENQUEUED.HangfireAdhoc : ENQUEUED.HangfireScheduled,
  };
}

export function logResponses(s: StoredSession, view: SessionView): SessionLogResponse[] {
  return view.logs.map((line) => ({
    id: line.id,
    progressCorrelationId: null,
    sessionPhaseId: null,
    message: line.message,
    maintenanceSessionId: s.id,
    maintenanceSessionStageId: line.stage === null ? null : stageId(s.id, line.stage),
    maintenanceActionId: line.actionId,
    scriptId: null,
    script: null,
    scriptOutput: null,
    scriptParameters: null,
    paramBlockParameters: null,
    time: iso(line.at),
    updatedTime: null,
    sessionLogType: line.type,
    scriptTimeout: null,
    isPrimary: false,
    progressPercentComplete: null,
    progressActivity: null,
    progressStatus: null,
    progressSecondsRemaining: null,
    progressCurrentOperation: null,
    progressCompleted: false,
  }));
}

export function dxRow(s: StoredSession, view: SessionView, seed: Seed): SessionDxRow {
  const full = sessionResponse(s, view, seed, { actions: false, stages: false, activities: false });
  return {
    id: s.id,
    sessionStatus: full.sessionStatus,
    statusName: nameOf(SESSION_ENUMS.sessionStatus, full.sessionStatus),
    computerId: full.computerId,
    computerName: full.computerName,
    tenantId: full.tenantId,
    tenantName: full.tenantName,
    createdDate: full.createdDateUTC,
    updatedDate: full.updatedDateUTC,
    ...stageStatuses(view),
    scheduleId: full.scheduledId,
    fullMaintenance: full.fullMaintenance,
    scheduledExecutionDate: full.scheduledExecutionDate,
    createdBy: full.createdBy,
  };
}
