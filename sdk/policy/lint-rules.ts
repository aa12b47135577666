/**
 * The best-practice rules that look at one entry at a time (or at the entries of one item): test first, reboots,
 * prompts, e-mails. None needs ImmyBot: they read the policy as written (names compared case-insensitively, as
 * ImmyBot's lookups do). The schedules' windows are in `lint-windows.ts`.
 */
import type { LoadedPolicyFile } from "./load";
import { rolloutInFront } from "./lint-rollouts";
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
type Options = PolicySchedule | PolicySession;

/** Which tenant a file is for: its name in lower case, or "" for a crossTenant file. */
export const tenantKey = (file: LoadedPolicyFile): string => (file.content.crossTenant === true ? "" : (file.content.tenant ?? "").trim().toLowerCase());

const isAll = (t: PolicyTarget) => t === "all";
const finding = (rule: LintRuleId, file: LoadedPolicyFile, path: Path, entry: RuleFinding["entry"], message: string, fix: string): RuleFinding => ({
  rule,
  file: file.path,
  path: formatPath(path),
  entry,
  message,
  fix,
});

// ---- test first ------------------------------------------------------------------------------------------------

/**
 * "test-first": a deployment of software (any desired state but NoAction, not disabled) to `all` computers of a
 * tenant (whatever its groupFilter), or to `all` in a crossTenant file (every tenant), with no smaller ring in front
 * of it. A ring in front is either
 * - a deployment of the same software (same name, case-insensitive; same scope when both give one), not disabled,
 *   to a tag or a computer: in a file of the same tenant, or in any file for a crossTenant deployment; or
 * - a session of the deployment limited to `computers`: `pulumi up` runs it on those computers and fails when it
 *   fails, before the deployment reaches the rest at their next maintenance window; or
 * - a rollout of the deployment whose first ring is not all of it (lint-rollouts.ts).
 * Tasks are not looked at: most are settings meant for every computer.
 */
export function testFirst(files: readonly LoadedPolicyFile[]): RuleFinding[] {
  const sameSoftware = (a: PolicyDeployment, b: PolicyDeployment) =>
    a.software!.trim().toLowerCase() === b.software?.trim().toLowerCase() && (a.scope === undefined || b.scope === undefined || a.scope === b.scope);
  const rings = files.flatMap((file) =>
    (file.content.deployments ?? []).filter((d) => d.software !== undefined && d.disabled !== true && !isAll(d.target)).map((d) => ({ tenant: tenantKey(file), d })),
  );
  const out: RuleFinding[] = [];
  for (const file of files) {
    const tenant = tenantKey(file);
    (file.content.deployments ?? []).forEach((d, i) => {
      if (d.software === undefined || d.disabled === true || d.desiredState === "NoAction" || !isAll(d.target)) return;
      const ring = rings.some((r) => (tenant === "" || r.tenant === tenant) && sameSoftware(d, r.d));
      const session = (file.content.sessions ?? []).some((s) => s.deployment === d.name && (s.computers?.length ?? 0) > 0);
      if (ring || session || rolloutInFront(file, d.name)) return;
      const whom = tenant === "" ? "every computer of every tenant" : `every computer of ${file.content.tenant}${d.groupFilter && d.groupFilter !== "All" ? ` (${d.groupFilter})` : ""}`;
      out.push(
        finding(
          "test-first",
          file,
          ["deployments", i, "target"],
          d,
          `deploys ${d.software} to ${whom} with no smaller ring in front of it`,
          `add a deployment of ${d.software} to a canary ring first (e.g. \`target: { tag: Canary }\`), a session of this deployment on a few computers (\`sessions: - { name: ${d.name}-canary, deployment: ${d.name}, computers: [...] }\`), or a rollout of it ring by ring (\`rollouts: - { name: ${d.name}-rings, deployment: ${d.name}, rings: [{ name: canary, tag: Canary }, { name: broad, fraction: 1 }] }\`)`,
        ),
      );
    });
  }
  return out;
}

// ---- reboots and prompts ---------------------------------------------------------------------------------------

/** Group filters that may include workstations (everything but servers and domain controllers). */
const SERVERS_ONLY = new Set(["Servers", "DomainControllers", "PrimaryDomainControllers"]);

/** The entries with reboot and e-mail options: schedules, and sessions (with the group filter of their deployment). */
function withOptions(file: LoadedPolicyFile): { entry: Options; path: Path; groupFilter: string | undefined; what: string }[] {
  const deployments = file.content.deployments ?? [];
  return [
    ...(file.content.schedules ?? []).map((s, i) => ({ entry: s as Options, path: ["schedules", i] as Path, groupFilter: s.groupFilter as string | undefined, what: "schedule" })),
    ...(file.content.sessions ?? []).map((s, i) => ({
      entry: s as Options,
      path: ["sessions", i] as Path,
      groupFilter: deployments.find((d) => d.name === s.deployment)?.groupFilter as string | undefined,
      what: "session",
    })),
  ];
}

/** "reboot-force-workstations": `rebootPreference: Force` without `suppressRebootsDuringBusinessHours: true`, unless only servers are in scope. */
export function rebootForceWorkstations(files: readonly LoadedPolicyFile[]): RuleFinding[] {
  return files.flatMap((file) =>
    withOptions(file)
      .filter(({ entry, groupFilter }) => entry.rebootPreference === "Force" && entry.suppressRebootsDuringBusinessHours !== true && !SERVERS_ONLY.has(groupFilter ?? "All"))
      .map(({ entry, path, what, groupFilter }) =>
        finding(
          "reboot-force-workstations",
          file,
          [...path, "rebootPreference"],
          entry,
          `Force restarts ${groupFilter && groupFilter !== "All" ? groupFilter : "workstations"} whether their users are working or not, also during business hours`,
          `set suppressRebootsDuringBusinessHours: true (reboots wait until business hours are over), or rebootPreference: Prompt with a promptTimeoutAction${what === "schedule" ? ", or groupFilter: Servers when the schedule is for servers" : ""}`,
        ),
      ),
  );
}

/** "prompt-timeout-action": `rebootPreference: Prompt` without `promptTimeoutAction`, whose default is Reboot. */
export function promptTimeoutAction(files: readonly LoadedPolicyFile[]): RuleFinding[] {
  return files.flatMap((file) =>
    withOptions(file)
      .filter(({ entry }) => entry.rebootPreference === "Prompt" && entry.promptTimeoutAction === undefined)
      .map(({ entry, path }) =>
        finding(
          "prompt-timeout-action",
          file,
          [...path, "rebootPreference"],
          entry,
          `prompts for a reboot without saying what happens when nobody answers: after ${entry.promptTimeoutMinutes ?? 60} minutes ImmyBot reboots (the default promptTimeoutAction)`,
          "set promptTimeoutAction: Suppress (no reboot until the user agrees or the next run), FailSession, or Reboot to say that the reboot is meant",
        ),
      ),
  );
}

// ---- e-mails ---------------------------------------------------------------------------------------------------

/**
 * "email-cannot-work": a button or the actions list of the user e-mails ("Run now", "Postpone", the maintenance
 * actions), on an entry that sends no e-mail (neither sendDetectionEmail nor sendFollowUpEmail). (A follow-up "only
 * if action needed" without the follow-up e-mail, and the detection e-mail "even when compliant" without the
 * detection e-mail, never get this far: the loader rejects them, as `pulumi preview` does.)
 */
export function emailCannotWork(files: readonly LoadedPolicyFile[]): RuleFinding[] {
  return files.flatMap((file) =>
    withOptions(file)
      .filter(({ entry }) => entry.sendDetectionEmail !== true && entry.sendFollowUpEmail !== true)
      .flatMap(({ entry, path }) =>
        (["showRunNowButton", "showPostponeButton", "showMaintenanceActions"] as const)
          .filter((key) => entry[key] === true)
          .map((key) => finding("email-cannot-work", file, [...path, key], entry, "is part of the user e-mails, and this entry sends none", `set sendDetectionEmail: true (or sendFollowUpEmail: true), or remove ${key}`)),
      ),
  );
}
