/**
 * ImmyBot enums. The OpenAPI spec types every enum as an integer, and ImmyBot answers with integers; the
 * integers are not positional (`RebootPreference.Force` is -1, `TargetType` starts at 1 with gaps), so every
 * enum is an explicit name -> integer table, taken from the API notes and checked against the OpenAPI spec
 * by `test/unit/enums.test.ts`.
 *
 * Users, state and messages speak names; request bodies carry integers (`toInt`, `wireInt`), as the spec says
 * (some instances also take names, but not every one need). Answers are mapped back with `fromWire`, which
 * takes a name in any case too.
 */
import { z } from "zod";
import { didYouMean } from "./similar";

export interface WireEnum<N extends string> {
  /** The enum's name in the ImmyBot API (used in messages and the spec check). */
  readonly enumName: string;
  readonly names: readonly N[];
  readonly values: Readonly<Record<N, number>>;
  /** zod schema of the names, with an error that lists them. */
  readonly schema: z.ZodType<N, N>;
  /** Name or integer from the wire -> name. An integer this provider does not know is kept as its decimal text. */
  fromWire(value: unknown): N;
  /** Name -> integer, for request bodies. */
  toInt(name: N): number;
  /**
   * A value from an answer (integer, or name in any case) -> the integer to send back in a request. An integer this
   * provider does not know is sent as it came; a name it does not know throws.
   */
  wireInt(value: unknown): number;
}

/**
 * `labels`: what ImmyBot's UI calls a member where that differs from the API's name (`{ "If necessary": "Normal" }`),
 * so a value copied from the UI is answered with the name to write.
 */
export function wireEnum<const M extends Record<string, number>>(
  enumName: string,
  values: M,
  labels: Readonly<Record<string, Extract<keyof M, string>>> = {},
): WireEnum<Extract<keyof M, string>> {
  type N = Extract<keyof M, string>;
  const names = Object.keys(values) as N[];
  const byInt = new Map<number, N>(names.map((n) => [values[n] as number, n]));
  const byLowerName = new Map<string, N>(names.map((n) => [n.toLowerCase(), n]));
  const schema = z.enum(names as [N, ...N[]], {
    error: (issue) => {
      const input = issue.input;
      const named = typeof input === "number" ? byInt.get(input) : undefined;
      const hint = named !== undefined ? `; give the name: ${input} is ImmyBot's number for ${JSON.stringify(named)}` : didYouMean(input, names, labels);
      return `must be one of ${names.map((n) => JSON.stringify(n)).join(", ")}; got ${JSON.stringify(input)}${hint}`;
    },
  });
  return {
    enumName,
    names,
    values: values as unknown as Record<N, number>,
    schema: schema as unknown as z.ZodType<N, N>,
    fromWire(value: unknown): N {
      if (typeof value === "number") return byInt.get(value) ?? (String(value) as N);
      if (typeof value === "string") return byLowerName.get(value.toLowerCase()) ?? (value as N);
      throw new TypeError(`${enumName}: expected a name or an integer, got ${JSON.stringify(value)}`);
    },
    toInt(name: N): number {
      const v = values[name];
      if (v === undefined) throw new TypeError(`${enumName}: unknown name ${JSON.stringify(name)}`);
      return v;
    },
    wireInt(value: unknown): number {
      if (typeof value === "number" && Number.isInteger(value)) return value;
      const name = typeof value === "string" ? byLowerName.get(value.toLowerCase()) : undefined;
      if (name === undefined) throw new TypeError(`${enumName}: ImmyBot answered ${JSON.stringify(value)}, which is neither an integer nor a known name`);
      return values[name] as number;
    },
  };
}

export const MaintenanceType = wireEnum("MaintenanceType", {
  GlobalSoftware: 0,
  LocalSoftware: 1,
  WindowsUpdate: 2,
  ChocolateySoftware: 3,
  NiniteSoftware: 4,
  LocalMaintenanceTask: 5,
  GlobalMaintenanceTask: 6,
  AgentUpdate: 7,
});
export type MaintenanceTypeName = (typeof MaintenanceType.names)[number];

export const TargetType = wireEnum("TargetType", {
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
export type TargetTypeName = (typeof TargetType.names)[number];

export const TargetCategory = wireEnum("TargetCategory", { Computer: 0, Tenant: 1, Person: 2 }, { Cloud: "Tenant" });
export type TargetCategoryName = (typeof TargetCategory.names)[number];

export const TargetGroupFilter = wireEnum("TargetGroupFilter", {
  All: 0,
  Servers: 1,
  Workstations: 2,
  PortableDevices: 3,
  WorkstationsAndPortableDevices: 4,
  DomainControllers: 5,
  PrimaryDomainControllers: 6,
});
export type TargetGroupFilterName = (typeof TargetGroupFilter.names)[number];

/** `Normal` is the UI's "If necessary". */
export const RebootPreference = wireEnum("RebootPreference", { Normal: 0, Suppress: 1, Prompt: 2, Force: -1 }, { "If necessary": "Normal" });
export type RebootPreferenceName = (typeof RebootPreference.names)[number];

export const PromptTimeoutAction = wireEnum("PromptTimeoutAction", { Reboot: 0, Suppress: 1, FailSession: 2 });
export type PromptTimeoutActionName = (typeof PromptTimeoutAction.names)[number];

/** API name: ComputerOfflineMaintenanceSessionBehavior. There is no 0, so it is always sent. */
export const OfflineBehavior = wireEnum("ComputerOfflineMaintenanceSessionBehavior", { Skip: 1, ApplyOnConnect: 2 });
export type OfflineBehaviorName = (typeof OfflineBehavior.names)[number];

/** A schedule's `day`: .NET DayOfWeek (0 = Sunday). The API sends the bare integer, never a name. */
export const DayOfWeek = wireEnum("DayOfWeek", {
  Sunday: 0,
  Monday: 1,
  Tuesday: 2,
  Wednesday: 3,
  Thursday: 4,
  Friday: 5,
  Saturday: 6,
});
export type DayOfWeekName = (typeof DayOfWeek.names)[number];

/** A software deployment's desired state. UI names: NotPresent "Uninstalled", AnyVersion "Installed – any", LatestVersion "Installed – latest", NoAction "Ignored". */
export const DesiredSoftwareState = wireEnum(
  "DesiredSoftwareState",
  {
    NewerOrEqualVersion: 0,
    NotPresent: 1,
    AnyVersion: 2,
    ThisVersion: 3,
    OlderOrEqualVersion: 4,
    LatestVersion: 5,
    NoAction: 6,
    UpdateIfFound: 7,
  },
  { Uninstalled: "NotPresent", "Installed – any": "AnyVersion", "Installed – latest": "LatestVersion", Ignored: "NoAction" },
);
export type DesiredSoftwareStateName = (typeof DesiredSoftwareState.names)[number];

/** A task deployment's mode: Enforce = test, set, test; Audit = test only; NoAction is the UI's "Ignore". */
export const MaintenanceTaskMode = wireEnum("MaintenanceTaskMode", { Enforce: 0, Audit: 1, Monitor: 2, NoAction: 3 }, { Ignore: "NoAction" });
export type MaintenanceTaskModeName = (typeof MaintenanceTaskMode.names)[number];

/** When a deployment applies: every session (Required), on request (Optional, Adhoc) or during onboarding. No 0. */
export const TargetEnforcement = wireEnum("TargetEnforcement", { Required: 1, Optional: 2, Adhoc: 3, Onboarding: 4 });
export type TargetEnforcementName = (typeof TargetEnforcement.names)[number];

export const SoftwareProviderType = wireEnum("SoftwareProviderType", { Ninite: 1, Chocolatey: 2, Inherent: 3 });
export type SoftwareProviderTypeName = (typeof SoftwareProviderType.names)[number];

/** Where an item or deployment lives: the ImmyBot-published catalog (Global) or this instance (Local). */
export const DatabaseType = wireEnum("DatabaseType", { Global: 0, Local: 1 });
export type DatabaseTypeName = (typeof DatabaseType.names)[number];

export const MaintenanceTaskParameterType = wireEnum("MaintenanceTaskParameterType", {
  Number: 0,
  Text: 1,
  Boolean: 2,
  Select: 3,
  Password: 4,
  File: 5,
  Uri: 6,
  KeyValuePair: 7,
});

/**
 * A maintenance session's status, overall and per stage. Which ones end a session, and which of those are a
 * failure, is decided in `provider/maintenance-session.ts` (API notes §4.4).
 */
export const SessionStatus = wireEnum("SessionStatus", {
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
export type SessionStatusName = (typeof SessionStatus.names)[number];

/** What a session runs for: a tenant (cloud), a computer or a person. */
export const SessionType = wireEnum("SessionType", { Cloud: 1, Computer: 2, Person: 3 });
export type SessionTypeName = (typeof SessionType.names)[number];

/** The kind of a session log line. */
export const SessionLogType = wireEnum("SessionLogType", { Generic: 0, Error: 1, Command: 2, CommandResult: 3, Progress: 4 });
export type SessionLogTypeName = (typeof SessionLogType.names)[number];

/** What a maintenance action did (or decided to do) for one item. */
export const MaintenanceActionType = wireEnum("MaintenanceActionType", {
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
export type MaintenanceActionTypeName = (typeof MaintenanceActionType.names)[number];

export const MaintenanceActionStatus = wireEnum("MaintenanceActionStatus", {
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
export type MaintenanceActionStatusName = (typeof MaintenanceActionStatus.names)[number];

export const MaintenanceActionResult = wireEnum("MaintenanceActionResult", {
  Pending: 0,
  Success: 1,
  Failed: 2,
  Cancelled: 3,
  Indeterminable: 4,
  Resolved: 5,
});
export type MaintenanceActionResultName = (typeof MaintenanceActionResult.names)[number];
