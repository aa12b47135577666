/**
 * What every pulumi-immybot resource class shares: the type token (module "immybot"), output properties
 * registered up front (a dynamic resource only exposes the props it was constructed with), and `.get`.
 */
import * as pulumi from "@pulumi/pulumi";
import { shimFor } from "./shim";

/** A value or, at any depth, a Pulumi input (a plain value, a promise or another resource's output). */
export type Input<T> = T extends string | number | boolean | null | undefined
  ? pulumi.Input<T>
  : T extends readonly (infer U)[]
    ? pulumi.Input<Input<U>[]>
    : pulumi.Input<{ [K in keyof T]: Input<T[K]> }>;

/** Every argument may be a Pulumi input, nested fields included. */
export type Inputs<T> = { [K in keyof T]: Input<T[K]> };

/** Every output of a resource, as Pulumi outputs. */
export type Outputs<T> = { readonly [K in keyof T]-?: pulumi.Output<T[K]> };

/** Builds the props a dynamic resource is registered with: the given args, every output key (unknown until the provider answers). */
export function propsFor(args: object | undefined, outputKeys: readonly string[]): Record<string, unknown> {
  const props: Record<string, unknown> = Object.fromEntries(outputKeys.map((k) => [k, undefined]));
  return { ...props, ...(args ?? {}) };
}

/**
 * Arguments in `secretKeys` are wrapped as secrets (so the engine encrypts them in the stored inputs) and the
 * outputs of the same names are declared secret: the provider host cannot mark outputs secret by itself.
 */
export abstract class ImmyBotResource extends pulumi.dynamic.Resource {
  protected constructor(
    kind: string,
    name: string,
    args: Record<string, unknown> | undefined,
    outputKeys: readonly string[],
    opts?: pulumi.CustomResourceOptions,
    secretKeys: readonly string[] = [],
  ) {
    const secretArgs = args && Object.fromEntries(Object.entries(args).map(([k, v]) => [k, secretKeys.includes(k) && v !== undefined ? pulumi.secret(v) : v]));
    const secretOpts = secretKeys.length ? { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...secretKeys] } : opts;
    super(shimFor(kind), name, propsFor(secretArgs, outputKeys), secretOpts, "immybot", kind);
  }
}
