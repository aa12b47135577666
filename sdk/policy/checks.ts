/**
 * The core of the best-practice rules, on a neutral shape: what a check needs to know about a schedule, a
 * deployment or a run, whether it comes from a policy file (`lint-rules.ts`: file and path) or from a program's
 * resource inputs (`sdk/policy-pack`: URN and property). Each check says what is wrong about one entry (the property
 * it is about, the message and the fix); the adapters say where the entry is.
 *
 * A value can be {@link UNKNOWN}: a program's output not known yet at preview. A check that needs it says nothing
 * (never a finding it cannot be sure of).
 */
import { ringInFront, type FirstRingSeen } from "./checks-rollouts";
import type { LintRuleId } from "./types";

/** A value not known yet (an output at `pulumi preview`). */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Maybe<T> = T | typeof UNKNOWN;

/** Which words the fixes use: the policy format's keys, or the resources' arguments. */
export type Dialect = "policy-file" | "program";

/** What is wrong about one entry: the property (relative to the entry), what, and what to write instead. */
export interface Issue {
  rule: LintRuleId;
  /** A key of the entry, or a path into it, e.g. ["rings", 0, "fraction"]. */
  property: string | readonly (string | number)[];
  message: string;
  fix: string;
}

/** The reboot, prompt and e-mail options of a schedule or a run, as given (undefined: not given). */
export interface RunOptions {
  rebootPreference?: Maybe<string>;
  suppressRebootsDuringBusinessHours?: Maybe<boolean>;
  promptTimeoutAction?: Maybe<string>;
  promptTimeoutMinutes?: Maybe<number>;
  sendDetectionEmail?: Maybe<boolean>;
  sendFollowUpEmail?: Maybe<boolean>;
  showRunNowButton?: Maybe<boolean>;
  showPostponeButton?: Maybe<boolean>;
  showMaintenanceActions?: Maybe<boolean>;
}

/** A schedule or a run (session, rollout) with its options and the group filter of what it runs on. */
export interface OptionsEntry {
  kind: "schedule" | "session" | "rollout";
  options: RunOptions;
  /** The schedule's group filter, or the run's deployment's (undefined: all computers). */
  groupFilter: Maybe<string | undefined>;
}

const isUnknown = (v: unknown): v is typeof UNKNOWN => v === UNKNOWN;

/** Group filters that may include workstations (everything but servers and domain controllers). */
const SERVERS_ONLY = new Set(["Servers", "DomainControllers", "PrimaryDomainControllers"]);

/** "reboot-force-workstations": `rebootPreference: Force` without `suppressRebootsDuringBusinessHours: true`, unless only servers are in scope. */
export function forceOnWorkstations(e: OptionsEntry, dialect: Dialect): Issue[] {
  const { rebootPreference, suppressRebootsDuringBusinessHours: suppress } = e.options;
  if (rebootPreference !== "Force" || suppress === true || isUnknown(suppress) || isUnknown(e.groupFilter) || SERVERS_ONLY.has(e.groupFilter ?? "All")) return [];
  const scoped = e.groupFilter !== undefined && e.groupFilter !== "All";
  const servers = dialect === "policy-file" ? "groupFilter: Servers" : 'targetGroupFilter: "Servers"';
  return [
    {
      rule: "reboot-force-workstations",
      property: "rebootPreference",
      message: `Force restarts ${scoped ? e.groupFilter : "workstations"} whether their users are working or not, also during business hours`,
      fix: `set suppressRebootsDuringBusinessHours: true (reboots wait until business hours are over), or rebootPreference: Prompt with a promptTimeoutAction${e.kind === "schedule" ? `, or ${servers} when the schedule is for servers` : ""}`,
    },
  ];
}

/** "prompt-timeout-action": `rebootPreference: Prompt` without `promptTimeoutAction`, whose default is Reboot. */
export function promptWithoutTimeoutAction(e: OptionsEntry): Issue[] {
  const { rebootPreference, promptTimeoutAction, promptTimeoutMinutes } = e.options;
  if (rebootPreference !== "Prompt" || promptTimeoutAction !== undefined) return [];
  const minutes = promptTimeoutMinutes === undefined ? 60 : isUnknown(promptTimeoutMinutes) ? "the promptTimeoutMinutes" : promptTimeoutMinutes;
  return [
    {
      rule: "prompt-timeout-action",
      property: "rebootPreference",
      message: `prompts for a reboot without saying what happens when nobody answers: after ${minutes} minutes ImmyBot reboots (the default promptTimeoutAction)`,
      fix: "set promptTimeoutAction: Suppress (no reboot until the user agrees or the next run), FailSession, or Reboot to say that the reboot is meant",
    },
  ];
}

/**
 * "email-cannot-work": a button or the actions list of the user e-mails ("Run now", "Postpone", the maintenance
 * actions), on an entry that sends no e-mail (neither sendDetectionEmail nor sendFollowUpEmail).
 */
export function emailOptionsWithoutEmail(e: OptionsEntry): Issue[] {
  const { sendDetectionEmail, sendFollowUpEmail } = e.options;
  if (sendDetectionEmail !== undefined && sendDetectionEmail !== false) return [];
  if (sendFollowUpEmail !== undefined && sendFollowUpEmail !== false) return [];
  return (["showRunNowButton", "showPostponeButton", "showMaintenanceActions"] as const)
    .filter((key) => e.options[key] === true)
    .map((key) => ({ rule: "email-cannot-work", property: key, message: "is part of the user e-mails, and this entry sends none", fix: `set sendDetectionEmail: true (or sendFollowUpEmail: true), or remove ${key}` }));
}

/** The rules that look at one schedule or run at a time. */
export function optionIssues(e: OptionsEntry, dialect: Dialect): Issue[] {
  return [...forceOnWorkstations(e, dialect), ...promptWithoutTimeoutAction(e), ...emailOptionsWithoutEmail(e)];
}

// ---- test first ------------------------------------------------------------------------------------------------

/** A deployment as "test-first" sees it. */
export interface DeploymentFacts {
  /** The entry's or resource's name, for the fix. */
  name: string;
  /** The tenant it is limited to (a lower-case name or an id), "" for every tenant. */
  tenant: Maybe<string>;
  /** The tenant as shown, e.g. "Contoso" or "tenant 3". */
  tenantShown: string;
  /** The software, compared as is (a lower-case name or an id); undefined for a task. */
  software: Maybe<string | undefined>;
  /** The software as shown, e.g. "7-Zip" or "software 303". */
  softwareShown: string;
  /** "Global" or "Local" when given. */
  scope: Maybe<string | undefined>;
  desiredState: Maybe<string | undefined>;
  disabled: Maybe<boolean | undefined>;
  /** Every computer (of the tenant, or of every tenant), a ring (a tag or a computer), or something else. */
  target: Maybe<"all" | "ring" | "other">;
  groupFilter: Maybe<string | undefined>;
  /** A run of this deployment limited to named computers is declared beside it (`pulumi up` runs it first). */
  limitedRun: boolean;
  /** The first ring of each rollout of this deployment declared beside it. */
  rolloutFirstRings: readonly FirstRingSeen[];
}

/** May `a` be `b`? Unknown is "may be": a ring whose software is not known yet still counts as a ring. */
const mayBe = (a: Maybe<string | undefined>, b: Maybe<string | undefined>) => isUnknown(a) || isUnknown(b) || a === b;

/**
 * "test-first": a deployment of software (any desired state but NoAction, not disabled) to every computer of a
 * tenant (whatever its group filter), or of every tenant, with no smaller ring in front of it. A ring in front is
 * either a deployment of the same software (same scope when both give one), not disabled, to a tag or a computer,
 * of the same tenant (any tenant for a deployment to every tenant); or a run of the deployment limited to named
 * computers: `pulumi up` runs it on those computers and fails when it fails, before the deployment reaches the rest
 * at their next maintenance window; or a rollout of the deployment whose first ring is not all of it
 * (`ringInFront`, checks-rollouts.ts). Tasks are not looked at: most are settings meant for every computer.
 *
 * Returns an issue for each deployment (by index) that has no ring in front.
 */
export function testFirst(deployments: readonly DeploymentFacts[], dialect: Dialect): { index: number; issue: Issue }[] {
  const rings = deployments.filter((d) => d.software !== undefined && d.disabled !== true && (d.target === "ring" || isUnknown(d.target)));
  const out: { index: number; issue: Issue }[] = [];
  deployments.forEach((d, index) => {
    const decided = [d.software, d.disabled, d.desiredState, d.target].every((v) => !isUnknown(v));
    if (!decided || d.software === undefined || d.disabled === true || d.desiredState === "NoAction" || d.target !== "all" || d.limitedRun || d.rolloutFirstRings.some(ringInFront)) return;
    const ring = rings.some((r) => r !== d && (d.tenant === "" || mayBe(r.tenant, d.tenant)) && mayBe(r.software, d.software) && (d.scope === undefined || r.scope === undefined || mayBe(r.scope, d.scope)));
    if (ring) return;
    const whom = d.tenant === "" ? "every computer of every tenant" : `every computer of ${d.tenantShown}${typeof d.groupFilter === "string" && d.groupFilter !== "All" ? ` (${d.groupFilter})` : ""}`;
    out.push({
      index,
      issue: {
        rule: "test-first",
        property: dialect === "policy-file" ? "target" : "targetType",
        message: `deploys ${d.softwareShown} to ${whom} with no smaller ring in front of it`,
        fix:
          dialect === "policy-file"
            ? `add a deployment of ${d.softwareShown} to a canary ring first (e.g. \`target: { tag: Canary }\`), a session of this deployment on a few computers (\`sessions: - { name: ${d.name}-canary, deployment: ${d.name}, computers: [...] }\`), or a rollout of it ring by ring (\`rollouts: - { name: ${d.name}-rings, deployment: ${d.name}, rings: [{ name: canary, tag: Canary }, { name: broad, fraction: 1 }] }\`)`
            : `add a Deployment of ${d.softwareShown} to a canary ring first (targetType: "Tag" with the ring's tag id, or "Computer"), or a MaintenanceSession of this deployment on a few computers (\`new MaintenanceSession("${d.name}-canary", { deployment, computers: [...] })\`), or a MaintenanceRollout of it whose first ring is a tag, computers or a fraction below 1`,
      },
    });
  });
  return out;
}
