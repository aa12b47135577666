/**
 * "staggered-windows": too many schedules executing in the same hour, of one tenant or across the repository (all
 * tenants of an instance share it, and often the MSP's links and distribution points). Needs no ImmyBot: the times
 * are in the files.
 *
 * When a schedule executes: at `executionTime`, or right after detection (`detectionTime`, or the cron expression's
 * time) when it has none; on its `dayOfWeek`, the cron expression's days of the week, or every day. Times are
 * compared in UTC (each schedule's `timeZone`, UTC when omitted; the offset of mid-January, so two zones whose
 * summer times differ may be an hour apart in summer). Not counted: disabled schedules, and those with
 * `scheduleExecutionAfterActiveHours` (each computer picks its own time). A group is more than the limit of
 * schedules starting within one hour of each other.
 *
 * Computers are counted where the files know them: a `{ computer: <name> }` target is one, a `{ tag: <name> }`
 * target of a tag the repository declares (`tags:`) is its computers (declared in files of the same tenant);
 * `all` and tags ImmyBot has but the repository does not declare are not counted (lint reads files only). Tenants
 * that share infrastructure (`sharedInfrastructure`) are counted together, for schedules and for computers.
 */
import { DayOfWeek } from "../../provider/models/enums";
import { cronRunTimes, minutesOfDay } from "../../provider/models/time";
import type { LoadedPolicyFile } from "./load";
import { declaredTags, tagComputers } from "./lint-rollouts";
import { tenantKey, type RuleFinding } from "./lint-rules";
import { formatPath } from "./problems";
import type { PolicySchedule } from "./types";

/** The limits of "staggered-windows": how many schedules may execute within the same hour. */
export interface StaggeredWindowsOptions {
  /** Of one tenant (all files with its `tenant`). Default 2. */
  maxPerTenant?: number;
  /** Across every file of the repository, crossTenant files included. Default 6. */
  maxPerRepository?: number;
  /**
   * Of one tenant (or tenants sharing infrastructure): the most computers executing within one hour, counting the
   * computers the files know (computer targets, and tags the repository declares with their computers). Default 50.
   */
  maxComputersPerHour?: number;
  /**
   * Groups of tenants (by name) that share infrastructure (a site, a link, a distribution point): their schedules
   * and computers count together against maxPerTenant and maxComputersPerHour, e.g. [[Contoso, Contoso Labs]].
   */
  sharedInfrastructure?: string[][];
}

export const STAGGERED_WINDOWS_DEFAULTS: Required<StaggeredWindowsOptions> = { maxPerTenant: 2, maxPerRepository: 6, maxComputersPerHour: 50, sharedInfrastructure: [] };

const WEEK = 7 * 1440;
const HOUR = 60;
const DAYS = DayOfWeek.names as readonly string[];

interface Timed {
  file: LoadedPolicyFile;
  index: number;
  schedule: PolicySchedule;
  /** Minutes after Sunday 00:00 UTC of each weekly start. */
  starts: number[];
  /** As written, e.g. "Saturday 22:00 Europe/Berlin". */
  when: string;
  /** Its computers (names in lower case) where the files know them; undefined for `all` or an undeclared tag. */
  computers?: Set<string>;
}

/** Minutes east of UTC of `zone` in mid-January (a fixed day: lint gives the same answer all year). */
function utcOffset(zone: string): number {
  const part = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(new Date(Date.UTC(2025, 0, 15, 12)))
    .find((p) => p.type === "timeZoneName")?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part ?? "");
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

function timed(file: LoadedPolicyFile, schedule: PolicySchedule, index: number): Timed | undefined {
  if (schedule.disabled === true || schedule.scheduleExecutionAfterActiveHours === true) return undefined;
  let minutes: number;
  let days: number[];
  let written: string;
  if (schedule.cronExpression !== undefined) {
    const run = cronRunTimes(schedule.cronExpression);
    if (!run) return undefined;
    ({ minutes, days } = run);
    written = `cron "${schedule.cronExpression}"`;
  } else {
    const time = schedule.executionTime ?? schedule.detectionTime;
    if (time === undefined) return undefined;
    minutes = minutesOfDay(time);
    days = schedule.dayOfWeek === undefined ? [0, 1, 2, 3, 4, 5, 6] : [DAYS.indexOf(schedule.dayOfWeek)];
    written = `${schedule.dayOfWeek ?? "daily"} ${time}`;
  }
  const zone = schedule.timeZone ?? "UTC";
  let offset: number;
  try {
    offset = utcOffset(zone);
  } catch {
    return undefined;
  }
  const starts = days.map((d) => (((d * 1440 + minutes - offset) % WEEK) + WEEK) % WEEK);
  return { file, index, schedule, starts, when: `${written} ${zone}` };
}

/** The schedules (other than `t` itself too) with a start within the hour after one of `t`'s starts, for each start. */
function groups(all: readonly Timed[]): Timed[][] {
  const out: Timed[][] = [];
  for (const t of all) {
    for (const start of t.starts) {
      const within = all.filter((o) => o.starts.some((s) => (((s - start) % WEEK) + WEEK) % WEEK < HOUR));
      out.push(within);
    }
  }
  return out;
}

const where = (t: Timed) => `${t.file.path}: ${t.schedule.name}`;
const timePath = (t: Timed) => formatPath(["schedules", t.index, t.schedule.cronExpression !== undefined ? "cronExpression" : t.schedule.executionTime !== undefined ? "executionTime" : "detectionTime"]);

/** The tenant scope of a tenant (lower case): its sharedInfrastructure group, or itself; "" stays "" (crossTenant). */
function scopes(groups: readonly string[][]): (tenant: string) => string {
  const of = new Map<string, string>();
  groups.forEach((g, i) => g.forEach((t) => of.set(t.trim().toLowerCase(), `\u0000${i}`)));
  return (tenant) => (tenant === "" ? "" : (of.get(tenant) ?? tenant));
}

/** One finding per schedule in a group above its limit: per tenant (or shared group) first, then across the repository, then computers. */
export function staggeredWindows(files: readonly LoadedPolicyFile[], options: StaggeredWindowsOptions = {}): RuleFinding[] {
  const limits = { ...STAGGERED_WINDOWS_DEFAULTS, ...options };
  const scopeOf = scopes(limits.sharedInfrastructure);
  const tags = declaredTags(files);
  const computersOf = (file: LoadedPolicyFile, s: PolicySchedule): Set<string> | undefined => {
    if (s.target === "all") return undefined;
    if ("computer" in s.target) return new Set([s.target.computer.trim().toLowerCase()]);
    return tagComputers(tags, s.target.tag, tenantKey(file), (a, b) => scopeOf(a) === scopeOf(b));
  };
  const all = files.flatMap((file) =>
    (file.content.schedules ?? []).flatMap((s, i) => {
      const t = timed(file, s, i);
      return t === undefined ? [] : [{ ...t, computers: computersOf(file, s) }];
    }),
  );
  const sharing = (t: Timed) => limits.sharedInfrastructure.find((g) => g.some((n) => n.trim().toLowerCase() === tenantKey(t.file)));
  const scopeName = (t: Timed) => {
    const shared = sharing(t);
    return shared ? `tenants ${shared.join(", ")} (sharedInfrastructure)` : `tenant ${t.file.content.tenant}`;
  };
  const reported = new Set<Timed>();
  const out: RuleFinding[] = [];
  const report = (group: Timed[], max: number, scope: string, setting: string, counted?: number) => {
    for (const t of group) {
      if (reported.has(t)) continue;
      reported.add(t);
      const others = group.filter((o) => o !== t).map(where);
      const amount = counted === undefined ? `${group.length} at once` : `${counted} computers at once (counting computer targets and the computers of tags this repository declares)`;
      out.push({
        rule: "staggered-windows",
        file: t.file.path,
        path: timePath(t),
        entry: t.schedule,
        message: `executes (${t.when}) within the same hour as ${others.length} other schedule${others.length === 1 ? "" : "s"} of ${scope}${others.length > 0 ? ` (${others.join(", ")})` : ""}: ${amount}, more than ${max} (${setting})`,
        fix: `move some of them at least an hour apart (executionTime, dayOfWeek)${counted === undefined ? "" : ", or split the ring into smaller groups"}, or raise ${setting} in .immybot-lint.yaml`,
      });
    }
  };
  const byTenant = new Map<string, Timed[]>();
  for (const t of all) {
    const key = scopeOf(tenantKey(t.file));
    if (key !== "") byTenant.set(key, [...(byTenant.get(key) ?? []), t]);
  }
  for (const list of byTenant.values()) {
    for (const group of groups(list)) {
      if (group.length > limits.maxPerTenant) report(group, limits.maxPerTenant, scopeName(group[0]!), "staggeredWindows.maxPerTenant");
    }
  }
  for (const group of groups(all)) {
    if (group.length > limits.maxPerRepository) report(group, limits.maxPerRepository, "the repository", "staggeredWindows.maxPerRepository");
  }
  for (const list of byTenant.values()) {
    for (const group of groups(list)) {
      const known = group.filter((t) => t.computers !== undefined);
      const counted = new Set(known.flatMap((t) => [...t.computers!])).size;
      if (counted > limits.maxComputersPerHour) report(known, limits.maxComputersPerHour, scopeName(group[0]!), "staggeredWindows.maxComputersPerHour", counted);
    }
  }
  return out;
}
