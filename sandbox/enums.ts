/**
 * The sandbox's own name <-> integer tables of ImmyBot's enums, from the API notes (§2.5, §3.4, §4.4, §5). The
 * sandbox models the server, so it keeps them itself rather than borrowing a client's; the contract test
 * (test/contract/sandbox-enums.test.ts) checks every table's integers against the OpenAPI spec's enum lists.
 *
 * The names serve the seed file, the display strings the server composes (targetTypeName, statusName, ...) and
 * the out-of-band helpers; the HTTP API itself binds request enums as integers (wire-enums.ts).
 */

export interface EnumTable {
  /** The enum's .NET name: the spec's schema name, used in messages. */
  readonly enumName: string;
  readonly values: Readonly<Record<string, number>>;
  /** Integers the spec allows that have no known name. */
  readonly extraInts?: readonly number[];
}

/** Keeps the member names as literal keys (so `TargetType.values.AllForTenant` type-checks). */
function table<K extends string>(enumName: string, values: Record<K, number>, extraInts?: readonly number[]): EnumTable & { values: Readonly<Record<K, number>> } {
  return extraInts ? { enumName, values, extraInts } : { enumName, values };
}

export const MaintenanceType = table("MaintenanceType", {
  GlobalSoftware: 0,
  LocalSoftware: 1,
  WindowsUpdate: 2,
  ChocolateySoftware: 3,
  NiniteSoftware: 4,
  LocalMaintenanceTask: 5,
  GlobalMaintenanceTask: 6,
  AgentUpdate: 7,
});

/** Not positional: starts at 1, with gaps. */
export const TargetType = table("TargetType", {
  All: 1,
  Computer: 2,
  Metascript: 5,
  Person: 7,
  AzureGroup: 8,
  TenantMetascript: 20,
  AllForTenant: 21,
  ProviderDeviceGroup: 22,
  ProviderClientGroup: 23,
  TenantFilterScript: 24,
  FilterScript: 25,
  AllTenants: 28,
  SpecificTenant: 29,
  Tag: 30,
  TenantTag: 31,
  CloudTag: 40,
  CloudProviderClientGroup: 42,
});

export const TargetCategory = table("TargetCategory", { Computer: 0, Tenant: 1, Person: 2 });

export const TargetGroupFilter = table("TargetGroupFilter", {
  All: 0,
  Servers: 1,
  Workstations: 2,
  PortableDevices: 3,
  WorkstationsAndPortableDevices: 4,
  DomainControllers: 5,
  PrimaryDomainControllers: 6,
});

/** Normal is the UI's "If necessary"; Force is -1. */
export const RebootPreference = table("RebootPreference", { Normal: 0, Suppress: 1, Prompt: 2, Force: -1 });

/** The May-2025 spec lists an unnamed 4th member (3); the server takes it. */
export const PromptTimeoutAction = table("PromptTimeoutAction", { Reboot: 0, Suppress: 1, FailSession: 2 }, [3]);

/** No 0 member. */
export const OfflineBehavior = table("ComputerOfflineMaintenanceSessionBehavior", { Skip: 1, ApplyOnConnect: 2 });

export const DesiredSoftwareState = table("DesiredSoftwareState", {
  NewerOrEqualVersion: 0,
  NotPresent: 1,
  AnyVersion: 2,
  ThisVersion: 3,
  OlderOrEqualVersion: 4,
  LatestVersion: 5,
  NoAction: 6,
  UpdateIfFound: 7,
});

export const MaintenanceTaskMode = table("MaintenanceTaskMode", { Enforce: 0, Audit: 1, Monitor: 2, NoAction: 3 });

/** No 0 member. */
export const TargetEnforcement = table("TargetEnforcement", { Required: 1, Optional: 2, Adhoc: 3, Onboarding: 4 });

/** No 0 member. */
export const SoftwareProviderType = table("SoftwareProviderType", { Ninite: 1, Chocolatey: 2, Inherent: 3 });

export const DatabaseType = table("DatabaseType", { Global: 0, Local: 1 });

/** A session's `maintenanceParams.softwareType` (API notes §3.4; the spec lists 0..4 without names). */
export const SoftwareType = table("SoftwareType", { GlobalSoftware: 0, LocalSoftware: 1, WindowsUpdate: 2, Chocolatey: 3, Ninite: 4 });

export const MaintenanceTaskParameterType = table("MaintenanceTaskParameterType", {
  Number: 0,
  Text: 1,
  Boolean: 2,
  Select: 3,
  Password: 4,
  File: 5,
  Uri: 6,
  KeyValuePair: 7,
});

export const MaintenanceTaskCategory = table("MaintenanceTaskCategory", { Computer: 0, Tenant: 1, Person: 2 });

/** The spec lists 0..2 without names; these are ImmyBot's. */
export const ComputerOnboardingStatus = table("ComputerOnboardingStatus", { NeedsOnboarding: 0, Onboarding: 1, Onboarded: 2 });

export const SessionStatus = table("SessionStatus", {
  Passed: 0,
  Running: 1,
  Failed: 2,
  Created: 3,
  Cancelled: 4,
  Postponed: 5,
  Pending: 6,
  PartialPassed: 7,
  PendingConnectivity: 8,
  Missed: 9,
  MaxTrackedDevicesPerMonthExceeded: 10,
  PendingPreflight: 11,
  PendingEphemeralAgentConnection: 12,
  MaintenanceForTrackableDevicesNotAllowed: 13,
});

export const SessionStageType = table("SessionStageType", { Onboarding: 0, Detection: 1, Execution: 2, AgentUpdates: 3, Resolution: 4, Inventory: 5 });

export const SessionType = table("SessionType", { Cloud: 1, Computer: 2, Person: 3 });

export const SessionLogType = table("SessionLogType", { Generic: 0, Error: 1, Command: 2, CommandResult: 3, Progress: 4 });

export const EnqueuedSessionType = table("EnqueuedSessionType", {
  HangfireAdhoc: 1,
  HangfireOnboarding: 2,
  HangfireScheduled: 3,
  HangfireConnectivityTriggered: 4,
  NotHangfire: 5,
});

export const MaintenanceActionType = table("MaintenanceActionType", {
  NoAction: 0,
  Install: 1,
  Update: 2,
  Uninstall: 3,
  Download: 4,
  Reinstall: 5,
  Downgrade: 6,
  Undetermined: 7,
  TaskEnforce: 8,
  TaskMonitor: 9,
  TaskAudit: 10,
});

export const MaintenanceActionStatus = table("MaintenanceActionStatus", {
  NotStarted: 0,
  Downloading: 1,
  PerformingAction: 2,
  DeterminingResult: 3,
  Complete: 4,
  WaitingForPrerequisite: 5,
  DeterminingAction: 6,
  Skipped: 7,
  PendingExecution: 8,
});

export const MaintenanceActionResult = table("MaintenanceActionResult", {
  Pending: 0,
  Success: 1,
  Failed: 2,
  Cancelled: 3,
  Indeterminable: 4,
  Resolved: 5,
});

/** Every table above (the contract test checks each against the spec). */
export const ALL_ENUMS: readonly EnumTable[] = [
  MaintenanceType,
  TargetType,
  TargetCategory,
  TargetGroupFilter,
  RebootPreference,
  PromptTimeoutAction,
  OfflineBehavior,
  DesiredSoftwareState,
  MaintenanceTaskMode,
  TargetEnforcement,
  SoftwareProviderType,
  DatabaseType,
  SoftwareType,
  MaintenanceTaskParameterType,
  MaintenanceTaskCategory,
  ComputerOnboardingStatus,
  SessionStatus,
  SessionStageType,
  SessionType,
  SessionLogType,
  EnqueuedSessionType,
  MaintenanceActionType,
  MaintenanceActionStatus,
  MaintenanceActionResult,
];
