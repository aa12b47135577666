/**
 * A deployment (ImmyBot: a local *target assignment*) as the server keeps it, and how a JSON body binds to
 * `CreateLocalTargetAssignmentPayload` / `UpdateLocalTargetAssignmentPayload` (binding.ts does the common part).
 *
 * Three members have their own shape:
 * - `softwareSemanticVersion`: the spec calls it a `SemanticVersion` object, but every member of that object is
 *   read-only, so the server binds a version *string* (API notes §3.8); an object is refused with that advice.
 * - `taskParameterValues`: parameter name -> `DeploymentParameterValue` `{value, allowOverride, requiresOverride}`
 *   or null. Its errors never quote the values: they may be passwords.
 * - `visibility`: `{selfService, technicianPod}`; left out or null means both false.
 */
import { bindObject, bool, enumOf, nullableInt, text, uuid, type BindOptions, type FieldKind } from "./binding";
import type { FieldErrors } from "./http";
import { DEPLOYMENT_ENUMS } from "./wire-enums";

/** One entry of `taskParameterValues`. `value` is any JSON; the flags are null when the client left them out. */
export interface ParameterValue {
  value: unknown;
  allowOverride: boolean | null;
  requiresOverride: boolean | null;
}

export interface Visibility {
  selfService: boolean;
  technicianPod: boolean;
}

/** Every field of CreateLocalTargetAssignmentPayload, enums as integers, in the spec's order. */
export interface DeploymentFields {
  maintenanceIdentifier: string | null;
  maintenanceType: number;
  targetType: number;
  target: string | null;
  targetCategory: number;
  tenantId: number | null;
  propagateToChildTenants: boolean;
  allowAccessToParentTenant: boolean;
  providerLinkId: number | null;
  licenseId: number | null;
  /** The version as sent ("24.08"), or null. */
  softwareSemanticVersion: string | null;
  desiredSoftwareState: number;
  maintenanceTaskMode: number;
  taskParameterValues: Record<string, ParameterValue> | null;
  targetGroupFilter: number;
  providerDeviceGroupType: string | null;
  providerClientGroupType: string | null;
  softwareProviderType: number;
  excluded: boolean;
  targetEnforcement: number;
  onboardingOnly: boolean;
  providerLinkIdForMaintenanceItem: number | null;
  visibility: Visibility;
}

/**
 * A software version as text, or null. The spec types it as a `SemanticVersion` object whose members are all
 * read-only, so ImmyBot binds a string; an object is refused with that advice. Deployments
 * (`softwareSemanticVersion`) and a session's `maintenanceParams.semanticVersion` bind it alike.
 */
export const versionKind: FieldKind = {
  kind: "custom",
  zero: null,
  convert: (raw) =>
    raw === null || typeof raw === "string"
      ? { value: raw }
      : {
          error:
            'a version string (e.g. "24.08") or null. The spec shows SemanticVersion as an object, but all its members are read-only: send the version as text',
        },
};

const visibilityKind: FieldKind = {
  kind: "custom",
  zero: { selfService: false, technicianPod: false },
  convert: (raw) => {
    if (raw === null) return { value: { selfService: false, technicianPod: false } };
    const error = "TargetAssignmentVisibilityPayload ({ selfService: boolean, technicianPod: boolean })";
    if (typeof raw !== "object" || Array.isArray(raw)) return { error };
    const visibility: Visibility = { selfService: false, technicianPod: false };
    for (const [key, value] of Object.entries(raw)) {
      const member = (["selfService", "technicianPod"] as const).find((m) => m.toLowerCase() === key.toLowerCase());
      if (!member || typeof value !== "boolean") return { error };
      visibility[member] = value;
    }
    return { value: visibility };
  },
};

/** Taken as it comes here; `bindParameterValues` checks it without ever quoting a value. */
const parameterValuesKind: FieldKind = { kind: "custom", zero: null, convert: (raw) => ({ value: raw }) };

export const DEPLOYMENT_FIELD_KINDS: { readonly [K in keyof DeploymentFields]: FieldKind } = {
  maintenanceIdentifier: text,
  maintenanceType: enumOf(DEPLOYMENT_ENUMS.maintenanceType),
  targetType: enumOf(DEPLOYMENT_ENUMS.targetType),
  target: text,
  targetCategory: enumOf(DEPLOYMENT_ENUMS.targetCategory),
  tenantId: nullableInt,
  propagateToChildTenants: bool,
  allowAccessToParentTenant: bool,
  providerLinkId: nullableInt,
  licenseId: nullableInt,
  softwareSemanticVersion: versionKind,
  desiredSoftwareState: enumOf(DEPLOYMENT_ENUMS.desiredSoftwareState),
  maintenanceTaskMode: enumOf(DEPLOYMENT_ENUMS.maintenanceTaskMode),
  taskParameterValues: parameterValuesKind,
  targetGroupFilter: enumOf(DEPLOYMENT_ENUMS.targetGroupFilter),
  providerDeviceGroupType: uuid,
  providerClientGroupType: uuid,
  softwareProviderType: enumOf(DEPLOYMENT_ENUMS.softwareProviderType),
  excluded: bool,
  targetEnforcement: enumOf(DEPLOYMENT_ENUMS.targetEnforcement),
  onboardingOnly: bool,
  providerLinkIdForMaintenanceItem: nullableInt,
  visibility: visibilityKind,
};

export const DEPLOYMENT_FIELD_NAMES = Object.keys(DEPLOYMENT_FIELD_KINDS) as (keyof DeploymentFields)[];

export type DeploymentRequestType = "CreateLocalTargetAssignmentPayload" | "UpdateLocalTargetAssignmentPayload";

export type DeploymentBindResult = { ok: true; fields: DeploymentFields; id: number } | { ok: false; errors: FieldErrors };

/** Binds a parsed JSON body; `id` only on the update payload (0 when left out). */
export function bindDeploymentRequest(body: unknown, type: DeploymentRequestType, options: BindOptions): DeploymentBindResult {
  const bound = bindObject<DeploymentFields>(body, type, DEPLOYMENT_FIELD_KINDS, type === "UpdateLocalTargetAssignmentPayload", options);
  // The parameter map is checked on its own (its errors must not quote values), and reported with the rest.
  const rawParameters = memberOf(body, "taskParameterValues");
  const parameters = rawParameters === undefined ? { value: null, errors: {} } : bindParameterValues(rawParameters.value, `$.${rawParameters.key}`);
  const parameterErrors = Object.keys(parameters.errors).length > 0;
  if (!bound.ok) return parameterErrors ? { ok: false, errors: { ...parameters.errors, ...bound.errors } } : bound;
  // ASP.NET adds the parameter-level entry whenever the body failed to bind.
  if (parameterErrors) return { ok: false, errors: { ...parameters.errors, request: ["The request field is required."] } };
  return { ok: true, fields: { ...bound.fields, taskParameterValues: parameters.value }, id: bound.id };
}

/** A member of a JSON object by name in any case, with the key as sent. */
function memberOf(body: unknown, name: string): { key: string; value: unknown } | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const entry = Object.entries(body).find(([k]) => k.toLowerCase() === name.toLowerCase());
  return entry && { key: entry[0], value: entry[1] };
}

const PARAMETER_MEMBERS = ["value", "allowOverride", "requiresOverride"] as const;

/** `Dictionary<string, DeploymentParameterValue>?`: errors name the parameter and what is wrong, never the value. */
export function bindParameterValues(raw: unknown, path: string): { value: Record<string, ParameterValue> | null; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (raw === null) return { value: null, errors };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    errors[path] = [
      `The JSON value could not be converted to Dictionary<String, DeploymentParameterValue>: send an object of parameter name -> { "value": ..., "allowOverride": bool, "requiresOverride": bool }, or null. Path: ${path}.`,
    ];
    return { value: null, errors };
  }
  const value: Record<string, ParameterValue> = {};
  for (const [name, entry] of Object.entries(raw)) {
    const entryPath = `${path}.${name}`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      errors[entryPath] = [
        `The JSON value could not be converted to DeploymentParameterValue: parameter "${name}" needs an object { "value": ..., "allowOverride": bool, "requiresOverride": bool }, not a bare value. Path: ${entryPath}.`,
      ];
      continue;
    }
    const bound: ParameterValue = { value: null, allowOverride: null, requiresOverride: null };
    for (const [key, member] of Object.entries(entry)) {
      const memberName = PARAMETER_MEMBERS.find((m) => m.toLowerCase() === key.toLowerCase());
      if (memberName === undefined) {
        errors[`${entryPath}.${key}`] = [`The JSON property '${key}' could not be mapped to any member of DeploymentParameterValue (value, allowOverride, requiresOverride).`];
      } else if (memberName === "value") {
        bound.value = member;
      } else if (member === null || typeof member === "boolean") {
        bound[memberName] = member;
      } else {
        errors[`${entryPath}.${key}`] = [`The JSON value could not be converted to System.Boolean (true, false or null). Path: ${entryPath}.${key}.`];
      }
    }
    value[name] = bound;
  }
  return { value, errors };
}
