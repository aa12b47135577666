/**
 * Wall-clock time in an IANA time zone, with nothing but Intl: the offset of a zone at an instant, the local
 * calendar date of an instant, and the instant of a local wall time (DST gaps and overlaps resolved).
 */

export const MS_PER_DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One cached formatter per zone: building an Intl.DateTimeFormat costs far more than using one. */
function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClockAt(zone: string, instant: number): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(zone).formatToParts(new Date(instant))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** Local wall time minus UTC, in ms, of `zone` at `instant` (Europe/Berlin in summer: +7_200_000). */
export function zoneOffsetMs(zone: string, instant: number): number {
  const wholeSecond = instant - (((instant % 1000) + 1000) % 1000);
  const w = wallClockAt(zone, wholeSecond);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - wholeSecond;
}

export interface CalendarDate {
  year: number;
  month: number; // 1-12
  day: number;
}

/** The calendar date `instant` has on the wall clocks of `zone`. */
export function localDateOf(zone: string, instant: number): CalendarDate {
  const w = wallClockAt(zone, instant);
  return { year: w.year, month: w.month, day: w.day };
}

/** The date `days` after `date` (plain calendar arithmetic, no zone involved). */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * MS_PER_DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday, as .NET's DayOfWeek and cron's day-of-week field count. */
export function weekdayOf(date: CalendarDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

/**
 * The instant at which the clocks of `zone` show `secondOfDay` on `date`.
 * A time that happens twice (clocks go back) resolves to the first; a time that never happens (clocks go
 * forward) is moved forward by the length of the gap (02:30 on a spring-forward night in Berlin -> 03:30),
 * the same choice as Temporal's "compatible" disambiguation. Offsets are probed a day either side, which
 * covers every real zone (none changes its offset twice within two days).
 */
export function wallTimeToInstant(zone: string, date: CalendarDate, secondOfDay: number): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + secondOfDay * 1000;
  const offsetBefore = zoneOffsetMs(zone, wall - MS_PER_DAY);
  const offsets = new Set([offsetBefore, zoneOffsetMs(zone, wall), zoneOffsetMs(zone, wall + MS_PER_DAY)]);
  const exact = [...offsets].map((o) => wall - o).filter((t) => t + zoneOffsetMs(zone, t) === wall);
  if (exact.length > 0) return Math.min(...exact);
  return wall - offsetBefore;
}
