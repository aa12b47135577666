/**
 * The structure of a policy file as a zod schema, tied at compile time to the documented interfaces in `types.ts`
 * (same keys, same types), so the format is defined once.
 *
 * Resource fields are the resources' own zod fields (picked from each resource's model). The loader uses this
 * schema for the *structure* (which keys exist, the policy's own keys such as `name`, `target`, `software`), and
 * leaves the *values* of resource fields to the resource models (`parseInputs`), which also apply the cross-field
 * rules: see `RESOURCE_KEYS` and `load.ts`.
 */
import { z } from "zod";
import { model as deploymentModel } from "../../provider/deployment";
import { model as sessionModel } from "../../provider/maintenance-session";
import { model as rolloutModel } from "../../provider/maintenance-rollout-args";
import { model as tagModel } from "../../provider/tag";
import { targetFields } from "../../provider/models/target";
import type { Tie } from "../../provider/models/tie";
import { closestKey } from "./problems";
import { model as scheduleModel } from "../../provider/schedule";
import type {
  PolicyDeployment,
  PolicyDeploymentField,
  PolicyEntryLint,
  LintRuleId,
  PolicyFile,
  PolicyParameters,
  PolicySchedule,
  PolicyScheduleField,
  PolicySession,
  PolicySessionField,
  PolicyRollout,
  PolicyRolloutField,
  PolicyRolloutRing,
  PolicyTag,
  PolicyTagField,
  PolicyTarget,
} from "./types";

function pick<S extends z.ZodRawShape, K extends keyof S & string>(shape: S, keys: readonly K[]): Pick<S, K> {
  return Object.fromEntries(keys.map((k) => [k, shape[k]])) as Pick<S, K>;
}

/** Letters, digits, ".", "_", "-": an entry's name is part of its resource's name. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const shown = (v: unknown) => JSON.stringify(v) ?? String(v);

const entryName = z
  .string({
    error: (i) =>
      i.input === undefined
        ? "is required: give the entry a name, unique among its kind in this file (its resource is named <file name>-<name>)"
        : `must be text, e.g. "weekly-maintenance"; got ${shown(i.input)}`,
  })
  .regex(NAME, {
    error: (i) => `${shown(i.input)} is not a usable name: use letters, digits, ".", "_" and "-" (at most 63; it becomes part of the resource name), e.g. "weekly-maintenance"`,
  });

/** A name ImmyBot resolves (tenant, computer, tag, software, task). */
const lookupName = (what: string, example: string) =>
  z
    .string({
      error: (i) => (i.input === undefined ? `is required: the ${what}'s name in ImmyBot, e.g. ${example}` : `must be the ${what}'s name as text, e.g. ${example}; got ${shown(i.input)}`),
    })
    .refine((s) => s.trim() !== "", { error: `is empty: give the ${what}'s name in ImmyBot, e.g. ${example}` });

/** The name of another entry of the same file. */
const reference = (what: string) =>
  z.string({
    error: (i) => (i.input === undefined ? `is required: the name of a ${what} in this file` : `must be the name of a ${what} in this file, as text; got ${shown(i.input)}`),
  });

/** The ids of the best-practice checks (`lint.ts` has their rules). */
export const LINT_RULE_IDS = ["staggered-windows", "test-first", "reboot-force-workstations", "prompt-timeout-action", "email-cannot-work", "rollout-first-ring"] as const satisfies readonly LintRuleId[];
const _tieRuleIds: Tie<(typeof LINT_RULE_IDS)[number], LintRuleId> = true;

/** A rule id of `lint: { ignore: [...] }` (here and in the repository's `.immybot-lint.yaml`), with "did you mean". */
export const lintRuleId = z.enum(LINT_RULE_IDS, {
  error: (i) => {
    const near = typeof i.input === "string" ? closestKey(i.input, LINT_RULE_IDS) : undefined;
    return `${shown(i.input)} is not a lint rule${near ? `; did you mean ${JSON.stringify(near)}?` : ""} (the rules: ${LINT_RULE_IDS.join(", ")})`;
  },
});

const entryLint = z.strictObject(
  { ignore: z.array(lintRuleId, { error: (i) => `must be a list of rule ids, e.g. [test-first]; got ${shown(i.input)}` }).optional() },
  { error: (i) => (i.code === "invalid_type" ? `must be a mapping, e.g. { ignore: [test-first] }; got ${shown(i.input)}` : undefined) },
);
const _tieLint: Tie<z.input<typeof entryLint>, PolicyEntryLint> = true;

const TARGET_FORMS = 'all, { computer: <name> } or { tag: <name> }';

/** The fix for a target that is none of the three forms (with "did you mean" for a misspelt key or `all`). */
export function targetProblem(input: unknown): string {
  if (input === undefined) return `is required: say which computers of the tenant: ${TARGET_FORMS}`;
  let hint = "";
  if (typeof input === "string" && input.trim().toLowerCase() === "all") hint = '; write all in lower case';
  if (input && typeof input === "object" && !Array.isArray(input)) {
    const keys = Object.keys(input);
    if (keys.length !== 1) hint = `; give exactly one of computer and tag (got ${keys.length === 0 ? "no key" : keys.join(", ")})`;
    else if (!["computer", "tag"].includes(keys[0] as string)) {
      const near = closestKey(keys[0] as string, ["computer", "tag"]);
      hint = `; ${JSON.stringify(keys[0])} is not a kind of target${near ? `: did you mean ${JSON.stringify(near)}?` : ""}`;
    }
    else hint = "; the name must be text";
  }
  return `must be ${TARGET_FORMS}; got ${shown(input)}${hint}`;
}

const target = z.union([z.literal("all"), z.strictObject({ computer: lookupName("computer", '"CONTOSO-WS001"') }), z.strictObject({ tag: lookupName("tag", '"Canary"') })], {
  error: (i) => targetProblem(i.input),
});
const _tieTarget: Tie<z.input<typeof target>, PolicyTarget> = true;

const secretFromConfig = z.strictObject({ secretFromConfig: z.string() });
const parameterValue = z.union([secretFromConfig, z.strictObject({ value: z.union([secretFromConfig, z.json()]), allowOverride: z.boolean().optional(), requiresOverride: z.boolean().optional() }), z.json()]);
const parameters = z.record(z.string(), parameterValue, { error: (i) => `must be a mapping of parameter names to values; got ${shown(i.input)}` });
// An index signature's keyof also has `number`: tie the values (the deployment's tie below checks the whole).
const _tieParameters: Tie<z.input<typeof parameters>, Record<string, PolicyParameters[string]>> = true;

const entryObject = (what: string) => ({
  error: (i: { code: string; input?: unknown }) => (i.code === "invalid_type" ? `must be a ${what} (a mapping with name, ...); got ${shown(i.input)}` : undefined),
});

/** The reboot, prompt, e-mail and execution options schedules and sessions share (provider/models/maintenance-options.ts). */
const MAINTENANCE_OPTION_FIELDS = [
  "rebootPreference",
  "promptTimeoutAction",
  "promptTimeoutMinutes",
  "autoConsentToReboots",
  "suppressRebootsDuringBusinessHours",
  "offlineBehavior",
  "sendDetectionEmail",
  "sendDetectionEmailWhenAllActionsAreCompliant",
  "sendFollowUpEmail",
  "sendFollowUpOnlyIfActionNeeded",
  "showRunNowButton",
  "showPostponeButton",
  "showMaintenanceActions",
  "useComputersTimezoneForExecution",
  "scheduleExecutionAfterActiveHours",
] as const;

export const SCHEDULE_FIELDS = [
  "adoptId",
  "dayOfWeek",
  "detectionTime",
  "executionTime",
  "cronExpression",
  "timeZone",
  "applyWindowsUpdates",
  "allowAccessToMSPResources",
  "disabled",
  ...MAINTENANCE_OPTION_FIELDS,
] as const satisfies readonly PolicyScheduleField[];

export const DEPLOYMENT_FIELDS = ["adoptId", "enforcement", "disabled", "selfService", "technicianTools", "notes"] as const satisfies readonly PolicyDeploymentField[];

export const SESSION_FIELDS = [
  "detectionOnly",
  "executionTime",
  "timeZone",
  "triggers",
  "waitFor",
  "timeout",
  "failOnPartialPassed",
  "failOnPostponed",
  ...MAINTENANCE_OPTION_FIELDS,
] as const satisfies readonly PolicySessionField[];

export const TAG_FIELDS = ["adoptId", "description", "color"] as const satisfies readonly PolicyTagField[];

export const ROLLOUT_FIELDS = [
  "fullMaintenance",
  "detectionOnly",
  "triggers",
  "timeout",
  "failOnPartialPassed",
  "failOnPostponed",
  "adoptId",
  ...MAINTENANCE_OPTION_FIELDS,
] as const satisfies readonly PolicyRolloutField[];

/** A ring's fields the rollout's model judges (the ring's computers and tag are names, the policy's own). */
export const RING_FIELDS = ["name", "fraction", "maxFailures", "soak", "maxConcurrent"] as const satisfies readonly (keyof PolicyRolloutRing)[];

const software = deploymentModel.fields.software.unwrap().shape;
const task = deploymentModel.fields.task.unwrap().shape;

// Key order: the order `write.ts` writes an entry's keys in (name and adoptId first, what it is, where, then how).
const { adoptId: scheduleAdoptId, ...scheduleFields } = pick(scheduleModel.fields, SCHEDULE_FIELDS);
const { adoptId: deploymentAdoptId, ...deploymentFields } = pick(deploymentModel.fields, DEPLOYMENT_FIELDS);

export const scheduleEntry = z.strictObject(
  {
    name: entryName,
    adoptId: scheduleAdoptId,
    target,
    groupFilter: targetFields.targetGroupFilter,
    propagateToChildTenants: targetFields.propagateToChildTenants,
    deployment: reference("deployment").optional(),
    ...scheduleFields,
    lint: entryLint.optional(),
  },
  entryObject("schedule"),
);
const _tieSchedule: Tie<z.input<typeof scheduleEntry>, PolicySchedule> = true;

export const deploymentEntry = z.strictObject(
  {
    name: entryName,
    adoptId: deploymentAdoptId,
    software: lookupName("software", '"7-Zip"').optional(),
    task: lookupName("maintenance task", '"Set BIOS password"').optional(),
    scope: software.scope,
    desiredState: software.desiredState.optional(),
    version: software.version,
    mode: task.mode,
    target,
    groupFilter: targetFields.targetGroupFilter,
    propagateToChildTenants: targetFields.propagateToChildTenants,
    ...deploymentFields,
    parameters: parameters.optional(),
    lint: entryLint.optional(),
  },
  entryObject("deployment"),
);
const _tieDeployment: Tie<z.input<typeof deploymentEntry>, PolicyDeployment> = true;

export const sessionEntry = z.strictObject(
  {
    name: entryName,
    deployment: reference("deployment"),
    computers: z.array(lookupName("computer", '"CONTOSO-WS001"'), { error: (i) => `must be a list of computer names, e.g. [CONTOSO-WS001]; got ${shown(i.input)}` }).optional(),
    ...pick(sessionModel.fields, SESSION_FIELDS),
    lint: entryLint.optional(),
  },
  entryObject("session"),
);
const _tieSession: Tie<z.input<typeof sessionEntry>, PolicySession> = true;

const computerNames = z.array(lookupName("computer", '"CONTOSO-WS001"'), { error: (i) => `must be a list of computer names, e.g. [CONTOSO-WS001]; got ${shown(i.input)}` });

const { adoptId: tagAdoptId, ...tagFields } = pick(tagModel.fields, TAG_FIELDS);

export const tagEntry = z.strictObject(
  {
    name: entryName,
    adoptId: tagAdoptId,
    ...tagFields,
    computers: computerNames.optional(),
    tenants: z.array(lookupName("tenant", '"Contoso"'), { error: (i) => `must be a list of tenant names, e.g. [Contoso]; got ${shown(i.input)}` }).optional(),
    lint: entryLint.optional(),
  },
  entryObject("tag"),
);
const _tieTag: Tie<z.input<typeof tagEntry>, PolicyTag> = true;

const ringShape = rolloutModel.fields.rings.element.shape;
export const ringEntry = z.strictObject(
  {
    ...pick(ringShape, RING_FIELDS),
    computers: computerNames.optional(),
    tag: lookupName("tag", '"Canary"').optional(),
  },
  { error: (i) => (i.code === "invalid_type" ? `must be a ring (a mapping with name and one of computers, tag, fraction), e.g. { name: canary, tag: Canary }; got ${shown(i.input)}` : undefined) },
);
const _tieRing: Tie<z.input<typeof ringEntry>, PolicyRolloutRing> = true;

export const rolloutEntry = z.strictObject(
  {
    name: entryName,
    deployment: reference("deployment").optional(),
    ...pick(rolloutModel.fields, ROLLOUT_FIELDS),
    rings: z.array(ringEntry, { error: (i) => (i.input === undefined ? "is required: list the rings in order, e.g. [{ name: canary, tag: Canary }, { name: broad, fraction: 1 }]" : `must be a list of rings, e.g. [{ name: canary, tag: Canary }, { name: broad, fraction: 1 }]; got ${shown(i.input)}`) }),
    lint: entryLint.optional(),
  },
  entryObject("rollout"),
);
const _tieRollout: Tie<z.input<typeof rolloutEntry>, PolicyRollout> = true;

const list = <T extends z.ZodType>(what: string, entry: T) =>
  z.array(entry, { error: (i) => `must be a list of ${what} (each item starting with "- name: ..."); got ${shown(i.input)}` }).optional();

/** What a file without a tenant is told (`load.ts` asks for exactly one of tenant and crossTenant). */
export const tenant = lookupName("tenant", '"tenant: Contoso"');

export const policyFileSchema = z.strictObject(
  {
    tenant: tenant.optional(),
    crossTenant: z.literal(true, { error: (i) => `must be true (the file's entries apply across tenants), or left out; got ${shown(i.input)}` }).optional(),
    schedules: list("schedules", scheduleEntry),
    deployments: list("deployments", deploymentEntry),
    sessions: list("sessions", sessionEntry),
    tags: list("tags", tagEntry),
    rollouts: list("rollouts", rolloutEntry),
  },
  { error: (i) => (i.code === "invalid_type" ? `must be a mapping with tenant, schedules, deployments, sessions, tags and rollouts; got ${shown(i.input)}` : undefined) },
);
const _tieFile: Tie<z.input<typeof policyFileSchema>, PolicyFile> = true;

/** The lists of a file, what an entry of each is called, and its keys. */
export const LISTS = {
  schedules: { noun: "schedule", keys: Object.keys(scheduleEntry.shape) },
  deployments: { noun: "deployment", keys: Object.keys(deploymentEntry.shape) },
  sessions: { noun: "session", keys: Object.keys(sessionEntry.shape) },
  tags: { noun: "tag", keys: Object.keys(tagEntry.shape) },
  rollouts: { noun: "rollout", keys: Object.keys(rolloutEntry.shape) },
} as const;

export type ListKey = keyof typeof LISTS;

export const FILE_KEYS = Object.keys(policyFileSchema.shape);

/**
 * Keys of an entry whose values the resource's model judges (through `parseInputs`): the schema's verdict on them
 * is dropped, so each problem is reported once, in the resource's own words, with its cross-field rules.
 */
export const RESOURCE_KEYS: Record<ListKey, ReadonlySet<string>> = {
  schedules: new Set<string>(["groupFilter", "propagateToChildTenants", ...SCHEDULE_FIELDS]),
  deployments: new Set<string>(["groupFilter", "propagateToChildTenants", "scope", "desiredState", "version", "mode", "parameters", ...DEPLOYMENT_FIELDS]),
  sessions: new Set<string>(SESSION_FIELDS),
  tags: new Set<string>(TAG_FIELDS),
  rollouts: new Set<string>(ROLLOUT_FIELDS),
};

/** Keys of a rollout's ring whose values the rollout's model judges (see {@link RESOURCE_KEYS}). */
export const RING_RESOURCE_KEYS: ReadonlySet<string> = new Set<string>(RING_FIELDS);

/** True for the name of one of the file's lists (own keys only: not "constructor"). */
export function isList(key: unknown): key is ListKey {
  return typeof key === "string" && Object.hasOwn(LISTS, key);
}

/** An unknown key: the close key of the same mapping, or the kind of entry it belongs to. */
export function unknownKey(key: string, path: readonly (string | number)[]): string {
  const list = path.length === 2 && isList(path[0]) ? path[0] : undefined;
  const ring = path.length === 4 && path[0] === "rollouts" && path[2] === "rings";
  const noun = list ? LISTS[list].noun : path.length === 0 ? "policy file" : ring ? "ring" : "mapping";
  const keys: readonly string[] = list ? LISTS[list].keys : path.length === 0 ? FILE_KEYS : ring ? Object.keys(ringEntry.shape) : [];
  const elsewhere = (Object.keys(LISTS) as ListKey[]).filter((l) => l !== list && (LISTS[l].keys as readonly string[]).includes(key));
  if (elsewhere.length > 0) return `${JSON.stringify(key)} is not a ${noun} key (it is one of ${elsewhere.join(" and ")}): remove it`;
  const near = closestKey(key, keys);
  if (near !== undefined) return `${JSON.stringify(key)} is not a ${noun} key; did you mean ${JSON.stringify(near)}?`;
  const listed = list ? "see the keys in policy.schema.json" : keys.length > 0 ? `the keys are ${keys.join(", ")}` : "see the keys in policy.schema.json";
  return `${JSON.stringify(key)} is not a ${noun} key: remove it (${listed})`;
}
