/**
 * A schedule as the server keeps it, and how a JSON request body binds to it: `CreateScheduleRequest` /
 * `UpdateScheduleRequest` through the shared binder (binding.ts), which follows ASP.NET Core's System.Text.Json
 * and refuses members the type lacks, such as a schedule `name` (the May-2025 API has none).
 */
import { bindObject, bool, enumOf, int, nullableInt, text, uuid, type BindOptions, type BindResult, type FieldKind } from "./binding";
import type { EmailOptionFields } from "./email-options";
import { SCHEDULE_ENUMS } from "./wire-enums";

/** Every field of CreateScheduleRequest, enums as integers (the e-mail options are EmailOptionFields). */
export interface ScheduleFields extends EmailOptionFields {
  target: string | null;
  targetType: number;
  targetGroupFilter: number;
  targetCategory: number;
  providerDeviceGroupType: string | null;
  providerClientGroupType: string | null;
  providerLinkId: number | null;
  tenantId: number | null;
  propagateToChildTenants: boolean;
  customCronExpression: string | null;
  time: string | null;
  day: number | null;
  maintenanceTime: string | null;
  disabled: boolean;
  maintenanceType: number;
  maintenanceIdentifier: string | null;
  timeZoneInfoId: string | null;
  rebootPreference: number;
  promptTimeoutAction: number;
  autoConsentToReboots: boolean;
  promptTimeoutMinutes: number;
  applyWindowsUpdates: boolean;
  allowAccessToMSPResources: boolean;
  allowAccessToParentTenant: boolean;
  offlineBehavior: number;
  suppressRebootsDuringBusinessHours: boolean;
  useComputersTimezoneForExecution: boolean;
  scheduleExecutionAfterActiveHours: boolean;
}

/** The request's fields in the spec's order. The mapped type makes the compiler check that none is missing. */
export const SCHEDULE_FIELD_KINDS: { readonly [K in keyof ScheduleFields]: FieldKind } = {
  target: text,
  targetType: enumOf(SCHEDULE_ENUMS.targetType),
  targetGroupFilter: enumOf(SCHEDULE_ENUMS.targetGroupFilter),
  targetCategory: enumOf(SCHEDULE_ENUMS.targetCategory),
  providerDeviceGroupType: uuid,
  providerClientGroupType: uuid,
  providerLinkId: nullableInt,
  tenantId: nullableInt,
  propagateToChildTenants: bool,
  customCronExpression: text,
  time: text,
  day: nullableInt,
  maintenanceTime: text,
  disabled: bool,
  sendDetectionEmail: bool,
  sendDetectionEmailWhenAllActionsAreCompliant: bool,
  sendFollowUpEmail: bool,
  sendFollowUpOnlyIfActionNeeded: bool,
  showRunNowButton: bool,
  showPostponeButton: bool,
  maintenanceType: enumOf(SCHEDULE_ENUMS.maintenanceType),
  maintenanceIdentifier: text,
  timeZoneInfoId: text,
  rebootPreference: enumOf(SCHEDULE_ENUMS.rebootPreference),
  promptTimeoutAction: enumOf(SCHEDULE_ENUMS.promptTimeoutAction),
  autoConsentToReboots: bool,
  promptTimeoutMinutes: int,
  applyWindowsUpdates: bool,
  showMaintenanceActions: bool,
  allowAccessToMSPResources: bool,
  allowAccessToParentTenant: bool,
  offlineBehavior: enumOf(SCHEDULE_ENUMS.offlineBehavior),
  suppressRebootsDuringBusinessHours: bool,
  useComputersTimezoneForExecution: bool,
  scheduleExecutionAfterActiveHours: bool,
};

export const SCHEDULE_FIELD_NAMES = Object.keys(SCHEDULE_FIELD_KINDS) as (keyof ScheduleFields)[];

export type RequestType = "CreateScheduleRequest" | "UpdateScheduleRequest";

/**
 * Binds a parsed JSON body. `id` is only a property of UpdateScheduleRequest (0 when left out, as in .NET).
 * Errors are keyed by JSON path ("$.disabled"), plus the parameter-level "request" entry ASP.NET adds.
 */
export function bindScheduleRequest(body: unknown, type: RequestType, options: BindOptions): BindResult<ScheduleFields> {
  return bindObject<ScheduleFields>(body, type, SCHEDULE_FIELD_KINDS, type === "UpdateScheduleRequest", options);
}
