/**
 * One ImmyBot object -> one entry of the policy format, or the reason it cannot be one. The entry says exactly what
 * the object holds (as its resource's wire mapping reads it), by name where the format allows, so that `declare`
 * gives back the same arguments and the first `pulumi up` adopts the object without a write:
 *
 * - the target: the file's tenant (or, without one, the crossTenant file) and `all`, `{ computer }` or `{ tag }`;
 *   other target types (scripts, persons, groups, integrations), a target category other than its type's default,
 *   `allowAccessToParentTenant` and provider links cannot be written, and neither can `All` limited to a tenant
 *   (the format writes that as AllForTenant);
 * - a deployment's item by name (and scope when both scopes have the name), its state or mode, its parameters
 *   (each Password parameter, and any whose name says it is secret, as a `secretFromConfig` reference: the value is
 *   never written); a license or an integration that supplies the item cannot be written;
 * - a schedule limited to an item refers to a deployment of that item in the same file (linked in `export-repo.ts`);
 * - every other field as it is, left out where it has its default.
 */
import type { z } from "zod";
import type { InputModel } from "../provider/check";
import { model as deploymentModel, type DeploymentInputs } from "../provider/deployment";
import { itemToWire } from "../provider/deployment-wire";
import { defaultTargetCategory, type TargetArgs } from "../provider/models/target";
import { model as scheduleModel, type ScheduleInputs } from "../provider/schedule";
import type { MaintenanceTaskParameter } from "../provider/lookups";
import { DEPLOYMENT_FIELDS, SCHEDULE_FIELDS } from "../sdk/policy/schema";
import type { PolicyTarget } from "../sdk/policy/types";
import { isUnresolved, type InstanceNames, type Unresolved } from "./export-lookups";
import { deploymentWhat, kebab, nameOf, scheduleWhen } from "./export-names";

/** The file an entry goes to: its tenant's (by id), or the crossTenant file. */
export const CROSS = "cross" as const;
export type FileKey = number | typeof CROSS;

/** An entry before it has its name (names are given per file, in `export-repo.ts`). */
export interface Draft {
  list: "schedules" | "deployments";
  /** The object's id in ImmyBot (also the entry's adoptId). */
  id: string;
  file: FileKey;
  /** The name its meaning gives it; made unique per file later. */
  base: string;
  /** The entry without its name (and, for a schedule limited to an item, without its deployment). */
  entry: Record<string, unknown>;
  /** A deployment's item, or the item a schedule is limited to: `<maintenanceType>|<id>`. */
  item?: string;
  /** For a schedule limited to an item: the item's name, for messages. */
  itemName?: string;
  /** Parameters whose value becomes a `secretFromConfig` reference (the keys are given with the names). */
  secrets: string[];
  /** The arguments ImmyBot holds, as the resource reads them. */
  inputs: ScheduleInputs | DeploymentInputs;
}

/** Parameters that hold secrets: ImmyBot's Password type, or a text whose name says so (a Text parameter named "ApiKey"). */
const SECRET_NAME = /pass(word|phrase)?|secret|token|api[\s_-]?key|credential|pwd/i;

const WHAT_TARGETS: Record<string, string> = {
  Metascript: "a metascript decides the computers when maintenance runs",
  TenantMetascript: "a metascript decides the tenants when maintenance runs",
  FilterScript: "a filter script decides the computers",
  TenantFilterScript: "a filter script decides the tenants",
  Person: "a person's computers",
  AzureGroup: "the members of an Entra group",
  ProviderDeviceGroup: "an integration's device group",
  ProviderClientGroup: "an integration's client group",
  CloudProviderClientGroup: "an integration's client group (cloud)",
  AllTenants: "every tenant (a cloud target)",
  SpecificTenant: "one tenant (a cloud target)",
  TenantTag: "the tenants with a tag",
  CloudTag: "the tenants with a tag (cloud)",
};

/** The target of an entry and the file it goes to, or why the format cannot say it. */
async function policyTarget(
  t: TargetArgs & { targetGroupFilter: string },
  names: InstanceNames,
): Promise<{ file: FileKey; target: PolicyTarget; label?: string; fields: Record<string, unknown> } | Unresolved> {
  const type = t.targetType;
  if (t.targetCategory !== undefined && t.targetCategory !== defaultTargetCategory(type)) {
    return { why: `it runs against ${t.targetCategory} (targetCategory), and a policy entry always has the default for targetType ${type} (${defaultTargetCategory(type)})` };
  }
  for (const key of ["allowAccessToParentTenant", "providerLinkId", "providerClientGroupType", "providerDeviceGroupType"] as const) {
    if (t[key] !== undefined && t[key] !== false) return { why: `${key} is set, which the policy format has no key for` };
  }
  const tenantId = t.tenantId;
  if (tenantId !== undefined) {
    const tenant = await names.tenant(tenantId);
    if (isUnresolved(tenant)) return tenant;
  }
  const file: FileKey = tenantId ?? CROSS;
  const fields = { ...(t.targetGroupFilter !== "All" ? { groupFilter: t.targetGroupFilter } : {}), ...(t.propagateToChildTenants ? { propagateToChildTenants: true } : {}) };
  if ((type === "AllForTenant" && tenantId !== undefined) || (type === "All" && tenantId === undefined)) return { file, target: "all", fields };
  if (type === "All") return { why: `targetType All limited to tenant ${tenantId}: the policy format writes all computers of a tenant as targetType AllForTenant` };
  if (type === "Computer" && t.target !== undefined) {
    const computer = await names.computer(t.target, tenantId);
    return isUnresolved(computer) ? computer : { file, target: { computer: computer.name }, label: computer.name, fields };
  }
  if (type === "Tag" && t.target !== undefined) {
    const tag = await names.tag(t.target);
    return isUnresolved(tag) ? tag : { file, target: { tag: tag.name }, label: tag.name, fields };
  }
  const what = WHAT_TARGETS[type];
  return { why: `targetType ${type}${what ? ` (${what})` : ""}: a policy entry targets all computers, a computer or a tag` };
}

/** A field's default in its resource's model (undefined when it has none). */
function defaultsOf<S extends z.ZodRawShape>(model: InputModel<S>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(model.fields).map(([k, schema]) => [k, (schema as z.ZodType).safeParse(undefined).data]));
}
const SCHEDULE_DEFAULTS = defaultsOf(scheduleModel);
const DEPLOYMENT_DEFAULTS = defaultsOf(deploymentModel);

/** The fields of `keys` whose value is not the default. */
function setFields(inputs: object, keys: readonly string[], defaults: Record<string, unknown>): Record<string, unknown> {
  const v = inputs as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => k !== "adoptId" && v[k] !== undefined && v[k] !== defaults[k]).map((k) => [k, v[k]]));
}

const SCHEDULE_ITEMS = ["GlobalSoftware", "LocalSoftware", "GlobalMaintenanceTask", "LocalMaintenanceTask"];

/** A schedule as a draft entry, or why it cannot be one. */
export async function scheduleDraft(id: string, s: ScheduleInputs, names: InstanceNames): Promise<Draft | Unresolved> {
  const where = await policyTarget(s, names);
  if (isUnresolved(where)) return where;
  let item: string | undefined;
  let itemName: string | undefined;
  if (s.maintenanceType !== undefined && s.maintenanceIdentifier !== undefined) {
    if (!SCHEDULE_ITEMS.includes(s.maintenanceType)) {
      return { why: `it is limited to a ${s.maintenanceType} item, and a policy schedule is limited to an item through a deployment of the file (software or a task)` };
    }
    item = `${s.maintenanceType}|${s.maintenanceIdentifier}`;
    const scope = s.maintenanceType.startsWith("Global") ? "Global" : "Local";
    const named = s.maintenanceType.endsWith("Software") ? await names.software(s.maintenanceIdentifier, scope) : await names.task(s.maintenanceIdentifier, scope);
    itemName = isUnresolved(named) ? `${s.maintenanceType} ${s.maintenanceIdentifier}` : named.name;
  }
  const entry = { adoptId: id, target: where.target, ...where.fields, ...setFields(s, SCHEDULE_FIELDS, SCHEDULE_DEFAULTS) };
  const base = nameOf(
    [scheduleWhen(s), where.label, where.fields.groupFilter ? kebab(String(where.fields.groupFilter)) : undefined, itemName, s.disabled ? "disabled" : undefined],
    `schedule-${id}`,
  );
  return { list: "schedules", id, file: where.file, base, entry, secrets: [], inputs: s, ...(item ? { item, itemName } : {}) };
}

/** A deployment as a draft entry, or why it cannot be one. */
export async function deploymentDraft(id: string, d: DeploymentInputs, names: InstanceNames): Promise<Draft | Unresolved> {
  for (const key of ["licenseId", "providerLinkIdForMaintenanceItem"] as const) {
    if (d[key] !== undefined) return { why: `${key} is set (${d[key]}), which the policy format has no key for` };
  }
  const where = await policyTarget(d, names);
  if (isUnresolved(where)) return where;

  let item: Record<string, unknown>;
  let itemName: string;
  let parameters: readonly MaintenanceTaskParameter[] | undefined;
  if (d.software) {
    const s = await names.software(d.software.id, d.software.scope);
    if (isUnresolved(s)) return s;
    item = { software: s.name, ...(s.scope ? { scope: s.scope } : {}), desiredState: d.software.desiredState, ...(d.software.version !== undefined ? { version: d.software.version } : {}) };
    ({ name: itemName, parameters } = s);
  } else {
    const task = d.task!;
    const t = await names.task(task.id, task.scope);
    if (isUnresolved(t)) return t;
    item = { task: t.name, ...(t.scope ? { scope: t.scope } : {}), mode: task.mode };
    ({ name: itemName, parameters } = t);
  }

  const secrets: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(d.parameters ?? {})) {
    // A task's parameter by its exact name, as the loader checks it; software's (unchecked) in any case.
    const declared = parameters?.find((p) => p.name === name) ?? (d.software ? parameters?.find((p) => p.name.toLowerCase() === name.toLowerCase()) : undefined);
    if (d.task && !declared) {
      return { why: `parameter ${JSON.stringify(name)} is not a parameter of the task ${JSON.stringify(itemName)} (any more), and a policy deployment of a task may only set the task's parameters` };
    }
    const value = setting.value;
    // By name only for text (a Boolean "UsePassword" is no secret, and config would turn it into text).
    const secret = declared?.type === "Password" || ((declared === undefined || declared.type === "Text") && typeof value === "string" && SECRET_NAME.test(name));
    if (!secret && isMapping(value) && Object.keys(value).length === 1 && "secretFromConfig" in value) {
      return { why: `the value of parameter ${JSON.stringify(name)} is a mapping with the one key secretFromConfig, which a policy file reads as a secret reference` };
    }
    if (secret) secrets.push(name);
    // The short form (the value alone) unless a flag is set or the value is itself a mapping (which would read as the long form).
    const long = setting.allowOverride || setting.requiresOverride || (isMapping(value) && !secret);
    values[name] = long ? { value: secret ? null : value, ...(setting.allowOverride ? { allowOverride: true } : {}), ...(setting.requiresOverride ? { requiresOverride: true } : {}) } : secret ? null : value;
  }

  const entry = {
    adoptId: id,
    ...item,
    target: where.target,
    ...where.fields,
    ...setFields(d, DEPLOYMENT_FIELDS, DEPLOYMENT_DEFAULTS),
    ...(Object.keys(values).length > 0 ? { parameters: values } : {}),
  };
  const base = nameOf(
    [
      itemName,
      deploymentWhat(d),
      where.label,
      where.fields.groupFilter ? kebab(String(where.fields.groupFilter)) : undefined,
      d.enforcement !== "Required" ? kebab(d.enforcement) : undefined,
      d.disabled ? "disabled" : undefined,
    ],
    `deployment-${id}`,
  );
  const wire = itemToWire(d);
  return { list: "deployments", id, file: where.file, base, entry, item: `${wire.maintenanceType}|${wire.maintenanceIdentifier}`, secrets, inputs: d };
}

/** Puts each secret parameter's `{ secretFromConfig: key }` where its value would be. */
export function withSecretKeys(entry: Record<string, unknown>, keys: ReadonlyMap<string, string>): Record<string, unknown> {
  if (keys.size === 0) return entry;
  const parameters = { ...(entry.parameters as Record<string, unknown>) };
  for (const [name, key] of keys) {
    const reference = { secretFromConfig: key };
    const current = parameters[name];
    parameters[name] = isMapping(current) && "value" in current ? { ...current, value: reference } : reference;
  }
  return { ...entry, parameters };
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
