/**
 * `nextOccurenceDate` (sic, the API's spelling): the next detection run after now, evaluated on the wall clocks
 * of the schedule's time zone (null = UTC). Disabled schedules have none.
 */
import { parseDailyCron, runsOnDay, type DailyCron } from "./cron";
import type { ScheduleFields } from "./schedule-model";
import { hasCron, secondsOfDay } from "./schedule-rules";
import { addDays, localDateOf, wallTimeToInstant, weekdayOf, type CalendarDate } from "./zone-time";

type Cadence = Pick<ScheduleFields, "disabled" | "customCronExpression" | "time" | "day" | "timeZoneInfoId">;

/** Eight years covers the rarest date a cron can name (29 February when a century skips the leap day). */
const CRON_SEARCH_DAYS = 366 * 8;

/** The next run strictly after `now` (ms), or null when disabled or when the cadence never fires. */
export function nextOccurrence(schedule: Cadence, now: number): number | null {
  if (schedule.disabled) return null;
  const zone = schedule.timeZoneInfoId ?? "UTC";
  if (hasCron(schedule)) {
    const parsed = parseDailyCron(schedule.customCronExpression!);
    return parsed.ok ? nextCronRun(parsed.cron, zone, now) : null;
  }
  const second = schedule.time === null ? undefined : secondsOfDay(schedule.time);
  if (second === undefined) return null;
  const day = schedule.day;
  return firstRunAfter(zone, now, 8, (date) => (day === null || weekdayOf(date) === day ? second : undefined));
}

function nextCronRun(cron: DailyCron, zone: string, now: number): number | null {
  const second = cron.hour * 3600 + cron.minute * 60;
  return firstRunAfter(zone, now, CRON_SEARCH_DAYS, (date) =>
    runsOnDay(cron, date.month, date.day, weekdayOf(date)) ? second : undefined,
  );
}

/**
 * Walks the local calendar from today; `runAt(date)` gives the second of the day the schedule fires on that
 * date, or undefined when it does not fire. Today's run counts only if it is still ahead.
 */
function firstRunAfter(
  zone: string,
  now: number,
  days: number,
  runAt: (date: CalendarDate) => number | undefined,
): number | null {
  const today = localDateOf(zone, now);
  for (let i = 0; i <= days; i++) {
    const date = addDays(today, i);
    const second = runAt(date);
    if (second === undefined) continue;
    const instant = wallTimeToInstant(zone, date, second);
    if (instant > now) return instant;
  }
  return null;
}
