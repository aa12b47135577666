import * as pulumi from "@pulumi/pulumi";
import { outputKeys } from "../provider/maintenance-rollout";
import type { MaintenanceRolloutArgs as Args, MaintenanceRolloutOutputs } from "../provider/maintenance-rollout";
import type { Deployment } from "./deployment";
import { ImmyBotResource, type Inputs, type Outputs } from "./resource";

/** Arguments of {@link MaintenanceRollout}; see each field's documentation. */
export type MaintenanceRolloutArgs = Omit<Inputs<Args>, "deploymentId" | "fullMaintenance"> &
  (
    | {
        /** The deployment to roll out: the rollout follows it (a new deployment id starts a new rollout). */
        deployment: Deployment;
        deploymentId?: never;
        fullMaintenance?: false;
      }
    | {
        deployment?: never;
        /** The deployment to roll out, by id. */
        deploymentId: pulumi.Input<string>;
        fullMaintenance?: false;
      }
    | {
        deployment?: never;
        deploymentId?: never;
        /** A full maintenance (UI: Run Maintenance) ring by ring: every deployment that applies to each ring's computers. */
        fullMaintenance: true;
      }
  );

export interface MaintenanceRollout extends Outputs<MaintenanceRolloutOutputs> {}

/**
 * A deployment (or a full maintenance) run ring by ring, started by `pulumi up`: each ring (computers, a tag, or a
 * fraction of the deployment's computers) runs in batches of at most `maxConcurrent` computers, and the next ring
 * starts only when at most `maxFailures` of its sessions failed (and its `soak` is over). A failed gate fails the
 * step, lists the failed computers with their last log line and starts nothing further; the next `pulumi up`
 * resumes from that ring (after a change of `triggers` it starts that ring again) and never repeats rings that
 * passed. Each batch is started at most once, as a MaintenanceSession run; destroying it cancels sessions still in
 * progress. Nothing runs during preview.
 *
 * @example
 * new immybot.MaintenanceRollout("chrome-rings", { deployment: chrome, triggers: ["2026-11"], rings: [
 *   { name: "canary", tag: canary.id.apply(String), soak: "2h" },
 *   { name: "pilot", fraction: 0.25, maxFailures: 1 },
 *   { name: "broad", fraction: 1, maxFailures: "5%", maxConcurrent: 20 },
 * ] });
 */
export class MaintenanceRollout extends ImmyBotResource {
  constructor(name: string, args: MaintenanceRolloutArgs, opts?: pulumi.CustomResourceOptions) {
    super("MaintenanceRollout", name, withDeploymentId(name, args), outputKeys, opts);
  }
}

/** Replaces `deployment` by its id. */
function withDeploymentId(name: string, args: MaintenanceRolloutArgs): Record<string, unknown> {
  const { deployment, ...rest } = args as MaintenanceRolloutArgs & { deployment?: Deployment };
  if (!deployment) return rest;
  if (rest.deploymentId !== undefined) throw new Error(`MaintenanceRollout ${name}: give either deployment or deploymentId, not both`);
  return { ...rest, deploymentId: deployment.id };
}
