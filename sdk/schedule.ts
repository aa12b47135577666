import * as pulumi from "@pulumi/pulumi";
import { outputKeys } from "../provider/schedule";
import type { ScheduleArgs as Args, ScheduleOutputs } from "../provider/schedule";
import type { Deployment } from "./deployment";
import { ImmyBotResource, type Inputs, type Outputs } from "./resource";

/** Arguments of {@link Schedule}; see each field's documentation. */
export type ScheduleArgs = Inputs<Args> & {
  /**
   * Limit the schedule to this deployment's item: sets maintenanceType and maintenanceIdentifier from the
   * deployment's outputs. Not together with those two.
   */
  deployment?: Deployment;
};

export interface Schedule extends Outputs<ScheduleOutputs> {}

/**
 * An ImmyBot maintenance schedule: when maintenance runs, for which targets, with which reboot, prompt and e-mail
 * behaviour. Every argument is updated in place; `adoptId` takes an existing schedule under management.
 *
 * @example
 * new immybot.Schedule("weekly", { targetType: "AllForTenant", tenantId: 3, dayOfWeek: "Saturday",
 *   detectionTime: "20:00", executionTime: "22:00", timeZone: "Europe/Berlin" });
 */
export class Schedule extends ImmyBotResource {
  constructor(name: string, args: ScheduleArgs, opts?: pulumi.CustomResourceOptions) {
    super("Schedule", name, args && withDeploymentItem(name, args), outputKeys, opts);
  }

  /** Reads an existing schedule by its ImmyBot id, without managing it. */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Schedule {
    return new Schedule(name, undefined as unknown as ScheduleArgs, { ...opts, id });
  }
}

/** Replaces `deployment` by the item fields the provider knows. */
function withDeploymentItem(name: string, args: ScheduleArgs): Record<string, unknown> {
  const { deployment, ...rest } = args;
  if (!deployment) return rest;
  if (rest.maintenanceType !== undefined || rest.maintenanceIdentifier !== undefined) {
    throw new Error(`Schedule ${name}: give either deployment or maintenanceType and maintenanceIdentifier, not both`);
  }
  return { ...rest, maintenanceType: deployment.maintenanceType, maintenanceIdentifier: deployment.maintenanceIdentifier };
}
