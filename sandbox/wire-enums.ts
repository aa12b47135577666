/**
 * How the server reads enum fields: ASP.NET's JsonStringEnumConverter takes a member name (any case) or an
 * integer; responses always carry the integer. The name <-> integer tables are the project's shared ones.
 */
import {
  DatabaseType,
  DesiredSoftwareState,
  MaintenanceTaskMode,
  MaintenanceTaskParameterType,
  MaintenanceType,
  OfflineBehavior,
  PromptTimeoutAction,
  RebootPreference,
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
