/**
 * Times of day, time zones and ImmyBot's cron rules: validators (named, with the fix in the message) and the
 * one wire normalisation (ImmyBot may echo `HH:mm:ss` for a time sent as `HH:mm`).
 */
import { z } from "zod";
import { didYouMean } from "./similar";

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

/** Answers of isIanaTimeZone: building an Intl.DateTimeFormat costs ~2 ms, and a stack repeats a few zones. */
const knownZones = new Map<string, boolean>();

/** True when `zone` is an IANA time zone id this Node.js knows ("Europe/Berlin", "UTC"). */
export function isIanaTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(zone)) return false;
  let known = knownZones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    if (knownZones.size < 1000) knownZones.set(zone, known);
  }
  return known;
}

/** The time zone ids this Node.js knows, for "did you mean" (read once, when first needed). */
let zoneIds: readonly string[] | undefined;
const zones = () => (zoneIds ??= [...Intl.supportedValuesOf("timeZone"), "UTC"]);

/** An IANA time zone id. */
export const timeZone = z.string().refine(isIanaTimeZone, {
  error: (i) => `${JSON.stringify(i.input)} is not an IANA time zone id (e.g. "Europe/Berlin", "America/New_York", "UTC")${didYouMean(i.input, zones())}`,
});

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** One field of a cron expression: `*`, `?`, or a list of `n`, `n-m`, with optional `/step`. */
function cronFieldProblem(field: string, label: string, min: number, max: number, names: string[] = []): string | undefined {
  const value = (tok: string): number | undefined => {
    const byName = names.indexOf(tok.toUpperCase());
    if (byName >= 0) return byName + (label === "month" ? 1 : 0);
    return /^\d+$/.test(tok) ? Number(tok) : undefined;
  };
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
    cronFieldProblem(dow, "day-of-week", 0, 7, DAYS)
  );
}

export const cronExpression = z.string().superRefine((v, ctx) => {
  const problem = cronProblem(v);
  if (problem) ctx.addIssue({ code: "custom", message: `cron expression ${JSON.stringify(v)} ${problem}` });
});
