/**
 * Session reviews: the maintenance sessions that match a set of filters, and one session's log lines.
 *
 * The list comes from `GET /maintenance-sessions/dx` with the server's own filters, so a review of one tenant or one
 * week does not page through the instance: `computerId`, `tenantId` and `sessionType` as query parameters, and a
 * DevExtreme `filter` on `sessionStatus` (several statuses as an "or" group), `createdDate` (the window) and
 * `scheduleId`, sorted newest first (`createdDate`, then `id`) and read page by page with skip/take. Each session is
 * then read by id (stages, actions and `sessionJobArgs`, which the dx row lacks) and its last log line fetched;
 * both map through the MaintenanceSession resource's own session mapping (`sessionFromWire`).
 *
 * The dx rows do not say which deployment a session ran: with `deploymentId` the lookup reads candidates (newest
 * first, every other filter applied by the server) and keeps those whose `sessionJobArgs.deploymentId`, or one of
 * whose actions' `assignmentId`, is the deployment (a Local one), reading at most `limit` x DEPLOYMENT_SCAN_FACTOR
 * candidates.
 */
import { z } from "zod";
import type { ImmyBotClient, Query } from "../client";
import { sessionFromWire } from "../maintenance-session-wire";
import { DatabaseType, SessionLogType, SessionStatus, SessionType } from "../models/enums";
import { decodeAnswer, enumValue, int, intOrNull, listAnswer, text, textOrNull, type Answer } from "../models/wire";
import { countByStatus, lastLogLine, readSession, type SessionAnswer } from "../session-runs";
import { findComputer } from "./computers";
import { LookupError } from "./errors";
import {
  DEPLOYMENT_SCAN_FACTOR,
  STATUS_GROUP_MEMBERS,
  checkLogsArgs,
  checkSessionsArgs,
  type MaintenanceSessionInfo,
  type MaintenanceSessionList,
  type MaintenanceSessionLogs,
  type MaintenanceSessionLogsLookup,
  type MaintenanceSessionsLookup,
  type SessionsQuery,
} from "./sessions-model";
import { API, getOrNone } from "./shared";
import { findTenant } from "./tenants";

const SESSIONS = `${API}/maintenance-sessions`;
const DX = `${SESSIONS}/dx`;

/** What tests and the report command may change; programs use the defaults. */
export interface SessionLookupOptions {
  /** The clock a relative `from` / `to` ("7d") is counted back from, in ms since the epoch. Default: `Date.now`. */
  now?: () => number;
  /** Rows per dx page. Default 100. */
  pageSize?: number;
}

const DEFAULT_PAGE_SIZE = 100;

/** A dx row: only the id is read (the details come from the session itself). */
const dxPage = z.object({ data: z.array(z.object({ id: int }), { error: "expected a list of sessions" }) });

/**
 * The sessions that match `args`, newest first. Arguments are checked before any request (a LookupError
 * `IMMYBOT_LOOKUP_ARGS` naming each bad one); `tenantName` and `computerName` are resolved with getTenant and
 * getComputer (a LookupError when there is none, or several).
 *
 * Requests: one dx page per 100 sessions listed (`limit` + 1 are listed, to tell whether there are more), then two
 * per session returned (the session, its last log line). With `deploymentId`: the same pages, plus one read per
 * candidate (at most `limit` x 5) and a last log line per session returned.
 */
export async function findMaintenanceSessions(client: ImmyBotClient, args: MaintenanceSessionsLookup, options: SessionLookupOptions = {}): Promise<MaintenanceSessionList> {
  const { query, from, to } = checkSessionsArgs(args, (options.now ?? Date.now)());
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const tenantId = query.tenantId ?? (query.tenantName !== undefined ? (await findTenant(client, { name: query.tenantName })).id : undefined);
  const computerId =
    query.computerId ?? (query.computerName !== undefined ? (await findComputer(client, { name: query.computerName, ...(tenantId !== undefined ? { tenantId } : {}) })).id : undefined);
  const base: Query = {
    computerId,
    tenantId,
    sessionType: query.sessionType === undefined ? undefined : SessionType.toInt(query.sessionType),
    filter: dxFilter(query, from, to),
    sort: JSON.stringify([
      { selector: "createdDate", desc: true },
      { selector: "id", desc: true },
    ]),
  };
  const page = async (skip: number, take: number): Promise<number[]> => {
    const body = await client.get<unknown>(DX, { ...base, skip, take });
    return decodeAnswer(dxPage, body, "a page of maintenance sessions", { method: "GET", path: DX }).data.map((r) => r.id);
  };

  const { limit } = query;
  let kept: MaintenanceSessionInfo[];
  let truncated: boolean;
  if (query.deploymentId === undefined) {
    const ids = await listIds(page, limit + 1, pageSize);
    truncated = ids.length > limit;
    kept = (await Promise.all(ids.slice(0, limit).map((id) => readInfo(client, id)))).filter((s) => s !== undefined);
  } else {
    ({ kept, truncated } = await scanForDeployment(client, page, query.deploymentId, limit, pageSize));
  }
  await Promise.all(
    kept.map(async (s) => {
      s.lastLog = await lastLogLine(client, s.id);
    }),
  );
  return {
    sessions: kept,
    statusCounts: countByStatus(kept.map((s) => s.status)),
    truncated,
    from: from === null ? null : new Date(from).toISOString(),
    to: to === null ? null : new Date(to).toISOString(),
  };
}

/**
 * The DevExtreme filter for what the query parameters cannot say, or undefined when there is nothing to say:
 * statuses (an "or" group when there are several), the window on `createdDate` (`from` inclusive, `to` exclusive)
 * and the schedule, joined by "and".
 */
export function dxFilter(query: Pick<SessionsQuery, "status" | "statusGroup" | "scheduleId">, from: number | null, to: number | null): string | undefined {
  const parts: unknown[] = [];
  const statuses = new Set([...(query.status ?? []), ...(query.statusGroup ?? []).flatMap((g) => STATUS_GROUP_MEMBERS[g])]);
  if (statuses.size > 0 && statuses.size < SessionStatus.names.length) {
    // In the enum's order, so the same statuses always make the same request.
    const conditions = SessionStatus.names.filter((n) => statuses.has(n)).map((n) => ["sessionStatus", "=", SessionStatus.toInt(n)]);
    parts.push(conditions.length === 1 ? conditions[0] : conditions.flatMap((c, i) => (i === 0 ? [c] : ["or", c])));
  }
  if (from !== null) parts.push(["createdDate", ">=", new Date(from).toISOString()]);
  if (to !== null) parts.push(["createdDate", "<", new Date(to).toISOString()]);
  if (query.scheduleId !== undefined) parts.push(["scheduleId", "=", query.scheduleId]);
  if (parts.length === 0) return undefined;
  return JSON.stringify(parts.length === 1 ? parts[0] : parts.flatMap((p, i) => (i === 0 ? [p] : ["and", p])));
}

/** Up to `want` session ids from the dx pages, newest first. */
async function listIds(page: (skip: number, take: number) => Promise<number[]>, want: number, pageSize: number): Promise<number[]> {
  const ids: number[] = [];
  while (ids.length < want) {
    const take = Math.min(pageSize, want - ids.length);
    const rows = await page(ids.length, take);
    ids.push(...rows);
    if (rows.length < take) break;
  }
  return ids;
}

/** Candidates read page by page until `limit` ran the deployment or `limit` x DEPLOYMENT_SCAN_FACTOR were read. */
async function scanForDeployment(
  client: ImmyBotClient,
  page: (skip: number, take: number) => Promise<number[]>,
  deploymentId: number,
  limit: number,
  pageSize: number,
): Promise<{ kept: MaintenanceSessionInfo[]; truncated: boolean }> {
  const budget = limit * DEPLOYMENT_SCAN_FACTOR;
  const kept: MaintenanceSessionInfo[] = [];
  let scanned = 0;
  let exhausted = false;
  while (!exhausted && scanned < budget && kept.length < limit) {
    const take = Math.min(pageSize, budget - scanned);
    const ids = await page(scanned, take);
    exhausted = ids.length < take;
    scanned += ids.length;
    for (const s of await Promise.all(ids.map((id) => readInfo(client, id)))) if (s && ranDeployment(s, deploymentId)) kept.push(s);
  }
  return { kept: kept.slice(0, limit), truncated: kept.length > limit || (!exhausted && (kept.length >= limit || scanned >= budget)) };
}

/** The session ran the Local deployment `id`: as its own deployment, or as one of its actions' (full maintenance). */
function ranDeployment(s: MaintenanceSessionInfo, id: number): boolean {
  const local = (type: string | null) => type === null || type === "Local";
  return (s.deploymentId === id && local(s.deploymentType)) || s.actions.some((a) => a.deploymentId === id && local(a.deploymentType));
}

/** One session by id, as a review shows it (its last log line is added later); undefined when it is gone. */
async function readInfo(client: ImmyBotClient, id: number): Promise<MaintenanceSessionInfo | undefined> {
  const w = await readSession(client, id);
  return w && infoFromWire(w, { method: "GET", path: `${SESSIONS}/${id}` });
}

/** The resource's session fields (`sessionFromWire`) and where the session came from. */
export function infoFromWire(w: SessionAnswer, at?: Answer): MaintenanceSessionInfo {
  const { startedByThisRun: _ignored, ...session } = sessionFromWire(w, null, true, at);
  const job = w.sessionJobArgs;
  const deploymentId = job?.deploymentId ?? null;
  return {
    ...session,
    fullMaintenance: w.fullMaintenance === true,
    onboarding: w.onboarding === true,
    scheduleId: w.scheduledId ?? job?.scheduledId ?? null,
    deploymentId,
    deploymentType: deploymentId !== null && job?.deploymentType != null ? DatabaseType.fromWire(job.deploymentType) : null,
    startedBy: w.createdBy,
    sessionGroupId: job?.sessionGroupId ?? null,
  };
}

/** A date-time as ISO 8601 UTC; text that is no date is kept as it came. */
const utc = (t: string): string => (Number.isFinite(Date.parse(t)) ? new Date(Date.parse(t)).toISOString() : t);

/** A `GetMaintenanceSessionLogResponse`: the fields the logs lookup returns. */
export const logLineAnswer = z.object({
  id: int,
  time: text,
  message: textOrNull,
  sessionLogType: enumValue(SessionLogType),
  maintenanceActionId: intOrNull,
});

/**
 * One session's log lines, oldest first: those of `actionId` when given, the newest `limit` of them. ImmyBot sends
 * the whole log in one answer (`GET /maintenance-sessions/{id}/logs` has no paging): `limit` bounds what is
 * returned, not what is transferred. A session ImmyBot does not have is a LookupError `IMMYBOT_LOOKUP_NONE`.
 */
export async function findMaintenanceSessionLogs(client: ImmyBotClient, args: MaintenanceSessionLogsLookup): Promise<MaintenanceSessionLogs> {
  const query = checkLogsArgs(args);
  const at: Answer = { method: "GET", path: `${SESSIONS}/${query.sessionId}/logs` };
  const body = await getOrNone<unknown>(client, at.path);
  if (body === undefined) throw new LookupError("IMMYBOT_LOOKUP_NONE", `No maintenance session with id ${query.sessionId}.`);
  const lines = listAnswer(body, "log lines", at)
    .map((row) => decodeAnswer(logLineAnswer, row, "a log line", at))
    .filter((l) => query.actionId === undefined || l.maintenanceActionId === query.actionId)
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id - b.id)
    .map((l) => ({ id: l.id, time: utc(l.time), message: l.message ?? "", type: SessionLogType.fromWire(l.sessionLogType), actionId: l.maintenanceActionId }));
  return { sessionId: query.sessionId, lines: lines.slice(-query.limit), truncated: lines.length > query.limit };
}
