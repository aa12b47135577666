/**
 * Which enum table binds which request field, and how enum values bind. Over JSON the API takes integers only (the
 * spec types every enum as an integer; binding.ts refuses a name unless `SandboxOptions.acceptEnumNames`); query
 * strings (Sieve filters, `sessionType`) and the out-of-band helpers take a name in any case or an integer.
 * Responses always carry the integer. The tables themselves are the sandbox's own (enums.ts).
 */
import {
  ComputerOnboardingStatus,
  DatabaseType,
  DesiredSoftwareState,
  EnqueuedSessionType,
  MaintenanceActionResult,
  MaintenanceActionStatus,
  MaintenanceActionType,
  MaintenanceTaskCategory,
  MaintenanceTaskMode,
  MaintenanceTaskParameterType,
  MaintenanceType,
  OfflineBehavior,
  PromptTimeoutAction,
  RebootPreference,
  SessionLogType,
  SessionStageType,
  SessionStatus,
  SessionType,
  SoftwareProviderType,
  SoftwareType,
  TargetCategory,
  TargetEnforcement,
  TargetGroupFilter,
  TargetType,
  type EnumTable,
} from "./enums";

export type { EnumTable } from "./enums";

export const SCHEDULE_ENUMS = {
  targetType: TargetType,
  targetCategory: TargetCategory,
  targetGroupFilter: TargetGroupFilter,
  maintenanceType: MaintenanceType,
  rebootPreference: RebootPreference,
  promptTimeoutAction: PromptTimeoutAction,
  offlineBehavior: OfflineBehavior,
} satisfies Record<string, EnumTable>;

/** The enum fields of CreateLocalTargetAssignmentPayload. */
export const DEPLOYMENT_ENUMS = {
  maintenanceType: MaintenanceType,
  targetType: TargetType,
  targetCategory: TargetCategory,
  targetGroupFilter: TargetGroupFilter,
  desiredSoftwareState: DesiredSoftwareState,
  maintenanceTaskMode: MaintenanceTaskMode,
  softwareProviderType: SoftwareProviderType,
  targetEnforcement: TargetEnforcement,
} satisfies Record<string, EnumTable>;

/** Enums of the lookup data (seed file names -> response integers). */
export const LOOKUP_ENUMS = {
  databaseType: DatabaseType,
  parameterType: MaintenanceTaskParameterType,
  taskCategory: MaintenanceTaskCategory,
  onboardingStatus: ComputerOnboardingStatus,
} satisfies Record<string, EnumTable>;

/** The enum fields of RunImmyServiceRequestBody (top level and `maintenanceParams`). */
export const RUN_REQUEST_ENUMS = {
  rebootPreference: SCHEDULE_ENUMS.rebootPreference,
  promptTimeoutAction: SCHEDULE_ENUMS.promptTimeoutAction,
  deploymentType: DatabaseType,
  offlineBehavior: OfflineBehavior,
} satisfies Record<string, EnumTable>;

export const MAINTENANCE_PARAMS_ENUMS = {
  maintenanceType: MaintenanceType,
  desiredSoftwareState: DesiredSoftwareState,
  softwareProviderType: SoftwareProviderType,
  maintenanceTaskMode: MaintenanceTaskMode,
  softwareType: SoftwareType,
} satisfies Record<string, EnumTable>;

/** What a maintenance session answers with (API notes §4.4). */
export const SESSION_ENUMS = {
  sessionStatus: SessionStatus,
  sessionStageType: SessionStageType,
  sessionType: SessionType,
  sessionLogType: SessionLogType,
  enqueuedSessionType: EnqueuedSessionType,
  actionType: MaintenanceActionType,
  actionStatus: MaintenanceActionStatus,
  actionResult: MaintenanceActionResult,
} satisfies Record<string, EnumTable>;

export type BoundEnum = { ok: true; value: number } | { ok: false };

/**
 * Value -> integer, leniently: a name in any case, an integer, or an integer in a string (as ASP.NET binds a query
 * value, and as a JsonStringEnumConverter would bind JSON). Like .NET, any int32 binds here; whether it is a
 * defined member is a separate validation rule.
 */
export function bindEnum(table: EnumTable, raw: unknown): BoundEnum {
  if (typeof raw === "number") return Number.isInteger(raw) && isInt32(raw) ? { ok: true, value: raw } : { ok: false };
  if (typeof raw !== "string") return { ok: false };
  if (/^-?\d+$/.test(raw.trim())) {
    const n = Number(raw.trim());
    return isInt32(n) ? { ok: true, value: n } : { ok: false };
  }
  const wanted = raw.trim().toLowerCase();
  for (const [name, value] of Object.entries(table.values)) {
    if (name.toLowerCase() === wanted) return { ok: true, value };
  }
  return { ok: false };
}

export function isDefinedMember(table: EnumTable, value: number): boolean {
  return Object.values(table.values).includes(value) || (table.extraInts ?? []).includes(value);
}

/** The integer's member name, or undefined for an unnamed value. */
export function memberName(table: EnumTable, value: number): string | undefined {
  return Object.entries(table.values).find(([, v]) => v === value)?.[0];
}

/** "All (1), Computer (2), …" for messages that tell the caller what to send instead. */
export function describeMembers(table: EnumTable): string {
  return Object.entries(table.values)
    .map(([name, value]) => `${name} (${value})`)
    .join(", ");
}

export function isInt32(n: number): boolean {
  return Number.isInteger(n) && n >= -2147483648 && n <= 2147483647;
}
