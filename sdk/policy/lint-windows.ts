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
 */
import { DayOfWeek } from "../../provider/models/enums";
import { cronRunTimes, minutesOfDay } from "../../provider/models/time";
import type { LoadedPolicyFile } from "./load";
import { tenantKey, type RuleFinding } from "./lint-rules";
import { formatPath } from "./problems";
import type { PolicySchedule } from "./types";

/** The limits of "staggered-windows": how many schedules may execute within the same hour. */
export interface StaggeredWindowsOptions {
  /** Of one tenant (all files with its `tenant`). Default 2. */
  maxPerTenant?: number;
  /** Across every file of the repository, crossTenant files included. Default 6. */
  maxPerRepository?: number;
}

export const STAGGERED_WINDOWS_DEFAULTS: Required<StaggeredWindowsOptions> = { maxPerTenant: 2, maxPerRepository: 6 };

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

/** One finding per schedule in a group above its limit: per tenant first, then across the repository. */
export function staggeredWindows(files: readonly LoadedPolicyFile[], options: StaggeredWindowsOptions = {}): RuleFinding[] {
  const limits = { ...STAGGERED_WINDOWS_DEFAULTS, ...options };
  const all = files.flatMap((file) => (file.content.schedules ?? []).map((s, i) => timed(file, s, i)).filter((t): t is Timed => t !== undefined));
  const reported = new Set<Timed>();
  const out: RuleFinding[] = [];
  const report = (group: Timed[], max: number, scope: string, setting: string) => {
    for (const t of group) {
      if (reported.has(t)) continue;
      reported.add(t);
      const others = group.filter((o) => o !== t).map(where);
      out.push({
        rule: "staggered-windows",
        file: t.file.path,
        path: timePath(t),
        entry: t.schedule,
        message: `executes (${t.when}) within the same hour as ${others.length} other schedule${others.length === 1 ? "" : "s"} of ${scope} (${others.join(", ")}): ${group.length} at once, more than ${max} (${setting})`,
        fix: `move some of them at least an hour apart (executionTime, dayOfWeek), or raise ${setting} in .immybot-lint.yaml`,
      });
    }
  };
  const byTenant = new Map<string, Timed[]>();
  for (const t of all) {
    const key = tenantKey(t.file);
    if (key !== "") byTenant.set(key, [...(byTenant.get(key) ?? []), t]);
  }
  for (const list of byTenant.values()) {
    for (const group of groups(list)) {
      if (group.length > limits.maxPerTenant) report(group, limits.maxPerTenant, `tenant ${group[0]!.file.content.tenant}`, "staggeredWindows.maxPerTenant");
    }
  }
  for (const group of groups(all)) {
    if (group.length > limits.maxPerRepository) report(group, limits.maxPerRepository, "the repository", "staggeredWindows.maxPerRepository");
  }
  return out;
}
