/**
 * The target model ("which machines, tenants or people"): one definition shared by Schedule, Deployment and
 * MaintenanceSession. Field names are the API's; `target` holds a key whose meaning depends on `targetType`.
 */
import { z } from "zod";
import { TargetCategory, TargetGroupFilter, TargetType, type TargetCategoryName, type TargetGroupFilterName, type TargetTypeName } from "./enums";
import type { Tie } from "./tie";
import { enumValue, flag, intOrNull, textOrNull } from "./wire";
import type { RuleContext } from "../check";

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** A positive whole number as text, without leading zeros. */
const POSITIVE_ID = /^[1-9]\d*$/;
/** ImmyBot's ids are int32: a larger one passes no ImmyBot route. */
export const MAX_ID = 2147483647;

/** True for one of ImmyBot's ids (int32 > 0) as text: what Pulumi ids and id-valued strings look like. */
export function isIdText(text: string): boolean {
  return POSITIVE_ID.test(text) && Number(text) <= MAX_ID;
}

/**
 * Why `input` is not `what`: a whole number above {@link MAX_ID} is told so; anything else gets `format` (the
 * id's form and an example). One message for every id, numeric or text.
 */
export function notAnId(input: unknown, what: string, format: string): string {
  const text = typeof input === "number" ? String(input) : typeof input === "string" ? input.trim() : "";
  const tooBig = /^\d+$/.test(text) && Number(text) > MAX_ID;
  return `${JSON.stringify(input) ?? String(input)} is not ${what}${tooBig ? `: ImmyBot ids are at most ${MAX_ID}` : ` ${format}`}`;
}

/** An id given as a string, e.g. `idString("a schedule id", "42")`. */
export const idString = (what: string, example: string) =>
  z.string().refine(isIdText, { error: (i) => notAnId(i.input, what, `(a positive whole number as a string, e.g. "${example}")`) });

/** The lookup that gives the id of a thing known by name. */
const LOOKUP: Record<string, string> = { tenant: "getTenant", computer: "getComputer" };

/**
 * A numeric id, e.g. `idNumber("tenant")`. A refinement, not `.int().positive()`: zod reports a fraction as a type
 * error and 0 as "too small", neither of which would say what the number should be.
 */
export const idNumber = (what: string) =>
  z
    .number({
      // A name where the id belongs (zod's own message covers the rest, e.g. "3" for 3).
      error: (i) =>
        typeof i.input === "string" && !/^\s*\d+\s*$/.test(i.input)
          ? `${JSON.stringify(i.input)} is not a ${what} id: give the ${what}'s id (a positive whole number), not its name${LOOKUP[what] ? ` (${LOOKUP[what]}({ name }).id)` : ""}`
          : undefined,
    })
    .refine((n) => Number.isSafeInteger(n) && n > 0 && n <= MAX_ID, { error: (i) => notAnId(i.input, `a ${what} id`, "(a positive whole number)") });
const guid = z.string().regex(GUID, { error: (i) => `${JSON.stringify(i.input)} is not a GUID (e.g. "0f8fad5b-d9cb-469f-a165-70867728950e")` });

/** Where a schedule, deployment or session applies ("which machines, tenants or people"). */
export interface TargetArgs {
  /**
   * What the target is (UI: Target type), e.g. "All", "AllForTenant", "Computer", "Tag", "FilterScript".
   * `target` then holds the key for that type.
   */
  targetType: TargetTypeName;
  /**
   * The target's key, depending on targetType: a computer, person, tag, script or tenant id (as a string), an Entra
   * group object id, or an integration's group id. Omit for All, AllForTenant and AllTenants.
   */
  target?: string;
  /**
   * What the run is for (UI: Runs against): "Computer", "Tenant" (UI: Cloud) or "Person". Default: "Person" for
   * Person targets, "Tenant" for AllTenants, SpecificTenant, CloudTag and CloudProviderClientGroup, else "Computer".
   */
  targetCategory?: TargetCategoryName;
  /** Device class filter (UI: Group filter): "All" (default), "Servers", "Workstations", "PortableDevices", ... */
  targetGroupFilter?: TargetGroupFilterName;
  /** The tenant the target is limited to (UI: Tenant). Omit for a cross-tenant target. */
  tenantId?: number;
  /** Include the tenant's child tenants (UI: Propagate to child tenants). Needs tenantId. Default false. */
  propagateToChildTenants?: boolean;
  /** Let child tenants use the parent tenant's resources (UI: Allow access to parent tenant). Default false. */
  allowAccessToParentTenant?: boolean;
  /** The integration (provider link) id, for ProviderDeviceGroup and ProviderClientGroup targets. */
  providerLinkId?: number;
  /** Client group type GUID, for ProviderClientGroup targets. */
  providerClientGroupType?: string;
  /** Device group type GUID, for ProviderDeviceGroup targets. */
  providerDeviceGroupType?: string;
}

/** zod fields of a target; spread into a resource's input object. */
export const targetFields = {
  targetType: TargetType.schema,
  target: z.string().min(1).max(256).optional(),
  targetCategory: TargetCategory.schema.optional(),
  targetGroupFilter: TargetGroupFilter.schema.default("All"),
  tenantId: idNumber("tenant").optional(),
  propagateToChildTenants: z.boolean().default(false),
  allowAccessToParentTenant: z.boolean().default(false),
  providerLinkId: idNumber("provider link").optional(),
  providerClientGroupType: guid.optional(),
  providerDeviceGroupType: guid.optional(),
};
const _tie: Tie<z.input<z.ZodObject<typeof targetFields>>, TargetArgs> = true;
type TargetValues = z.output<z.ZodObject<typeof targetFields>>;

/** Which key `target` holds for each target type: the format it must have, or undefined when it must be absent. */
const TARGET_KEY: Partial<Record<TargetTypeName, { what: string; test: (v: string) => boolean; example: string }>> = {
  Computer: { what: "a computer id", test: isIdText, example: "\"1042\"" },
  Person: { what: "a person id", test: isIdText, example: "\"77\"" },
  AzureGroup: { what: "an Entra (Azure AD) group object id", test: (v) => GUID.test(v), example: "\"0f8fad5b-d9cb-469f-a165-70867728950e\"" },
  Metascript: { what: "a script id", test: isIdText, example: "\"12\"" },
  TenantMetascript: { what: "a script id", test: isIdText, example: "\"12\"" },
  FilterScript: { what: "a filter script id", test: isIdText, example: "\"12\"" },
  TenantFilterScript: { what: "a filter script id", test: isIdText, example: "\"12\"" },
  Tag: { what: "a tag id", test: isIdText, example: "\"5\"" },
  TenantTag: { what: "a tag id", test: isIdText, example: "\"5\"" },
  CloudTag: { what: "a tag id", test: isIdText, example: "\"5\"" },
  SpecificTenant: { what: "a tenant id", test: isIdText, example: "\"3\"" },
  ProviderDeviceGroup: { what: "the integration's device group id", test: (v) => v.length > 0, example: "\"group-17\"" },
  ProviderClientGroup: { what: "the integration's client group id", test: (v) => v.length > 0, example: "\"group-17\"" },
  CloudProviderClientGroup: { what: "the integration's client group id", test: (v) => v.length > 0, example: "\"group-17\"" },
};

/** The category a target type runs against unless the user says otherwise. */
export function defaultTargetCategory(targetType: TargetTypeName): TargetCategoryName {
  if (targetType === "Person") return "Person";
  if (targetType === "AllTenants" || targetType === "SpecificTenant" || targetType === "CloudTag" || targetType === "CloudProviderClientGroup") {
    return "Tenant";
  }
  return "Computer";
}

/** Cross-field rules of a target. `forbidden` lists target types the resource does not allow, with the reason. */
export function targetRules(ctx: RuleContext<TargetValues>, forbidden: Partial<Record<TargetTypeName, string>> = {}): void {
  const v = ctx.value;
  if (!ctx.known("targetType")) return;
  const why = forbidden[v.targetType];
  if (why) ctx.issue("targetType", `${JSON.stringify(v.targetType)} is not allowed here: ${why}`);

  const key = TARGET_KEY[v.targetType];
  if (ctx.known("target")) {
    if (key && v.target === undefined) {
      ctx.issue("target", `is required for targetType ${JSON.stringify(v.targetType)}: set it to ${key.what} (e.g. ${key.example})`);
    } else if (key && v.target !== undefined && !key.test(v.target)) {
      ctx.issue("target", notAnId(v.target, key.what, `(targetType ${JSON.stringify(v.targetType)}; e.g. ${key.example})`));
    } else if (!key && v.target !== undefined) {
      ctx.issue("target", `must be omitted for targetType ${JSON.stringify(v.targetType)}, which needs no key`);
    }
  }
  if (v.targetType === "AllForTenant" && ctx.known("tenantId") && v.tenantId === undefined) {
    ctx.issue("tenantId", `is required for targetType "AllForTenant": set the tenant's id, or use targetType "All" for every tenant`);
  }
  if (v.propagateToChildTenants && ctx.known("tenantId") && v.tenantId === undefined) {
    ctx.issue("propagateToChildTenants", "only applies to a single tenant: set tenantId, or remove propagateToChildTenants");
  }
  const groupType = v.targetType === "ProviderDeviceGroup" ? "providerDeviceGroupType" : v.targetType === "ProviderClientGroup" ? "providerClientGroupType" : undefined;
  if (groupType) {
    if (ctx.known("providerLinkId") && v.providerLinkId === undefined) {
      ctx.issue("providerLinkId", `is required for targetType ${JSON.stringify(v.targetType)}: set the integration's provider link id`);
    }
    if (ctx.known(groupType) && v[groupType] === undefined) {
      ctx.issue(groupType, `is required for targetType ${JSON.stringify(v.targetType)}: set the group type's GUID`);
    }
  }
}

/** Fills what the server would otherwise infer, so stored inputs equal what the server echoes. */
export function normalizeTarget<T extends TargetValues>(v: T, known: (k: string) => boolean): T {
  if (v.targetCategory === undefined && known("targetType") && known("targetCategory")) {
    return { ...v, targetCategory: defaultTargetCategory(v.targetType) };
  }
  return v;
}

/** Target fields -> wire (enums as the spec's integers, explicit nulls: every request is a full replacement). */
export function targetToWire(v: TargetValues & { targetCategory?: TargetCategoryName }) {
  return {
    targetType: TargetType.toInt(v.targetType),
    target: v.target ?? null,
    targetCategory: TargetCategory.toInt(v.targetCategory ?? defaultTargetCategory(v.targetType)),
    targetGroupFilter: TargetGroupFilter.toInt(v.targetGroupFilter),
    tenantId: v.tenantId ?? null,
    propagateToChildTenants: v.propagateToChildTenants,
    allowAccessToParentTenant: v.allowAccessToParentTenant,
    providerLinkId: v.providerLinkId ?? null,
    providerClientGroupType: v.providerClientGroupType ?? null,
    providerDeviceGroupType: v.providerDeviceGroupType ?? null,
  };
}

/** The target fields of an answer (GetScheduleResponse, LocalTargetAssignmentResource), as `models/wire.ts` decodes them. */
export const targetWireFields = {
  targetType: enumValue(TargetType),
  target: textOrNull,
  targetCategory: enumValue(TargetCategory),
  targetGroupFilter: enumValue(TargetGroupFilter),
  tenantId: intOrNull,
  propagateToChildTenants: flag,
  allowAccessToParentTenant: flag,
  providerLinkId: intOrNull,
  providerClientGroupType: textOrNull,
  providerDeviceGroupType: textOrNull,
};
export type TargetAnswer = z.output<z.ZodObject<typeof targetWireFields>>;

/** Decoded target fields -> canonical form (names; absent instead of null). */
export function targetFromWire(w: TargetAnswer): TargetValues {
  return dropUndefined({
    targetType: TargetType.fromWire(w.targetType),
    target: nonEmpty(w.target),
    targetCategory: TargetCategory.fromWire(w.targetCategory),
    targetGroupFilter: TargetGroupFilter.fromWire(w.targetGroupFilter),
    tenantId: w.tenantId ?? undefined,
    propagateToChildTenants: w.propagateToChildTenants,
    allowAccessToParentTenant: w.allowAccessToParentTenant,
    providerLinkId: w.providerLinkId ?? undefined,
    providerClientGroupType: nonEmpty(w.providerClientGroupType),
    providerDeviceGroupType: nonEmpty(w.providerDeviceGroupType),
  }) as TargetValues;
}

export function nonEmpty(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Removes keys whose value is undefined, so objects compare and serialize as plain JSON. */
export function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
