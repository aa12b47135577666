/**
 * How a JSON body binds to `RunImmyServiceRequestBody` (both start routes) and `CancelSessionsRequestBody`, with
 * the shared binder (binding.ts): names in any case, enums as integers (or also by name, with `acceptEnumNames`),
 * .NET zero values for what is left out, and members the type lacks refused.
 *
 * The nested types are bound member by member so an error names its JSON path
 * (`$.computers[0].computerId`, `$.maintenanceParams.maintenanceType`):
 * - `computers` / `tenants` / `persons`: lists of `{computerId | tenantId | personId, maintenanceTaskParameterValueOverrides}`;
 *   the overrides (map of ? -> parameter name -> DeploymentParameterValue; the outer key is undocumented) are
 *   checked for shape and then not used by the simulation.
 * - `maintenanceParams` (RunImmybotMaintenanceRequestBody): `semanticVersion` is a version *string*, as for
 *   deployments (the spec's SemanticVersion object has only read-only members); `semanticVersionNormalized` is
 *   read-only, so it is accepted and ignored, as System.Text.Json skips a property without a setter.
 */
import { bindObject, bool, convert, enumOf, int, nullableInt, text, uuid, type BindOptions, type FieldKind } from "./binding";
import { bindParameterValues, versionKind, type ParameterValue } from "./deployment-model";
import type { EmailOptionFields } from "./email-options";
import type { FieldErrors } from "./http";
import { MAINTENANCE_PARAMS_ENUMS, RUN_REQUEST_ENUMS } from "./wire-enums";

/** Per-target task parameter overrides as sent (never read by the simulation). */
export type ParameterOverrides = Record<string, Record<string, ParameterValue> | null>;

/** One entry of `computers`, `tenants` or `persons`: the target's id. */
export interface TargetEntry {
  id: number;
  overrides: ParameterOverrides | null;
}

/** RunImmybotMaintenanceRequestBody without its read-only member; enums as integers. */
export interface MaintenanceParams {
  maintenanceIdentifier: string | null;
  maintenanceType: number;
  providerLinkIdForMaintenanceItem: number | null;
  repair: boolean;
  desiredSoftwareState: number;
  softwareProviderType: number;
  /** The version as sent ("24.08"), or null. */
  semanticVersion: string | null;
  maintenanceTaskMode: number;
  taskParameterValues: Record<string, ParameterValue> | null;
  softwareType: number;
}

/**
 * Every field of RunImmyServiceRequestBody, enums as integers, in the spec's order, where the e-mail options
 * (EmailOptionFields) follow `suppressRebootsDuringBusinessHours`.
 */
export interface RunFields extends EmailOptionFields {
  computers: TargetEntry[] | null;
  tenants: TargetEntry[] | null;
  persons: TargetEntry[] | null;
  maintenanceParams: MaintenanceParams | null;
  skipBackgroundJob: boolean;
  cacheOnly: boolean;
  rebootPreference: number;
  promptTimeoutAction: number;
  autoConsentToReboots: boolean;
  promptTimeoutMinutes: number;
  licenseId: number | null;
  updateTime: string | null;
  timeZoneInfoId: string | null;
  useComputersTimezoneForExecution: boolean;
  scheduleExecutionAfterActiveHours: boolean;
  fullMaintenance: boolean;
  detectionOnly: boolean;
  resolutionOnly: boolean;
  inventoryOnly: boolean;
  runInventoryInDetection: boolean;
  deploymentId: number | null;
  deploymentType: number;
  offlineBehavior: number;
  suppressRebootsDuringBusinessHours: boolean;
  useWinningDeployment: boolean;
  sessionGroupId: string | null;
  providerLinkIdForAgentUpdates: number | null;
  propagateToChildTenants: boolean;
  allowAccessToParentTenant: boolean;
}

/** What a session keeps of its request: everything but the target lists, with the group id always set. */
export type SessionArgs = Omit<RunFields, "computers" | "tenants" | "persons" | "sessionGroupId"> & { sessionGroupId: string };

/** Taken as it comes; bound on its own afterwards so its errors carry their full path. */
const nested: FieldKind = { kind: "custom", zero: null, convert: (raw) => ({ value: raw }) };

export const RUN_FIELD_KINDS: { readonly [K in keyof RunFields]: FieldKind } = {
  computers: nested,
  tenants: nested,
  persons: nested,
  maintenanceParams: nested,
  skipBackgroundJob: bool,
  cacheOnly: bool,
  rebootPreference: enumOf(RUN_REQUEST_ENUMS.rebootPreference),
  promptTimeoutAction: enumOf(RUN_REQUEST_ENUMS.promptTimeoutAction),
  autoConsentToReboots: bool,
  promptTimeoutMinutes: int,
  licenseId: nullableInt,
  updateTime: text,
  timeZoneInfoId: text,
  useComputersTimezoneForExecution: bool,
  scheduleExecutionAfterActiveHours: bool,
  fullMaintenance: bool,
  detectionOnly: bool,
  resolutionOnly: bool,
  inventoryOnly: bool,
  runInventoryInDetection: bool,
  deploymentId: nullableInt,
  deploymentType: enumOf(RUN_REQUEST_ENUMS.deploymentType),
  offlineBehavior: enumOf(RUN_REQUEST_ENUMS.offlineBehavior),
  suppressRebootsDuringBusinessHours: bool,
  sendDetectionEmail: bool,
  sendDetectionEmailWhenAllActionsAreCompliant: bool,
  sendFollowUpEmail: bool,
  sendFollowUpOnlyIfActionNeeded: bool,
  showRunNowButton: bool,
  showPostponeButton: bool,
  showMaintenanceActions: bool,
  useWinningDeployment: bool,
  sessionGroupId: uuid,
  providerLinkIdForAgentUpdates: nullableInt,
  propagateToChildTenants: bool,
  allowAccessToParentTenant: bool,
};

export const RUN_FIELD_NAMES = Object.keys(RUN_FIELD_KINDS) as (keyof RunFields)[];

/** Read-only in the spec: whatever comes is dropped. */
const ignored: FieldKind = { kind: "custom", zero: null, convert: () => ({ value: null }) };

type BoundParams = MaintenanceParams & { semanticVersionNormalized: null };

export const MAINTENANCE_PARAM_KINDS: { readonly [K in keyof BoundParams]: FieldKind } = {
  maintenanceIdentifier: text,
  maintenanceType: enumOf(MAINTENANCE_PARAMS_ENUMS.maintenanceType),
  providerLinkIdForMaintenanceItem: nullableInt,
  repair: bool,
  desiredSoftwareState: enumOf(MAINTENANCE_PARAMS_ENUMS.desiredSoftwareState),
  softwareProviderType: enumOf(MAINTENANCE_PARAMS_ENUMS.softwareProviderType),
  semanticVersion: versionKind,
  semanticVersionNormalized: ignored,
  maintenanceTaskMode: enumOf(MAINTENANCE_PARAMS_ENUMS.maintenanceTaskMode),
  taskParameterValues: nested,
  softwareType: enumOf(MAINTENANCE_PARAMS_ENUMS.softwareType),
};

/** The three target lists: JSON name, .NET element type, id member. */
const TARGET_LISTS = [
  { field: "computers", type: "RunImmybotComputerRequestBody", idName: "computerId" },
  { field: "tenants", type: "RunImmybotTenantRequestBody", idName: "tenantId" },
  { field: "persons", type: "RunImmybotPersonRequestBody", idName: "personId" },
] as const;

export type RunBindResult = { ok: true; fields: RunFields } | { ok: false; errors: FieldErrors };

/** Binds a parsed JSON body to RunImmyServiceRequestBody. */
export function bindRunRequest(body: unknown, options: BindOptions): RunBindResult {
  const bound = bindObject<RunFields>(body, "RunImmyServiceRequestBody", RUN_FIELD_KINDS, false, options);
  // The nested members are bound either way, so one answer reports every problem.
  const errors: FieldErrors = {};
  const targets = TARGET_LISTS.map((list) => {
    const member = memberOf(body, list.field);
    return member === undefined ? null : bindTargets(member.value, `$.${member.key}`, list.type, list.idName, errors);
  });
  const params = memberOf(body, "maintenanceParams");
  const maintenanceParams = params === undefined ? null : bindParams(params.value, `$.${params.key}`, errors, options);
  if (!bound.ok || Object.keys(errors).length > 0) {
    return { ok: false, errors: { ...errors, ...(bound.ok ? {} : bound.errors), request: ["The request field is required."] } };
  }
  const [computers, tenants, persons] = targets as [TargetEntry[] | null, TargetEntry[] | null, TargetEntry[] | null];
  return { ok: true, fields: { ...bound.fields, computers, tenants, persons, maintenanceParams } };
}

/** Binds `{ "sessionIds": [1, 2] }`; null or left out means no ids. Duplicates collapse (the type is a set). */
export function bindCancelRequest(body: unknown): { ok: true; sessionIds: number[] } | { ok: false; errors: FieldErrors } {
  const ids: FieldKind = {
    kind: "custom",
    zero: null,
    convert: (raw) => {
      if (raw === null) return { value: null };
      const all = Array.isArray(raw) ? raw.map((v) => convert(int, v)) : undefined;
      if (!all || all.some((c) => "error" in c)) return { error: "HashSet<Int32> (an array of session ids, e.g. [12, 13]) or null" };
      return { value: all.map((c) => (c as { value: number }).value) };
    },
  };
  const bound = bindObject<{ sessionIds: number[] | null }>(body, "CancelSessionsRequestBody", { sessionIds: ids }, false);
  return bound.ok ? { ok: true, sessionIds: [...new Set(bound.fields.sessionIds ?? [])] } : bound;
}

/** A member of a JSON object by name in any case, with the key as sent. */
function memberOf(body: unknown, name: string): { key: string; value: unknown } | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const entry = Object.entries(body).find(([k]) => k.toLowerCase() === name.toLowerCase());
  return entry && { key: entry[0], value: entry[1] };
}

/**
 * bindObject on a nested value: its errors ("$", "$.member") are moved under `path`, and the parameter-level
 * "request" entry is left to the caller.
 */
function bindNested<F>(
  raw: unknown,
  path: string,
  typeName: string,
  kinds: { readonly [K in keyof F]: FieldKind },
  errors: FieldErrors,
  options?: BindOptions,
): F | undefined {
  const bound = bindObject<F>(raw, typeName, kinds, false, options);
  if (bound.ok) return bound.fields;
  for (const [key, messages] of Object.entries(bound.errors)) {
    if (key === "request") continue;
    errors[path + key.slice(1)] = messages.map((m) => m.replace("Path: $", `Path: ${path}`));
  }
  return undefined;
}

function bindTargets(raw: unknown, path: string, typeName: string, idName: string, errors: FieldErrors): TargetEntry[] | null {
  if (raw === null) return null;
  if (!Array.isArray(raw)) {
    errors[path] = [`The JSON value could not be converted to List<${typeName}>: send an array of { "${idName}": 6 } objects, or null. Path: ${path}.`];
    return null;
  }
  const kinds = { [idName]: int, maintenanceTaskParameterValueOverrides: nested } as Record<string, FieldKind>;
  const entries: TargetEntry[] = [];
  raw.forEach((element, i) => {
    const at = `${path}[${i}]`;
    const bound = bindNested<Record<string, unknown>>(element, at, typeName, kinds, errors);
    if (!bound) return;
    const overrides = memberOf(element, "maintenanceTaskParameterValueOverrides");
    entries.push({ id: bound[idName] as number, overrides: overrides === undefined ? null : bindOverrides(overrides.value, `${at}.${overrides.key}`, errors) });
  });
  return entries;
}

function bindOverrides(raw: unknown, path: string, errors: FieldErrors): ParameterOverrides | null {
  if (raw === null) return null;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    errors[path] = [
      `The JSON value could not be converted to Dictionary<String, Dictionary<String, DeploymentParameterValue>>: send an object of key -> (parameter name -> { "value": ... }), or null. Path: ${path}.`,
    ];
    return null;
  }
  const overrides: ParameterOverrides = {};
  for (const [key, inner] of Object.entries(raw)) {
    const bound = bindParameterValues(inner, `${path}.${key}`);
    Object.assign(errors, bound.errors);
    overrides[key] = bound.value;
  }
  return overrides;
}

function bindParams(raw: unknown, path: string, errors: FieldErrors, options: BindOptions): MaintenanceParams | null {
  if (raw === null) return null;
  const bound = bindNested<BoundParams>(raw, path, "RunImmybotMaintenanceRequestBody", MAINTENANCE_PARAM_KINDS, errors, options);
  if (!bound) return null;
  const { semanticVersionNormalized: _readOnly, ...params } = bound;
  const values = memberOf(raw, "taskParameterValues");
  if (values !== undefined) {
    const checked = bindParameterValues(values.value, `${path}.${values.key}`);
    Object.assign(errors, checked.errors);
    params.taskParameterValues = checked.value;
  }
  return params;
}
