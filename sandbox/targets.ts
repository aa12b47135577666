/**
 * What a target (`targetType` + `target` + `tenantId` + filters) means against the seed: whether the objects it
 * names exist, their display name, and which computers it reaches (`POST /target-assignments/target-preview`).
 *
 * Reach, per target type: All = every computer (only the tenant's when tenantId is set); AllForTenant = the
 * tenant's computers; Computer = that computer; Tag = the computers carrying the tag. propagateToChildTenants
 * adds the child tenants' computers to a tenant limit; targetGroupFilter keeps the matching device classes;
 * onboardingOnly keeps computers that are not yet onboarded. Other target types (scripts, groups, persons,
 * tenant targets) reach no computer in the sandbox.
 */
import { matchesGroupFilter } from "./lookups";
import type { Computer, Seed } from "./seed";
import { memberName, SCHEDULE_ENUMS } from "./wire-enums";

const T = SCHEDULE_ENUMS.targetType.values;

export interface TargetRef {
  targetType: number;
  target: string | null;
  tenantId: number | null;
  targetGroupFilter: number;
  propagateToChildTenants: boolean;
}

export type Problem = [field: string, message: string];

interface KeyedTarget {
  what: string;
  example: string;
  find: (seed: Seed, id: number) => { name: string } | undefined;
  list: string;
}

/** The target types whose key names a seeded object. */
const KEYED: Partial<Record<number, KeyedTarget>> = {
  [T.Computer]: { what: "computer", example: '"6"', find: (s, id) => s.computer(id), list: "GET /api/v1/computers?name=..." },
  [T.Tag]: { what: "tag", example: '"1"', find: (s, id) => s.tag(id), list: "GET /api/v1/tags" },
  [T.TenantTag]: { what: "tag", example: '"1"', find: (s, id) => s.tag(id), list: "GET /api/v1/tags" },
  [T.CloudTag]: { what: "tag", example: '"1"', find: (s, id) => s.tag(id), list: "GET /api/v1/tags" },
  [T.SpecificTenant]: { what: "tenant", example: '"2"', find: (s, id) => s.tenant(id), list: "GET /api/v1/tenants" },
};

const typeName = (targetType: number): string => memberName(SCHEDULE_ENUMS.targetType, targetType) ?? String(targetType);

/** References to objects that are not in the seed, and a tenant-wide target without its tenant. */
export function targetProblems(t: TargetRef, seed: Seed): Problem[] {
  const problems: Problem[] = [];
  if (t.targetType === T.AllForTenant && t.tenantId === null) {
    problems.push(["TenantId", "targetType AllForTenant needs the tenant: set tenantId (or use targetType All for every tenant)."]);
  }
  if (t.tenantId !== null && !seed.tenant(t.tenantId)) {
    problems.push(["TenantId", `there is no tenant ${t.tenantId}; GET /api/v1/tenants lists them.`]);
  }
  const keyed = KEYED[t.targetType];
  if (keyed) {
    const key = (t.target ?? "").trim();
    if (key === "") {
      problems.push(["Target", `targetType ${typeName(t.targetType)} needs target: the ${keyed.what}'s id as a string (e.g. ${keyed.example}).`]);
    } else if (!/^\d+$/.test(key)) {
      problems.push(["Target", `target "${t.target}" is not a ${keyed.what} id (targetType ${typeName(t.targetType)}); send the id as a string, e.g. ${keyed.example}.`]);
    } else if (!keyed.find(seed, Number(key))) {
      problems.push(["Target", `there is no ${keyed.what} ${key} (targetType ${typeName(t.targetType)}); ${keyed.list} lists them.`]);
    }
  }
  return problems;
}

export interface TargetNames {
  /** The named object's name (computer, tag or tenant), else null. */
  targetName: string | null;
  /** The named object does not exist (any more). */
  targetMissing: boolean;
  /** tenantId names a tenant that does not exist (any more). */
  tenantMissing: boolean;
  /** The tenant's name, when tenantId names one. */
  tenantName: string | null;
}

/** Display names, computed when read (so a seed replaced under a stored deployment shows as missing). */
export function targetNames(t: TargetRef, seed: Seed): TargetNames {
  const tenant = t.tenantId === null ? undefined : seed.tenant(t.tenantId);
  const keyed = KEYED[t.targetType];
  const key = (t.target ?? "").trim();
  const found = keyed && /^\d+$/.test(key) ? keyed.find(seed, Number(key)) : undefined;
  return {
    targetName: found?.name ?? null,
    targetMissing: keyed !== undefined && found === undefined,
    tenantMissing: t.tenantId !== null && tenant === undefined,
    tenantName: tenant?.name ?? null,
  };
}

export interface PreviewRequest extends TargetRef {
  onboardingOnly: boolean;
}

/** The computers a target reaches, in id order. Assumes `targetProblems` found nothing. */
export function targetedComputers(r: PreviewRequest, seed: Seed): Computer[] {
  const tenants = r.tenantId === null ? undefined : seed.tenantScope(r.tenantId, r.propagateToChildTenants);
  const inScope = (c: Computer): boolean =>
    (tenants === undefined || tenants.has(c.tenantId)) && matchesGroupFilter(c, r.targetGroupFilter) && (!r.onboardingOnly || c.onboardingStatus !== "Onboarded");
  const key = Number((r.target ?? "").trim());
  switch (r.targetType) {
    case T.All:
    case T.AllForTenant:
      return seed.computers.filter(inScope);
    case T.Computer:
      return seed.computers.filter((c) => c.id === key && inScope(c));
    case T.Tag:
      return seed.computers.filter((c) => c.tagIds.includes(key) && inScope(c));
    default:
      return [];
  }
}
