/**
 * Best-practice checks of a policy (`policy.lint`, `pulumi-immybot lint <dir>`): what ImmyBot accepts but its
 * maintenance guide advises against (staggered windows, test first) and settings that do not do what they seem to
 * (reboots, prompts, e-mails). Every rule reads the files only: no ImmyBot, no names resolved, nothing changed.
 *
 * Switched off per entry (`lint: { ignore: [test-first] }`) or for the whole repository: `ignore` in the options,
 * which `pulumi-immybot lint` reads from `.immybot-lint.yaml` in the policy directory (see `readLintConfig`).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import type { Tie } from "../../provider/models/tie";
import type { LoadedPolicyFile, Policy } from "./load";
import { ROLLOUT_LINT_DEFAULTS, type RolloutLintOptions } from "./checks-rollouts";
import { STAGGERED_WINDOWS_DEFAULTS, type StaggeredWindowsOptions } from "./checks-windows";
import { rolloutFirstRing } from "./lint-rollouts";
import { optionRule, staggeredWindows, testFirst, type RuleFinding } from "./lint-rules";
import { formatPath, type PolicyProblem } from "./problems";
import { LINT_RULE_IDS, lintRuleId } from "./schema";
import type { LintRuleId } from "./types";

export type { RolloutLintOptions, StaggeredWindowsOptions };
export { ROLLOUT_LINT_DEFAULTS, STAGGERED_WINDOWS_DEFAULTS };

/** How bad a finding is: `pulumi-immybot lint` fails on errors (and on warnings with `--strict`). */
export type LintSeverity = "error" | "warning";

/** One finding of a best-practice check. */
export interface LintFinding {
  /** The rule, e.g. "test-first": what `lint: { ignore: [...] }` takes. */
  rule: LintRuleId;
  severity: LintSeverity;
  /** The file as shown in messages, e.g. "tenants/contoso.yaml". */
  file: string;
  /** Where in the file, e.g. "schedules[1].executionTime". */
  path: string;
  /** What is wrong, about this entry. */
  message: string;
  /** Why it matters (ImmyBot's guidance or behaviour). */
  why: string;
  /** What to write instead. */
  fix: string;
}

/** Options of {@link lint}: the same keys as the repository's `.immybot-lint.yaml`. */
export interface LintOptions {
  /** Rules not to apply anywhere in the repository, by id. */
  ignore?: LintRuleId[];
  /** The limits of "staggered-windows". */
  staggeredWindows?: StaggeredWindowsOptions;
  /** The limits of "rollout-first-ring". */
  rollouts?: RolloutLintOptions;
}

/** Every rule: its severity, what it finds (one line, for `--help`), why it matters, and the check. */
export const LINT_RULES: Readonly<Record<LintRuleId, { severity: LintSeverity; finds: string; why: string; check: (files: readonly LoadedPolicyFile[], options: LintOptions) => RuleFinding[] }>> = {
  "staggered-windows": {
    severity: "warning",
    finds: `more than ${STAGGERED_WINDOWS_DEFAULTS.maxPerTenant} schedules of a tenant, or ${STAGGERED_WINDOWS_DEFAULTS.maxPerRepository} in all, executing within one hour (UTC)`,
    why: 'ImmyBot\'s maintenance guide: stagger the maintenance windows "to avoid overloading infrastructure"; every computer of a schedule downloads and installs at once',
    check: (files, options) => staggeredWindows(files, options.staggeredWindows),
  },
  "test-first": {
    severity: "warning",
    finds: "software deployed to all with no ring in front (to a tag or computer, or a session on computers)",
    why: 'ImmyBot\'s maintenance guide: "test on a small group before deploying widely"; otherwise a bad version reaches every computer in the next window',
    check: testFirst,
  },
  "reboot-force-workstations": {
    severity: "error",
    finds: "rebootPreference Force without suppressRebootsDuringBusinessHours, unless for servers only",
    why: "a forced reboot closes the user's programs and loses unsaved work; ImmyBot's suppressRebootsDuringBusinessHours holds reboots during business hours, even Force",
    check: optionRule("reboot-force-workstations"),
  },
  "prompt-timeout-action": {
    severity: "warning",
    finds: "rebootPreference Prompt without promptTimeoutAction (the default reboots)",
    why: "a user away from the computer never answers the prompt, and the default promptTimeoutAction reboots it with their programs open",
    check: optionRule("prompt-timeout-action"),
  },
  "email-cannot-work": {
    severity: "error",
    finds: "e-mail buttons or the actions list on an entry that sends no e-mail",
    why: "the buttons and the actions list are parts of the user e-mails: without an e-mail they are never shown",
    check: optionRule("email-cannot-work"),
  },
  "rollout-first-ring": {
    severity: "warning",
    finds: `a rollout whose first ring takes more than ${ROLLOUT_LINT_DEFAULTS.maxFirstRingFraction * 100}% of the computers, or more than ${ROLLOUT_LINT_DEFAULTS.maxFirstRingComputers} computers`,
    why: 'ImmyBot\'s maintenance guide: "test on a small group before deploying widely"; a large first ring is no test: a bad version reaches many computers before any gate can stop it',
    check: (files, options) => rolloutFirstRing(files, options.rollouts),
  },
};
const _tieRules: Tie<keyof typeof LINT_RULES, (typeof LINT_RULE_IDS)[number]> = true;

/**
 * The best-practice findings of a loaded policy (`policy.load`), in file order (then by rule). Makes no API call.
 *
 * @example
 * const findings = policy.lint(policy.load("tenants"), { ignore: ["staggered-windows"] });
 * findings.forEach((f) => console.log(policy.formatFinding(f)));
 */
export function lint(policy: Policy, options: LintOptions = {}): LintFinding[] {
  const ignored = new Set<string>(options.ignore ?? []);
  const order = new Map(policy.files.map((f, i) => [f.path, i]));
  const out: LintFinding[] = [];
  for (const id of LINT_RULE_IDS) {
    if (ignored.has(id)) continue;
    const { severity, why, check } = LINT_RULES[id];
    for (const f of check(policy.files, options)) {
      if (f.entry.lint?.ignore?.includes(id)) continue;
      out.push({ rule: f.rule, severity, file: f.file, path: f.path, message: f.message, why, fix: f.fix });
    }
  }
  // A stable sort: file by file, each file's findings in rule order.
  return out.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0));
}

/** `file: path: severity [rule] message`, then the fix and why on their own lines. */
export function formatFinding(f: LintFinding): string {
  return `${f.file}: ${f.path}: ${f.severity} [${f.rule}] ${f.message}\n  fix: ${f.fix}\n  why: ${f.why}`;
}

// ---- the repository's settings ---------------------------------------------------------------------------------

/** The repository's lint settings: this file in the policy directory (a dot file, so the loader never reads it as policy). */
export const LINT_CONFIG_FILE = ".immybot-lint.yaml";

const limit = (what: string, unit = "schedules", example = 3) =>
  z.number({ error: (i) => `must be a whole number of ${unit}, e.g. ${example}; got ${JSON.stringify(i.input)}` }).int({ error: (i) => `must be a whole number of ${unit}, e.g. ${example}; got ${JSON.stringify(i.input)}` }).min(1, { error: `must be at least 1 (${what})` }).optional();
const tenantGroup = z.array(z.string().trim().min(1), { error: (i) => `must be a list of tenant names, e.g. [Contoso, Contoso Labs]; got ${JSON.stringify(i.input)}` }).min(2, { error: "must name at least two tenants (tenants that share infrastructure are counted together)" });
const configSchema = z.strictObject({
  ignore: z.array(lintRuleId, { error: (i) => `must be a list of rule ids, e.g. [staggered-windows]; got ${JSON.stringify(i.input)}` }).optional(),
  staggeredWindows: z
    .strictObject({
      maxPerTenant: limit("schedules of one tenant"),
      maxPerRepository: limit("schedules across the repository"),
      maxComputersPerHour: limit("computers of one tenant executing within one hour", "computers", 50),
      sharedInfrastructure: z.array(tenantGroup, { error: (i) => `must be a list of tenant groups, e.g. [[Contoso, Contoso Labs]]; got ${JSON.stringify(i.input)}` }).optional(),
    })
    .optional(),
  rollouts: z
    .strictObject({
      maxFirstRingFraction: z.number({ error: (i) => `must be a share of the computers, e.g. 0.2; got ${JSON.stringify(i.input)}` }).gt(0, { error: "must be more than 0 and at most 1, e.g. 0.2" }).max(1, { error: "must be at most 1, e.g. 0.2" }).optional(),
      maxFirstRingComputers: limit("computers in a rollout's first ring", "computers", 5),
    })
    .optional(),
});
const _tieConfig: Tie<z.input<typeof configSchema>, LintOptions> = true;

/**
 * The lint settings of the policy directory `dir` (its `.immybot-lint.yaml`; none when there is no such file), or
 * the problems of that file (`file: path: message`, with the fix).
 */
export function readLintConfig(dir: string, shown = join(dir, LINT_CONFIG_FILE)): { options: LintOptions; problems: PolicyProblem[] } {
  const path = join(dir, LINT_CONFIG_FILE);
  if (!existsSync(path)) return { options: {}, problems: [] };
  const problem = (p: (string | number)[], message: string): PolicyProblem => ({ file: shown, path: formatPath(p), message });
  const doc = parseDocument(readFileSync(path, "utf8"), { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return { options: {}, problems: doc.errors.map((e) => problem([], `${e.message} (YAML syntax)`)) };
  const raw: unknown = doc.toJS() ?? {};
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return { options: parsed.data as LintOptions, problems: [] };
  const problems = parsed.error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => problem([...(issue.path as (string | number)[]), key], `${JSON.stringify(key)} is not a lint setting: the settings are ignore, staggeredWindows (maxPerTenant, maxPerRepository, maxComputersPerHour, sharedInfrastructure) and rollouts (maxFirstRingFraction, maxFirstRingComputers)`))
      : [problem(issue.path as (string | number)[], issue.message)],
  );
  return { options: {}, problems };
}
