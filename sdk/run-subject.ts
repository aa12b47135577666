import type * as pulumi from "@pulumi/pulumi";
import type { Deployment } from "./deployment";

/**
 * What a run (MaintenanceSession) or a rollout (MaintenanceRollout) enforces: a Deployment resource, a deployment
 * by id, or a full maintenance. One of the three, which TypeScript checks.
 */
export type RunSubject =
  | {
      /** The deployment to enforce: the run follows it (a new deployment id starts a new run). */
      deployment: Deployment;
      deploymentId?: never;
      fullMaintenance?: false;
    }
  | {
      deployment?: never;
      /** The deployment to enforce, by id. */
      deploymentId: pulumi.Input<string>;
      fullMaintenance?: false;
    }
  | {
      deployment?: never;
      deploymentId?: never;
      /**
       * A full maintenance (UI: Run Maintenance): every deployment that applies to the computers (or tenants or
       * persons) given, which it needs.
       */
      fullMaintenance: true;
    };

/** The arguments with `deployment` replaced by its id, as the provider takes them. */
export function withDeploymentId(kind: string, name: string, args: object): Record<string, unknown> {
  const { deployment, ...rest } = args as { deployment?: Deployment; deploymentId?: unknown };
  if (!deployment) return rest;
  if (rest.deploymentId !== undefined) throw new Error(`${kind} ${name}: give either deployment or deploymentId, not both`);
  return { ...rest, deploymentId: deployment.id };
}
