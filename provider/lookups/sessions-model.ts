/**
 * The session lookups' model (`getMaintenanceSessions`, `getMaintenanceSessionLogs`): what they return, what they
 * are asked, and the zod argument model checked before any request (through `check.ts`'s `parseInputs`, so each
 * problem names its argument and the fix, like a resource's check). The other lookups' model is `model.ts`.
 */
import { z } from "zod";
import { parseInputs, shown, type InputModel, type RuleContext } from "../check";
import type { SessionResult } from "../maintenance-session-args";
import { failureStatuses } from "../maintenance-session-wire";
import { SessionStatus, SessionType, type DatabaseTypeName, type SessionLogTypeName, type SessionStatusName, type SessionTypeName } from "../models/enums";
import { closestName } from "../models/similar";
import { MAX_ID, idNumber } from "../models/target";
import { TERMINAL } from "../session-runs";
import { LookupError } from "./errors";
import { positiveInt } from "./model";

// ---------------------------------------------------------------------------------------------------------------
// Status groups (API notes §4.4, "Class for a provider")

/** The groups of ImmyBot's guide on session reviews: "Completed", "Failed" and "InProgress". */
export const STATUS_GROUPS = ["Completed", "Failed", "InProgress"] as const;
export type SessionStatusGroup = (typeof STATUS_GROUPS)[number];

/**
 * The statuses of each group, from the API notes' status table (§4.4):
 * - "Completed": every terminal status (the session will not change any more): Passed, Failed, Cancelled,
 *   Postponed, PartialPassed, Missed and the two licensing statuses;
 * - "Failed": the terminal statuses that are not a success: Failed, Cancelled, Missed, the licensing statuses and
 *   PartialPassed (what fails a MaintenanceSession run with `failOnPartialPassed: true`); not Postponed (a user's
 *   choice);
 * - "InProgress": every status that is not terminal: Running, Created (queued), Pending (waiting for its execution
 *   time), PendingConnectivity, PendingPreflight, PendingEphemeralAgentConnection.
 */
export const STATUS_GROUP_MEMBERS: Readonly<Record<SessionStatusGroup, readonly SessionStatusName[]>> = {
  Completed: SessionStatus.names.filter((n) => TERMINAL.has(n)),
  Failed: SessionStatus.names.filter((n) => failureStatuses({ failOnPartialPassed: true, failOnPostponed: false }).has(n)),
  InProgress: SessionStatus.names.filter((n) => !TERMINAL.has(n)),
};

// ---------------------------------------------------------------------------------------------------------------
// Results

/** One maintenance session as a review shows it: the MaintenanceSession resource's session fields, and where it came from. */
export interface MaintenanceSessionInfo extends Omit<SessionResult, "startedByThisRun" | "lastLog"> {
  /** The session's newest log line, whatever its status (why it failed, what it waits for, or how it ended). */
  lastLog: string | null;
  /** True for a full maintenance (every deployment that applies to the target), false for a run of one item. */
  fullMaintenance: boolean;
  /** True for an onboarding session (a new computer's first maintenance). */
  onboarding: boolean;
  /** The schedule that started the session (a Schedule's id); null for sessions started by hand or through the API. */
  scheduleId: number | null;
  /** The deployment the session ran (a Deployment's id when deploymentType is "Local"); null for full maintenance. Each action names its own. */
  deploymentId: number | null;
  /** "Local" (your instance's deployments) or "Global"; null when the session ran no single deployment. */
  deploymentType: DatabaseTypeName | null;
  /** Who started the session, as ImmyBot records it (a user name); null when ImmyBot names no one. */
  startedBy: string | null;
  /** The session group id of the run it belongs to (a MaintenanceSession resource's `sessionGroupId`). */
  sessionGroupId: string | null;
}

/** What {@link MaintenanceSessionsLookup} found. */
export interface MaintenanceSessionList {
  /** The sessions, newest first (by creation time, then id). */
  sessions: MaintenanceSessionInfo[];
  /** The returned sessions by status, e.g. { Passed: 4, Failed: 1 }. */
  statusCounts: Record<string, number>;
  /**
   * True when more sessions may match than are returned: `limit` was reached, or, with `deploymentId`, the
   * lookup stopped after reading `limit` x {@link DEPLOYMENT_SCAN_FACTOR} candidate sessions.
   */
  truncated: boolean;
  /** The start of the window as applied (ISO 8601, UTC; a relative `from` resolved), or null. */
  from: string | null;
  /** The end of the window as applied (ISO 8601, UTC), or null. */
  to: string | null;
}

/** One line of a session's log. */
export interface MaintenanceSessionLogLine {
  /** The line's id in ImmyBot. */
  id: number;
  /** When it was written (ISO 8601, UTC). */
  time: string;
  /** The message. */
  message: string;
  /** "Generic", "Error", "Command", "CommandResult" or "Progress". */
  type: SessionLogTypeName;
  /** The maintenance action the line belongs to (an `actions[].id` of the session), or null for the session's own lines. */
  actionId: number | null;
}

/** What {@link MaintenanceSessionLogsLookup} found. */
export interface MaintenanceSessionLogs {
  /** The session. */
  sessionId: number;
  /** The lines, oldest first: the newest `limit` of those that match. */
  lines: MaintenanceSessionLogLine[];
  /** True when more lines matched than `limit`: the oldest were left out. */
  truncated: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Arguments

/** Default and largest `limit` of the sessions lookup. */
export const SESSIONS_LIMIT = { default: 100, max: 1000 } as const;
/** With `deploymentId`, at most `limit` x this many candidate sessions are read (two requests each). */
export const DEPLOYMENT_SCAN_FACTOR = 5;
/** Default and largest `limit` of the logs lookup. */
export const LOG_LIMIT = { default: 500, max: 5000 } as const;

/** Which sessions to list; every filter given must hold (statuses and groups: any of them). */
export interface MaintenanceSessionsLookup {
  /** Only sessions with one of these statuses, by name: "Passed", "Failed", "Running", "PendingConnectivity", ... */
  status?: SessionStatusName | SessionStatusName[];
  /**
   * Only sessions in one of these groups: "Completed" (every terminal status), "Failed" (Failed, Cancelled, Missed,
   * PartialPassed and the licensing statuses; not Postponed), "InProgress" (every status that is not terminal). With
   * `status`, either matches.
   */
  statusGroup?: SessionStatusGroup | SessionStatusGroup[];
  /** Only sessions of this computer, by id. Not with computerName. */
  computerId?: number;
  /** Only sessions of the computer with this name (as getComputer finds it: within the tenant, when one is given). */
  computerName?: string;
  /** Only sessions of this tenant (its computers' and its cloud sessions), by id. Not with tenantName. */
  tenantId?: number;
  /** Only sessions of the tenant with this name (as getTenant finds it). */
  tenantName?: string;
  /** Only sessions of this kind: "Computer", "Cloud" (a tenant's) or "Person". */
  sessionType?: SessionTypeName;
  /** Only sessions of this deployment (a Deployment's id): read from each session, so it costs two requests per candidate. */
  deploymentId?: string | number;
  /** Only sessions this schedule started (a Schedule's id). */
  scheduleId?: string | number;
  /** Only sessions created at or after this moment: ISO 8601 ("2025-06-01", "2025-06-01T08:00:00Z") or a time ago ("7d", "12h", "30m", "2w"). */
  from?: string;
  /** Only sessions created before this moment, written like `from`. */
  to?: string;
  /** At most this many sessions, newest first: 1 to 1000, default 100. */
  limit?: number;
}

/** Which log lines of one session to return. */
export interface MaintenanceSessionLogsLookup {
  /** The session, by id. */
  sessionId: number;
  /** Only the lines of this maintenance action (an `actions[].id` of the session). */
  actionId?: number;
  /** At most this many lines (the newest): 1 to 5000, default 500. */
  limit?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Argument checks

/** A moment as written: an absolute instant, or a time before the lookup's clock. */
export type Moment = { at: number } | { agoMs: number };

const RELATIVE = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/i;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
const MOMENT_FORMS = 'ISO 8601 ("2025-06-01", "2025-06-01T08:00:00Z", with Z or an offset) or a time ago ("7d", "12h", "30m", "2w")';

/** "7d" -> 7 days ago; "2025-06-01" -> midnight UTC; a date-time with its zone; undefined when it is none of these. */
export function parseMoment(text: string): Moment | undefined {
  const t = text.trim();
  const rel = RELATIVE.exec(t);
  if (rel && t !== "") {
    const [w, d, h, m] = rel.slice(1).map((n) => Number(n ?? 0)) as [number, number, number, number];
    return { agoMs: (((w * 7 + d) * 24 + h) * 60 + m) * 60_000 };
  }
  if (!DATE_ONLY.test(t) && !DATE_TIME.test(t)) return undefined;
  const at = Date.parse(DATE_ONLY.test(t) ? `${t}T00:00:00Z` : t);
  // V8 rolls 2025-02-30 over to March 2: the date as written must survive a round trip.
  const day = Date.parse(`${t.slice(0, 10)}T00:00:00Z`);
  return Number.isFinite(at) && Number.isFinite(day) && new Date(day).toISOString().slice(0, 10) === t.slice(0, 10) ? { at } : undefined;
}

export function resolveMoment(m: Moment, now: number): number {
  return "at" in m ? m.at : now - m.agoMs;
}

const moment = z.string().transform((text, ctx) => {
  const m = parseMoment(text);
  if (m === undefined) {
    const hint = /^\d{4}-\d{2}-\d{2}T[^Zz+-]*$/.test(text.trim()) ? ": add Z (UTC) or an offset such as +02:00" : `; write ${MOMENT_FORMS}`;
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(text)} is not a moment${hint}` });
    return z.NEVER;
  }
  return m;
});

/** One name or a list of names of `names`, any case, each once; an unknown one gets a "did you mean". */
function namesOf<N extends string>(names: readonly N[], what: string) {
  return z.unknown().transform((input, ctx): N[] => {
    const list = Array.isArray(input) ? input : [input];
    if (list.length === 0) ctx.addIssue({ code: "custom", message: "is an empty list: give at least one name, or leave it out" });
    const found: N[] = [];
    for (const item of list) {
      const name = typeof item === "string" ? names.find((n) => n.toLowerCase() === item.trim().toLowerCase()) : undefined;
      if (name !== undefined) {
        if (!found.includes(name)) found.push(name);
        continue;
      }
      const near = typeof item === "string" ? closestName(item.trim(), names) : undefined;
      ctx.addIssue({ code: "custom", message: `${shown(item)} is not ${what}${near ? `; did you mean ${JSON.stringify(near)}?` : `; use one of ${names.join(", ")}`}` });
    }
    return found;
  });
}

/** An id as a number or as text ("42"), e.g. a Deployment's or Schedule's `id`. */
const anyId = (what: string, example: string) =>
  z.unknown().transform((input, ctx): number => {
    const n = positiveInt(input);
    if (n !== undefined && n <= MAX_ID) return n;
    ctx.addIssue({ code: "custom", message: `${shown(input)} is not a ${what} id: give its id, a positive whole number (e.g. ${example} or "${example}")` });
    return z.NEVER;
  });

const limit = (bounds: { default: number; max: number }) =>
  z
    .number()
    .int({ error: (i) => `must be a whole number from 1 to ${bounds.max}; got ${JSON.stringify(i.input)}` })
    .min(1, { error: (i) => `must be from 1 to ${bounds.max}; got ${JSON.stringify(i.input)}` })
    .max(bounds.max, { error: (i) => `must be from 1 to ${bounds.max}; got ${JSON.stringify(i.input)}: narrow the window or the filters instead` })
    .default(bounds.default);

const sessionsFields = {
  status: namesOf(SessionStatus.names, "a session status").optional(),
  statusGroup: namesOf(STATUS_GROUPS, "a status group").optional(),
  computerId: idNumber("computer").optional(),
  computerName: z.string().trim().min(1).optional(),
  tenantId: idNumber("tenant").optional(),
  tenantName: z.string().trim().min(1).optional(),
  sessionType: SessionType.schema.optional(),
  deploymentId: anyId("deployment", "42").optional(),
  scheduleId: anyId("schedule", "7").optional(),
  from: moment.optional(),
  to: moment.optional(),
  limit: limit(SESSIONS_LIMIT),
};

/** Checked arguments of the sessions lookup. */
export type SessionsQuery = z.output<z.ZodObject<typeof sessionsFields>>;

function eitherRule(ctx: RuleContext<SessionsQuery>): void {
  for (const [a, b] of [["computerId", "computerName"], ["tenantId", "tenantName"]] as const) {
    if (ctx.value[a] !== undefined && ctx.value[b] !== undefined) ctx.issue(b, `cannot be given with ${a}: give one of them`);
  }
}

const sessionsModel: InputModel<typeof sessionsFields> = { kind: "Maintenance sessions lookup", fields: sessionsFields, rules: [eitherRule], replaceOnChanges: [] };

const logsFields = {
  sessionId: idNumber("session"),
  actionId: idNumber("maintenance action").optional(),
  limit: limit(LOG_LIMIT),
};
export type LogsQuery = z.output<z.ZodObject<typeof logsFields>>;
const logsModel: InputModel<typeof logsFields> = { kind: "Maintenance session logs lookup", fields: logsFields, rules: [], replaceOnChanges: [] };

/** What {@link parseSessionsArgs} found: the checked query and its window, or each problem with the argument it is about. */
export type ParsedSessionsArgs =
  | { ok: true; query: SessionsQuery; from: number | null; to: number | null }
  | { ok: false; problems: readonly { property: string; reason: string }[] };

/**
 * The checked sessions query and its window on `now`'s clock, or every problem found. `label` names an argument
 * in the reasons that mention another one (the report command's `--since` for `from`); properties stay as they are.
 */
export function parseSessionsArgs(args: unknown, now: number, label: (property: string) => string = (p) => p): ParsedSessionsArgs {
  const parsed = parseInputs(sessionsModel, args as Record<string, unknown>);
  if (!parsed.value) return { ok: false, problems: parsed.failures };
  const query = parsed.value;
  const from = query.from ? resolveMoment(query.from, now) : null;
  const to = query.to ? resolveMoment(query.to, now) : null;
  if (from !== null && to !== null && from >= to) {
    const shown = (m: number) => new Date(m).toISOString();
    return { ok: false, problems: [{ property: "from", reason: `${shown(from)} is not before ${label("to")} (${shown(to)}): swap them, or move ${label("from")} earlier` }] };
  }
  return { ok: true, query, from, to };
}

/** The checked sessions query and its window on `now`'s clock, or a LookupError naming every bad argument. */
export function checkSessionsArgs(args: unknown, now: number): { query: SessionsQuery; from: number | null; to: number | null } {
  const parsed = parseSessionsArgs(args, now);
  if (!parsed.ok) throw argumentsError(sessionsModel.kind, parsed.problems);
  return parsed;
}

/** The checked logs query, or a LookupError naming every bad argument. */
export function checkLogsArgs(args: unknown): LogsQuery {
  const parsed = parseInputs(logsModel, args as Record<string, unknown>);
  if (!parsed.value) throw argumentsError(logsModel.kind, parsed.failures);
  return parsed.value;
}

function argumentsError(kind: string, failures: readonly { property: string; reason: string }[]): LookupError {
  const text = failures.map((f) => (f.property ? `${f.property} ${f.reason}` : f.reason)).join("; ");
  return new LookupError("IMMYBOT_LOOKUP_ARGS", `${kind}: ${text}${/[.?!]$/.test(text) ? "" : "."}`);
}
