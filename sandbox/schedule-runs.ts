/**
 * A schedule's run: `POST /api/v1/schedules/{scheduleId}/run-now` (API notes §2.1; 200 without a body, as the spec
 * documents it), and the same run at the schedule's own time (`Sandbox.fireSchedule`, as ImmyBot's scheduler
 * would start it). Either way ImmyBot's background job makes one session per computer the schedule's target
 * reaches (tenants and persons for tenant and person targets), each running the deployments that apply to it
 * (only those of the schedule's item, when it is limited to one), with the schedule's reboot, offline and e-mail
 * options; execution follows detection at once. The sessions carry the schedule's id (`scheduledId`, dx
 * `scheduleId`), enqueuedSessionType HangfireScheduled, and who started them: the caller for run-now, nobody (null)
 * at the schedule's time.
 */
import { pathInt } from "./binding";
import { sessionTargets } from "./full-maintenance";
import { emptyReply, notFoundReply, type Reply } from "./http";
import { idSegment, type Route } from "./router";
import type { ScheduleFields } from "./schedule-model";
import { API_ACTOR, type Actor, type ScheduleService } from "./schedules";
import type { Seed } from "./seed";
import type { SessionArgs } from "./session-model";
import type { StartedSession } from "./session-responses";
import type { SessionService } from "./sessions";

export interface ScheduleRunDeps {
  schedules: ScheduleService;
  sessions: SessionService;
  seed: Seed;
}

export function scheduleRunRoutes(deps: ScheduleRunDeps): Route[] {
  return [
    {
      pattern: new RegExp(`^/api/v1/schedules/${idSegment([])}/run-now$`, "i"),
      handlers: {
        POST: (ctx): Reply => {
          const id = pathInt(ctx, "scheduleId");
          if (typeof id !== "number") return id;
          return runSchedule(deps, id, API_ACTOR) ? emptyReply(200) : notFoundReply();
        },
      },
    },
  ];
}

/** Starts the schedule's sessions; undefined when there is no such schedule. `actor` null: the schedule's own time. */
export function runSchedule(deps: ScheduleRunDeps, scheduleId: number, actor: Actor | null): StartedSession[] | undefined {
  const schedule = deps.schedules.fieldsOf(scheduleId);
  if (!schedule) return undefined;
  const item = schedule.maintenanceIdentifier === null ? undefined : { maintenanceType: schedule.maintenanceType, maintenanceIdentifier: schedule.maintenanceIdentifier };
  const targets = sessionTargets({ ...schedule }, deps.seed);
  return deps.sessions.startForSchedule(scheduleId, targets, sessionArgs(schedule), item, actor);
}

/** What the schedule's sessions record of their inputs. */
function sessionArgs(s: ScheduleFields): Omit<SessionArgs, "sessionGroupId"> {
  const item = s.maintenanceIdentifier === null ? null : s;
  return {
    maintenanceParams: item && {
      maintenanceIdentifier: item.maintenanceIdentifier,
      maintenanceType: item.maintenanceType,
      providerLinkIdForMaintenanceItem: null,
      repair: false,
      // The desired state is each computer's winning deployment's (its action), not the schedule's.
      desiredSoftwareState: 0,
      softwareProviderType: 0,
      semanticVersion: null,
      maintenanceTaskMode: 0,
      taskParameterValues: null,
      softwareType: 0,
    },
    skipBackgroundJob: false,
    cacheOnly: false,
    rebootPreference: s.rebootPreference,
    promptTimeoutAction: s.promptTimeoutAction,
    autoConsentToReboots: s.autoConsentToReboots,
    promptTimeoutMinutes: s.promptTimeoutMinutes,
    licenseId: null,
    updateTime: null,
    timeZoneInfoId: null,
    useComputersTimezoneForExecution: s.useComputersTimezoneForExecution,
    scheduleExecutionAfterActiveHours: s.scheduleExecutionAfterActiveHours,
    fullMaintenance: item === null,
    detectionOnly: false,
    resolutionOnly: false,
    inventoryOnly: false,
    runInventoryInDetection: false,
    deploymentId: null,
    deploymentType: 0,
    offlineBehavior: s.offlineBehavior,
    suppressRebootsDuringBusinessHours: s.suppressRebootsDuringBusinessHours,
    sendDetectionEmail: s.sendDetectionEmail,
    sendDetectionEmailWhenAllActionsAreCompliant: s.sendDetectionEmailWhenAllActionsAreCompliant,
    sendFollowUpEmail: s.sendFollowUpEmail,
    sendFollowUpOnlyIfActionNeeded: s.sendFollowUpOnlyIfActionNeeded,
    showRunNowButton: s.showRunNowButton,
    showPostponeButton: s.showPostponeButton,
    showMaintenanceActions: s.showMaintenanceActions,
    useWinningDeployment: false,
    providerLinkIdForAgentUpdates: null,
    propagateToChildTenants: s.propagateToChildTenants,
    allowAccessToParentTenant: s.allowAccessToParentTenant,
  };
}
