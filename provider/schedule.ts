/**
 * Schedule: when maintenance runs, for which targets, with which reboot, prompt and e-mail behaviour
 * (ImmyBot `/api/v1/schedules`).
 *
 * Order: arguments (documented interface) and zod schema, outputs, wire mapping (toWire / fromWire, each
 * written once), then the lifecycle (the shared REST lifecycle: check, diff, create with adopt, read, update,
 * delete).
 *
 * Update or replace: every argument is updated in place. ImmyBot's PUT replaces the whole schedule and keeps its
 * id, so nothing forces a new schedule; only pointing `adoptId` at a different schedule replaces the resource.
 */
import { z } from "zod";
import type { InputModel, RuleContext } from "./check";
import type { ImmyBotClient } from "./client";
import { tenantScope } from "./read-lists";
import { adoptIdField, restLifecycle, type Wire } from "./rest-resource";
import { DayOfWeek, MaintenanceType, type DayOfWeekName, type MaintenanceTypeName } from "./models/enums";
import {
  emailFields,
  executionFields,
  maintenanceOptionRules,
  maintenanceOptionsFromWire,
  maintenanceOptionsToWire,
  maintenanceOptionsWireFields,
  rebootFields,
  type EmailArgs,
  type ExecutionArgs,
  type RebootArgs,
} from "./models/maintenance-options";
import { dropUndefined, isIdText, nonEmpty, normalizeTarget, notAnId, targetFields, targetFromWire, targetRules, targetToWire, targetWireFields, type TargetArgs } from "./models/target";
import { cronExpression, minutesOfDay, timeFromWire, timeOfDay, timeZone } from "./models/time";
import { keysOf, type Tie } from "./models/tie";
import { decodeAnswer, enumOrNull, enumValue, flag, int, listAnswer, textOrNull, type Answer } from "./models/wire";

const KIND = "Schedule";
const PATH = "/api/v1/schedules";

/** The arguments of a Schedule. Every one is updated in place. */
export interface ScheduleArgs extends TargetArgs, RebootArgs, EmailArgs, ExecutionArgs {
  /**
   * Weekly on this day (UI: Day), "Sunday" to "Saturday"; omit for a daily schedule.
   * Not with cronExpression.
   */
  dayOfWeek?: DayOfWeekName;
  /** Detection time of day, 24-hour "HH:mm" (UI: Detection time; API: time). Required unless cronExpression is set. */
  detectionTime?: string;
  /**
   * Execution time of day, 24-hour "HH:mm" (UI: Execution time; API: maintenanceTime), at least one hour after
   * detectionTime. Omit to execute immediately after detection. Not with cronExpression.
   */
  executionTime?: string;
  /**
   * A custom 5-field cron expression (UI: Custom cron; API: customCronExpression), "minute hour day-of-month month
   * day-of-week". ImmyBot runs a schedule at most once a day, so minute and hour are single numbers (e.g. "0 22 * * 6",
   * "00 08 1,15 * *"). Replaces detectionTime, executionTime and dayOfWeek; execution follows detection.
   */
  cronExpression?: string;
  /** IANA time zone the times and the cron expression are in (UI: Time zone; API: timeZoneInfoId), e.g. "Europe/Berlin". Omit for UTC. */
  timeZone?: string;
  /**
   * Limit the schedule to one maintenance item (UI: Limit to): the kind of item, "GlobalSoftware", "LocalSoftware",
   * "GlobalMaintenanceTask", "LocalMaintenanceTask", "ChocolateySoftware" or "NiniteSoftware". Needs maintenanceIdentifier.
   * Omit both for full maintenance.
   */
  maintenanceType?: MaintenanceTypeName;
  /** The id of that software or task, as a string (e.g. "303"). Needs maintenanceType. */
  maintenanceIdentifier?: string;
  /** Install Windows updates during the run (UI: Apply Windows updates). Not with a maintenance item. Default false. */
  applyWindowsUpdates?: boolean;
  /** Let scripts use the MSP tenant's resources (UI: Allow access to MSP resources; MSP admins only). Default false. */
  allowAccessToMSPResources?: boolean;
  /** The schedule is inactive (UI: Disabled). Default false. */
  disabled?: boolean;
  /**
   * Take an existing ImmyBot schedule with this id under management instead of creating one. On create the schedule
   * is read and then updated to these arguments; nothing is recreated. Read only at create.
   */
  adoptId?: string;
}

const scheduleFields = {
  ...targetFields,
  dayOfWeek: DayOfWeek.schema.optional(),
  detectionTime: timeOfDay.optional(),
  executionTime: timeOfDay.optional(),
  cronExpression: cronExpression.optional(),
  timeZone: timeZone.optional(),
  maintenanceType: MaintenanceType.schema.optional(),
  maintenanceIdentifier: z.string().min(1).max(128).optional(),
  applyWindowsUpdates: z.boolean().default(false),
  ...rebootFields,
  ...emailFields,
  ...executionFields,
  allowAccessToMSPResources: z.boolean().default(false),
  disabled: z.boolean().default(false),
  adoptId: adoptIdField("schedule").optional(),
};
const _tie: Tie<z.input<z.ZodObject<typeof scheduleFields>>, ScheduleArgs> = true;

/** Checked, canonical Schedule arguments (defaults filled). */
export type ScheduleInputs = z.output<z.ZodObject<typeof scheduleFields>>;

/** What ImmyBot computes for a schedule (outputs besides the echoed arguments). */
export interface ScheduleComputed {
  /** The next detection run ImmyBot computed (ISO 8601, UTC), or null when none is planned (e.g. disabled). */
  nextOccurrence: string | null;
  /** When the schedule was created (ISO 8601, UTC). */
  createdAt: string | null;
  /** When the schedule was last changed (ISO 8601, UTC). */
  updatedAt: string | null;
}

/** What a Schedule resource exposes: its arguments as ImmyBot echoes them, plus what the server computes. */
export type ScheduleOutputs = ScheduleInputs & ScheduleComputed;

/** Every property of a Schedule resource (arguments and computed outputs). */
export const outputKeys: readonly string[] = [...Object.keys(scheduleFields), ...keysOf<ScheduleComputed>({ nextOccurrence: true, createdAt: true, updatedAt: true })];

const ITEM_TYPES: readonly MaintenanceTypeName[] = ["GlobalSoftware", "LocalSoftware", "ChocolateySoftware", "NiniteSoftware", "LocalMaintenanceTask", "GlobalMaintenanceTask"];

function whenRules(ctx: RuleContext<ScheduleInputs>): void {
  const v = ctx.value;
  const all = ["cronExpression", "detectionTime", "executionTime", "dayOfWeek"].every(ctx.known);
  if (!all) return;
  if (v.cronExpression !== undefined) {
    for (const k of ["detectionTime", "executionTime", "dayOfWeek"] as const) {
      if (v[k] !== undefined) ctx.issue(k, `cannot be combined with cronExpression (the cron expression sets the days and the time): remove ${k}, or remove cronExpression`);
    }
    return;
  }
  if (v.detectionTime === undefined) {
    ctx.issue("detectionTime", `is required unless cronExpression is set: give the detection time as "HH:mm" (e.g. "14:00")`);
    return;
  }
  if (v.executionTime !== undefined) {
    const gap = (minutesOfDay(v.executionTime) - minutesOfDay(v.detectionTime) + 1440) % 1440;
    if (gap < 60) {
      const suggestion = new Date(Date.UTC(2000, 0, 1, 0, minutesOfDay(v.detectionTime) + 60)).toISOString().slice(11, 16);
      ctx.issue(
        "executionTime",
        `${JSON.stringify(v.executionTime)} is ${gap} minute(s) after detectionTime ${JSON.stringify(v.detectionTime)}; ImmyBot wants execution at least one hour after detection (e.g. "${suggestion}"), or omit executionTime to execute immediately after detection`,
      );
    }
  }
}

function itemRules(ctx: RuleContext<ScheduleInputs>): void {
  const v = ctx.value;
  if (!ctx.known("maintenanceType") || !ctx.known("maintenanceIdentifier")) return;
  if (v.maintenanceIdentifier !== undefined && v.maintenanceType === undefined) {
    ctx.issue("maintenanceType", `is required with maintenanceIdentifier: say what the item is (${ITEM_TYPES.map((t) => JSON.stringify(t)).join(", ")})`);
  }
  if (v.maintenanceType !== undefined && v.maintenanceIdentifier === undefined) {
    ctx.issue("maintenanceIdentifier", "is required with maintenanceType: give the software or task id (e.g. \"303\"), or remove maintenanceType for full maintenance");
  }
  if (v.maintenanceType !== undefined && !ITEM_TYPES.includes(v.maintenanceType)) {
    ctx.issue("maintenanceType", `${JSON.stringify(v.maintenanceType)} is internal to ImmyBot and cannot limit a schedule; use one of ${ITEM_TYPES.map((t) => JSON.stringify(t)).join(", ")}`);
  }
  const numericIds: readonly MaintenanceTypeName[] = ["GlobalSoftware", "LocalSoftware", "LocalMaintenanceTask", "GlobalMaintenanceTask"];
  if (v.maintenanceType && v.maintenanceIdentifier !== undefined && numericIds.includes(v.maintenanceType) && !isIdText(v.maintenanceIdentifier)) {
    ctx.issue("maintenanceIdentifier", notAnId(v.maintenanceIdentifier, `an id for ${v.maintenanceType}`, '(a positive whole number as a string, e.g. "303")'));
  }
  if (v.maintenanceIdentifier !== undefined && v.applyWindowsUpdates && ctx.known("applyWindowsUpdates")) {
    ctx.issue("applyWindowsUpdates", "has no effect on a schedule limited to one maintenance item: remove it, or remove maintenanceType and maintenanceIdentifier");
  }
}

export const model: InputModel<typeof scheduleFields> = {
  kind: KIND,
  fields: scheduleFields,
  rules: [
    (ctx) => targetRules(ctx, { Metascript: "ImmyBot does not allow metascript targets on schedules; use FilterScript", TenantMetascript: "ImmyBot does not allow metascript targets on schedules; use TenantFilterScript" }),
    maintenanceOptionRules,
    whenRules,
    itemRules,
  ],
  normalize: normalizeTarget,
  // Every field updates in place (PUT replaces the whole schedule and keeps its id).
  replaceOnChanges: [],
  createOnly: ["adoptId"],
};

// ---- wire mapping ----------------------------------------------------------------------------------------------

/** Canonical arguments -> the request body (`CreateScheduleRequest`; with `id`, `UpdateScheduleRequest`). Enums go as integers. */
export function toWire(v: ScheduleInputs, id?: number): Record<string, unknown> {
  return {
    ...(id === undefined ? {} : { id }),
    ...targetToWire(v),
    customCronExpression: v.cronExpression ?? null,
    time: v.detectionTime ?? null,
    day: v.dayOfWeek === undefined ? null : DayOfWeek.toInt(v.dayOfWeek),
    maintenanceTime: v.executionTime ?? null,
    timeZoneInfoId: v.timeZone ?? null,
    // Full maintenance: the type is non-nullable on the wire; it means nothing without an identifier.
    maintenanceType: MaintenanceType.toInt(v.maintenanceType ?? "GlobalSoftware"),
    maintenanceIdentifier: v.maintenanceIdentifier ?? null,
    applyWindowsUpdates: v.applyWindowsUpdates,
    ...maintenanceOptionsToWire(v),
    allowAccessToMSPResources: v.allowAccessToMSPResources,
    disabled: v.disabled,
  };
}

/** The fields of a `GetScheduleResponse` this provider reads (see `models/wire.ts` for what is required). */
export const scheduleAnswer = z.object({
  id: int,
  ...targetWireFields,
  day: enumOrNull(DayOfWeek),
  time: textOrNull,
  maintenanceTime: textOrNull,
  customCronExpression: textOrNull,
  timeZoneInfoId: textOrNull,
  maintenanceType: enumValue(MaintenanceType),
  maintenanceIdentifier: textOrNull,
  applyWindowsUpdates: flag,
  ...maintenanceOptionsWireFields,
  allowAccessToMSPResources: flag,
  disabled: flag,
  nextOccurenceDate: textOrNull,
  createdDateUTC: textOrNull,
  updatedDateUTC: textOrNull,
});

/**
 * A `GetScheduleResponse` (from the route `at`, for messages) -> canonical arguments (names, absent instead of
 * null) and the resource's outputs; a missing or mistyped field is an error naming the route and the field.
 */
export function fromWire(body: unknown, at?: Answer): { id: string; inputs: ScheduleInputs; outputs: ScheduleOutputs } {
  const w = decodeAnswer(scheduleAnswer, body, "a schedule", at);
  const identifier = nonEmpty(w.maintenanceIdentifier);
  const inputs = dropUndefined({
    ...targetFromWire(w),
    dayOfWeek: w.day === null ? undefined : DayOfWeek.fromWire(w.day),
    detectionTime: timeFromWire(w.time),
    executionTime: timeFromWire(w.maintenanceTime),
    cronExpression: nonEmpty(w.customCronExpression),
    timeZone: nonEmpty(w.timeZoneInfoId),
    maintenanceType: identifier === undefined ? undefined : MaintenanceType.fromWire(w.maintenanceType),
    maintenanceIdentifier: identifier,
    applyWindowsUpdates: w.applyWindowsUpdates,
    ...maintenanceOptionsFromWire(w),
    allowAccessToMSPResources: w.allowAccessToMSPResources,
    disabled: w.disabled,
  }) as ScheduleInputs;
  const outputs: ScheduleOutputs = {
    ...inputs,
    nextOccurrence: w.nextOccurenceDate,
    createdAt: w.createdDateUTC,
    updatedAt: w.updatedDateUTC,
  };
  return { id: String(w.id), inputs, outputs };
}

// ---- lifecycle -------------------------------------------------------------------------------------------------

export const lifecycle = restLifecycle({
  kind: KIND,
  noun: "schedule",
  path: PATH,
  model,
  toWire,
  fromWire,
  candidates: (api, v) => schedulesOf(api, v.tenantId),
  candidateScope: (v) => (v.tenantId === undefined ? "all tenants" : `tenant ${v.tenantId}`),
  // A tenant's schedule from the tenant's list; one across tenants from the list of every schedule (no filter for none).
  listScope: (props) => tenantScope(props, schedulesOf),
});

/** Every schedule of a tenant, or of every tenant: ImmyBot lists schedules unpaged. */
async function schedulesOf(api: ImmyBotClient, tenantId: number | undefined): Promise<Wire[]> {
  return listAnswer(await api.get<unknown>(PATH, tenantId === undefined ? undefined : { tenantId }), "schedules", { method: "GET", path: PATH }) as Wire[];
}

export const { check, diff, create, read, update } = lifecycle;
