/**
 * Maintenance sessions against the API: start a run, find the sessions it started, follow them to a terminal
 * status, and cancel them. Used by the MaintenanceSession resource (`maintenance-session.ts`), which owns the
 * arguments and the outputs; this module owns the routes, the waiting and the clock.
 *
 * Why discovery: `POST /run-immy-service-new` answers 202 with no body (the sessions are enqueued by a background
 * job), `POST /run-immy-service` may answer the started sessions. Either way the run is identified by the session
 * group id we generate, which each session carries in `sessionJobArgs.sessionGroupId`; the dx list does not show
 * it, so candidates from the list are confirmed by reading them (API notes §4.6).
 */
import { z } from "zod";
import type { ImmyBotClient } from "./client";
import { ImmyBotHttpError } from "./client/errors";
import { readOrGone } from "./lifecycle";
import { DatabaseType, MaintenanceActionResult, MaintenanceActionStatus, MaintenanceActionType, SessionStatus, SessionType, type SessionStatusName } from "./models/enums";
import { decodeAnswer, enumOrNull, enumValue, flagOrNull, int, intOrNull, textOrNull, type Answer } from "./models/wire";
import { parseUtc, pollUntil, realClock, type Clock } from "./write-once";

export type Wire = Record<string, unknown>;

const SESSIONS = "/api/v1/maintenance-sessions";
export const START_PATH = "/api/v1/run-immy-service-new";

/** Statuses a session never leaves (API notes §4.4: Postponed is final in practice). */
export const TERMINAL: ReadonlySet<SessionStatusName> = new Set<SessionStatusName>([
  "Passed",
  "Failed",
  "Cancelled",
  "Postponed",
  "PartialPassed",
  "Missed",
  "MaxTrackedDevicesPerMonthExceeded",
  "MaintenanceForTrackableDevicesNotAllowed",
]);

export function isTerminal(status: string): boolean {
  return TERMINAL.has(status as SessionStatusName);
}

/** A computer, tenant or person a run was started for. */
export interface RunTarget {
  /** What the id is: "computer", "tenant" (a cloud session) or "person". */
  kind: "computer" | "tenant" | "person";
  /** Its id in ImmyBot. */
  id: number;
}

export const targetKey = (t: RunTarget): string => `${t.kind}:${t.id}`;

/** The target a session runs for (a computer session also names its tenant: the computer wins). */
export function targetOfSession(w: Wire): RunTarget | undefined {
  if (typeof w.computerId === "number") return { kind: "computer", id: w.computerId };
  if (typeof w.personId === "number") return { kind: "person", id: w.personId };
  if (typeof w.tenantId === "number") return { kind: "tenant", id: w.tenantId };
  return undefined;
}

/** Time, sleeping and the waiting rhythm; unit tests replace it with a fake clock. */
export interface Timing extends Clock {
  /** First pause between polls; it grows by half each round up to `pollMaxMs`. */
  pollInitialMs: number;
  pollMaxMs: number;
  /** A progress line is printed at least this often while waiting. */
  progressEveryMs: number;
}

export const timing: Timing = {
  now: () => realClock.now(),
  sleep: (ms) => realClock.sleep(ms),
  pollInitialMs: 500,
  pollMaxMs: 15_000,
  progressEveryMs: 30_000,
};

/** The sessions a start answer names, when it names them (the older route); undefined for 202 with no body. */
export interface StartAnswer {
  started: number[];
  alreadyInProgress: number[];
}

export function parseStartAnswer(body: unknown): StartAnswer | undefined {
  if (!body || typeof body !== "object") return undefined;
  const b = body as { sessionsStarted?: unknown; sessionsAlreadyInProgress?: unknown };
  if (!Array.isArray(b.sessionsStarted) && !Array.isArray(b.sessionsAlreadyInProgress)) return undefined;
  const ids = (list: unknown): number[] =>
    (Array.isArray(list) ? list : []).map((s) => (s as { sessionId?: unknown })?.sessionId).filter((id): id is number => typeof id === "number");
  return { started: ids(b.sessionsStarted), alreadyInProgress: ids(b.sessionsAlreadyInProgress) };
}

/** One maintenance action of a session (`GetMaintenanceActionResponse`), the fields the outputs show. */
const actionAnswer = z.object({
  id: int,
  maintenanceDisplayName: textOrNull,
  actionType: enumValue(MaintenanceActionType),
  status: enumValue(MaintenanceActionStatus),
  result: enumValue(MaintenanceActionResult),
  resultReasonMessage: textOrNull,
  detectedVersionString: textOrNull,
  desiredVersionString: textOrNull,
  // The deployment the action came from (API notes §4.5), and whether that id is a Local or a Global one.
  assignmentId: intOrNull,
  assignmentType: enumOrNull(DatabaseType),
});

/** The fields of a `GetMaintenanceSessionResponse` this provider reads (see `models/wire.ts` for what is required). */
export const sessionAnswer = z.object({
  id: int,
  sessionStatus: enumValue(SessionStatus),
  onboardingStageStatus: enumValue(SessionStatus),
  detectionStageStatus: enumValue(SessionStatus),
  executionStageStatus: enumValue(SessionStatus),
  agentUpdatesStageStatus: enumValue(SessionStatus),
  resolutionStageStatus: enumValue(SessionStatus),
  inventoryStageStatus: enumValue(SessionStatus),
  computerId: intOrNull,
  computerName: textOrNull,
  tenantId: intOrNull,
  tenantName: textOrNull,
  personId: intOrNull,
  createdDateUTC: textOrNull,
  updatedDateUTC: textOrNull,
  scheduledExecutionDate: textOrNull,
  // What a review shows (lookups/sessions.ts); lenient, so a run's reads never fail over a field only a review reads.
  scheduledId: intOrNull,
  fullMaintenance: flagOrNull,
  onboarding: flagOrNull,
  createdBy: textOrNull,
  // Left out unless asked for (includeActions): none is an empty list.
  maintenanceActions: z
    .array(actionAnswer, { error: "expected a list of maintenance actions, or null" })
    .nullish()
    .transform((v) => v ?? []),
  sessionJobArgs: z
    .object(
      { sessionGroupId: textOrNull, deploymentId: intOrNull, deploymentType: enumOrNull(DatabaseType), scheduledId: intOrNull },
      { error: "expected an object, or null" },
    )
    .nullish()
    .transform((v) => v ?? null),
});

/** A session as decoded: enums as ImmyBot sent them, nulls for what it left out. */
export type SessionAnswer = z.output<typeof sessionAnswer>;

/** A `GetMaintenanceSessionResponse` (from the route `at`, for messages); a missing or mistyped field is an error naming both. */
export function decodeSession(body: unknown, at?: Answer): SessionAnswer {
  return decodeAnswer(sessionAnswer, body, "a maintenance session", at);
}

/** A session with its stages and actions; undefined when ImmyBot has no such session. */
export async function readSession(api: ImmyBotClient, id: number): Promise<SessionAnswer | undefined> {
  const path = `${SESSIONS}/${id}`;
  const body = await readOrGone(() => api.get<unknown>(path, { includeStages: true, includeActions: true }));
  return body === undefined ? undefined : decodeSession(body, { method: "GET", path });
}

/** The message of a session's newest log line, or null when it has none (or the route is missing). */
export async function lastLogLine(api: ImmyBotClient, id: number): Promise<string | null> {
  // ASP.NET answers a null result with 204 and no body: a session without a log line yet.
  const answer = await readOrGone(() => api.request<Wire | null>({ method: "GET", path: `${SESSIONS}/${id}/last-log` }));
  const message = answer?.body?.message;
  return typeof message === "string" && message !== "" ? message : null;
}

export function statusOf(w: Wire): SessionStatusName {
  return SessionStatus.fromWire(w.sessionStatus ?? 3);
}

/**
 * Finds the sessions of group `groupId` for `targets`: per target, the newest sessions of the dx list created
 * since `since`, each confirmed by reading it. Polls until every target has its session or `until` passes;
 * returns what it found, by target key.
 *
 * Until the first session appears, each round asks about one target only (the next one each round): ImmyBot's
 * background job makes all of a run's sessions together, so one target tells whether the run exists, and a wait
 * of an hour costs a few hundred requests, not that many per target.
 */
export async function discoverSessions(
  api: ImmyBotClient,
  groupId: string,
  targets: readonly RunTarget[],
  since: number,
  until: number,
  t: Timing = timing,
): Promise<Map<string, SessionAnswer>> {
  const found = new Map<string, SessionAnswer>();
  const rejected = new Set<number>();
  let round = 0;
  await poll(t, until, async () => {
    const missing = targets.filter((target) => !found.has(targetKey(target)));
    const asked = found.size === 0 ? missing.slice(round % missing.length, (round % missing.length) + 1) : missing;
    round++;
    await Promise.all(
      asked.map(async (target) => {
        const rows = await listRecent(api, target);
        for (const row of rows) {
          const id = row.id;
          if (id === null || rejected.has(id)) continue;
          const created = parseUtc(row.createdDate ?? row.createdDateUTC);
          if (created !== undefined && created < since) continue;
          const session = await readSession(api, id);
          if (!session) continue; // listed but not readable yet: look again next round
          const args = (session.sessionJobArgs ?? {}) as { sessionGroupId?: unknown };
          if (typeof args.sessionGroupId === "string" && args.sessionGroupId.toLowerCase() === groupId.toLowerCase()) {
            found.set(targetKey(target), session);
            return;
          }
          rejected.add(id);
        }
      }),
    );
    return found.size === targets.length;
  });
  return found;
}

/** Sessions by id (e.g. those a start answer named): they may take a moment to become readable. */
export async function readSessions(api: ImmyBotClient, ids: readonly number[], until: number, t: Timing = timing): Promise<SessionAnswer[]> {
  const found = new Map<number, SessionAnswer>();
  await poll(t, until, async () => {
    for (const id of ids.filter((i) => !found.has(i))) {
      const s = await readSession(api, id);
      if (s) found.set(id, s);
    }
    return found.size === ids.length;
  });
  return ids.filter((id) => found.has(id)).map((id) => found.get(id) as SessionAnswer);
}

/** Runs `round` until it says it is done or `until` passes, with pauses growing from pollInitialMs to pollMaxMs. */
function poll(t: Timing, until: number, round: () => Promise<boolean>): Promise<void> {
  return pollUntil(t, until, round, { initialMs: t.pollInitialMs, maxMs: t.pollMaxMs });
}

/** A row of the dx list (`LoadResult.data`): only the id and the creation time are read; a row without an id is no candidate. */
const dxPage = z.object({
  data: z.array(z.object({ id: intOrNull, createdDate: textOrNull, createdDateUTC: textOrNull }), { error: "expected a list of sessions" }),
});

/** The newest sessions of one target (dx list, DevExtreme load options). */
async function listRecent(api: ImmyBotClient, target: RunTarget): Promise<z.output<typeof dxPage>["data"]> {
  // sessionType too: a tenant's list also holds its computers' sessions, which would push a cloud session off the page.
  const filter =
    target.kind === "computer"
      ? { computerId: target.id, sessionType: SessionType.toInt("Computer") }
      : target.kind === "tenant"
        ? { tenantId: target.id, sessionType: SessionType.toInt("Cloud") }
        : { personId: target.id, sessionType: SessionType.toInt("Person") };
  const path = `${SESSIONS}/dx`;
  const result = await api.get<unknown>(path, {
    ...filter,
    sort: JSON.stringify([{ selector: "createdDate", desc: true }]),
    skip: 0,
    take: 20,
  });
  return decodeAnswer(dxPage, result, "a page of maintenance sessions", { method: "GET", path }).data;
}

/** How long `pulumi up` waits for a run: until its sessions exist, have started, or have finished. */
export const WAIT_FOR = ["none", "started", "completed"] as const;
export type WaitFor = (typeof WAIT_FOR)[number];

/** Done waiting for this session? "started" means ImmyBot picked it up (it left Created). */
export function settled(status: SessionStatusName, waitFor: WaitFor): boolean {
  if (waitFor === "none") return true;
  if (waitFor === "started") return status !== "Created";
  return isTerminal(status);
}

export interface WaitResult {
  /** The sessions as last read, in the order of `ids`; sessions ImmyBot no longer has are left out. */
  sessions: Wire[];
  timedOut: boolean;
}

/**
 * Polls the sessions until each is settled for `waitFor` or `deadline` passes, with growing pauses, and prints a
 * progress line (counts by status) at least every `progressEveryMs`.
 */
export async function waitForSessions(
  api: ImmyBotClient,
  initial: readonly Wire[],
  waitFor: WaitFor,
  deadline: number,
  report: (line: string) => void,
  t: Timing = timing,
): Promise<WaitResult> {
  const latest = new Map<number, Wire>(initial.map((w) => [Number(w.id), w]));
  const started = t.now();
  let lastReport = -Infinity;
  let pause = t.pollInitialMs;
  for (;;) {
    const open = [...latest.values()].filter((w) => !settled(statusOf(w), waitFor));
    if (t.now() - lastReport >= t.progressEveryMs || open.length === 0) {
      if (waitFor !== "none") report(progressLine([...latest.values()], t.now() - started));
      lastReport = t.now();
    }
    if (open.length === 0) return { sessions: [...latest.values()], timedOut: false };
    if (t.now() >= deadline) return { sessions: [...latest.values()], timedOut: true };
    const nextReport = lastReport + t.progressEveryMs;
    await t.sleep(Math.max(0, Math.min(pause, deadline - t.now(), nextReport - t.now())));
    pause = Math.min(pause * 1.5, t.pollMaxMs);
    await Promise.all(
      open.map(async (w) => {
        const fresh = await readSession(api, Number(w.id));
        if (fresh) latest.set(Number(w.id), fresh);
        else latest.delete(Number(w.id));
      }),
    );
  }
}

/** Counts by status name, in the enum's order (statuses a newer ImmyBot adds come last). */
export function countByStatus(statuses: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of [...SessionStatus.names, ...statuses]) {
    const n = statuses.filter((s) => s === name).length;
    if (n > 0) counts[name] = n;
  }
  return counts;
}

export function progressLine(sessions: readonly Wire[], elapsedMs: number): string {
  const done = sessions.filter((w) => isTerminal(statusOf(w))).length;
  const counts = Object.entries(countByStatus(sessions.map(statusOf)))
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return `immybot: maintenance sessions ${done}/${sessions.length} finished after ${formatDuration(elapsedMs)} (${counts || "none yet"})`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return [h ? `${h}h` : "", m ? `${m}m` : "", rest || (!h && !m) ? `${rest}s` : ""].join("");
}

/**
 * Cancels the sessions that are still running. One session is cancelled with GET `/{id}/cancel`; when that route
 * answers 404 or 405 the bulk POST `/cancel` is tried. 404, 405 and 409 there mean there is nothing left to cancel.
 * Sessions that are finished, or gone, are left alone.
 */
export async function cancelRunning(api: ImmyBotClient, ids: readonly number[]): Promise<number[]> {
  const running: number[] = [];
  await Promise.all(
    ids.map(async (id) => {
      const s = await readSession(api, id);
      if (s && !isTerminal(statusOf(s))) running.push(id);
    }),
  );
  const fallback: number[] = [];
  await Promise.all(
    running.map(async (id) => {
      try {
        // A GET that changes state (ImmyBot's choice); repeating it is harmless, so the transport may retry it.
        await api.request({ method: "GET", path: `${SESSIONS}/${id}/cancel` });
      } catch (e) {
        if (!(e instanceof ImmyBotHttpError)) throw e;
        if (e.status === 404 || e.status === 405) fallback.push(id);
        else if (e.status !== 409) throw e;
      }
    }),
  );
  if (fallback.length > 0) {
    try {
      await api.post(`${SESSIONS}/cancel`, { sessionIds: fallback.sort((a, b) => a - b) });
    } catch (e) {
      if (!(e instanceof ImmyBotHttpError && [404, 405, 409].includes(e.status))) throw e;
    }
  }
  return running.sort((a, b) => a - b);
}
