import * as pulumi from "@pulumi/pulumi";
import { outputKeys } from "../provider/maintenance-rollout";
import type { MaintenanceRolloutArgs as Args, MaintenanceRolloutOutputs } from "../provider/maintenance-rollout";
import { ImmyBotResource, type Inputs, type Outputs } from "./resource";
import { withDeploymentId, type RunSubject } from "./run-subject";

/** Arguments of {@link MaintenanceRollout}; see each field's documentation. */
export type MaintenanceRolloutArgs = Omit<Inputs<Args>, "deploymentId" | "fullMaintenance"> & RunSubject;

export interface MaintenanceRollout extends Outputs<MaintenanceRolloutOutputs> {}

/**
 * A deployment (or a full maintenance) run ring by ring, started by `pulumi up`: each ring (computers, a tag, or a
 * fraction of the deployment's computers) runs in batches of at most `maxConcurrent` computers, and the next ring
 * starts only when at most `maxFailures` of its sessions failed (and its `soak` is over). A failed gate fails the
 * step, lists the failed computers with their last log line and starts nothing further; the next `pulumi up`
 * resumes from that ring (after a change of `triggers` it cancels what still runs of that ring and starts it
 * again) and never repeats rings that passed. Each batch is started at most once, as a MaintenanceSession run; destroying it cancels sessions still in
 * progress. Nothing runs during preview. Before its first start, `pulumi up` prints the rollout's id: should the up
 * be cancelled, set it as `adoptId` and the next `up` resumes the rollout instead of starting it again.
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
    super("MaintenanceRollout", name, withDeploymentId("MaintenanceRollout", name, args), outputKeys, opts);
  }
}
