/**
 * The policy format: the YAML files an MSP keeps in Git, one per tenant (or per policy area), declaring schedules,
 * deployments and on-demand maintenance sessions in plain terms (tenant, computers, tags, software and tasks by
 * name). These interfaces are the one documentation of the format: `npm run schema` turns them into the JSON Schema
 * editors use (`policy.schema.json`, shipped at the package root), and `schema.ts` ties the loader's zod schema to them.
 *
 * Resource fields (times, time zones, reboot and e-mail options, ...) are the resources' own arguments, picked from
 * their documented interfaces, so their documentation and their validation are the resources'.
 */
import type { DeploymentArgs, ItemScope, JsonValue, SoftwareItem, TaskItem } from "../../provider/deployment";
import type { MaintenanceSessionArgs } from "../../provider/maintenance-session";
import type { EmailArgs, ExecutionArgs, RebootArgs } from "../../provider/models/maintenance-options";
import type { TargetArgs } from "../../provider/models/target";
import type { ScheduleArgs } from "../../provider/schedule";
import type { MaintenanceRolloutArgs, RolloutRingArgs } from "../../provider/maintenance-rollout-args";
import type { TagArgs } from "../../provider/tag";

/**
 * One policy file, e.g. `tenants/contoso.yaml`. Resources are named `<file name without extension>-<entry name>`
 * (e.g. `contoso-weekly`), so renaming a file or an entry replaces its resources.
 */
export interface PolicyFile {
  /**
   * The tenant this file is for, by its name in ImmyBot (case does not matter), e.g. "Contoso". Every target of the
   * file is limited to it. Exactly one of tenant and crossTenant.
   */
  tenant?: string;
  /**
   * `true`: the file's entries apply across tenants (ImmyBot's targets without a tenant): `all` is every computer
   * of every tenant, `{ computer: <name> }` and `{ tag: <name> }` are found among all tenants' computers and tags.
   * Exactly one of tenant and crossTenant.
   */
  crossTenant?: true;
  /** Maintenance schedules: when maintenance runs for which computers of the tenant. */
  schedules?: PolicySchedule[];
  /** Deployments: which software or task should be in which state on which computers of the tenant. */
  deployments?: PolicyDeployment[];
  /**
   * Maintenance runs started by `pulumi up` for a deployment of this file, waited for, and failing the update when
   * they fail. A run starts again only when one of its fields (e.g. `triggers`) changes.
   */
  sessions?: PolicySession[];
  /**
   * Tags (rings such as Canary, Pilot) and which computers of the tenant carry them. A `{ tag: <name> }` anywhere in
   * the repository then means the declared tag: `pulumi up` creates it, and its members, before what uses it.
   */
  tags?: PolicyTag[];
  /**
   * A deployment of this file (or a full maintenance) run ring by ring by `pulumi up`: the next ring starts only
   * when the one before passed its gate. A rollout starts again only when its `triggers` change.
   */
  rollouts?: PolicyRollout[];
}

/**
 * Where a schedule or deployment applies, within the file's tenant: `all` (every computer of the tenant),
 * `{ computer: <name> }` (one computer) or `{ tag: <name> }` (the tenant's computers that carry the tag). In a
 * `crossTenant` file the same forms reach every tenant's computers.
 */
export type PolicyTarget = "all" | PolicyComputerTarget | PolicyTagTarget;

/** One computer of the tenant, by name. */
export interface PolicyComputerTarget {
  /** The computer's name in ImmyBot (case does not matter), e.g. "CONTOSO-WS001". */
  computer: string;
}

/** The tenant's computers that carry a tag (ImmyBot target type "Tag", limited to the tenant). */
export interface PolicyTagTarget {
  /** The tag's name in ImmyBot (case does not matter), e.g. "Canary". */
  tag: string;
}

/**
 * The best-practice checks of `pulumi-immybot lint` (and `policy.lint`), by id: see docs/policy-repository.md.
 * - "staggered-windows": too many schedules execute in the same hour;
 * - "test-first": software deployed to all computers with no smaller ring in front of it;
 * - "reboot-force-workstations": Force reboots on workstations, also during business hours;
 * - "prompt-timeout-action": reboot prompts that do not say what happens when nobody answers;
 * - "email-cannot-work": e-mail options that have no effect as set;
 * - "rollout-first-ring": a rollout whose first ring is not a small group.
 */
export type LintRuleId = "staggered-windows" | "test-first" | "reboot-force-workstations" | "prompt-timeout-action" | "email-cannot-work" | "rollout-first-ring";

/** Best-practice checks for one entry. */
export interface PolicyEntryLint {
  /** Rules not to apply to this entry, by id, e.g. `[test-first]` for software meant for every computer at once. */
  ignore?: LintRuleId[];
}

/** What every entry has. */
export interface PolicyEntry {
  /**
   * The entry's name: unique among the file's entries of its kind; letters, digits, ".", "_" and "-". The resource
   * is named `<file name>-<name>`, so renaming it replaces the resource.
   */
  name: string;
  /** Best-practice checks (`pulumi-immybot lint`) for this entry, e.g. `lint: { ignore: [test-first] }`. Changes nothing in ImmyBot. */
  lint?: PolicyEntryLint;
}

/** Schedule fields a policy file sets as they are (see the Schedule resource). */
export type PolicyScheduleField =
  | "adoptId"
  | "dayOfWeek"
  | "detectionTime"
  | "executionTime"
  | "cronExpression"
  | "timeZone"
  | "applyWindowsUpdates"
  | "allowAccessToMSPResources"
  | "disabled"
  | keyof RebootArgs
  | keyof EmailArgs
  | keyof ExecutionArgs;

/** A maintenance schedule of the tenant. */
export interface PolicySchedule extends PolicyEntry, Pick<ScheduleArgs, PolicyScheduleField> {
  /** Which computers of the tenant the schedule runs for: `all`, `{ computer: <name> }` or `{ tag: <name> }`. */
  target: PolicyTarget;
  /** Device class filter (UI: Group filter): "All" (default), "Servers", "Workstations", "PortableDevices", ... */
  groupFilter?: TargetArgs["targetGroupFilter"];
  /** Include the tenant's child tenants (UI: Propagate to child tenants). Default false. */
  propagateToChildTenants?: TargetArgs["propagateToChildTenants"];
  /** Limit the schedule to the item of this deployment of the same file, by its `name`. Omit for full maintenance. */
  deployment?: string;
}

/** Deployment fields a policy file sets as they are (see the Deployment resource). */
export type PolicyDeploymentField = "adoptId" | "enforcement" | "disabled" | "selfService" | "technicianTools" | "notes";

/**
 * A task parameter value kept out of Git: the value of a Pulumi stack config key, read as a secret
 * (`pulumi config set --secret <key> <value>`). A mapping whose only key is `secretFromConfig` is always this.
 */
export interface SecretFromConfig {
  /** The stack config key, e.g. "biosPassword" (the project's namespace) or "contoso:biosPassword". */
  secretFromConfig: string;
}

/** A parameter value with its override flags. */
export interface PolicyParameterSetting {
  /** The value, or `{ secretFromConfig: <key> }`. */
  value: JsonValue | SecretFromConfig;
  /** Let a maintenance session override the value. Default false. */
  allowOverride?: boolean;
  /** Make a maintenance session supply the value. Default false. */
  requiresOverride?: boolean;
}

/** A parameter value: a plain value, `{ secretFromConfig: <key> }` (passwords), or `{ value, allowOverride, requiresOverride }`. */
export type PolicyParameterValue = JsonValue | SecretFromConfig | PolicyParameterSetting;

/** Parameter values by parameter name. */
export interface PolicyParameters {
  [name: string]: PolicyParameterValue;
}

/** A deployment of one software or one maintenance task to computers of the tenant. */
export interface PolicyDeployment extends PolicyEntry, Pick<DeploymentArgs, PolicyDeploymentField> {
  /** Which computers of the tenant: `all`, `{ computer: <name> }` or `{ tag: <name> }`. */
  target: PolicyTarget;
  /** Device class filter (UI: Group filter): "All" (default), "Servers", "Workstations", "PortableDevices", ... */
  groupFilter?: TargetArgs["targetGroupFilter"];
  /** Include the tenant's child tenants (UI: Propagate to child tenants). Default false. */
  propagateToChildTenants?: TargetArgs["propagateToChildTenants"];
  /** The software to deploy, by its name in ImmyBot, e.g. "7-Zip". Exactly one of software and task. */
  software?: string;
  /** The maintenance task to deploy, by its name in ImmyBot, e.g. "Set BIOS password". Exactly one of software and task. */
  task?: string;
  /**
   * Where the software or task is: "Global" (ImmyBot's catalog) or "Local" (your instance's own). Omit to find the
   * name in both; needed when both have it (e.g. a local "Google Chrome" beside the global one).
   */
  scope?: ItemScope;
  /**
   * For software: the state it should be in (UI: Desired state), "LatestVersion" (the default), "AnyVersion",
   * "ThisVersion", "NewerOrEqualVersion", "OlderOrEqualVersion", "UpdateIfFound", "NotPresent" or "NoAction".
   */
  desiredState?: SoftwareItem["desiredState"];
  /** For software: the version, e.g. "24.08"; required for ThisVersion, NewerOrEqualVersion and OlderOrEqualVersion, and only there. */
  version?: SoftwareItem["version"];
  /** For a task: UI: Mode. "Enforce" (test, set, test; the default), "Audit" (test only), "Monitor" or "NoAction" (UI: Ignore). */
  mode?: TaskItem["mode"];
  /**
   * Parameter values by parameter name: the task's parameters (or those of the software's configuration task).
   * A value, `{ secretFromConfig: <config key> }` for anything secret (a Password parameter must use it), or
   * `{ value, allowOverride, requiresOverride }`. Stored as a secret.
   */
  parameters?: PolicyParameters;
}

/** The run options a session and a rollout of a policy file both set as they are. */
type PolicyRunField = "detectionOnly" | "triggers" | "timeout" | "failOnPartialPassed" | "failOnPostponed" | keyof RebootArgs | keyof EmailArgs | keyof ExecutionArgs;

/** MaintenanceSession fields a policy file sets as they are (see the MaintenanceSession resource). */
export type PolicySessionField = PolicyRunField | "executionTime" | "timeZone" | "waitFor";

/** A maintenance run of a deployment of this file, started by `pulumi up`. */
export interface PolicySession extends PolicyEntry, Pick<MaintenanceSessionArgs, PolicySessionField> {
  /** The deployment to enforce: the `name` of a deployment in the same file. */
  deployment: string;
  /**
   * Run on these computers of the tenant, by name. Omit to run on every computer the deployment targets.
   */
  computers?: string[];
}

/** Tag fields a policy file sets as they are (see the Tag resource). */
export type PolicyTagField = "adoptId" | "description" | "color";

/**
 * A tag and the computers (and tenants) that carry it because of this entry. ImmyBot's tags are global: one entry
 * per tag name in the whole repository. Others that carry the tag (set by hand, or by another tool) are left alone.
 */
export interface PolicyTag extends PolicyEntry, Pick<TagArgs, PolicyTagField> {
  /**
   * The tag's name in ImmyBot, also the entry's name (letters, digits, ".", "_" and "-"), e.g. "Canary" or
   * "Contoso-Canary". `{ tag: <name> }` targets and rollout rings of any file refer to it (case does not matter).
   */
  name: string;
  /** The computers of the tenant that carry the tag, by name, e.g. [CONTOSO-WS001, CONTOSO-LT014]. */
  computers?: string[];
  /** The tenants that carry the tag, by name (for ImmyBot's "TenantTag" targets), e.g. [Contoso]. */
  tenants?: string[];
}

/** One ring of a rollout: its computers (exactly one of computers, tag and fraction) and its gate. */
export interface PolicyRolloutRing extends Pick<RolloutRingArgs, "name" | "fraction" | "maxFailures" | "soak" | "maxConcurrent"> {
  /** The ring's computers, by name (computers of the file's tenant), e.g. [CONTOSO-WS001]. */
  computers?: string[];
  /** The computers that carry this tag, by its name: a tag of the repository's `tags`, or one ImmyBot has. */
  tag?: string;
}

/** MaintenanceRollout fields a policy file sets as they are (see the MaintenanceRollout resource). */
export type PolicyRolloutField = PolicyRunField | "fullMaintenance" | "adoptId";

/** A deployment of this file (or a full maintenance) run ring by ring, started by `pulumi up`. */
export interface PolicyRollout extends PolicyEntry, Pick<MaintenanceRolloutArgs, PolicyRolloutField> {
  /** The deployment to roll out: the `name` of a deployment in the same file. Exactly one of deployment and `fullMaintenance: true`. */
  deployment?: string;
  /**
   * The rings, in order, e.g. `[{ name: canary, tag: Canary }, { name: broad, fraction: 1, maxFailures: "5%" }]`:
   * each starts only when the one before passed its gate (and its soak is over).
   */
  rings: PolicyRolloutRing[];
}
