/**
 * What every pulumi-immybot resource class shares: the type token (module "immybot"), output properties
 * registered up front (a dynamic resource only exposes the props it was constructed with), and `.get`.
 */
import * as pulumi from "@pulumi/pulumi";
import { MAX_DEPTH, TOO_DEEP, tooDeepAt } from "../provider/models/plain";
import { shimFor } from "./shim";

/**
 * A value or, at any depth, a Pulumi input (a plain value, a promise or another resource's output). A union of plain
 * values (`"Global" | "Local"`) is one input of the union, so an output of the union (a lookup's `scope`) fits.
 */
export type Input<T> = [T] extends [Plain] ? pulumi.Input<T> : EachInput<T>;

type Plain = string | number | boolean | null | undefined;

/** Input<T> for each member of a union that also holds objects or arrays. */
type EachInput<T> = T extends Plain
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
    refuseTooDeep(kind, name, args);
    const secretArgs = args && Object.fromEntries(Object.entries(args).map(([k, v]) => [k, secretKeys.includes(k) && v !== undefined ? pulumi.secret(v) : v]));
    const secretOpts = secretKeys.length ? { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...secretKeys] } : opts;
    super(shimFor(kind), name, propsFor(secretArgs, outputKeys), secretOpts, "immybot", kind);
  }
}

/** Outputs, promises and resources: values the program cannot look into yet. */
const notYetKnown = (o: object): boolean => pulumi.Output.isInstance(o) || pulumi.Resource.isInstance(o) || typeof (o as { then?: unknown }).then === "function";

/**
 * An argument nested deeper than check accepts fails here, in the program, with check's own message: thousands of
 * levels would otherwise overflow Pulumi's serialization of the inputs (or the provider host's decoding of them)
 * before the provider could say what is wrong. Outputs are judged by check once known.
 */
function refuseTooDeep(kind: string, name: string, args: Record<string, unknown> | undefined): void {
  for (const [key, value] of Object.entries(args ?? {})) {
    if (tooDeepAt(value, MAX_DEPTH, notYetKnown)) throw new Error(`${kind} ${name}: ${key} ${TOO_DEEP}`);
  }
}
