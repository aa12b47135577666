/**
 * The lookups' argument model: what each lookup returns (in the provider's own terms: names for enums, string ids
 * where ImmyBot's routes take strings), what it is asked, and the checks of those arguments, which run before any
 * request. Wire mapping and matching live beside it (`shared.ts`, `match.ts`, one file per family).
 */
import type { ItemScope } from "../deployment";
import type { MaintenanceTaskParameterType, MaintenanceTypeName } from "../models/enums";
import { LookupError } from "./errors";

// ---------------------------------------------------------------------------------------------------------------
// Results

/** An ImmyBot tenant (a customer, or the MSP itself). */
export interface Tenant {
  /** The tenant's id (e.g. a Schedule's or Deployment's `tenantId`). */
  id: number;
  /** The tenant's name as ImmyBot shows it. */
  name: string;
  /** The tenant's short name (slug), when it has one. */
  slug?: string;
  /** The parent tenant's id, when this tenant is a child tenant. */
  parentTenantId?: number;
  /** True for the MSP's own tenant. */
  isMsp: boolean;
  /** False when the tenant is deactivated. */
  active: boolean;
}

/** An ImmyBot computer (an endpoint with the ImmyBot agent). */
export interface Computer {
  /** The computer's id (a Schedule's or Deployment's `target` for `targetType: "Computer"`, as a string). */
  id: number;
  /** The computer's name. */
  name: string;
  /** The id of the tenant the computer belongs to. */
  tenantId: number;
  /** That tenant's name, when ImmyBot sends it. */
  tenantName?: string;
  /** Whether the agent was connected when the lookup ran. */
  online: boolean;
}

/** A software item: ImmyBot's catalog ("Global") or your instance's own ("Local"). */
export interface Software {
  /** The software's id, as a string (a Deployment's `software.id`, a Schedule's `maintenanceIdentifier`). */
  id: string;
  /** The software's name. */
  name: string;
  /** "Global" (ImmyBot's catalog) or "Local" (your instance's own software): a Deployment's `software.scope`. */
  scope: ItemScope;
  /** "GlobalSoftware" or "LocalSoftware": a Schedule's `maintenanceType` limited to this software. */
  maintenanceType: Extract<MaintenanceTypeName, "GlobalSoftware" | "LocalSoftware">;
  /** The software's configuration task, when it has one: its parameters are the ones a Deployment of the software takes. */
  configurationTask?: { id: string; scope: ItemScope };
}

/** The type of a task parameter, by name: "Number", "Text", "Boolean", "Select", "Password", "File", "Uri", "KeyValuePair". */
export type MaintenanceTaskParameterTypeName = (typeof MaintenanceTaskParameterType.names)[number];

/** One parameter of a maintenance task: a key of a Deployment's `parameters`. */
export interface MaintenanceTaskParameter {
  /** The parameter's name (the key in a Deployment's `parameters`). */
  name: string;
  /** Its type, e.g. "Text", "Boolean", "Password" (a Password parameter's value belongs in a secret). */
  type: MaintenanceTaskParameterTypeName;
  /** ImmyBot needs a value for it. */
  required: boolean;
  /** It is hidden in ImmyBot's UI. */
  hidden: boolean;
}

/** A maintenance task: ImmyBot's catalog ("Global") or your instance's own ("Local"). */
export interface MaintenanceTask {
  /** The task's id, as a string (a Deployment's `task.id`, a Schedule's `maintenanceIdentifier`). */
  id: string;
  /** The task's name. */
  name: string;
  /** "Global" (ImmyBot's catalog) or "Local" (your instance's own task): a Deployment's `task.scope`. */
  scope: ItemScope;
  /** "GlobalMaintenanceTask" or "LocalMaintenanceTask": a Schedule's `maintenanceType` limited to this task. */
  maintenanceType: Extract<MaintenanceTypeName, "GlobalMaintenanceTask" | "LocalMaintenanceTask">;
  /** True for a software's configuration task. */
  isConfigurationTask: boolean;
  /** The task's parameters, in ImmyBot's order. */
  parameters: MaintenanceTaskParameter[];
}

/** An ImmyBot tag (groups computers, tenants or persons). */
export interface Tag {
  /** The tag's id (a Schedule's or Deployment's `target` for `targetType: "Tag"`, as a string). */
  id: number;
  /** The tag's name. */
  name: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Arguments

/** Find a tenant by exactly one of `name` and `id`. */
export interface TenantLookup {
  /** The tenant's name; case and surrounding spaces do not matter. */
  name?: string;
  /** The tenant's id. */
  id?: number;
}

/** Find a computer by exactly one of `name` and `id`, optionally within one tenant. */
export interface ComputerLookup {
  /** The computer's name; case and surrounding spaces do not matter. */
  name?: string;
  /** The computer's id. */
  id?: number;
  /** Only a computer of this tenant (tells apart computers of the same name in different tenants). */
  tenantId?: number;
}

/** Find a software item by exactly one of `name` and `id`, in one scope or both. */
export interface SoftwareLookup {
  /** The software's name; case and surrounding spaces do not matter. */
  name?: string;
  /** The software's id, e.g. "303". Ids are per scope: give `scope` if both scopes have it. */
  id?: string | number;
  /** Search only "Global" (ImmyBot's catalog) or "Local" (your instance's own software). Default: both. */
  scope?: ItemScope;
}

/** Find a maintenance task by exactly one of `name` and `id`, in one scope or both. */
export interface MaintenanceTaskLookup {
  /** The task's name; case and surrounding spaces do not matter. */
  name?: string;
  /** The task's id, e.g. "7". Ids are per scope: give `scope` if both scopes have it. */
  id?: string | number;
  /** Search only "Global" (ImmyBot's catalog) or "Local" (your instance's own tasks). Default: both. */
  scope?: ItemScope;
}

/** Find a tag by exactly one of `name` and `id`. */
export interface TagLookup {
  /** The tag's name; case and surrounding spaces do not matter. */
  name?: string;
  /** The tag's id. */
  id?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Argument checks (before any request)

/** What to match: a name (trimmed, case-insensitive) or an id (as text). */
export type Wanted = { name: string } | { id: string | number };

type Checked<Id> = { name: string } | { id: Id };

export function argsError(what: string, problem: string): LookupError {
  return new LookupError("IMMYBOT_LOOKUP_ARGS", `${what} lookup: ${problem}`);
}

/** Exactly one of a non-empty `name` and a valid `id`. */
export function nameOrId<Id>(what: string, args: unknown, parseId: (id: unknown) => Id | undefined, idExample: string): Checked<Id> {
  if (typeof args !== "object" || args === null) throw argsError(what, `pass an object with \`name\` or \`id\` (got ${JSON.stringify(args)}).`);
  const { name, id } = args as { name?: unknown; id?: unknown };
  const hasName = name !== undefined && name !== null;
  const hasId = id !== undefined && id !== null;
  if (hasName && hasId) throw argsError(what, "pass either `name` or `id`, not both.");
  if (!hasName && !hasId) throw argsError(what, `pass \`name\` (e.g. "Contoso") or \`id\` (e.g. ${idExample}).`);
  if (hasName) {
    if (typeof name !== "string" || name.trim() === "") throw argsError(what, `\`name\` must be a non-empty string (got ${JSON.stringify(name)}).`);
    return { name };
  }
  const parsed = parseId(id);
  if (parsed === undefined) throw argsError(what, `\`id\` must be ${idExample.startsWith('"') ? "a numeric id" : "a positive integer"}, e.g. ${idExample} (got ${JSON.stringify(id)}).`);
  return { id: parsed };
}

export function positiveInt(v: unknown): number | undefined {
  const n = typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  return typeof n === "number" && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** Software and task ids are strings in this provider (ImmyBot's software route key is a string). */
export function itemId(v: unknown): string | undefined {
  const n = positiveInt(v);
  return n === undefined ? undefined : String(n);
}

export function scopeArg(what: string, scope: unknown): ItemScope | undefined {
  if (scope === undefined || scope === null) return undefined;
  if (scope === "Global" || scope === "Local") return scope;
  throw argsError(what, `\`scope\` must be "Global" or "Local" (got ${JSON.stringify(scope)}); omit it to search both.`);
}
