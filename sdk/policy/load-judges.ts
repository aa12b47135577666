/**
 * The values of a policy entry's resource fields, judged by the resources' own models (`parseInputs`), exactly as
 * `pulumi preview` would judge them, with the failures' paths and words turned into the policy's; and the
 * parameters' secret references. Names resolved later go in as Pulumi's "unknown" sentinel (see load.ts).
 */
import type { z } from "zod";
import { parseInputs, UNKNOWN, type InputModel } from "../../provider/check";
import { model as deploymentModel } from "../../provider/deployment";
import { model as rolloutModel } from "../../provider/maintenance-rollout-args";
import { model as sessionModel } from "../../provider/maintenance-session";
import { model as scheduleModel } from "../../provider/schedule";
import { model as tagModel } from "../../provider/tag";
import { model as membershipModel } from "../../provider/tag-membership";
import { closestKey } from "./problems";
import { DEPLOYMENT_FIELDS, RING_FIELDS, ROLLOUT_FIELDS, SCHEDULE_FIELDS, SESSION_FIELDS, TAG_FIELDS, type ListKey } from "./schema";
import type { SecretFromConfig } from "./types";

export type Path = (string | number)[];
export type Entry = Record<string, unknown>;

/** What the model sees instead of a value that is a secret (resolved by `declare` from the stack config). */
const SECRET_PLACEHOLDER = "(secret from config)";
/** A valid id where the model must see an item, which `declare` resolves by name. */
const PLACEHOLDER_ID = "1";

export function isPlainObject(v: unknown): v is Entry {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export type Report = (path: Path, message: string) => void;
export type Judge = (entry: Entry, valid: (key: string) => boolean, report: Report, crossTenant: boolean) => void;

/**
 * The target fields the model sees: the kind of target is known, the ids are not (yet). A tenant's file limits
 * every target to the tenant (`all` is AllForTenant); a crossTenant file has no tenant (`all` is All).
 */
function targetArgs(entry: Entry, valid: (key: string) => boolean, crossTenant: boolean): Entry {
  const base = { tenantId: crossTenant ? undefined : UNKNOWN, targetGroupFilter: entry.groupFilter, propagateToChildTenants: entry.propagateToChildTenants };
  if (!valid("target")) return { ...base, targetType: UNKNOWN, target: UNKNOWN };
  if (entry.target === "all") return { ...base, targetType: crossTenant ? "All" : "AllForTenant" };
  return { ...base, targetType: "computer" in (entry.target as object) ? "Computer" : "Tag", target: UNKNOWN };
}

const pickKeys = (entry: Entry, keys: readonly string[]): Entry => Object.fromEntries(keys.filter((k) => entry[k] !== undefined).map((k) => [k, entry[k]]));
const defined = (o: Entry): Entry => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Where a failure of the model's property is in the policy entry, for each kind (by the longest matching prefix). */
const TARGET_PROPERTIES = { targetType: "target", target: "target", tenantId: "target", targetCategory: "target", targetGroupFilter: "groupFilter" };
const PROPERTY_PATHS: Record<ListKey, Record<string, string>> = {
  schedules: { ...TARGET_PROPERTIES, maintenanceType: "deployment", maintenanceIdentifier: "deployment" },
  deployments: {
    ...TARGET_PROPERTIES,
    "software.id": "software",
    "software.scope": "scope",
    "software.desiredState": "desiredState",
    "software.version": "version",
    "task.id": "task",
    "task.scope": "scope",
    "task.mode": "mode",
  },
  sessions: { deploymentId: "deployment" },
  tags: {},
  rollouts: { deploymentId: "deployment" },
};

/** The model's words for its own argument names, in the policy's terms. */
const REWRITES: [RegExp, string][] = [
  [/\btargetGroupFilter\b/g, "groupFilter"],
  [/remove maintenanceType and maintenanceIdentifier/g, "remove deployment"],
  [/e\.g\. software: \{.*$/, 'e.g. "software: 7-Zip" (with desiredState) or "task: Set BIOS password" (with mode)'],
  [/give at least one id, or leave it out/, "give at least one computer name, or leave it out"],
  [/give the deployment to roll out \(a Deployment's id, e\.g\. "42"\)/, "give the deployment to roll out (the name of a deployment in this file)"],
  [/remove deploymentId, or remove fullMaintenance/, "remove deployment, or remove fullMaintenance"],
  [/give exactly one of computers \(ids\), tag \(a tag id\) or fraction/, "give exactly one of computers (names), tag (a tag's name) or fraction"],
  [/^lists no computer; give at least one id, or use tag or fraction$/, "lists no computer; give at least one computer name, or use tag or fraction"],
  [/^lists no ring; give at least one, e\.g\. .*$/, "lists no ring; give at least one, e.g. [{ name: canary, tag: Canary }, { name: broad, fraction: 1 }]"],
  [/only applies to a single tenant: set tenantId, or remove propagateToChildTenants/, "only applies to a tenant's file; a crossTenant file has no tenant: remove propagateToChildTenants"],
];

/** The model's path of a failure -> the path in the policy entry (a parameter's path is the same in both). */
function policyPath(list: ListKey, path: Path): Path {
  if (path[0] === "parameters") return path;
  const renames = PROPERTY_PATHS[list];
  for (let n = path.length; n > 0; n--) {
    const prefix = path.slice(0, n).join(".");
    if (Object.hasOwn(renames, prefix)) return [renames[prefix] as string, ...path.slice(n)];
  }
  return path;
}

function judge<S extends z.ZodRawShape>(list: ListKey, model: InputModel<S>, args: Entry, report: Report): void {
  for (const f of parseInputs(model, defined(args)).failures) {
    report(policyPath(list, f.path), REWRITES.reduce((text, [re, to]) => text.replace(re, to), f.reason));
  }
}

export const JUDGES: Record<ListKey, Judge> = {
  schedules(entry, valid, report, crossTenant) {
    const item = valid("deployment") ? { maintenanceType: "GlobalSoftware", maintenanceIdentifier: PLACEHOLDER_ID } : {};
    judge("schedules", scheduleModel, { ...targetArgs(entry, valid, crossTenant), ...pickKeys(entry, SCHEDULE_FIELDS), ...item }, report);
  },
  deployments(entry, valid, report, crossTenant) {
    const software = entry.software === undefined ? undefined : defined({ id: PLACEHOLDER_ID, scope: entry.scope, desiredState: entry.desiredState ?? "LatestVersion", version: entry.version });
    const task = entry.task === undefined ? undefined : defined({ id: PLACEHOLDER_ID, scope: entry.scope, mode: entry.mode });
    const parameters = entry.parameters === undefined ? undefined : withoutSecrets(entry.parameters);
    judge("deployments", deploymentModel, { ...targetArgs(entry, valid, crossTenant), ...pickKeys(entry, DEPLOYMENT_FIELDS), software, task, parameters }, report);
    // Keys that go with one kind of item: the model only sees them inside `software` or `task`.
    if (entry.task !== undefined && entry.software === undefined) {
      for (const key of ["desiredState", "version"]) {
        if (entry[key] !== undefined) report([key], `only applies to software; a task deployment has mode instead: remove ${key}`);
      }
    }
    if (entry.software !== undefined && entry.task === undefined && entry.mode !== undefined) {
      report(["mode"], "only applies to a task; software has desiredState instead: remove mode");
    }
    checkSecretReferences(entry.parameters, (path, message) => report(["parameters", ...path], message));
  },
  sessions(entry, _valid, report) {
    const computers = Array.isArray(entry.computers) ? entry.computers.map(() => UNKNOWN) : undefined;
    judge("sessions", sessionModel, { deploymentId: UNKNOWN, computers, ...pickKeys(entry, SESSION_FIELDS) }, report);
  },
  tags(entry, _valid, report) {
    judge("tags", tagModel, { name: entry.name, ...pickKeys(entry, TAG_FIELDS) }, report);
  },
  rollouts(entry, _valid, report) {
    // Placeholders, not the unknown sentinel, for the rings' names: an unknown inside `rings` would hide every ring from the model.
    const rings = Array.isArray(entry.rings)
      ? entry.rings.map((ring) => {
          if (!isPlainObject(ring)) return ring;
          const computers = Array.isArray(ring.computers) ? ring.computers.map((_, i) => i + 1) : undefined;
          return defined({ ...pickKeys(ring, RING_FIELDS), computers, tag: ring.tag === undefined ? undefined : PLACEHOLDER_ID });
        })
      : (entry.rings ?? UNKNOWN); // missing: the schema says so, in the policy's words
    // A placeholder id with fullMaintenance, so the model says that the two do not go together.
    const deploymentId = entry.deployment === undefined ? undefined : entry.fullMaintenance === true ? PLACEHOLDER_ID : UNKNOWN;
    judge("rollouts", rolloutModel, { deploymentId, rings, ...pickKeys(entry, ROLLOUT_FIELDS) }, report);
  },
};

// ---- parameters and secrets ------------------------------------------------------------------------------------

/** A mapping whose only key is `secretFromConfig`. */
export function isSecretReference(v: unknown): v is SecretFromConfig {
  return isPlainObject(v) && Object.keys(v).length === 1 && "secretFromConfig" in v;
}

/** A parameter in its long form: `{ value, allowOverride?, requiresOverride? }`. */
export function isParameterSetting(v: unknown): v is { value: unknown; allowOverride?: unknown; requiresOverride?: unknown } {
  return isPlainObject(v) && "value" in v && Object.keys(v).every((k) => ["value", "allowOverride", "requiresOverride"].includes(k));
}

/** Parameters as the model sees them: each secret reference replaced by a placeholder text. */
function withoutSecrets(parameters: unknown): unknown {
  if (!isPlainObject(parameters)) return parameters;
  const hide = (v: unknown) => (isSecretReference(v) ? SECRET_PLACEHOLDER : v);
  return Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, isParameterSetting(v) ? { ...v, value: hide(v.value) } : hide(v)]));
}

/** Pulumi config keys: `name` (the project's namespace) or `namespace:name`. */
const CONFIG_KEY = /^(?:[A-Za-z0-9_.-]+:)?[A-Za-z0-9_.-]+$/;

function checkSecretReferences(parameters: unknown, report: Report): void {
  if (!isPlainObject(parameters)) return;
  for (const [name, v] of Object.entries(parameters)) {
    for (const [value, path] of [[v, [name]], ...(isParameterSetting(v) ? [[v.value, [name, "value"]]] : [])] as [unknown, Path][]) {
      if (isSecretReference(value)) {
        const key = value.secretFromConfig;
        if (typeof key !== "string" || !CONFIG_KEY.test(key)) {
          report([...path, "secretFromConfig"], `must be a stack config key, e.g. "biosPassword" (set with \`pulumi config set --secret biosPassword <value>\`); got ${JSON.stringify(key)}`);
        }
      } else if (isPlainObject(value) && Object.keys(value).length === 1) {
        const [key] = Object.keys(value) as [string];
        if (closestKey(key, ["secretFromConfig"]) !== undefined) {
          report([...path, key], `${JSON.stringify(key)} is not a known key; did you mean "secretFromConfig"? As written, the mapping itself would be sent to ImmyBot as the value`);
        }
      }
    }
  }
}

