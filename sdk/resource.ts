/**
 * What every pulumi-immybot resource class shares: the type token (module "immybot"), output properties
 * registered up front (a dynamic resource only exposes the props it was constructed with), and `.get`.
 */
import * as pulumi from "@pulumi/pulumi";
import { shimFor } from "./shim";

/** Every argument may be a Pulumi input (a plain value, a promise or another resource's output). */
export type Inputs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** Every output of a resource, as Pulumi outputs. */
export type Outputs<T> = { readonly [K in keyof T]-?: pulumi.Output<T[K]> };

/** Builds the props a dynamic resource is registered with: the given args, every output key (unknown until the provider answers). */
export function propsFor(args: object | undefined, outputKeys: readonly string[]): Record<string, unknown> {
  const props: Record<string, unknown> = Object.fromEntries(outputKeys.map((k) => [k, undefined]));
  return { ...props, ...(args ?? {}) };
}

export abstract class ImmyBotResource extends pulumi.dynamic.Resource {
  protected constructor(kind: string, name: string, args: object | undefined, outputKeys: readonly string[], opts?: pulumi.CustomResourceOptions) {
    super(shimFor(kind), name, propsFor(args, outputKeys), opts, "immybot", kind);
  }
}
