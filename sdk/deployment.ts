import * as pulumi from "@pulumi/pulumi";
import { outputKeys, secretKeys } from "../provider/deployment";
import type { DeploymentArgs as Args, DeploymentOutputs } from "../provider/deployment";
import { ImmyBotResource, type Inputs, type Outputs } from "./resource";

/** Arguments of {@link Deployment}; see each field's documentation. */
export type DeploymentArgs = Inputs<Args>;

export interface Deployment extends Outputs<DeploymentOutputs> {}

/**
 * An ImmyBot deployment (API: target assignment): which software or task should be in which state on which
 * targets. `parameters` are kept secret in the state. Every argument is updated in place; `adoptId` takes an
 * existing deployment under management.
 *
 * @example
 * new immybot.Deployment("chrome", { software: { id: "303", desiredState: "LatestVersion" },
 *   targetType: "AllForTenant", tenantId: 3 });
 */
export class Deployment extends ImmyBotResource {
  constructor(name: string, args: DeploymentArgs, opts?: pulumi.CustomResourceOptions) {
    super("Deployment", name, args as Record<string, unknown>, outputKeys, opts, secretKeys);
  }

  /** Reads an existing deployment by its ImmyBot id, without managing it. */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Deployment {
    return new Deployment(name, undefined as unknown as DeploymentArgs, { ...opts, id });
  }
}
