/**
 * The best-practice checks of `pulumi-immybot lint` as a Pulumi policy pack, for programs that declare the
 * resources themselves: `pulumi preview --policy-pack <dir>` reports them on the resources, with the same rule ids,
 * messages, fixes and reasons. Errors are "mandatory" (they fail `preview` and `up`), warnings "advisory".
 *
 * - "prompt-timeout-action" and "email-cannot-work" look at one resource at a time (Schedule, MaintenanceSession,
 *   MaintenanceRollout): `validateResource`.
 * - "reboot-force-workstations" needs a run's Deployment (its group filter), "test-first" every Deployment and run,
 *   "staggered-windows" every Schedule (and the TagMemberships of their tags), "rollout-first-ring" every
 *   MaintenanceRollout (and the TagMembership of its first ring's tag): `validateStack`.
 *
 * Only plain objects are exported, typed with @pulumi/policy's types: this module never loads @pulumi/policy (the
 * policy pack project has it), so the package does not depend on it.
 *
 * @example
 * // index.ts of a PulumiPolicy.yaml project
 * import { PolicyPack } from "@pulumi/policy";
 * import { immybotPolicies } from "pulumi-immybot/policy-pack";
 * new PolicyPack("immybot-best-practices", { policies: immybotPolicies({ ignore: ["staggered-windows"] }) });
 */
import type { EnforcementLevel, PolicyConfigSchema, PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { formatPath } from "../../provider/models/plain";
import { optionIssues, testFirst, type Issue } from "../policy/checks";
import { ROLLOUT_LINT_DEFAULTS, firstRingIssues, type RolloutLintOptions } from "../policy/checks-rollouts";
import { STAGGERED_WINDOWS_DEFAULTS, staggeredWindows, type StaggeredWindowsOptions } from "../policy/checks-windows";
import { LINT_RULES } from "../policy/lint";
import type { LintRuleId } from "../policy/types";
import { TYPES, deploymentFacts, optionsEntry, rolloutFacts, scheduleTimes, type ResourceSeen } from "./resources";

/** The type token of each resource class the policies look at, e.g. for policies of your own. */
export { TYPES as RESOURCE_TYPES };

/** Options of {@link immybotPolicies}: the defaults; the policy pack's config (`--policy-pack-config`) overrides them. */
export interface ImmybotPolicyOptions {
  /** Rules not to apply (enforcement level "disabled"; the pack's config can turn one on again), by id. */
  ignore?: LintRuleId[];
  /**
   * Resources a rule does not apply to, by the resource's name (as given to its constructor): what
   * `lint: { ignore: [...] }` is for an entry of a policy file, e.g. `{ "test-first": ["chrome-all"] }`.
   * The pack's config can list more: `ignoreResources` in each policy's config.
   */
  ignoreResources?: Partial<Record<LintRuleId, string[]>>;
  /** The limits of "staggered-windows" (per tenant, across the stack, computers per hour, tenants sharing infrastructure). */
  staggeredWindows?: PackWindowsOptions;
  /** The limits of "rollout-first-ring": how large a MaintenanceRollout's first ring may be. */
  rollouts?: RolloutLintOptions;
}

/**
 * The limits of "staggered-windows" in a program: as in `.immybot-lint.yaml`, but `sharedInfrastructure` names
 * tenants by id (what a program's resources carry), e.g. [[3, 4]].
 */
export interface PackWindowsOptions extends Omit<StaggeredWindowsOptions, "sharedInfrastructure"> {
  /** Groups of tenant ids whose schedules and computers count together (they share a site, a link, a distribution point), e.g. [[3, 4]]. */
  sharedInfrastructure?: (number | string)[][];
}

/** A rule's config: the resources it skips, and the limits of "staggered-windows" and "rollout-first-ring". */
interface RuleConfig extends PackWindowsOptions, RolloutLintOptions {
  ignoreResources?: string[];
}

const LEVEL = { error: "mandatory", warning: "advisory" } as const satisfies Record<string, EnforcementLevel>;

const limit = (what: string) => ({ type: "integer" as const, minimum: 1, description: `At most this many ${what} executing within one hour.` });
const LIMITS: Partial<Record<LintRuleId, PolicyConfigSchema["properties"]>> = {
  "staggered-windows": {
    maxPerTenant: limit("schedules of one tenant"),
    maxPerRepository: limit("schedules of the stack"),
    maxComputersPerHour: limit("computers of one tenant (or tenants sharing infrastructure)"),
    sharedInfrastructure: {
      type: "array",
      items: { type: "array", minItems: 2, items: { type: ["integer", "string"] } },
      description: "Groups of tenant ids that share infrastructure, counted together, e.g. [[3, 4]].",
    },
  },
  "rollout-first-ring": {
    maxFirstRingFraction: { type: "number", exclusiveMinimum: 0, maximum: 1, description: "The largest share of the deployment's computers a first ring may take." },
    maxFirstRingComputers: { type: "integer", minimum: 1, description: "The most computers a first ring may have." },
  },
};
const configSchema = (rule: LintRuleId): PolicyConfigSchema => ({
  properties: {
    ignoreResources: { type: "array", items: { type: "string" }, description: "Resources this rule does not apply to, by name." },
    ...LIMITS[rule],
  },
});

/** What a violation says after the policy's description: the property, what is wrong, the fix and why (as `pulumi-immybot lint` prints them). */
function violationMessage(issue: Issue): string {
  return `${typeof issue.property === "string" ? issue.property : formatPath(issue.property)}: ${issue.message}\nfix: ${issue.fix}\nwhy: ${LINT_RULES[issue.rule].why}`;
}

/** The policies, one per rule of `pulumi-immybot lint`, named by the rule's id. */
export function immybotPolicies(options: ImmybotPolicyOptions = {}): (ResourceValidationPolicy | StackValidationPolicy)[] {
  const ignored = new Set<string>(options.ignore ?? []);
  const base = (rule: LintRuleId) => ({
    name: rule,
    // The policy SDK puts it before each violation's message: one line.
    description: `ImmyBot best practice [${rule}]: ${LINT_RULES[rule].finds}`,
    enforcementLevel: ignored.has(rule) ? ("disabled" as const) : LEVEL[LINT_RULES[rule].severity],
    configSchema: configSchema(rule),
  });
  /** Reports `issues` of `resource` unless the rule skips it (by the options or the pack's config). */
  const reporter = (rule: LintRuleId, config: RuleConfig, report: ReportViolation) => {
    const skipped = new Set([...(options.ignoreResources?.[rule] ?? []), ...(config.ignoreResources ?? [])]);
    return (resource: { name: string; urn: string }, issues: Issue[], stack: boolean) => {
      if (skipped.has(resource.name)) return;
      for (const issue of issues) if (issue.rule === rule) report(violationMessage(issue), stack ? resource.urn : undefined);
    };
  };

  const perResource = (rule: "prompt-timeout-action" | "email-cannot-work"): ResourceValidationPolicy => ({
    ...base(rule),
    validateResource: (args, report) => {
      const entry = optionsEntry(args, false);
      if (entry) reporter(rule, args.getConfig<RuleConfig>(), report)(args, optionIssues(entry, "program"), false);
    },
  });

  const rebootForce: StackValidationPolicy = {
    ...base("reboot-force-workstations"),
    validateStack: (args, report) => {
      const out = reporter("reboot-force-workstations", args.getConfig<RuleConfig>(), report);
      for (const r of args.resources as readonly PolicyResource[]) {
        const entry = optionsEntry(r as ResourceSeen, true);
        if (entry) out(r, optionIssues(entry, "program"), true);
      }
    },
  };

  const testFirstPolicy: StackValidationPolicy = {
    ...base("test-first"),
    validateStack: (args, report) => {
      const out = reporter("test-first", args.getConfig<RuleConfig>(), report);
      const deployments = deploymentFacts(args.resources as readonly ResourceSeen[]);
      for (const { index, issue } of testFirst(
        deployments.map((d) => d.facts),
        "program",
      ))
        out(deployments[index]!.resource, [issue], true);
    },
  };

  const windows: StackValidationPolicy = {
    ...base("staggered-windows"),
    validateStack: (args, report) => {
      const config = args.getConfig<RuleConfig>();
      const out = reporter("staggered-windows", config, report);
      const given = { ...options.staggeredWindows, ...pick(config, ["maxPerTenant", "maxPerRepository", "maxComputersPerHour"]) };
      const shared = (Array.isArray(config.sharedInfrastructure) ? config.sharedInfrastructure : given.sharedInfrastructure) ?? [];
      const limits: StaggeredWindowsOptions = { ...STAGGERED_WINDOWS_DEFAULTS, ...given, sharedInfrastructure: shared.map((g) => g.map(String)) };
      const schedules = scheduleTimes(args.resources as readonly ResourceSeen[]);
      for (const { index, issue } of staggeredWindows(
        schedules.map((s) => s.times),
        limits,
        "program",
      ))
        out(schedules[index]!.resource, [issue], true);
    },
  };

  const firstRing: StackValidationPolicy = {
    ...base("rollout-first-ring"),
    validateStack: (args, report) => {
      const config = args.getConfig<RuleConfig>();
      const out = reporter("rollout-first-ring", config, report);
      const limits = { ...ROLLOUT_LINT_DEFAULTS, ...options.rollouts, ...pick(config, ["maxFirstRingFraction", "maxFirstRingComputers"]) };
      for (const { resource, facts } of rolloutFacts(args.resources as readonly ResourceSeen[])) out(resource, firstRingIssues(facts, limits, "program"), true);
    },
  };

  return [windows, testFirstPolicy, rebootForce, perResource("prompt-timeout-action"), perResource("email-cannot-work"), firstRing];
}

/** The numeric limits the pack's config gives. */
function pick<K extends keyof RuleConfig>(config: RuleConfig, keys: readonly K[]): Partial<Pick<RuleConfig, K>> {
  return Object.fromEntries(keys.filter((k) => typeof config[k] === "number").map((k) => [k, config[k]])) as Partial<Pick<RuleConfig, K>>;
}
