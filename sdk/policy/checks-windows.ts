/**
 * "staggered-windows" on the neutral shape (see `checks.ts`): too many schedules executing in the same hour, of one
 * tenant or in all (all tenants of an instance share it, and often the MSP's links and distribution points).
 *
 * When a schedule executes: at `executionTime`, or right after detection (`detectionTime`, or the cron expression's
 * time) when it has none; on its `dayOfWeek`, the cron expression's days of the week, or every day. Times are
 * compared in UTC (each schedule's `timeZone`, UTC when omitted; the offset of mid-January, so two zones whose
 * summer times differ may be an hour apart in summer). Not counted: disabled schedules, those with
 * `scheduleExecutionAfterActiveHours` (each computer picks its own time), and those whose times are not known yet.
 * A group is more than the limit of schedules starting within one hour of each other.
 *
 * Computers are counted where the adapter knows them (`ScheduleTimes.computers`); every computer of a tenant and
 * tags whose computers are not known are not counted. Tenants that share infrastructure (`sharedInfrastructure`)
 * are counted together, for schedules and for computers.
 */
import { DayOfWeek } from "../../provider/models/enums";
import { cronRunTimes, minutesOfDay } from "../../provider/models/time";
import { UNKNOWN, type Dialect, type Issue, type Maybe } from "./checks";

/** The limits of "staggered-windows": how many schedules may execute within the same hour. */
export interface StaggeredWindowsOptions {
  /** Of one tenant. Default 2. */
  maxPerTenant?: number;
  /** Across every file of the repository (crossTenant files included), or every schedule of the stack. Default 6. */
  maxPerRepository?: number;
  /**
   * Of one tenant (or tenants sharing infrastructure): the most computers executing within one hour, counting the
   * computers known (computer targets, and tags with the computers the repository declares or the stack's
   * TagMemberships list). Default 50.
   */
  maxComputersPerHour?: number;
  /**
   * Groups of tenants that share infrastructure (a site, a link, a distribution point): their schedules and
   * computers count together against maxPerTenant and maxComputersPerHour. By name in a policy repository, e.g.
   * [[Contoso, Contoso Labs]]; by tenant id in a program (the policy pack), e.g. [["3", "4"]].
   */
  sharedInfrastructure?: string[][];
}

export const STAGGERED_WINDOWS_DEFAULTS: Required<StaggeredWindowsOptions> = { maxPerTenant: 2, maxPerRepository: 6, maxComputersPerHour: 50, sharedInfrastructure: [] };

/** A schedule as "staggered-windows" sees it. */
export interface ScheduleTimes {
  /** The tenant it is limited to (a lower-case name or an id), "" for a schedule across tenants. */
  tenant: Maybe<string>;
  /** The tenant as shown after "of", e.g. "tenant Contoso" or "tenant 3". */
  tenantShown: string;
  /** Where it is, as the other findings list it, e.g. "tenants/contoso.yaml: weekly" or "contoso-weekly". */
  where: string;
  disabled?: Maybe<boolean>;
  scheduleExecutionAfterActiveHours?: Maybe<boolean>;
  cronExpression?: Maybe<string>;
  executionTime?: Maybe<string>;
  detectionTime?: Maybe<string>;
  dayOfWeek?: Maybe<string>;
  timeZone?: Maybe<string>;
  /** Its computers (lower-case names or ids) where they are known; undefined for every computer or a tag whose computers are not known. */
  computers?: ReadonlySet<string>;
}

const WEEK = 7 * 1440;
const HOUR = 60;
const DAYS = DayOfWeek.names as readonly string[];

interface Timed {
  index: number;
  schedule: ScheduleTimes;
  /** Minutes after Sunday 00:00 UTC of each weekly start. */
  starts: number[];
  /** As written, e.g. "Saturday 22:00 Europe/Berlin". */
  when: string;
}

/** Minutes east of UTC of `zone` in mid-January (a fixed day: the answer is the same all year). */
function utcOffset(zone: string): number {
  const part = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(new Date(Date.UTC(2025, 0, 15, 12)))
    .find((p) => p.type === "timeZoneName")?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part ?? "");
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

function timed(schedule: ScheduleTimes, index: number): Timed | undefined {
  const s = schedule;
  if ([s.disabled, s.scheduleExecutionAfterActiveHours, s.cronExpression, s.executionTime, s.detectionTime, s.dayOfWeek, s.timeZone].some((v) => v === UNKNOWN)) return undefined;
  const known = s as { [K in keyof ScheduleTimes]: Exclude<ScheduleTimes[K], typeof UNKNOWN> };
  if (known.disabled === true || known.scheduleExecutionAfterActiveHours === true) return undefined;
  let minutes: number;
  let days: number[];
  let written: string;
  if (known.cronExpression !== undefined) {
    const run = cronRunTimes(known.cronExpression);
    if (!run) return undefined;
    ({ minutes, days } = run);
    written = `cron "${known.cronExpression}"`;
  } else {
    const time = known.executionTime ?? known.detectionTime;
    if (time === undefined || !/^\d{1,2}:\d{2}$/.test(time)) return undefined;
    minutes = minutesOfDay(time);
    const day = known.dayOfWeek === undefined ? -1 : DAYS.indexOf(known.dayOfWeek);
    days = known.dayOfWeek === undefined ? [0, 1, 2, 3, 4, 5, 6] : day < 0 ? [] : [day];
    written = `${known.dayOfWeek ?? "daily"} ${time}`;
  }
  const zone = known.timeZone ?? "UTC";
  let offset: number;
  try {
    offset = utcOffset(zone);
  } catch {
    return undefined;
  }
  const starts = days.map((d) => (((d * 1440 + minutes - offset) % WEEK) + WEEK) % WEEK);
  return starts.length === 0 ? undefined : { index, schedule, starts, when: `${written} ${zone}` };
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

/** The property a schedule's finding is about: the time it executes at. */
export function timeProperty(s: ScheduleTimes): string {
  return s.cronExpression !== undefined ? "cronExpression" : s.executionTime !== undefined ? "executionTime" : "detectionTime";
}

/**
 * The scope a tenant key is counted in: its sharedInfrastructure group (compared trimmed, in lower case), or itself;
 * "" (every tenant) stays "".
 */
export function tenantScopes(groups: readonly (readonly string[])[]): (tenant: string) => string {
  const of = new Map<string, string>();
  groups.forEach((g, i) => g.forEach((t) => of.set(t.trim().toLowerCase(), `\u0000${i}`)));
  return (tenant) => (tenant === "" ? "" : (of.get(tenant.trim().toLowerCase()) ?? tenant));
}

/** One issue per schedule (by index) in a group above its limit: per tenant (or shared group) first, then across all, then computers. */
export function staggeredWindows(schedules: readonly ScheduleTimes[], options: StaggeredWindowsOptions, dialect: Dialect): { index: number; issue: Issue }[] {
  const limits = { ...STAGGERED_WINDOWS_DEFAULTS, ...options };
  const scopeOf = tenantScopes(limits.sharedInfrastructure);
  const all = schedules.map(timed).filter((t): t is Timed => t !== undefined);
  const reported = new Set<Timed>();
  const out: { index: number; issue: Issue }[] = [];
  const where = dialect === "policy-file" ? "in .immybot-lint.yaml" : "in immybotPolicies({ staggeredWindows }) or the policy pack's config";
  const sharing = (t: Timed) => limits.sharedInfrastructure.find((g) => t.schedule.tenant !== UNKNOWN && g.some((n) => n.trim().toLowerCase() === (t.schedule.tenant as string).trim().toLowerCase()));
  const scopeName = (t: Timed) => {
    const shared = sharing(t);
    return shared ? `tenants ${shared.join(", ")} (sharedInfrastructure)` : t.schedule.tenantShown;
  };
  const counting = dialect === "policy-file" ? "computer targets and the computers of tags this repository declares" : "computer targets and the computers the stack's TagMemberships put on tags";
  const report = (group: Timed[], max: number, scope: string, setting: string, counted?: number) => {
    for (const t of group) {
      if (reported.has(t)) continue;
      reported.add(t);
      const others = group.filter((o) => o !== t).map((o) => o.schedule.where);
      const amount = counted === undefined ? `${group.length} at once` : `${counted} computers at once (counting ${counting})`;
      out.push({
        index: t.index,
        issue: {
          rule: "staggered-windows",
          property: timeProperty(t.schedule),
          message: `executes (${t.when}) within the same hour as ${others.length} other schedule${others.length === 1 ? "" : "s"} of ${scope}${others.length > 0 ? ` (${others.join(", ")})` : ""}: ${amount}, more than ${max} (${setting})`,
          fix: `move some of them at least an hour apart (executionTime, dayOfWeek)${counted === undefined ? "" : ", or split the ring into smaller groups"}, or raise ${setting} ${where}`,
        },
      });
    }
  };
  const byTenant = new Map<string, Timed[]>();
  for (const t of all) {
    if (t.schedule.tenant === "" || t.schedule.tenant === UNKNOWN) continue;
    const key = scopeOf(t.schedule.tenant);
    byTenant.set(key, [...(byTenant.get(key) ?? []), t]);
  }
  for (const list of byTenant.values()) {
    for (const group of groups(list)) {
      if (group.length > limits.maxPerTenant) report(group, limits.maxPerTenant, scopeName(group[0]!), "staggeredWindows.maxPerTenant");
    }
  }
  const everything = dialect === "policy-file" ? "the repository" : "the stack";
  for (const group of groups(all)) {
    if (group.length > limits.maxPerRepository) report(group, limits.maxPerRepository, everything, "staggeredWindows.maxPerRepository");
  }
  for (const list of byTenant.values()) {
    for (const group of groups(list)) {
      const known = group.filter((t) => t.schedule.computers !== undefined);
      const counted = new Set(known.flatMap((t) => [...t.schedule.computers!])).size;
      if (counted > limits.maxComputersPerHour) report(known, limits.maxComputersPerHour, scopeName(group[0]!), "staggeredWindows.maxComputersPerHour", counted);
    }
  }
  return out;
}
