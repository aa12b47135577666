/**
 * Global deployments (global target assignments): the deployments ImmyBot publishes with its catalog, which an
 * instance's API clients read but do not own (`GET /api/v1/target-assignments/global`, Sieve-paged, and
 * `/global/{id}`, answering `GlobalTargetAssignmentResource`). They are seed data (`globalDeployments`), so the
 * sandbox serves them read-only: each deploys a global software item or task to every computer (targetType All).
 */
import { z } from "zod";
import { pathInt } from "./binding";
import { deploymentResponse, DEPLOYMENT_SIEVE_FIELDS } from "./deployments";
import { jsonReply, notFoundReply, type Reply } from "./http";
import { idSegment, type RequestContext, type Route } from "./router";
import type { Seed } from "./seed";
import { applySieve } from "./sieve";
import type { StoredDeployment } from "./state";
import type { Tie } from "./tie";
import { DEPLOYMENT_ENUMS, LOOKUP_ENUMS } from "./wire-enums";

/** One global deployment of the seed. */
export interface SeedGlobalDeployment {
  id: number;
  /** What it deploys: a global software item (default) or a global task. */
  maintenanceType?: "GlobalSoftware" | "GlobalMaintenanceTask";
  /** The item's id, as a string (e.g. "303"). */
  maintenanceIdentifier: string;
  /** For software; default "LatestVersion". */
  desiredSoftwareState?: "LatestVersion" | "AnyVersion" | "UpdateIfFound" | "NotPresent" | "NoAction";
  /** Default "Optional" (ImmyBot's recommendations wait for an approval). */
  targetEnforcement?: "Required" | "Optional" | "Adhoc" | "Onboarding";
  /** ISO 8601; default the seed epoch. */
  createdDateUTC?: string;
}

export const globalDeploymentSchema = z.strictObject({
  id: z.number().int().min(1).max(2147483647),
  maintenanceType: z.enum(["GlobalSoftware", "GlobalMaintenanceTask"]).default("GlobalSoftware"),
  maintenanceIdentifier: z.string().regex(/^\d+$/, "must be the item's id as a string, e.g. \"303\""),
  desiredSoftwareState: z.enum(["LatestVersion", "AnyVersion", "UpdateIfFound", "NotPresent", "NoAction"]).default("LatestVersion"),
  targetEnforcement: z.enum(["Required", "Optional", "Adhoc", "Onboarding"]).default("Optional"),
  createdDateUTC: z.iso.datetime({ offset: true }).optional(),
});
const _tie: Tie<z.input<typeof globalDeploymentSchema>, SeedGlobalDeployment> = true;
export type GlobalDeployment = z.output<typeof globalDeploymentSchema>;

const E = DEPLOYMENT_ENUMS;
const ACTOR = "ImmyBot";

/** A global deployment as the local ones are stored (so one response builder serves both). */
function stored(g: GlobalDeployment, epoch: string): StoredDeployment {
  const at = g.createdDateUTC ?? epoch;
  const task = g.maintenanceType === "GlobalMaintenanceTask";
  return {
    maintenanceIdentifier: g.maintenanceIdentifier,
    maintenanceType: E.maintenanceType.values[g.maintenanceType] as number,
    targetType: E.targetType.values.All as number,
    target: null,
    targetCategory: E.targetCategory.values.Computer as number,
    tenantId: null,
    propagateToChildTenants: false,
    allowAccessToParentTenant: false,
    providerLinkId: null,
    licenseId: null,
    softwareSemanticVersion: null,
    desiredSoftwareState: E.desiredSoftwareState.values[task ? "NoAction" : g.desiredSoftwareState] as number,
    maintenanceTaskMode: E.maintenanceTaskMode.values.Enforce as number,
    taskParameterValues: null,
    targetGroupFilter: E.targetGroupFilter.values.All as number,
    providerDeviceGroupType: null,
    providerClientGroupType: null,
    softwareProviderType: E.softwareProviderType.values.Inherent as number,
    excluded: false,
    targetEnforcement: E.targetEnforcement.values[g.targetEnforcement] as number,
    onboardingOnly: g.targetEnforcement === "Onboarding",
    providerLinkIdForMaintenanceItem: null,
    visibility: { selfService: false, technicianPod: false },
    id: g.id,
    createdDateUTC: at,
    updatedDateUTC: at,
    updatedBy: ACTOR,
    notes: null,
    notesUpdatedByUserName: null,
    notesUpdatedUtc: null,
    sortOrder: g.id,
  };
}

/** `GlobalTargetAssignmentResource`: the local resource's fields without the local-only visibility. */
function response(d: StoredDeployment, seed: Seed): Record<string, unknown> {
  const { visibility: _local, ...rest } = deploymentResponse(d, seed);
  return { ...rest, databaseType: LOOKUP_ENUMS.databaseType.values.Global };
}

/** The read-only routes; registered before `/target-assignments/{id}`, whose id is never "global". */
export function globalDeploymentRoutes(seed: Seed, epoch: string): Route[] {
  const all = () => seed.globalDeployments.map((g) => stored(g, epoch));
  return [
    {
      pattern: /^\/api\/v1\/target-assignments\/global$/i,
      handlers: {
        GET: (ctx: RequestContext): Reply => {
          const result = applySieve(all(), ctx.query, DEPLOYMENT_SIEVE_FIELDS);
          return "reply" in result ? result.reply : jsonReply(200, result.rows.map((d) => response(d, seed)));
        },
      },
    },
    {
      // `global/create` is another route in ImmyBot (POST, not served here): it stays unknown, as the SPA.
      pattern: new RegExp(`^/api/v1/target-assignments/global/${idSegment(["create"])}$`, "i"),
      handlers: {
        GET: (ctx: RequestContext): Reply => {
          const id = pathInt(ctx, "id");
          if (typeof id !== "number") return id;
          const found = all().find((d) => d.id === id);
          return found ? jsonReply(200, response(found, seed)) : notFoundReply();
        },
      },
    },
  ];
}
