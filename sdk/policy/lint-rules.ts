/**
 * The best-practice rules on policy files: each entry mapped to the neutral shape of `checks.ts` (options, group
 * filter, tenant, software, times), the checks' issues mapped back to file and path. None needs ImmyBot: they read
 * the policy as written (names compared case-insensitively, as ImmyBot's lookups do).
 */
import { optionIssues, testFirst as testFirstCore, type DeploymentFacts, type Issue, type OptionsEntry } from "./checks";
import { staggeredWindows as windowsCore, tenantScopes, type ScheduleTimes, type StaggeredWindowsOptions } from "./checks-windows";
import type { LoadedPolicyFile } from "./load";
import { declaredTags, firstRing, tagComputers } from "./lint-rollouts";
import { formatPath } from "./problems";
import type { LintRuleId, PolicyDeployment, PolicySchedule, PolicySession, PolicyTarget } from "./types";

/** A finding before `lint` adds what every finding of its rule shares (severity, why). */
export interface RuleFinding {
  rule: LintRuleId;
  file: string;
  path: string;
  /** The entry the finding is about, whose `lint.ignore` may switch the rule off. */
  entry: { lint?: { ignore?: readonly string[] } };
  message: string;
  fix: string;
}

type Path = (string | number)[];

/** Which tenant a file is for: its name in lower case, or "" for a crossTenant file. */
export const tenantKey = (file: LoadedPolicyFile): string => (file.content.crossTenant === true ? "" : (file.content.tenant ?? "").trim().toLowerCase());

/** A check's issue about the entry at `path` of `file`, as a finding. */
export const policyFinding = (file: LoadedPolicyFile, path: Path, entry: RuleFinding["entry"], issue: Issue): RuleFinding => ({
  rule: issue.rule,
  file: file.path,
  path: formatPath([...path, ...(typeof issue.property === "string" ? [issue.property] : issue.property)]),
  entry,
  message: issue.message,
  fix: issue.fix,
});

const targetKind = (t: PolicyTarget): DeploymentFacts["target"] => (t === "all" ? "all" : "ring");

// ---- test first ------------------------------------------------------------------------------------------------

/**
 * "test-first" (see `checks.ts`): rings are looked for in files of the same tenant, or in any file for a crossTenant
 * deployment; sessions and rollouts of the deployment in its own file.
 */
export function testFirst(files: readonly LoadedPolicyFile[]): RuleFinding[] {
  const tags = declaredTags(files);
  const entries = files.flatMap((file) =>
    (file.content.deployments ?? []).map((d: PolicyDeployment, i) => ({
      file,
      i,
      d,
      facts: {
        name: d.name,
        tenant: tenantKey(file),
        tenantShown: file.content.tenant ?? "",
        software: d.software?.trim().toLowerCase(),
        softwareShown: d.software ?? "",
        scope: d.scope,
        desiredState: d.desiredState,
        disabled: d.disabled,
        target: targetKind(d.target),
        groupFilter: d.groupFilter,
        limitedRun: (file.content.sessions ?? []).some((s) => s.deployment === d.name && (s.computers?.length ?? 0) > 0),
        rolloutFirstRings: (file.content.rollouts ?? []).filter((r) => r.deployment === d.name).map((r) => firstRing(r, file, tags)),
      } satisfies DeploymentFacts,
    })),
  );
  return testFirstCore(
    entries.map((e) => e.facts),
    "policy-file",
  ).map(({ index, issue }) => {
    const { file, i, d } = entries[index]!;
    return policyFinding(file, ["deployments", i], d, issue);
  });
}

// ---- reboots, prompts and e-mails ------------------------------------------------------------------------------

/** The entries with reboot and e-mail options: schedules, and sessions (with the group filter of their deployment). */
function withOptions(file: LoadedPolicyFile): { entry: PolicySchedule | PolicySession; path: Path; neutral: OptionsEntry }[] {
  const deployments = file.content.deployments ?? [];
  return [
    ...(file.content.schedules ?? []).map((s, i) => ({ entry: s, path: ["schedules", i] as Path, neutral: { kind: "schedule" as const, options: s, groupFilter: s.groupFilter } })),
    ...(file.content.sessions ?? []).map((s, i) => ({
      entry: s,
      path: ["sessions", i] as Path,
      neutral: { kind: "session" as const, options: s, groupFilter: deployments.find((d) => d.name === s.deployment)?.groupFilter },
    })),
  ];
}

/** "reboot-force-workstations", "prompt-timeout-action" and "email-cannot-work" of every schedule and session, each under its own rule id. */
export function optionFindings(files: readonly LoadedPolicyFile[]): RuleFinding[] {
  return files.flatMap((file) => withOptions(file).flatMap(({ entry, path, neutral }) => optionIssues(neutral, "policy-file").map((issue) => policyFinding(file, path, entry, issue))));
}

/** The findings of one of the option rules. */
export const optionRule =
  (rule: LintRuleId) =>
  (files: readonly LoadedPolicyFile[]): RuleFinding[] =>
    optionFindings(files).filter((f) => f.rule === rule);

// ---- staggered windows -----------------------------------------------------------------------------------------

/**
 * "staggered-windows" (see `checks-windows.ts`) of every schedule of the repository. Computers are known for a
 * `{ computer: <name> }` target (one) and a `{ tag: <name> }` target of a tag the repository declares (`tags:`, in
 * files of the same tenant or of tenants sharing its infrastructure); `all` and tags ImmyBot has but the repository
 * does not declare are not counted (lint reads files only).
 */
export function staggeredWindows(files: readonly LoadedPolicyFile[], options: StaggeredWindowsOptions = {}): RuleFinding[] {
  const scopeOf = tenantScopes(options.sharedInfrastructure ?? []);
  const tags = declaredTags(files);
  const computersOf = (file: LoadedPolicyFile, s: PolicySchedule): Set<string> | undefined => {
    if (s.target === "all") return undefined;
    if ("computer" in s.target) return new Set([s.target.computer.trim().toLowerCase()]);
    return tagComputers(tags, s.target.tag, tenantKey(file), (a, b) => scopeOf(a) === scopeOf(b));
  };
  const entries = files.flatMap((file) =>
    (file.content.schedules ?? []).map((s, i) => ({
      file,
      i,
      s,
      times: { ...s, tenant: tenantKey(file), tenantShown: `tenant ${file.content.tenant ?? ""}`, where: `${file.path}: ${s.name}`, computers: computersOf(file, s) } satisfies ScheduleTimes,
    })),
  );
  return windowsCore(
    entries.map((e) => e.times),
    options,
    "policy-file",
  ).map(({ index, issue }) => {
    const { file, i, s } = entries[index]!;
    return policyFinding(file, ["schedules", i], s, issue);
  });
}
