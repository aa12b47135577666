/**
 * The sandbox's reading of a schedule's custom cron expression. ImmyBot (release notes, 2022) takes five
 * fields — minute hour day-of-month month day-of-week — and runs a schedule at most once a day, so the minute
 * and hour must be plain numbers. The day fields take the usual `*`, lists, ranges and steps.
 */

export interface DailyCron {
  minute: number;
  hour: number;
  /** null = every day of the month (`*`). */
  daysOfMonth: ReadonlySet<number> | null;
  /** null = every month. */
  months: ReadonlySet<number> | null;
  /** null = every day of the week; 0 = Sunday (7 is folded into 0). */
  daysOfWeek: ReadonlySet<number> | null;
}

export type CronParse = { ok: true; cron: DailyCron } | { ok: false; problem: string };

const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  label: string;
  min: number;
  max: number;
  /** Names accepted for the values, first name = `min`. */
  names?: readonly string[];
}

const DAY_OF_MONTH: FieldSpec = { label: "day-of-month", min: 1, max: 31 };
const MONTH: FieldSpec = { label: "month", min: 1, max: 12, names: MONTH_NAMES };
const DAY_OF_WEEK: FieldSpec = { label: "day-of-week", min: 0, max: 7, names: DAY_NAMES };

const EXAMPLE = `e.g. "0 22 * * 6" for Saturdays at 22:00`;

export function parseDailyCron(expression: string): CronParse {
  const fields = expression.trim().split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5) {
    return {
      ok: false,
      problem: `"${expression}" has ${fields.length} field(s); a schedule's cron needs exactly 5: minute hour day-of-month month day-of-week (${EXAMPLE}).`,
    };
  }
  const [minuteField, hourField, domField, monthField, dowField] = fields as [string, string, string, string, string];
  const minute = singleNumber(minuteField, "minute", 59);
  if (typeof minute === "string") return { ok: false, problem: minute };
  const hour = singleNumber(hourField, "hour", 23);
  if (typeof hour === "string") return { ok: false, problem: hour };
  const daysOfMonth = parseField(domField, DAY_OF_MONTH);
  if (typeof daysOfMonth === "string") return { ok: false, problem: daysOfMonth };
  const months = parseField(monthField, MONTH);
  if (typeof months === "string") return { ok: false, problem: months };
  const daysOfWeek = parseField(dowField, DAY_OF_WEEK);
  if (typeof daysOfWeek === "string") return { ok: false, problem: daysOfWeek };
  return { ok: true, cron: { minute, hour, daysOfMonth, months, daysOfWeek: daysOfWeek && foldSunday(daysOfWeek) } };
}

/** Minute and hour: one number, because a schedule may run at most once a day. Returns the problem text. */
function singleNumber(field: string, label: string, max: number): number | string {
  if (/^\d{1,2}$/.test(field) && Number(field) <= max) return Number(field);
  if (/[*,\-/]/.test(field)) {
    return `the ${label} field "${field}" uses * , - or /; a schedule runs at most once a day, so the ${label} must be a single number 0-${max} (${EXAMPLE}).`;
  }
  return `the ${label} field "${field}" is not a number 0-${max} (${EXAMPLE}).`;
}

/** `*`, `?`, or a comma list of `v`, `a-b`, `*\/n`, `a-b/n`, `a/n`. null = unrestricted. Returns the problem text. */
function parseField(field: string, spec: FieldSpec): Set<number> | null | string {
  if (field === "*" || field === "?") return null;
  const values = new Set<number>();
  for (const part of field.split(",")) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) return `the ${spec.label} field "${field}" is not a list of values, ranges or steps.`;
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) return `the ${spec.label} field "${field}" has a step of 0.`;
    const range = rangeOf(m[1]!, spec, m[2] !== undefined);
    if (typeof range === "string") return `the ${spec.label} field "${field}": ${range}`;
    for (let v = range[0]; v <= range[1]; v += step) values.add(v);
  }
  return values;
}

function rangeOf(text: string, spec: FieldSpec, stepped: boolean): [number, number] | string {
  if (text === "*") return [spec.min, spec.max];
  const bounds = text.split("-");
  if (bounds.length > 2) return `"${text}" is not a value or a range.`;
  const numbers: number[] = [];
  for (const b of bounds) {
    const v = valueOf(b, spec);
    if (v === undefined) return `"${b}" is not a value ${spec.min}-${spec.max}${spec.names ? ` or a name (${spec.names.join(", ")})` : ""}.`;
    numbers.push(v);
  }
  const low = numbers[0]!;
  // "5/15" means from 5 to the end in steps of 15, as in Vixie cron.
  const high = numbers.length === 2 ? numbers[1]! : stepped ? spec.max : low;
  if (high < low) return `the range "${text}" runs backwards.`;
  return [low, high];
}

function valueOf(token: string, spec: FieldSpec): number | undefined {
  const byName = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  if (byName >= 0) return spec.min + byName;
  if (!/^\d{1,2}$/.test(token)) return undefined;
  const v = Number(token);
  return v >= spec.min && v <= spec.max ? v : undefined;
}

/** Cron allows 7 for Sunday; dates count Sunday as 0. */
function foldSunday(days: Set<number>): Set<number> {
  if (days.delete(7)) days.add(0);
  return days;
}

/**
 * Whether the schedule runs on this calendar day. When both day fields are restricted, either one matching is
 * enough: the classic (Vixie) cron rule. Which rule ImmyBot's scheduler applies is not documented.
 */
export function runsOnDay(cron: DailyCron, month: number, dayOfMonth: number, weekday: number): boolean {
  if (cron.months && !cron.months.has(month)) return false;
  const domOk = cron.daysOfMonth ? cron.daysOfMonth.has(dayOfMonth) : true;
  const dowOk = cron.daysOfWeek ? cron.daysOfWeek.has(weekday) : true;
  if (cron.daysOfMonth && cron.daysOfWeek) return domOk || dowOk;
  return domOk && dowOk;
}
