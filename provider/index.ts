/**
 * The module the serialized shim (`sdk/shim.ts`) loads at call time, in the dynamic-provider host.
 * Logic lives here and below, so state never freezes old code and `__provider` stays a few hundred bytes.
 */
import "./zod-locales"; // first: before anything loads zod
import { configure as configureContext, settings } from "./context";
import { LifecycleError } from "./errors";
import type { Lifecycle } from "./rest-resource";

/**
 * Each resource's lifecycle, its module loaded when the host first calls for the type: a host serves the types of
 * one stack, and loading every module (zod schemas built, lookups) is CPU every `pulumi up` would pay at its start.
 */
const resources: Record<string, () => Lifecycle> = {
  Schedule: () => (require("./schedule") as typeof import("./schedule")).lifecycle,
  Deployment: () => (require("./deployment") as typeof import("./deployment")).lifecycle,
  Tag: () => (require("./tag") as typeof import("./tag")).lifecycle,
  TagMembership: () => (require("./tag-membership") as typeof import("./tag-membership")).lifecycle,
  // Check also says which targets a new run would start on (the one read it makes: run-preview.ts).
  MaintenanceSession: () =>
    (require("./run-preview") as typeof import("./run-preview")).withRunPreview((require("./maintenance-session") as typeof import("./maintenance-session")).lifecycle),
  MaintenanceRollout: () => (require("./maintenance-rollout") as typeof import("./maintenance-rollout")).lifecycle,
};
/** Each resource's lifecycle as the host calls it (every call of the shim asks for it), built once. */
const lifecycles = new Map<string, Lifecycle>();

export function configure(config: { get(key: string): string | undefined }): void {
  configureContext(config);
}

/** The lifecycle of one resource type. `check` also validates the settings, so missing credentials fail the preview. */
export function lifecycle(kind: string): Lifecycle {
  const cached = lifecycles.get(kind);
  if (cached) return cached;
  const l = Object.hasOwn(resources, kind) ? resources[kind]!() : undefined;
  if (!l) {
    throw new LifecycleError("IMMYBOT_UNKNOWN_RESOURCE", `pulumi-immybot: unknown resource type ${JSON.stringify(kind)} (this provider knows ${Object.keys(resources).join(", ")})`);
  }
  const wrapped: Lifecycle = {
    ...l,
    check: async (olds, news) => {
      settings();
      return l.check(olds, news);
    },
  };
  lifecycles.set(kind, wrapped);
  return wrapped;
}
