/**
 * Times of day, time zones and ImmyBot's cron rules: validators (named, with the fix in the message) and the
 * one wire normalisation (ImmyBot may echo `HH:mm:ss` for a time sent as `HH:mm`).
 */
import { z } from "zod";
import { closestName, didYouMean } from "./similar";

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** A 24-hour `HH:mm` time of day, e.g. "22:00". */
export const timeOfDay = z.string().regex(HH_MM, { error: (i) => `${JSON.stringify(i.input)} is not HH:mm (24-hour, e.g. "22:00")` });

/** Minutes after midnight of an `HH:mm` string. */
export function minutesOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return (h as number) * 60 + (m as number);
}

/** Wire -> canonical: `"22:00:00"` and `"22:00"` are the same time; null stays absent. */
export function timeFromWire(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  const m = /^(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/.exec(value);
  return m ? `${(m[1] as string).padStart(2, "0")}:${m[2]}` : value;
}

/** Answers of isIanaTimeZone: a stack repeats a few zones. */
const knownZones = new Map<string, boolean>();

/** True when `zone` is an IANA time zone id this Node.js knows ("Europe/Berlin", "UTC"). */
export function isIanaTimeZone(zone: string): boolean {
  let known = knownZones.get(zone); // only zones of the right form are remembered
  if (known === undefined) {
    if (!/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(zone)) return false;
    // A listed id is known without building a formatter: the first one built loads ICU's formatting data (~10 ms,
    // at every host start). Aliases ("US/Eastern") are not listed: the formatter decides.
    if (listedZone(zone) !== undefined) known = true;
    else {
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: zone });
        known = true;
      } catch {
        known = false;
      }
    }
    if (knownZones.size < 1000) knownZones.set(zone, known);
  }
  return known;
}

/** The time zone ids this Node.js knows, for "did you mean" (read once, when first needed). */
let zoneIds: readonly string[] | undefined;
const zones = () => (zoneIds ??= [...Intl.supportedValuesOf("timeZone"), "UTC"]);
/** The same ids by their lower-case form. */
let zonesByLowerCase: ReadonlyMap<string, string> | undefined;

/**
 * `zone` (a known IANA id) spelt as IANA spells it: "europe/berlin" -> "Europe/Berlin", "etc/gmt+5" ->
 * "Etc/GMT+5". Only the case changes, never the zone: an alias ("Asia/Kolkata", "US/Eastern") stays the alias
 * (Node's own canonical form may be an older name, e.g. "Asia/Calcutta"), and one Node.js does not list is kept
 * as written.
 */
export function canonicalTimeZone(zone: string): string {
  const listed = listedZone(zone);
  if (listed !== undefined) return listed;
  const resolved = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  return resolved.toLowerCase() === zone.toLowerCase() ? resolved : zone;
}

/** The id Node.js lists for `zone`, compared without case as Intl compares time zone ids ("europe/berlin"), if any. */
function listedZone(zone: string): string | undefined {
  zonesByLowerCase ??= new Map(zones().map((id) => [id.toLowerCase(), id]));
  return zonesByLowerCase.get(zone.toLowerCase());
}

/** IANA's areas: a city given alone ("London") is looked for under each ("Europe/London"). */
const AREAS = ["Europe", "America", "Asia", "Africa", "Australia", "Pacific", "Atlantic", "Indian", "Antarctica", "Arctic"];
/** "GMT+1", "UTC-05:00", "+01:00": an offset from UTC, as people write it. */
const OFFSET = /^(?:GMT|UTC|Z)?\s*([+\-\u2212])\s*(\d{1,2})(?::?(\d{2}))?$/i;

/**
 * What to write instead of `input`, which is not an IANA time zone id: `; did you mean "..."?` with why, or "".
 * - an offset ("GMT+1", "UTC-5"): the `Etc/GMT` zone of that offset, whose sign IANA inverts, with that said;
 * - a city alone ("London", "new york"): its zone ("Europe/London");
 * - a Windows time zone name ("W. Europe Standard Time"): say that ImmyBot wants the IANA id;
 * - else a near spelling of an id or of its city ("Europe/Berln", "Londn").
 * Never throws: it runs inside check, on whatever text the user gave.
 */
export function timeZoneHint(input: unknown): string {
  if (typeof input !== "string" || input.length > 100) return "";
  const text = input.trim();
  const offset = OFFSET.exec(text);
  if (offset) return offsetHint(offset[1] === "+" ? 1 : -1, Number(offset[2]), Number(offset[3] ?? 0));
  if (/standard time$/i.test(text)) {
    return `; that is a Windows time zone name: give the IANA id of the same zone, e.g. "Europe/Berlin" for "W. Europe Standard Time", "America/New_York" for "Eastern Standard Time"`;
  }
  const city = text.replace(/\s+/g, "_");
  if (!city.includes("/") && city !== "") {
    const lower = city.toLowerCase();
    const listed = zones().filter((id) => id.split("/").at(-1)!.toLowerCase() === lower);
    const found = listed.length > 0 ? listed : AREAS.map((area) => `${area}/${city}`).filter(isIanaTimeZone).map(canonicalTimeZone);
    if (found.length > 0) return `; did you mean ${found.slice(0, 3).map((id) => JSON.stringify(id)).join(" or ")}?`;
    const near = closestName(city, zones().map((id) => id.split("/").at(-1)!));
    const id = near === undefined ? undefined : zones().find((z) => z.endsWith(`/${near}`));
    if (id !== undefined) return `; did you mean ${JSON.stringify(id)}?`;
  }
  return didYouMean(text, zones());
}

/** The `Etc/GMT` zone of UTC + `sign` `hours`:`minutes`, or why there is none. */
function offsetHint(sign: 1 | -1, hours: number, minutes: number): string {
  const place = 'for a place, give its own zone (e.g. "Europe/Berlin"), which also follows its daylight saving time';
  if (minutes !== 0) return `; an offset with minutes has no Etc/GMT zone: give the place's own zone, e.g. "Asia/Kolkata" for UTC+05:30`;
  if (hours === 0) return `; did you mean "UTC"?`;
  if (hours > (sign > 0 ? 14 : 12)) return `; no time zone is ${hours} hours ${sign > 0 ? "ahead of" : "behind"} UTC`;
  const etc = `Etc/GMT${sign > 0 ? "-" : "+"}${hours}`;
  return (
    `; did you mean ${JSON.stringify(etc)}? IANA's Etc/GMT zones have the opposite sign (POSIX): ${JSON.stringify(etc)} is UTC${sign > 0 ? "+" : "-"}${hours}, ` +
    `${hours} hour${hours === 1 ? "" : "s"} ${sign > 0 ? "ahead of" : "behind"} UTC all year; ${place}`
  );
}

/**
 * An IANA time zone id, canonicalised to IANA's spelling: ImmyBot may echo the canonical id, and a zone kept as
 * typed ("europe/berlin") would then show a change on every refresh.
 */
export const timeZone = z
  .string()
  .refine(isIanaTimeZone, {
    error: (i) => `${JSON.stringify(i.input)} is not an IANA time zone id (e.g. "Europe/Berlin", "America/New_York", "UTC")${timeZoneHint(i.input)}`,
  })
  .transform(canonicalTimeZone);

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** A cron field's token as a number: digits, or a name of `names` (whose first is `first`: JAN is 1, SUN is 0). */
function cronNumber(tok: string, names: readonly string[], first: number): number | undefined {
  const byName = names.indexOf(tok.toUpperCase());
  if (byName >= 0) return byName + first;
  return /^\d+$/.test(tok) ? Number(tok) : undefined;
}

/** One field of a cron expression: `*`, `?`, or a list of `n`, `n-m`, with optional `/step`. */
function cronFieldProblem(field: string, label: string, min: number, max: number, names: string[] = []): string | undefined {
  const value = (tok: string) => cronNumber(tok, names, label === "month" ? 1 : 0);
  if (field === "*" || field === "?") return undefined;
  for (const part of field.split(",")) {
    const [range, step] = part.split("/");
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `${label} field "${field}" has a bad step "${step}"`;
    if (range === "*") continue;
    const bounds = (range ?? "").split("-");
    if (bounds.length > 2) return `${label} field "${field}" is not a number, list or range`;
    for (const b of bounds) {
      const v = value(b);
      if (v === undefined || v < min || v > max) return `${label} field "${field}": "${b}" is not in ${min}-${max}`;
    }
  }
  return undefined;
}

/**
 * ImmyBot's rules for a schedule's custom cron expression (release notes 2022): five fields
 * (minute hour day-of-month month day-of-week), at most one run a day, so the minute and the hour are single
 * numbers (no `*`, `,`, `-` or `/`). Returns the problem, or undefined when the expression is accepted.
 */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `has ${fields.length} field(s); ImmyBot wants 5: minute hour day-of-month month day-of-week (e.g. "0 22 * * 6")`;
  }
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  for (const [f, label, max] of [[minute, "minute", 59], [hour, "hour", 23]] as const) {
    if (!/^\d{1,2}$/.test(f) || Number(f) > max) {
      return `${label} field "${f}" must be a single number 0-${max}: ImmyBot runs a schedule at most once a day, so * , - and / are not allowed in the minute and hour (e.g. "0 22 * * 6")`;
    }
  }
  return (
    cronFieldProblem(dom, "day-of-month", 1, 31) ??
    cronFieldProblem(month, "month", 1, 12, MONTHS) ??
    cronFieldProblem(dow, "day-of-week", 0, 7, DAYS) ??
    impossibleDate(dom, month, dow)
  );
}

/** Days in each month, February in a leap year (the 29th exists). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** The values of a valid day-of-month or month field (`*`, lists, ranges, steps, names); undefined for a range such as 5-2. */
function cronFieldValues(field: string, min: number, max: number, names: string[] = [], first = 1): number[] | undefined {
  const value = (tok: string) => cronNumber(tok, names, first);
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const [range = "", step] = part.split("/");
    const [from, to] = range === "*" || range === "?" ? [min, max] : range.split("-").map(value);
    const last = to ?? (step === undefined ? from : max);
    if (from === undefined || last === undefined || from > last) return undefined;
    for (let n = from; n <= last; n += Number(step ?? 1)) out.add(n);
  }
  return [...out];
}

/**
 * A day-of-month and month that never meet ("31 2": there is no February 31), which would never run. Only when
 * the day of the week is unrestricted: with both restricted, cron runs on either, so the expression does run.
 */
function impossibleDate(dom: string, month: string, dow: string): string | undefined {
  if (dow !== "*" && dow !== "?") return undefined;
  const days = cronFieldValues(dom, 1, 31);
  const months = cronFieldValues(month, 1, 12, MONTHS);
  if (!days || !months || months.some((m) => days.some((d) => d <= (MONTH_DAYS[m - 1] as number)))) return undefined;
  const list = (items: readonly (string | number)[], last: string) => items.join(", ").replace(/, ([^,]+)$/, ` ${last} $1`);
  const dayList = list(days.sort((a, b) => a - b), "or");
  const monthNames = months.sort((a, b) => a - b).map((m) => MONTH_NAMES[m - 1] as string);
  const never = monthNames.length === 1 ? `there is no ${monthNames[0]} ${dayList}` : `${list(monthNames, "and")} have no day ${dayList}`;
  const leap = months.includes(2) ? " (February 29 does, in leap years)" : "";
  return `never runs: ${never}; pick a day of the month that exists in ${monthNames.length === 1 ? "that month" : "those months"}${leap}`;
}

/**
 * The parts of a valid cron expression that say when it runs: the minutes after midnight (ImmyBot's minute and hour
 * are single numbers) and the days of the week (0 = Sunday; every day when the day-of-week field is `*`). A
 * restricted day of the month is not looked at: the days of the week it may fall on are all of them.
 */
export function cronRunTimes(expr: string): { minutes: number; days: number[] } | undefined {
  if (cronProblem(expr) !== undefined) return undefined;
  const [minute, hour, , , dow] = expr.trim().split(/\s+/) as [string, string, string, string, string];
  const days = cronFieldValues(dow, 0, 7, DAYS, 0);
  if (!days) return undefined;
  return { minutes: Number(hour) * 60 + Number(minute), days: [...new Set(days.map((d) => d % 7))].sort() };
}

/** Canonical text of a cron expression: its fields separated by single spaces, as it is sent and stored. */
export const cronExpression = z
  .string()
  .superRefine((v, ctx) => {
    const problem = cronProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: `cron expression ${JSON.stringify(v)} ${problem}` });
  })
  .transform((v) => v.trim().split(/\s+/).join(" "));
