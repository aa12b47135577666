/**
 * A session's maintenance actions as `GetMaintenanceActionResponse` (the session response's `maintenanceActions`):
 * one per stored action (the request's item, or one per applicable deployment), all in the state the session's
 * course gives them (session-timeline.ts). `assignmentId` is the deployment an action comes from.
 *
 * Left out, as elsewhere: `reason` / `resultReason` (non-nullable `$ref`s the sandbox has nothing for), and
 * `endTime` until the action has ended.
 */
import type { Seed } from "./seed";
import { sessionActions, type SessionView } from "./session-timeline";
import type { StoredSession } from "./state";
import { DEPLOYMENT_ENUMS, memberName, SESSION_ENUMS, type EnumTable } from "./wire-enums";

const M = DEPLOYMENT_ENUMS.maintenanceType.values;
const SUCCESS = SESSION_ENUMS.actionResult.values.Success;

export const iso = (ms: number): string => new Date(ms).toISOString();
export const nameOf = (table: EnumTable, value: number): string => memberName(table, value) ?? String(value);

/** GetMaintenanceActionResponse as the sandbox fills it. */
export interface SessionActionResponse {
  id: number;
  parentId: number | null;
  maintenanceSessionId: number;
  tenantId: number | null;
  computerId: number | null;
  computerName: string | null;
  isComputerOnline: boolean;
  startTime: string;
  endTime?: string;
  actionType: number;
  actionTypeName: string | null;
  status: number;
  statusName: string | null;
  assignmentId: number | null;
  assignmentType: number;
  tenantName: string | null;
  maintenanceType: number;
  maintenanceIdentifier: string | null;
  desiredSoftwareState: number;
  description: string | null;
  postMaintenanceTest: string | null;
  postMaintenanceTestType: number | null;
  postMaintenanceTestResult: boolean | null;
  postMaintenanceTestResultMessage: string | null;
  maintenanceTypeName: string | null;
  maintenanceDisplayName: string | null;
  detectedVersionString: string | null;
  desiredVersionString: string | null;
  result: number;
  resultName: string | null;
  maintenanceTaskMode: number;
  maintenanceTaskGetResult: string | null;
  createdDateUTC: string;
  updatedDateUTC: string;
  updatedBy: number | null;
  createdBy: number | null;
  softwareType: number;
  maintenanceTaskType?: number;
  resultReasonMessage: string | null;
  dependsOnNames: string[] | null;
  dependentsNames: string[] | null;
  softwareActionIdForConfigurationTask: number | null;
  softwareProviderType: number;
  policyDescription: string | null;
}

export function actionResponses(s: StoredSession, view: SessionView, seed: Seed): SessionActionResponse[] {
  const action = view.action;
  if (!action) return [];
  const computer = seed.computer(s.computerId);
  // The test after the action: failed (PartialPassed), passed (Success), else not run.
  const testResult = action.postTestFailed ? false : action.endedAt !== null && action.result === SUCCESS ? true : null;
  return sessionActions(s).map(({ id, assignmentId, assignmentType, params, plan }) => {
    const actionType = plan.actionType ?? SESSION_ENUMS.actionType.values.NoAction;
    const isTask = params.maintenanceType === M.GlobalMaintenanceTask || params.maintenanceType === M.LocalMaintenanceTask;
    const softwareType = params.maintenanceType === M.GlobalSoftware ? 0 : params.maintenanceType === M.LocalSoftware ? 1 : params.softwareType;
    return {
      id,
      parentId: null,
      maintenanceSessionId: s.id,
      tenantId: s.tenantId,
      computerId: s.computerId,
      computerName: computer?.name ?? null,
      isComputerOnline: computer?.online ?? false,
      startTime: iso(action.startedAt),
      ...(action.endedAt !== null ? { endTime: iso(action.endedAt) } : {}),
      actionType,
      actionTypeName: nameOf(SESSION_ENUMS.actionType, actionType),
      status: action.status,
      statusName: nameOf(SESSION_ENUMS.actionStatus, action.status),
      assignmentId,
      assignmentType,
      tenantName: seed.tenant(s.tenantId)?.name ?? null,
      maintenanceType: params.maintenanceType,
      maintenanceIdentifier: params.maintenanceIdentifier,
      desiredSoftwareState: params.desiredSoftwareState,
      description: null,
      postMaintenanceTest: null,
      postMaintenanceTestType: null,
      postMaintenanceTestResult: testResult,
      postMaintenanceTestResultMessage: action.postTestFailed ? "The post-install test failed" : null,
      maintenanceTypeName: nameOf(DEPLOYMENT_ENUMS.maintenanceType, params.maintenanceType),
      maintenanceDisplayName: plan.displayName,
      detectedVersionString: plan.detectedVersion,
      desiredVersionString: plan.desiredVersion,
      result: action.result,
      resultName: nameOf(SESSION_ENUMS.actionResult, action.result),
      maintenanceTaskMode: params.maintenanceTaskMode,
      maintenanceTaskGetResult: null,
      createdDateUTC: iso(action.startedAt),
      updatedDateUTC: iso(action.updatedAt),
      updatedBy: null,
      createdBy: null,
      softwareType,
      ...(isTask ? { maintenanceTaskType: params.maintenanceType === M.GlobalMaintenanceTask ? 0 : 1 } : {}),
      resultReasonMessage: action.failureReason,
      dependsOnNames: null,
      dependentsNames: null,
      softwareActionIdForConfigurationTask: null,
      softwareProviderType: params.softwareProviderType,
      policyDescription: null,
    };
  });
}
