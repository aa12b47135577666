/**
 * The server's own checks on a bound schedule, run after binding and before anything is stored. Each rule is
 * one function returning its complaints, keyed by the .NET property name (PascalCase, as ASP.NET model state reports it);
 * every message says what was wrong and what to send instead.
 */
import { parseDailyCron } from "./cron";
import type { FieldErrors } from "./http";
import type { ScheduleFields } from "./schedule-model";
import { timeZoneProblem } from "./timezones";
import { describeMembers, isDefinedMember, memberName, SCHEDULE_ENUMS, type EnumTable } from "./wire-enums";

/** All problems with `f`; an empty object means the schedule may be stored. */
export function scheduleProblems(f: ScheduleFields): FieldErrors {
  const errors: FieldErrors = {};
  for (const [field, message] of [
    ...enumProblems(f),
    ...targetProblems(f),
    ...cadenceProblems(f),
    ...timeZoneProblems(f),
    ...limitedItemProblems(f),
  ]) {
    (errors[field] ??= []).push(message);
  }
  return errors;
}

type Problem = [field: string, message: string];

const pascal = (name: string): string => name[0]!.toUpperCase() + name.slice(1);

/** Binding takes any integer for an enum, as .NET does; only defined members may be stored. */
function enumProblems(f: ScheduleFields): Problem[] {
  const problems: Problem[] = [];
  for (const [field, table] of Object.entries(SCHEDULE_ENUMS) as [keyof typeof SCHEDULE_ENUMS, EnumTable][]) {
    const value = f[field];
    if (!isDefinedMember(table, value)) {
      problems.push([pascal(field), `${field} ${value} is not a ${table.enumName}; send one of ${describeMembers(table)}.`]);
    }
  }
  return problems;
}

const METASCRIPT_TARGETS = new Set([SCHEDULE_ENUMS.targetType.values.Metascript, SCHEDULE_ENUMS.targetType.values.TenantMetascript]);

function targetProblems(f: ScheduleFields): Problem[] {
  const problems: Problem[] = [];
  if (METASCRIPT_TARGETS.has(f.targetType)) {
    problems.push([
      "TargetType",
      `schedules cannot target a metascript (targetType ${memberName(SCHEDULE_ENUMS.targetType, f.targetType)}); use a filter script (FilterScript / TenantFilterScript), a tag or a group instead.`,
    ]);
  }
  if (f.targetType === SCHEDULE_ENUMS.targetType.values.AllForTenant && f.tenantId === null) {
    problems.push(["TenantId", "targetType AllForTenant needs the tenant: set tenantId (or use targetType All for a cross-tenant schedule)."]);
  }
  return problems;
}

/** "HH:mm" or "HH:mm:ss", 24-hour -> seconds after midnight; undefined when the text is neither. */
export function secondsOfDay(time: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/.exec(time);
  if (!m) return undefined;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
}

/** A cron expression of only blanks counts as none: the UI clears the field to "". */
export function hasCron(f: Pick<ScheduleFields, "customCronExpression">): boolean {
  return f.customCronExpression !== null && f.customCronExpression.trim() !== "";
}

const MIN_GAP_SECONDS = 3600;

/** When the schedule runs: either a cron expression, or a detection time (+ optional weekday and execution time). */
function cadenceProblems(f: ScheduleFields): Problem[] {
  if (hasCron(f)) {
    const problems: Problem[] = [];
    const parsed = parseDailyCron(f.customCronExpression!);
    if (!parsed.ok) problems.push(["CustomCronExpression", `customCronExpression: ${parsed.problem}`]);
    const clashing = (["time", "day", "maintenanceTime"] as const).filter((k) => f[k] !== null);
    if (clashing.length > 0) {
      problems.push([
        "CustomCronExpression",
        `customCronExpression replaces time, day and maintenanceTime, but ${new Intl.ListFormat("en").format(clashing)} ${clashing.length === 1 ? "is" : "are"} set too; send ${clashing.length === 1 ? "it" : "them"} as null or drop the cron expression.`,
      ]);
    }
    return problems;
  }

  const problems: Problem[] = [];
  const detection = f.time === null ? undefined : secondsOfDay(f.time);
  if (f.time === null) {
    problems.push(["Time", `time (the detection time of day, HH:mm, e.g. "14:00") is required when customCronExpression is not set.`]);
  } else if (detection === undefined) {
    problems.push(["Time", `time "${f.time}" is not a time of day; use 24-hour HH:mm or HH:mm:ss, e.g. "14:00".`]);
  }
  const execution = f.maintenanceTime === null ? undefined : secondsOfDay(f.maintenanceTime);
  if (f.maintenanceTime !== null && execution === undefined) {
    problems.push([
      "MaintenanceTime",
      `maintenanceTime "${f.maintenanceTime}" is not a time of day; use 24-hour HH:mm or HH:mm:ss, e.g. "22:00", or null to execute right after detection.`,
    ]);
  }
  if (detection !== undefined && execution !== undefined) {
    // Circular: detection at 23:30 and execution at 00:15 are 45 minutes apart.
    const gap = (((execution - detection) % 86400) + 86400) % 86400;
    if (gap < MIN_GAP_SECONDS) {
      problems.push([
        "MaintenanceTime",
        `maintenanceTime ${f.maintenanceTime} is within 1 hour after the detection time ${f.time}; execution must start at least 1 hour after detection (${clockText(detection + MIN_GAP_SECONDS)} or later), or set maintenanceTime to null to execute right after detection.`,
      ]);
    }
  }
  if (f.day !== null && (f.day < 0 || f.day > 6)) {
    problems.push(["Day", `day ${f.day} is not a day of the week; use 0 (Sunday) to 6 (Saturday), or null to run every day.`]);
  }
  return problems;
}

function clockText(seconds: number): string {
  const s = seconds % 86400;
  return `${String(Math.floor(s / 3600)).padStart(2, "0")}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}`;
}

/** null means UTC. */
function timeZoneProblems(f: ScheduleFields): Problem[] {
  if (f.timeZoneInfoId === null) return [];
  const problem = timeZoneProblem(f.timeZoneInfoId);
  return problem ? [["TimeZoneInfoId", `timeZoneInfoId: ${problem}`]] : [];
}

/** A schedule limited to one item names software or a task; these maintenance types have no item to name. */
const TYPES_WITHOUT_ITEMS = new Set([SCHEDULE_ENUMS.maintenanceType.values.WindowsUpdate, SCHEDULE_ENUMS.maintenanceType.values.AgentUpdate]);

function limitedItemProblems(f: ScheduleFields): Problem[] {
  if (f.maintenanceIdentifier === null || f.maintenanceIdentifier === "") return [];
  if (!isDefinedMember(SCHEDULE_ENUMS.maintenanceType, f.maintenanceType)) return []; // already reported as an enum problem
  if (!TYPES_WITHOUT_ITEMS.has(f.maintenanceType)) return [];
  return [
    [
      "MaintenanceType",
      `maintenanceIdentifier "${f.maintenanceIdentifier}" limits the schedule to one item, which needs a software or task maintenanceType (GlobalSoftware, LocalSoftware, ChocolateySoftware, NiniteSoftware, LocalMaintenanceTask, GlobalMaintenanceTask); ${memberName(SCHEDULE_ENUMS.maintenanceType, f.maintenanceType)} has no item. Set maintenanceIdentifier to null for full maintenance.`,
    ],
  ];
}
