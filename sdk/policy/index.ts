/**
 * Policy files: schedules, deployments and maintenance runs of each tenant in YAML, in plain terms (names, not
 * ids). `load` reads and validates every file (no API call), `declare` turns the policy into resources, `lint`
 * lists what goes against ImmyBot's best practices (staggered windows, test first, reboots, e-mails).
 *
 * @example
 * import { policy } from "pulumi-immybot";
 * const declared = policy.declare(policy.load("tenants"));
 * export const contosoDeployments = Object.keys(declared.files.contoso.deployments);
 */
export type * from "./types";
export { load, parse, type LoadedPolicyFile, type Policy, type PolicySource } from "./load";
export { declare, type DeclaredFile, type DeclaredPolicy } from "./declare";
export { PolicyError, formatProblem, type PolicyProblem } from "./problems";
export { lint, formatFinding, readLintConfig, LINT_RULES, LINT_CONFIG_FILE, STAGGERED_WINDOWS_DEFAULTS, ROLLOUT_LINT_DEFAULTS, type LintFinding, type LintOptions, type LintSeverity, type StaggeredWindowsOptions, type RolloutLintOptions } from "./lint";
export { formatPolicyFile, type PolicyFileHeader } from "./write";
