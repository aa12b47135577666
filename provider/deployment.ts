/**
 * Deployment: which software or task should be in which state on which targets. ImmyBot calls it a *target
 * assignment* (`/api/v1/target-assignments`, local deployments; there is no `/deployments` route).
 *
 * Users say what they mean (`software: { id, desiredState }` or `task: { id, mode }`); the provider maps it to
 * `maintenanceType` + `maintenanceIdentifier` and the other wire fields. `parameters` (ImmyBot's
 * `taskParameterValues`) come back from the API in clear text, password parameters included: the SDK marks
 * them secret in inputs and outputs.
 *
 * Update or replace: every argument is updated in place (ImmyBot's PUT replaces the whole deployment and keeps
 * its id); only `adoptId` pointing at another deployment replaces the resource.
 *
 * This file: arguments, outputs and the lifecycle; the wire mapping (and the decoding of answers) is in
 * `deployment-wire.ts`.
 */
import { z } from "zod";
import type { InputModel, RuleContext } from "./check";
import { sieveAll } from "./client/paging";
import {
  DesiredSoftwareState,
  MaintenanceTaskMode,
  TargetEnforcement,
  type DatabaseTypeName,
  type DesiredSoftwareStateName,
  type MaintenanceTaskModeName,
  type MaintenanceTypeName,
  type TargetEnforcementName,
} from "./models/enums";
import { idNumber, idString, nonEmpty, normalizeTarget, targetFields, targetRules, type TargetArgs } from "./models/target";
import { didYouMean } from "./models/similar";
import { keysOf, type Tie } from "./models/tie";
import { VERSIONED, fromWire, itemToWire, toWire } from "./deployment-wire";
import { tenantScope } from "./read-lists";
import { adoptIdField, restLifecycle, type Wire } from "./rest-resource";

const KIND = "Deployment";
const PATH = "/api/v1/target-assignments";
/** Rows per page of the lists reads are served from: one request for most tenants (the spec sets no maximum). */
const READ_PAGE = 1000;

/** Where an item lives: ImmyBot's published catalog ("Global") or your instance ("Local"). */
export type ItemScope = "Global" | "Local";

/** The software a deployment installs, updates or removes. */
export interface SoftwareItem {
  /** The software's id in ImmyBot, as a string (e.g. "303"; `getSoftware({ name }).id`). */
  id: string;
  /** "Global" (ImmyBot's catalog; the default) or "Local" (your instance's own software). */
  scope?: ItemScope;
  /**
   * The state the software should be in (UI: Desired state): "LatestVersion" (UI: Installed – latest),
   * "AnyVersion" (Installed – any), "ThisVersion", "NewerOrEqualVersion", "OlderOrEqualVersion", "UpdateIfFound",
   * "NotPresent" (Uninstalled) or "NoAction" (Ignored).
   */
  desiredState: DesiredSoftwareStateName;
  /** The version, e.g. "24.08"; required for ThisVersion, NewerOrEqualVersion and OlderOrEqualVersion, and only there. */
  version?: string;
}

/** The maintenance task a deployment runs. */
export interface TaskItem {
  /** The task's id in ImmyBot, as a string (e.g. "12"; `getMaintenanceTask({ name }).id`). */
  id: string;
  /** "Global" (ImmyBot's catalog) or "Local" (your instance's own task; the default). */
  scope?: ItemScope;
  /** UI: Mode. "Enforce" (test, set, test; the default), "Audit" (test only), "Monitor" or "NoAction" (UI: Ignore). */
  mode?: MaintenanceTaskModeName;
}

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A parameter value with its override flags (the long form of a `parameters` entry). */
export interface ParameterSetting {
  /** The value. */
  value: JsonValue;
  /** Let a maintenance session override the value. Default false. */
  allowOverride?: boolean;
  /** Make a maintenance session supply the value. Default false. */
  requiresOverride?: boolean;
}

/**
 * Parameter values by parameter name. An interface with an index signature, not a Record: typescript-json-schema
 * renders a Record with `additionalProperties: false`, which would reject every parameter in the JSON Schema.
 */
export interface Parameters {
  [name: string]: JsonValue | ParameterSetting;
}

/** The arguments of a Deployment. Every one is updated in place. */
export interface DeploymentArgs extends TargetArgs {
  /** The software to deploy, with its desired state. Exactly one of software and task. */
  software?: SoftwareItem;
  /** The maintenance task to deploy, with its mode. Exactly one of software and task. */
  task?: TaskItem;
  /**
   * Parameter values by parameter name (API: taskParameterValues): the task's parameters, or those of the
   * software's configuration task. A value, or `{ value, allowOverride, requiresOverride }`. Stored as a secret.
   */
  parameters?: Parameters;
  /**
   * When the deployment applies (UI: Enforcement): "Required" (every maintenance session; the default), "Optional",
   * "Adhoc" (only when run by hand) or "Onboarding" (only during onboarding).
   */
  enforcement?: TargetEnforcementName;
  /** The deployment is switched off and skipped by maintenance (UI: Disabled; API: excluded). Default false. */
  disabled?: boolean;
  /** Offer the item in the self-service portal (UI: Visibility – Self service). Default false. */
  selfService?: boolean;
  /** Show the item in the technician tools (UI: Visibility – Technician tools; API: technicianPod). Default false. */
  technicianTools?: boolean;
  /** Notes shown on the deployment in ImmyBot (UI: Notes). */
  notes?: string;
  /** The license to use, by id (UI: License). */
  licenseId?: number;
  /** The integration (provider link) that supplies the item, for integration-backed software or tasks. */
  providerLinkIdForMaintenanceItem?: number;
  /** Take the existing deployment with this id under management instead of creating one. Read only at create. */
  adoptId?: string;
}

const itemId = idString("an item id", "303");
const scope = z.enum(["Global", "Local"], { error: (i) => `must be "Global" or "Local"; got ${JSON.stringify(i.input)}${didYouMean(i.input, ["Global", "Local"])}` });
/** The message for an item that is not an object (a name or an id where `{ id, ... }` belongs). */
const itemShape = (example: string, lookup: string) => ({
  error: (i: { code: string; input?: unknown }) =>
    i.code === "invalid_type" && i.input !== undefined ? `must be an object such as ${example} (the id from ${lookup}({ name }).id); got ${JSON.stringify(i.input)}` : undefined,
});
const softwareSchema = z.strictObject(
  {
    id: itemId,
    scope: scope.default("Global"),
    desiredState: DesiredSoftwareState.schema,
    version: z.string().min(1).max(64).optional(),
  },
  itemShape('{ id: "303", desiredState: "LatestVersion" }', "getSoftware"),
);
const taskSchema = z.strictObject(
  { id: itemId, scope: scope.default("Local"), mode: MaintenanceTaskMode.schema.default("Enforce") },
  itemShape('{ id: "12", mode: "Enforce" }', "getMaintenanceTask"),
);

const SETTING_KEYS = ["value", "allowOverride", "requiresOverride"];
const FLAGS = ["allowOverride", "requiresOverride"];
const settingSchema = z.strictObject({ value: z.json(), allowOverride: z.boolean().optional(), requiresOverride: z.boolean().optional() });
const isMapping = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const isSetting = (v: unknown): boolean => isMapping(v) && "value" in v && Object.keys(v).every((k) => SETTING_KEYS.includes(k));
/**
 * Canonical form of one parameter: always the long form with both flags. A mapping of `value` and override flags is
 * the long form, so its flags must be booleans; a mapping with `value` and a misspelt flag is refused, since it
 * would otherwise be sent to ImmyBot as the value itself.
 */
const parameterSchema = z.union([settingSchema, z.json()]).transform((p, ctx) => {
  if (isSetting(p)) {
    const parsed = settingSchema.safeParse(p, { reportInput: true });
    if (!parsed.success) {
      // Only a flag can fail here (every key is known, and `value` is any JSON).
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: "custom", path: issue.path, message: `must be true or false; got ${JSON.stringify((issue as { input?: unknown }).input)}` });
      }
      return z.NEVER;
    }
    const s = parsed.data;
    return { value: s.value as z.core.util.JSONType, allowOverride: s.allowOverride ?? false, requiresOverride: s.requiresOverride ?? false };
  }
  if (isMapping(p) && "value" in p) {
    for (const key of Object.keys(p).filter((k) => !SETTING_KEYS.includes(k))) {
      const hint = didYouMean(key, FLAGS);
      if (hint) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `is not a known key${hint} As written, the whole mapping would be sent to ImmyBot as the parameter's value`,
        });
      }
    }
  }
  return { value: p, allowOverride: false, requiresOverride: false };
});

const deploymentFields = {
  ...targetFields,
  software: softwareSchema.optional(),
  task: taskSchema.optional(),
  parameters: z
    .record(z.string().min(1, { error: "a parameter name must not be empty: use the task parameter's name" }), parameterSchema, {
      error: (i) =>
        i.code === "invalid_type" && i.input !== undefined ? `must be an object of parameter values by name, e.g. { Enforce: true, Port: 443 }; got ${JSON.stringify(i.input)}` : undefined,
    })
    .optional(),
  enforcement: TargetEnforcement.schema.default("Required"),
  disabled: z.boolean().default(false),
  selfService: z.boolean().default(false),
  technicianTools: z.boolean().default(false),
  notes: z.string().max(4000).optional(),
  licenseId: idNumber("license").optional(),
  providerLinkIdForMaintenanceItem: idNumber("provider link").optional(),
  adoptId: adoptIdField("deployment").optional(),
};
const _tie: Tie<z.input<z.ZodObject<typeof deploymentFields>>, DeploymentArgs> = true;

/** Checked, canonical Deployment arguments. */
export type DeploymentInputs = z.output<z.ZodObject<typeof deploymentFields>>;

/** What ImmyBot computes for a deployment, and what other resources need from it. */
export interface DeploymentComputed {
  /** Local (your instance) or Global: a maintenance session's `deploymentType`. Always "Local" for this resource. */
  databaseType: DatabaseTypeName;
  /** The item's kind on the wire ("GlobalSoftware", "LocalMaintenanceTask", ...): limits a Schedule to this deployment's item. */
  maintenanceType: MaintenanceTypeName;
  /** The item's id on the wire: limits a Schedule to this deployment's item. */
  maintenanceIdentifier: string;
  /** When the deployment was created (ISO 8601, UTC). */
  createdAt: string | null;
  /** When it was last changed (ISO 8601, UTC). */
  updatedAt: string | null;
  /** Who changed it last (a user name). */
  updatedBy: string | null;
}

export type DeploymentOutputs = DeploymentInputs & DeploymentComputed;

/** Every property of a Deployment resource (arguments and computed outputs). */
export const outputKeys: readonly string[] = [
  ...Object.keys(deploymentFields),
  ...keysOf<DeploymentComputed>({ databaseType: true, maintenanceType: true, maintenanceIdentifier: true, createdAt: true, updatedAt: true, updatedBy: true }),
];

/** Output keys that hold secrets (password parameters come back in clear text). */
export const secretKeys: readonly string[] = ["parameters"];

function itemRules(ctx: RuleContext<DeploymentInputs>): void {
  const v = ctx.value;
  if (!ctx.known("software") || !ctx.known("task")) return;
  if (v.software && v.task) ctx.issue("task", "a deployment deploys one item: set either software or task, not both");
  if (!v.software && !v.task) ctx.issue("software", `is required unless task is set: say what to deploy, e.g. software: { id: "303", desiredState: "LatestVersion" } or task: { id: "12", mode: "Enforce" }`);
  const s = v.software;
  if (s) {
    if (VERSIONED.includes(s.desiredState) && s.version === undefined) {
      ctx.issue("software.version", `is required for desiredState ${JSON.stringify(s.desiredState)}: give the version, e.g. "24.08"`);
    }
    if (!VERSIONED.includes(s.desiredState) && s.version !== undefined) {
      ctx.issue("software.version", `only applies to desiredState "ThisVersion", "NewerOrEqualVersion" or "OlderOrEqualVersion"; remove it for ${JSON.stringify(s.desiredState)}`);
    }
    if (ctx.known("targetCategory") && v.targetCategory !== undefined && v.targetCategory !== "Computer") {
      ctx.issue("targetCategory", `software is deployed to computers: use targetCategory "Computer" (or omit it), not ${JSON.stringify(v.targetCategory)}`);
    }
  }
}

export const model: InputModel<typeof deploymentFields> = {
  kind: KIND,
  fields: deploymentFields,
  rules: [(ctx) => targetRules(ctx), itemRules],
  normalize: (v, known) => {
    const t = normalizeTarget(v, known);
    // An empty parameter map and none at all are the same to ImmyBot.
    return t.parameters && Object.keys(t.parameters).length === 0 ? { ...t, parameters: undefined } : t;
  },
  replaceOnChanges: [],
  createOnly: ["adoptId"],
};

// ---- wire mapping: deployment-wire.ts -------------------------------------------------------------------------

export { fromWire, toWire } from "./deployment-wire";

// ---- lifecycle -------------------------------------------------------------------------------------------------

export const lifecycle = restLifecycle({
  kind: KIND,
  noun: "deployment",
  path: PATH,
  model,
  toWire,
  fromWire,
  secretKeys,
  // Deployments are a Sieve-paged list; the item id narrows it to a handful.
  candidates: (api, v) => sieveAll<Wire>(api, PATH, { Filters: `maintenanceIdentifier==${itemToWire(v).maintenanceIdentifier}` }),
  candidateScope: (v) => (v.software ? `software ${v.software.id}` : `task ${v.task?.id}`),
  // A tenant's deployment from the tenant's list, a cross-tenant one from the list of those without a tenant; in
  // pages of READ_PAGE (a list that ignored the filter would only be longer: rows are matched by id).
  listScope: (props) => tenantScope(props, (api, tenantId) => sieveAll<Wire>(api, PATH, { Filters: `tenantId==${tenantId ?? "null"}` }, READ_PAGE)),
  // Notes are not part of the payload: ImmyBot sets them through their own route.
  async afterWrite(api, id, v, written) {
    if ((nonEmpty(written.notes) ?? null) === (v.notes ?? null)) return written;
    await api.post(`${PATH}/${id}/notes`, { notes: v.notes ?? null });
    return { ...written, notes: v.notes ?? null };
  },
});

export const { check, diff, create, read, update } = lifecycle;
