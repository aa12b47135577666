/**
 * A schedule as the server keeps it, and how a JSON request body binds to it. Binding follows what ASP.NET
 * Core's System.Text.Json does for `CreateScheduleRequest` / `UpdateScheduleRequest`: property names match in
 * any case, a value of the wrong JSON type is refused with its path, and a property left out takes its .NET
 * zero value. A property the type lacks is refused too: the spec says `additionalProperties: false`, and the
 * sandbox takes it at its word (stock System.Text.Json would skip it silently), so a client that sends a field
 * the May-2025 API lacks, such as a schedule `name`, finds out here rather than against a real instance.
 */
import type { FieldErrors } from "./http";
import { bindEnum, describeMembers, isInt32, SCHEDULE_ENUMS, type EnumTable } from "./wire-enums";

/** Every field of CreateScheduleRequest, enums as integers. */
export interface ScheduleFields {
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
  sendDetectionEmail: boolean;
  sendDetectionEmailWhenAllActionsAreCompliant: boolean;
  sendFollowUpEmail: boolean;
  sendFollowUpOnlyIfActionNeeded: boolean;
  showRunNowButton: boolean;
  showPostponeButton: boolean;
  maintenanceType: number;
  maintenanceIdentifier: string | null;
  timeZoneInfoId: string | null;
  rebootPreference: number;
  promptTimeoutAction: number;
  autoConsentToReboots: boolean;
  promptTimeoutMinutes: number;
  applyWindowsUpdates: boolean;
  showMaintenanceActions: boolean;
  allowAccessToMSPResources: boolean;
  allowAccessToParentTenant: boolean;
  offlineBehavior: number;
  suppressRebootsDuringBusinessHours: boolean;
  useComputersTimezoneForExecution: boolean;
  scheduleExecutionAfterActiveHours: boolean;
}

type FieldKind =
  | { kind: "bool" }
  | { kind: "int"; nullable: boolean }
  | { kind: "string"; nullable: true }
  | { kind: "uuid"; nullable: true }
  | { kind: "enum"; table: EnumTable };

const bool: FieldKind = { kind: "bool" };
const int: FieldKind = { kind: "int", nullable: false };
const nullableInt: FieldKind = { kind: "int", nullable: true };
const text: FieldKind = { kind: "string", nullable: true };
const uuid: FieldKind = { kind: "uuid", nullable: true };
const enumOf = (table: EnumTable): FieldKind => ({ kind: "enum", table });

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

/** What .NET leaves in a property the JSON did not mention: false, 0, null. Enums get 0 even without a 0 member. */
function zeroValue(kind: FieldKind): boolean | number | null {
  switch (kind.kind) {
    case "bool":
      return false;
    case "int":
      return kind.nullable ? null : 0;
    case "enum":
      return 0;
    default:
      return null;
  }
}

export type RequestType = "CreateScheduleRequest" | "UpdateScheduleRequest";

export type BindResult = { ok: true; fields: ScheduleFields; id: number } | { ok: false; errors: FieldErrors };

/**
 * Binds a parsed JSON body. `id` is only a property of UpdateScheduleRequest (0 when left out, as in .NET).
 * Errors are keyed by JSON path ("$.disabled"), plus the parameter-level "request" entry ASP.NET adds.
 */
export function bindScheduleRequest(body: unknown, type: RequestType): BindResult {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return bindingFailure({ $: [`The JSON value could not be converted to ${type}: expected an object. Path: $.`] });
  }
  const byLowerName = new Map<string, keyof ScheduleFields | "id">(SCHEDULE_FIELD_NAMES.map((n) => [n.toLowerCase(), n]));
  if (type === "UpdateScheduleRequest") byLowerName.set("id", "id");

  const errors: FieldErrors = {};
  const fields = Object.fromEntries(SCHEDULE_FIELD_NAMES.map((n) => [n, zeroValue(SCHEDULE_FIELD_KINDS[n])])) as Record<string, unknown>;
  let id = 0;
  for (const [jsonName, raw] of Object.entries(body)) {
    const path = `$.${jsonName}`;
    const name = byLowerName.get(jsonName.toLowerCase());
    if (name === undefined) {
      errors[path] = [`The JSON property '${jsonName}' could not be mapped to any member of ${type}; remove it (the May-2025 API has no such field).`];
      continue;
    }
    const kind: FieldKind = name === "id" ? int : SCHEDULE_FIELD_KINDS[name];
    const converted = convert(kind, raw);
    if ("error" in converted) {
      errors[path] = [`The JSON value could not be converted to ${converted.error}. Path: ${path}. Got ${JSON.stringify(raw)}.`];
    } else if (name === "id") {
      id = converted.value as number;
    } else {
      fields[name] = converted.value;
    }
  }
  if (Object.keys(errors).length > 0) return bindingFailure(errors);
  return { ok: true, fields: fields as unknown as ScheduleFields, id };
}

/** ASP.NET reports the action parameter as missing whenever its body failed to bind. */
function bindingFailure(errors: FieldErrors): BindResult {
  return { ok: false, errors: { ...errors, request: ["The request field is required."] } };
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** One JSON value -> its .NET value; `error` names the .NET type it could not become. */
function convert(kind: FieldKind, raw: unknown): { value: unknown } | { error: string } {
  switch (kind.kind) {
    case "bool":
      return typeof raw === "boolean" ? { value: raw } : { error: "System.Boolean (true or false)" };
    case "int":
      if (raw === null && kind.nullable) return { value: null };
      return typeof raw === "number" && isInt32(raw) ? { value: raw } : { error: `System.Int32${kind.nullable ? " or null" : ""}` };
    case "string":
      return raw === null || typeof raw === "string" ? { value: raw } : { error: "System.String or null" };
    case "uuid":
      if (raw === null) return { value: null };
      // .NET writes Guids back in lower case, whatever case came in.
      return typeof raw === "string" && GUID.test(raw) ? { value: raw.toLowerCase() } : { error: "System.Guid (e.g. \"3fa85f64-5717-4562-b3fc-2c963f66afa6\") or null" };
    case "enum": {
      const bound = bindEnum(kind.table, raw);
      return bound.ok ? { value: bound.value } : { error: `${kind.table.enumName} (one of ${describeMembers(kind.table)}, by name or integer)` };
    }
  }
}
