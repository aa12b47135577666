/**
 * Which deployments a session runs when it is not given one item: full maintenance (`fullMaintenance: true`
 * without `maintenanceParams`, the UI's "Run Maintenance") and the sessions a schedule starts. Each session gets
 * one maintenance action per deployment that applies to its target, with `assignmentId` the deployment's id.
 *
 * A deployment applies when it is enabled (`excluded` false), Required (Optional, Ad hoc and Onboarding
 * deployments are not part of maintenance; nor is `onboardingOnly`), and its target reaches the session's target:
 * - a computer: the computers the deployment's target previews to (targets.ts);
 * - a tenant (cloud session): AllTenants (within its tenant limit), SpecificTenant naming it, TenantTag with one of
 *   its tags;
 * - a person: a Person target naming them.
 *
 * Of several deployments of the same item, the most specific wins (API notes §3.9): a computer, person or single
 * tenant target over a tenant-limited one over a cross-tenant one; then a narrower group filter; then the lower
 * id. A schedule limited to one item keeps only that item's deployments.
 */
import type { MaintenanceParams } from "./session-model";
import { planFor, type ItemPlan } from "./session-plan";
import type { Seed } from "./seed";
import type { StoredDeployment } from "./state";
import { targetedComputers, type TargetRef } from "./targets";
import { DEPLOYMENT_ENUMS, LOOKUP_ENUMS } from "./wire-enums";

const T = DEPLOYMENT_ENUMS.targetType.values;
const M = DEPLOYMENT_ENUMS.maintenanceType.values;
const REQUIRED = DEPLOYMENT_ENUMS.targetEnforcement.values.Required;
const ALL_DEVICES = DEPLOYMENT_ENUMS.targetGroupFilter.values.All;
const LOCAL = LOOKUP_ENUMS.databaseType.values.Local;

/** What a session is for. */
export type SessionTarget = { kind: "computer"; id: number } | { kind: "tenant"; id: number } | { kind: "person"; id: number };

/** An item, by kind and id (`maintenanceType` + `maintenanceIdentifier`). */
export interface ItemRef {
  maintenanceType: number;
  maintenanceIdentifier: string | null;
}

/** One action a session will take: the deployment it comes from, the item as a run request names it, and the plan. */
export interface PlannedAction {
  /** The deployment (assignmentId); null for an item given in the request without a deployment. */
  assignmentId: number | null;
  /** DatabaseType of that deployment. */
  assignmentType: number;
  params: MaintenanceParams;
  plan: ItemPlan;
}

/** The deployments that apply to `target`, one per item (the winning one), in id order. */
export function applicableDeployments(target: SessionTarget, deployments: readonly StoredDeployment[], seed: Seed, item?: ItemRef): StoredDeployment[] {
  const candidates = deployments.filter((d) => !d.excluded && d.targetEnforcement === REQUIRED && !d.onboardingOnly && (!item || sameItem(d, item)) && reaches(d, target, seed));
  const winners = new Map<string, StoredDeployment>();
  for (const d of candidates) {
    const key = itemKey(d);
    const held = winners.get(key);
    if (!held || beats(d, held)) winners.set(key, d);
  }
  return [...winners.values()].sort((a, b) => a.id - b.id);
}

/**
 * What a schedule's target reaches, as session targets: computers (not excluded from maintenance), then tenants
 * (cloud sessions), then a person.
 */
export function sessionTargets(t: TargetRef, seed: Seed): SessionTarget[] {
  const key = Number((t.target ?? "").trim());
  const candidates: SessionTarget[] = [
    ...seed.computers.filter((c) => !c.excludeFromMaintenance).map((c) => ({ kind: "computer" as const, id: c.id })),
    ...seed.tenants.map((x) => ({ kind: "tenant" as const, id: x.id })),
    ...(t.targetType === T.Person && seed.person(key) ? [{ kind: "person" as const, id: key }] : []),
  ];
  return candidates.filter((c) => reaches(t, c, seed));
}

/** The actions of a session for `target` that runs every applicable deployment (of `item`, when given). */
export function plannedActions(target: SessionTarget, deployments: readonly StoredDeployment[], seed: Seed, item?: ItemRef): PlannedAction[] {
  return applicableDeployments(target, deployments, seed, item).map((d) => {
    const params = paramsOf(d);
    return { assignmentId: d.id, assignmentType: LOCAL, params, plan: planFor(params, seed) };
  });
}

const SOFTWARE_TYPE: Partial<Record<number, number>> = { [M.GlobalSoftware]: 0, [M.LocalSoftware]: 1, [M.ChocolateySoftware]: 3, [M.NiniteSoftware]: 4 };

/** A deployment's item and desired state as a run request would carry them (RunImmybotMaintenanceRequestBody). */
export function paramsOf(d: StoredDeployment): MaintenanceParams {
  return {
    maintenanceIdentifier: d.maintenanceIdentifier,
    maintenanceType: d.maintenanceType,
    providerLinkIdForMaintenanceItem: d.providerLinkIdForMaintenanceItem,
    repair: false,
    desiredSoftwareState: d.desiredSoftwareState,
    softwareProviderType: d.softwareProviderType,
    semanticVersion: d.softwareSemanticVersion,
    maintenanceTaskMode: d.maintenanceTaskMode,
    taskParameterValues: d.taskParameterValues === null ? null : structuredClone(d.taskParameterValues),
    softwareType: SOFTWARE_TYPE[d.maintenanceType] ?? 0,
  };
}

const itemKey = (i: ItemRef): string => `${i.maintenanceType}:${(i.maintenanceIdentifier ?? "").trim()}`;
const sameItem = (a: ItemRef, b: ItemRef): boolean => itemKey(a) === itemKey(b);

/** Whether a deployment's or schedule's target reaches a session target. */
function reaches(d: TargetRef, target: SessionTarget, seed: Seed): boolean {
  const key = Number((d.target ?? "").trim());
  switch (target.kind) {
    case "computer":
      return targetedComputers({ ...d, onboardingOnly: false }, seed).some((c) => c.id === target.id);
    case "tenant": {
      const inLimit = d.tenantId === null || seed.tenantScope(d.tenantId, d.propagateToChildTenants).has(target.id);
      if (d.targetType === T.AllTenants) return inLimit;
      if (d.targetType === T.SpecificTenant) return key === target.id;
      if (d.targetType === T.TenantTag) return inLimit && (seed.tenant(target.id)?.tagIds ?? []).includes(key);
      return false;
    }
    case "person":
      return d.targetType === T.Person && key === target.id;
  }
}

/** How specific a deployment's target is: one object, then one tenant, then everything. */
function specificity(d: StoredDeployment): number {
  if (d.targetType === T.Computer || d.targetType === T.Person || d.targetType === T.SpecificTenant) return 3;
  return d.tenantId !== null ? 2 : 1;
}

function beats(d: StoredDeployment, held: StoredDeployment): boolean {
  const [a, b] = [specificity(d), specificity(held)];
  if (a !== b) return a > b;
  const [fa, fb] = [d.targetGroupFilter !== ALL_DEVICES, held.targetGroupFilter !== ALL_DEVICES];
  if (fa !== fb) return fa;
  return d.id < held.id;
}
