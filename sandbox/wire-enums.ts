/**
 * How the server reads enum fields: ASP.NET's JsonStringEnumConverter takes a member name (any case) or an
 * integer; responses always carry the integer. The name <-> integer tables are the project's shared ones.
 */
import {
  DatabaseType,
  DesiredSoftwareState,
  MaintenanceActionResult,
  MaintenanceActionStatus,
  MaintenanceActionType,
  MaintenanceTaskMode,
  MaintenanceTaskParameterType,
  MaintenanceType,
  OfflineBehavior,
  PromptTimeoutAction,
  RebootPreference,
  SessionStatus,
  SoftwareProviderType,
  TargetCategory,
  TargetEnforcement,
  TargetGroupFilter,
  TargetType,
} from "../provider/models/enums";

export interface EnumTable {
  /** The enum's .NET name, used in messages. */
  readonly enumName: string;
  readonly values: Readonly<Record<string, number>>;
  /** Integers the server accepts that have no name in the shared table. */
  readonly extraInts?: readonly number[];
}

export const SCHEDULE_ENUMS = {
  targetType: TargetType,
  targetCategory: TargetCategory,
  targetGroupFilter: TargetGroupFilter,
  maintenanceType: MaintenanceType,
  rebootPreference: RebootPreference,
  // The May-2025 spec lists an unnamed 4th member (3) that the shared table leaves out; the server takes it.
  promptTimeoutAction: { enumName: PromptTimeoutAction.enumName, values: PromptTimeoutAction.values, extraInts: [3] },
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
  // ImmyBot's MaintenanceTaskCategory (API notes §5); the shared table has no entry for it.
  taskCategory: { enumName: "MaintenanceTaskCategory", values: { Computer: 0, Tenant: 1, Person: 2 } },
  // ComputerOnboardingStatus: the spec lists 0..2 without names; these are ImmyBot's.
  onboardingStatus: { enumName: "ComputerOnboardingStatus", values: { NeedsOnboarding: 0, Onboarding: 1, Onboarded: 2 } },
} satisfies Record<string, EnumTable>;

/**
 * The enum fields of RunImmyServiceRequestBody (top level and `maintenanceParams`). SoftwareType: the spec lists
 * 0..4 without names; the sandbox's lookups answer GlobalSoftware 0 and LocalSoftware 1, the rest bind as integers.
 */
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
  softwareType: { enumName: "SoftwareType", values: { GlobalSoftware: 0, LocalSoftware: 1 }, extraInts: [2, 3, 4] },
} satisfies Record<string, EnumTable>;

/**
 * What a maintenance session answers with (API notes §4.4). The status and action tables are the project's shared
 * ones; the stage, type, log and enqueue tables exist only here (the provider never sends them).
 */
export const SESSION_ENUMS = {
  sessionStatus: SessionStatus,
  sessionStageType: { enumName: "SessionStageType", values: { Onboarding: 0, Detection: 1, Execution: 2, AgentUpdates: 3, Resolution: 4, Inventory: 5 } },
  sessionType: { enumName: "SessionType", values: { Cloud: 1, Computer: 2, Person: 3 } },
  sessionLogType: { enumName: "SessionLogType", values: { Generic: 0, Error: 1, Command: 2, CommandResult: 3, Progress: 4 } },
  enqueuedSessionType: {
    enumName: "EnqueuedSessionType",
    values: { HangfireAdhoc: 1, HangfireOnboarding: 2, HangfireScheduled: 3, HangfireConnectivityTriggered: 4, NotHangfire: 5 },
  },
  actionType: MaintenanceActionType,
  actionStatus: MaintenanceActionStatus,
  actionResult: MaintenanceActionResult,
} satisfies Record<string, EnumTable>;

export type BoundEnum = { ok: true; value: number } | { ok: false };

/**
 * Wire value -> integer, as the JSON converter binds it: a name in any case, an integer, or an integer in a
 * string. Like .NET, any int32 binds here; whether it is a defined member is a separate validation rule.
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
