import * as pulumi from "@pulumi/pulumi";
import { outputKeys } from "../provider/maintenance-session";
import type { MaintenanceSessionArgs as Args, MaintenanceSessionOutputs } from "../provider/maintenance-session";
import { ImmyBotResource, type Inputs, type Outputs } from "./resource";
import { withDeploymentId, type RunSubject } from "./run-subject";

/** Arguments of {@link MaintenanceSession}; see each field's documentation. */
export type MaintenanceSessionArgs = Omit<Inputs<Args>, "deploymentId" | "fullMaintenance"> & RunSubject;

export interface MaintenanceSession extends Outputs<MaintenanceSessionOutputs> {}

/**
 * A maintenance run, started by `pulumi up` and followed to its result: one ImmyBot maintenance session per target.
 * It enforces one deployment, or with `fullMaintenance: true` every deployment that applies to the computers given
 * (the UI's Run Maintenance). Nothing runs during preview. Any change of the arguments (e.g. `triggers`) starts a new run;
 * a failed run or a timeout fails the step and keeps the sessions in the state, so the next `pulumi up` waits for
 * them again instead of starting a duplicate run. Destroying it cancels sessions still in progress
 * (`retainOnDelete: true` leaves them running).
 *
 * @example
 * new immybot.MaintenanceSession("chrome-now", { deployment: chrome, computers: [6, 8],
 *   rebootPreference: "Suppress", timeout: "30m", triggers: ["2026-11"] });
 * new immybot.MaintenanceSession("patch-night", { fullMaintenance: true, computers: [6, 8],
 *   rebootPreference: "Force", triggers: ["2026-11"] });
 */
export class MaintenanceSession extends ImmyBotResource {
  constructor(name: string, args: MaintenanceSessionArgs, opts?: pulumi.CustomResourceOptions) {
    super("MaintenanceSession", name, withDeploymentId("MaintenanceSession", name, args), outputKeys, opts);
  }
}
