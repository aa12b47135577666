/**
 * Maintenance session runs against a scripted ImmyBot over real HTTP on 127.0.0.1, with a fake clock: reading the
 * start answer, finding a run's sessions by its group id, waiting for them (backoff, progress lines, timeout),
 * cancelling them, and their last log line. Simulated minutes take milliseconds: `sleep` only advances the clock.
 */
import { describe, expect, it } from "vitest";
import { ImmyBotHttpError, ImmyBotUnexpectedResponseError, clientFor, resolveSettings, type ImmyBotClient } from "../../provider/client";
import {
  START_PATH,
  cancelRunning,
  discoverSessions,
  lastLogLine,
  parseStartAnswer,
  readSessions,
  waitForSessions,
  type RunTarget,
  type Timing,
  type Wire,
} from "../../provider/session-runs";
import { SpecValidator } from "../helpers/openapi";
import { sessionWire } from "../helpers/session-wire";
import { caught, clientConfig, reply, useScriptedServer, type Reply } from "../helpers/scripted-server";

const scripted = useScriptedServer();
const TOKEN = "session-runs-test-token-0123456789";
const SESSIONS = "/api/v1/maintenance-sessions";
const DX = `GET ${SESSIONS}/dx`;
const GROUP = "7c9e6679-7425-40de-944b-e07fc1f0b2ab";
const OTHER_GROUP = "0f8fad5b-d9cb-469f-a165-70867728950e";
/** The fake clock's start: 2026-11-20T10:00:00Z. */
const T0 = Date.parse("2026-11-20T10:00:00Z");

/** A client with a pre-issued token, so the server sees API requests only. */
function client(): ImmyBotClient {
  return clientFor(resolveSettings(clientConfig(scripted.server, { clientId: undefined, clientSecret: undefined, tokenUrl: undefined, accessToken: TOKEN }), {}));
}

interface FakeTiming extends Timing {
  /** Every pause asked for, in order. */
  readonly sleeps: number[];
}

/** A clock that moves only when the code under test sleeps. */
function fakeTiming(overrides: Partial<Timing> = {}): FakeTiming {
  let clock = T0;
  const sleeps: number[] = [];
  return {
    pollInitialMs: 500,
    pollMaxMs: 15_000,
    progressEveryMs: 30_000,
    ...overrides,
    now: () => clock,
    sleep: async (ms) => {
      expect(ms, "a pause is never negative").toBeGreaterThanOrEqual(0);
      sleeps.push(ms);
      clock += ms;
    },
    sleeps,
  };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

/** `GET /maintenance-sessions/{id}` as ImmyBot answers it: the run's inputs in sessionJobArgs. */
function session(id: number, sessionStatus: number, extra: Wire = {}): Wire {
  return sessionWire(id, sessionStatus, {
    createdDateUTC: iso(T0 + 1_000),
    updatedDateUTC: iso(T0 + 2_000),
    onboardingStageStatus: 0,
    executionStageStatus: 3,
    resolutionStageStatus: 0,
    sessionJobArgs: { sessionGroupId: GROUP, deploymentId: 12, deploymentType: 1, detectionOnly: false },
    ...extra,
  });
}

/** A dx row (fewer fields, `createdDate`). */
function row(id: number, createdAt: number, extra: Wire = {}): Wire {
  return { id, sessionStatus: 3, statusName: "Created", computerId: 6, computerName: "PC-6", tenantId: 2, tenantName: "Contoso", createdDate: iso(createdAt), updatedDate: iso(createdAt), ...extra };
}

/** Scripts `GET /maintenance-sessions/{id}` with one reply per read (the last repeats). */
function sessionReplies(id: number, ...replies: Reply[]): void {
  scripted.server.on(`GET ${SESSIONS}/${id}`, ...replies);
}

const statusSequence = (id: number, statuses: number[], extra: Wire = {}) => sessionReplies(id, ...statuses.map((s) => reply.json(200, session(id, s, extra))));

const reads = (id: number) => scripted.server.requestsTo(`GET ${SESSIONS}/${id}`).length;

/**
 * The dx list, per target: `rowsFor(key, n)` gives the rows of the n-th (1-based) request for that target,
 * key being "computerId=6", "tenantId=2" or "personId=77".
 */
function dxList(rowsFor: (key: string, n: number) => Wire[]): void {
  const seen = new Map<string, number>();
  scripted.server.on(DX, (req, res) => {
    const key = ["computerId", "tenantId", "personId"].filter((k) => req.query.has(k)).map((k) => `${k}=${req.query.get(k)}`).join("&");
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    const data = rowsFor(key, n);
    return reply.json(200, { data, totalCount: data.length })(req, res);
  });
}

const dxRequests = (key: string, value: number) => scripted.server.requestsTo(DX).filter((r) => r.query.get(key) === String(value));

const spec = new SpecValidator();

describe("fixtures", () => {
  it("the scripted answers are valid ImmyBot answers", () => {
    expect(spec.validateResponse("GET", `${SESSIONS}/{sessionId}`, session(101, 2, { sessionJobArgs: { sessionGroupId: GROUP.toUpperCase(), deploymentId: 12 } })).errors).toEqual([]);
    expect(spec.validateResponse("GET", `${SESSIONS}/{sessionId}/last-log`, { id: 9, maintenanceSessionId: 101, message: "Installing 7-Zip", time: iso(T0), sessionLogType: 0 }).errors).toEqual([]);
    expect(spec.validateResponse("GET", `${SESSIONS}/dx`, { data: [row(203, T0)], totalCount: 1 }).errors).toEqual([]);
  });
});

describe("parseStartAnswer", () => {
  it("reads the sessions the older route lists", async () => {
    scripted.server.on(`POST ${START_PATH}`, reply.json(200, { sessionsStarted: [{ sessionId: 101, computerId: 6 }, { sessionId: 102, computerId: 8 }], sessionsAlreadyInProgress: [] }));
    expect(parseStartAnswer(await client().post(START_PATH, { computers: [{ computerId: 6 }] }))).toEqual({ started: [101, 102], alreadyInProgress: [] });
  });

  it("is undefined for 202 with no body (the sessions are enqueued by a background job)", async () => {
    scripted.server.on(`POST ${START_PATH}`, reply.status(202));
    const body = await client().post(START_PATH, { computers: [{ computerId: 6 }] });
    expect(body).toBeUndefined();
    expect(parseStartAnswer(body)).toBeUndefined();
  });

  it("keeps the sessions already in progress apart", async () => {
    scripted.server.on(`POST ${START_PATH}`, reply.json(200, { sessionsStarted: [{ sessionId: 103, computerId: 9 }], sessionsAlreadyInProgress: [{ sessionId: 88, computerId: 6 }, { sessionId: 89, computerId: 8 }] }));
    expect(parseStartAnswer(await client().post(START_PATH, {}))).toEqual({ started: [103], alreadyInProgress: [88, 89] });
    expect(parseStartAnswer({ sessionsAlreadyInProgress: [{ sessionId: 88 }] })).toEqual({ started: [], alreadyInProgress: [88] });
  });

  it("ignores entries without a session id, and answers that name no sessions", () => {
    expect(parseStartAnswer({ sessionsStarted: [{ sessionId: 101 }, { computerId: 8 }, null, { sessionId: "102" }] })).toEqual({ started: [101], alreadyInProgress: [] });
    for (const body of [undefined, null, "", 0, true, [], {}, { message: "ok" }, { sessionsStarted: null }]) {
      expect(parseStartAnswer(body), JSON.stringify(body)).toBeUndefined();
    }
  });
});

describe("discoverSessions", () => {
  const computers: RunTarget[] = [
    { kind: "computer", id: 6 },
    { kind: "computer", id: 8 },
  ];
  const since = T0 - 5 * 60_000;

  it("confirms candidates by their group id, skips old sessions and other runs, and polls until each target has its session", async () => {
    const t = fakeTiming();
    // Computer 6: another run's session (newest), then an old one; ours shows up in the third listing.
    dxList((key, n) =>
      key === "computerId=6"
        ? [...(n >= 3 ? [row(203, T0 + 2_000)] : []), row(202, T0 + 1_000), row(150, since - 60_000)]
        : key === "computerId=8"
          ? [row(204, T0 + 1_500, { computerId: 8, computerName: "PC-8" })]
          : [],
    );
    statusSequence(202, [1], { sessionJobArgs: { sessionGroupId: OTHER_GROUP, deploymentId: 12 } });
    statusSequence(150, [0]);
    statusSequence(203, [3], { sessionJobArgs: { sessionGroupId: GROUP.toUpperCase(), deploymentId: 12 } });
    statusSequence(204, [3], { computerId: 8, computerName: "PC-8" });

    const found = await discoverSessions(client(), GROUP, computers, since, T0 + 60_000, t);

    expect([...found.keys()].sort()).toEqual(["computer:6", "computer:8"]);
    expect(found.get("computer:6")?.id).toBe(203);
    expect(found.get("computer:8")?.id).toBe(204);
    // The other run's session was read once; the old one never.
    expect(reads(202)).toBe(1);
    expect(reads(150)).toBe(0);
    expect(reads(203)).toBe(1);
    expect(reads(204)).toBe(1);
    // Until a first session appeared one target was asked per round (6, then 8, where ours was); then every target
    // still missing: computer 6 took three listings in all, computer 8 one.
    expect(dxRequests("computerId", 8)).toHaveLength(1);
    expect(dxRequests("computerId", 6)).toHaveLength(3);
    expect(t.sleeps).toEqual([500, 750, 1125]);
  });

  it("asks the dx list for the target's newest sessions", async () => {
    const t = fakeTiming();
    dxList(() => [row(204, T0)]);
    statusSequence(204, [1]);
    await discoverSessions(client(), GROUP, [{ kind: "computer", id: 6 }], since, T0 + 60_000, t);
    const [req] = scripted.server.requestsTo(DX);
    expect(req?.query.get("computerId")).toBe("6");
    expect(req?.query.has("tenantId")).toBe(false);
    expect(req?.query.has("personId")).toBe(false);
    expect(JSON.parse(req?.query.get("sort") ?? "null")).toEqual([{ selector: "createdDate", desc: true }]);
    expect(req?.query.get("skip")).toBe("0");
    expect(Number(req?.query.get("take"))).toBeGreaterThanOrEqual(10);
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // The session is read with its stages and actions.
    const [read] = scripted.server.requestsTo(`GET ${SESSIONS}/204`);
    expect(read?.query.get("includeStages")).toBe("true");
    expect(read?.query.get("includeActions")).toBe("true");
  });

  it("filters the list by tenant and by person for tenant and person targets", async () => {
    const t = fakeTiming();
    dxList((key) => (key === "tenantId=2" ? [row(301, T0, { computerId: null, computerName: null })] : key === "personId=77" ? [row(302, T0, { computerId: null, computerName: null, personId: 77 })] : []));
    statusSequence(301, [1], { computerId: null, computerName: null });
    statusSequence(302, [1], { computerId: null, computerName: null, personId: 77 });
    const found = await discoverSessions(client(), GROUP, [{ kind: "tenant", id: 2 }, { kind: "person", id: 77 }], since, T0 + 60_000, t);
    expect(found.get("tenant:2")?.id).toBe(301);
    expect(found.get("person:77")?.id).toBe(302);
    const queries = scripted.server.requestsTo(DX).map((r) => [...r.query.keys()].filter((k) => ["computerId", "tenantId", "personId"].includes(k)).map((k) => `${k}=${r.query.get(k)}`).join("&"));
    expect(queries.sort()).toEqual(["personId=77", "tenantId=2"]);
  });

  it("stops at `until` with what it found", async () => {
    const t = fakeTiming();
    dxList((key) => (key === "computerId=8" ? [row(204, T0, { computerId: 8 })] : [row(202, T0)]));
    statusSequence(202, [1], { sessionJobArgs: { sessionGroupId: OTHER_GROUP } });
    statusSequence(204, [1], { computerId: 8 });
    const until = T0 + 2_000;
    const found = await discoverSessions(client(), GROUP, computers, since, until, t);
    expect([...found.keys()]).toEqual(["computer:8"]);
    expect(t.now()).toBe(until);
    // The last pause is cut to the time left; computer 6 was asked in rounds 1, 3 and 4 (round 2 asked computer 8).
    expect(t.sleeps).toEqual([500, 750, 750]);
    expect(dxRequests("computerId", 6)).toHaveLength(3);
    expect(reads(202)).toBe(1);
  });

  it("returns at once when `until` has passed, after one look", async () => {
    const t = fakeTiming();
    dxList(() => []);
    const found = await discoverSessions(client(), GROUP, computers, since, T0 - 1, t);
    expect(found.size).toBe(0);
    expect(t.sleeps).toEqual([]);
    expect(scripted.server.requestsTo(DX)).toHaveLength(1);
  });

  it("while no session of the run exists, asks about one target per round, each in turn: a wait of an hour for 50 computers costs a few hundred requests", async () => {
    const t = fakeTiming();
    const fifty: RunTarget[] = Array.from({ length: 50 }, (_, i) => ({ kind: "computer", id: 1000 + i }));
    dxList(() => []);
    const found = await discoverSessions(client(), GROUP, fifty, since, T0 + 3_600_000, t);
    expect(found.size).toBe(0);
    const asked = scripted.server.requestsTo(DX).map((r) => Number(r.query.get("computerId")));
    expect(asked.length).toBeGreaterThan(50);
    expect(asked.length).toBeLessThan(400);
    // Round i asked target i mod 50: each computer in turn.
    expect(asked.slice(0, 52)).toEqual([...fifty.map((c) => c.id), 1000, 1001]);
    expect(t.now()).toBe(T0 + 3_600_000);
  });

  it("looks again at a listed session that could not be read yet (only another run's sessions are ruled out)", async () => {
    const t = fakeTiming();
    dxList(() => [row(203, T0)]);
    sessionReplies(203, reply.json(404, { message: "not found" }), reply.json(200, session(203, 3)));
    const found = await discoverSessions(client(), GROUP, [{ kind: "computer", id: 6 }], since, T0 + 60_000, t);
    expect(found.get("computer:6")?.id).toBe(203);
    expect(reads(203)).toBe(2);
  });

  it("skips rows without an id and reads rows without a creation date", async () => {
    const t = fakeTiming();
    dxList(() => [{ computerId: 6, createdDate: iso(T0) }, { id: 205, computerId: 6 }]);
    statusSequence(205, [3]);
    const found = await discoverSessions(client(), GROUP, [{ kind: "computer", id: 6 }], since, T0 + 60_000, t);
    expect(found.get("computer:6")?.id).toBe(205);
  });
});

describe("readSessions", () => {
  it("reads the named sessions, in the order named, polling for those not readable yet", async () => {
    const t = fakeTiming();
    statusSequence(102, [3]);
    statusSequence(100, [3]);
    sessionReplies(101, reply.json(404, { message: "not found" }), reply.json(404, { message: "not found" }), reply.json(200, session(101, 3)));
    const found = await readSessions(client(), [101, 102, 100], T0 + 60_000, t);
    expect(found.map((w) => w.id)).toEqual([101, 102, 100]);
    expect(reads(102)).toBe(1);
    expect(reads(101)).toBe(3);
    expect(t.sleeps).toEqual([500, 750]);
    expect(scripted.server.requestsTo(`GET ${SESSIONS}/101`)[0]?.query.get("includeActions")).toBe("true");
  });

  it("stops at `until` with the sessions it could read", async () => {
    const t = fakeTiming();
    statusSequence(101, [1]);
    sessionReplies(102, reply.json(404, { message: "not found" }));
    const found = await readSessions(client(), [101, 102], T0 + 1_000, t);
    expect(found.map((w) => w.id)).toEqual([101]);
    expect(t.now()).toBe(T0 + 1_000);
    expect(t.sleeps).toEqual([500, 500]);
    expect(reads(101)).toBe(1);
    expect(reads(102)).toBe(3);
  });

  it("reads nothing for no ids", async () => {
    expect(await readSessions(client(), [], T0 + 1_000, fakeTiming())).toEqual([]);
    expect(scripted.server.requests).toEqual([]);
  });
});

describe("waitForSessions", () => {
  it("polls until every session is terminal and returns them as last read", async () => {
    const t = fakeTiming();
    statusSequence(101, [3, 1, 0]);
    statusSequence(102, [1, 7]);
    const lines: string[] = [];
    const r = await waitForSessions(client(), [session(101, 3), session(102, 3)], "completed", T0 + 3_600_000, (l) => lines.push(l), t);
    expect(r.timedOut).toBe(false);
    expect(r.sessions.map((w) => [w.id, w.sessionStatus])).toEqual([
      [101, 0],
      [102, 7],
    ]);
    // Only open sessions are read again.
    expect(reads(101)).toBe(3);
    expect(reads(102)).toBe(2);
    expect(t.sleeps).toEqual([500, 750, 1125]);
    expect(lines[0]).toBe("immybot: maintenance sessions 0/2 finished after 0s (Created 2)");
    expect(lines.at(-1)).toBe("immybot: maintenance sessions 2/2 finished after 2s (Passed 1, PartialPassed 1)");
  });

  it('with "started" returns once no session is Created', async () => {
    const t = fakeTiming();
    statusSequence(101, [3, 1, 0]);
    statusSequence(102, [6, 0]);
    const r = await waitForSessions(client(), [session(101, 3), session(102, 3)], "started", T0 + 3_600_000, () => undefined, t);
    expect(r.timedOut).toBe(false);
    expect(r.sessions.map((w) => [w.id, w.sessionStatus])).toEqual([
      [101, 1],
      [102, 6],
    ]);
    expect(reads(101)).toBe(2);
    expect(reads(102)).toBe(1);
  });

  it('with "none" returns at once: no poll, no pause, no progress line', async () => {
    const t = fakeTiming();
    const lines: string[] = [];
    const initial = [session(101, 3), session(102, 1)];
    const r = await waitForSessions(client(), initial, "none", T0 + 3_600_000, (l) => lines.push(l), t);
    expect(r).toEqual({ sessions: initial, timedOut: false });
    expect(scripted.server.requests).toEqual([]);
    expect(t.sleeps).toEqual([]);
    expect(lines).toEqual([]);
  });

  it("returns at once, without polling, when every session is settled already", async () => {
    const t = fakeTiming();
    const r = await waitForSessions(client(), [session(101, 0), session(102, 2)], "completed", T0 + 3_600_000, () => undefined, t);
    expect(r.timedOut).toBe(false);
    expect(scripted.server.requests).toEqual([]);
  });

  it("times out at the deadline with the statuses last read", async () => {
    const t = fakeTiming();
    statusSequence(101, [1, 8]);
    statusSequence(102, [1, 0]);
    const deadline = T0 + 10_000;
    const lines: string[] = [];
    const r = await waitForSessions(client(), [session(101, 3), session(102, 3)], "completed", deadline, (l) => lines.push(l), t);
    expect(r.timedOut).toBe(true);
    expect(r.sessions.map((w) => [w.id, w.sessionStatus])).toEqual([
      [101, 8],
      [102, 0],
    ]);
    // It waits exactly until the deadline, never past it.
    expect(t.now()).toBe(deadline);
    expect(t.sleeps.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(t.sleeps.at(-1)).toBeLessThan(t.sleeps.at(-2)! * 1.5);
    expect(reads(102)).toBe(2);
  });

  it("times out at once when the deadline has passed", async () => {
    const t = fakeTiming();
    const r = await waitForSessions(client(), [session(101, 1)], "completed", T0, () => undefined, t);
    expect(r).toMatchObject({ timedOut: true });
    expect(scripted.server.requests).toEqual([]);
  });

  it("grows the pause between polls by half each round, up to pollMaxMs", async () => {
    const t = fakeTiming({ pollInitialMs: 400, pollMaxMs: 3_000, progressEveryMs: 3_600_000 });
    statusSequence(101, [1, 1, 1, 1, 1, 1, 1, 1, 0]);
    const r = await waitForSessions(client(), [session(101, 3)], "completed", T0 + 3_600_000, () => undefined, t);
    expect(r.timedOut).toBe(false);
    expect(t.sleeps).toEqual([400, 600, 900, 1350, 2025, 3000, 3000, 3000, 3000]);
    expect(reads(101)).toBe(9);
  });

  it("prints a progress line at least every progressEveryMs over a long wait, with counts by status", async () => {
    const t = fakeTiming({ progressEveryMs: 30_000, pollMaxMs: 15_000 });
    const tenMinutes = 10 * 60_000;
    // Two sessions: one runs for ten minutes, the other waits for its computer the whole time, then passes.
    scripted.server.on(`GET ${SESSIONS}/101`, (req, res) => reply.json(200, session(101, t.now() - T0 < tenMinutes ? 1 : 0))(req, res));
    scripted.server.on(`GET ${SESSIONS}/102`, (req, res) => reply.json(200, session(102, t.now() - T0 < tenMinutes ? 8 : 0))(req, res));
    const reports: { at: number; line: string }[] = [];
    const r = await waitForSessions(client(), [session(101, 3), session(102, 3)], "completed", T0 + 3_600_000, (line) => reports.push({ at: t.now(), line }), t);
    expect(r.timedOut).toBe(false);
    expect(t.now() - T0).toBeGreaterThanOrEqual(tenMinutes);
    expect(reports[0]?.at).toBe(T0);
    const gaps = reports.slice(1).map((rep, i) => rep.at - reports[i]!.at);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(30_000);
    expect(reports.length).toBeGreaterThanOrEqual(21);
    // Not chattier than needed: one line per period, plus the last one.
    expect(reports.length).toBeLessThanOrEqual(23);
    const atFiveMinutes = reports.find((rep) => rep.at === T0 + 5 * 60_000);
    expect(atFiveMinutes?.line).toBe("immybot: maintenance sessions 0/2 finished after 5m (Running 1, PendingConnectivity 1)");
    expect(reports.at(-1)?.line).toMatch(/^immybot: maintenance sessions 2\/2 finished after 10m\d*s? \(Passed 2\)$/);
    // No pause longer than pollMaxMs.
    expect(Math.max(...t.sleeps)).toBeLessThanOrEqual(15_000);
  });

  it("drops a session ImmyBot no longer has", async () => {
    const t = fakeTiming();
    statusSequence(101, [1, 1, 0]);
    sessionReplies(102, reply.json(200, session(102, 1)), reply.json(404, { message: "Maintenance session 102 not found" }));
    const r = await waitForSessions(client(), [session(101, 3), session(102, 3)], "completed", T0 + 3_600_000, () => undefined, t);
    expect(r.timedOut).toBe(false);
    expect(r.sessions.map((w) => w.id)).toEqual([101]);
    expect(reads(102)).toBe(2);
  });

  it("fails on an error other than 404 while polling", async () => {
    const t = fakeTiming();
    sessionReplies(101, reply.json(403, { message: "no permission" }));
    const e = await caught(waitForSessions(client(), [session(101, 3)], "completed", T0 + 3_600_000, () => undefined, t));
    expect(e).toBeInstanceOf(ImmyBotHttpError);
    expect((e as ImmyBotHttpError).status).toBe(403);
  });
});

describe("cancelRunning", () => {
  const cancel = (id: number) => `GET ${SESSIONS}/${id}/cancel`;
  const BULK = `POST ${SESSIONS}/cancel`;

  it("cancels a running session with GET /{id}/cancel and leaves finished and vanished ones alone", async () => {
    statusSequence(101, [1]);
    statusSequence(102, [0]);
    statusSequence(104, [8]);
    sessionReplies(103, reply.json(404, { message: "not found" }));
    scripted.server.on(cancel(101), reply.status(200)).on(cancel(104), reply.status(204)).on(cancel(102), reply.status(200)).on(cancel(103), reply.status(200));
    expect(await cancelRunning(client(), [104, 103, 102, 101])).toEqual([101, 104]);
    expect(scripted.server.requestsTo(cancel(101))).toHaveLength(1);
    expect(scripted.server.requestsTo(cancel(104))).toHaveLength(1);
    expect(scripted.server.requestsTo(cancel(102))).toHaveLength(0);
    expect(scripted.server.requestsTo(cancel(103))).toHaveLength(0);
    expect(scripted.server.requestsTo(BULK)).toHaveLength(0);
    expect(scripted.server.requestsTo(cancel(101))[0]?.body).toBe("");
  });

  it("touches nothing when every session has finished", async () => {
    for (const [id, status] of [
      [101, 0],
      [102, 2],
      [103, 4],
      [104, 5],
      [105, 7],
    ] as const) {
      statusSequence(id, [status]);
    }
    expect(await cancelRunning(client(), [101, 102, 103, 104, 105])).toEqual([]);
    // Each session was read (and none cancelled).
    const read = scripted.server.requests.filter((r) => r.path.startsWith(`${SESSIONS}/`)).map((r) => Number(r.path.split("/")[4]));
    expect([...new Set(read)].sort()).toEqual([101, 102, 103, 104, 105]);
    expect(scripted.server.requests.every((r) => r.method === "GET" && !r.path.endsWith("/cancel"))).toBe(true);
  });

  it("falls back to the bulk POST when GET /{id}/cancel answers 405 or 404", async () => {
    statusSequence(104, [1]);
    statusSequence(101, [3]);
    statusSequence(102, [6]);
    scripted.server.on(cancel(104), reply.status(405)).on(cancel(101), reply.json(404, { message: "no route" })).on(cancel(102), reply.status(200));
    scripted.server.on(BULK, reply.status(204));
    expect(await cancelRunning(client(), [104, 101, 102])).toEqual([101, 102, 104]);
    const bulk = scripted.server.requestsTo(BULK);
    expect(bulk).toHaveLength(1);
    expect(JSON.parse(bulk[0]!.body)).toEqual({ sessionIds: [101, 104] });
    expect(spec.validateSchema("CancelSessionsRequestBody", JSON.parse(bulk[0]!.body)).errors).toEqual([]);
    expect(bulk[0]?.headers["content-type"]).toBe("application/json");
  });

  it("counts 409 on GET /{id}/cancel as done (no bulk POST)", async () => {
    statusSequence(101, [1]);
    scripted.server.on(cancel(101), reply.json(409, { message: "Session is already being cancelled" }));
    scripted.server.on(BULK, reply.status(204));
    expect(await cancelRunning(client(), [101])).toEqual([101]);
    expect(scripted.server.requestsTo(BULK)).toHaveLength(0);
  });

  it.each([404, 405, 409])("counts %i on the bulk POST as done", async (status) => {
    statusSequence(101, [1]);
    scripted.server.on(cancel(101), reply.status(405));
    scripted.server.on(BULK, reply.json(status, { message: "nothing to cancel" }));
    expect(await cancelRunning(client(), [101])).toEqual([101]);
    expect(scripted.server.requestsTo(BULK)).toHaveLength(1);
  });

  it("fails when the bulk POST answers 500", async () => {
    statusSequence(101, [1]);
    scripted.server.on(cancel(101), reply.status(405));
    scripted.server.on(BULK, reply.json(500, { message: "database unavailable" }));
    const e = await caught(cancelRunning(client(), [101]));
    expect(e).toBeInstanceOf(ImmyBotHttpError);
    expect((e as ImmyBotHttpError).status).toBe(500);
    // A POST is never retried.
    expect(scripted.server.requestsTo(BULK)).toHaveLength(1);
  });

  it("fails when GET /{id}/cancel is refused", async () => {
    statusSequence(101, [1]);
    scripted.server.on(cancel(101), reply.json(403, { message: "forbidden" }));
    const e = await caught(cancelRunning(client(), [101]));
    expect((e as ImmyBotHttpError).status).toBe(403);
    expect(scripted.server.requestsTo(BULK)).toHaveLength(0);
  });

  it("does nothing for no ids", async () => {
    expect(await cancelRunning(client(), [])).toEqual([]);
    expect(scripted.server.requests).toEqual([]);
  });
});

describe("lastLogLine", () => {
  const LAST = (id: number) => `GET ${SESSIONS}/${id}/last-log`;

  it("is the message of the session's newest log line", async () => {
    scripted.server.on(LAST(101), reply.json(200, { id: 9, maintenanceSessionId: 101, message: "Installer exited with code 1603", time: iso(T0), sessionLogType: 1 }));
    expect(await lastLogLine(client(), 101)).toBe("Installer exited with code 1603");
    expect(scripted.server.requestsTo(LAST(101))).toHaveLength(1);
  });

  it("is null when the session or the route is missing (404)", async () => {
    scripted.server.on(LAST(101), reply.json(404, { message: "not found" }));
    expect(await lastLogLine(client(), 101)).toBeNull();
  });

  it("is null for an empty message or a null answer", async () => {
    scripted.server.on(LAST(101), reply.json(200, { id: 9, message: "" }));
    scripted.server.on(LAST(102), reply.json(200, { id: 9, message: null }));
    scripted.server.on(LAST(103), reply.json(200, "null"));
    expect(await lastLogLine(client(), 101)).toBeNull();
    expect(await lastLogLine(client(), 102)).toBeNull();
    expect(await lastLogLine(client(), 103)).toBeNull();
  });

  it("is null for a session with no log line yet (ASP.NET answers a null result with 204 and no body)", async () => {
    scripted.server.on(LAST(101), reply.status(204));
    expect(await lastLogLine(client(), 101)).toBeNull();
  });

  it("fails on other errors", async () => {
    scripted.server.on(LAST(101), reply.json(403, { message: "forbidden" }));
    expect(((await caught(lastLogLine(client(), 101))) as ImmyBotHttpError).status).toBe(403);
    scripted.server.on(LAST(102), reply.text(200, "<!doctype html><html></html>", "text/html"));
    expect(await caught(lastLogLine(client(), 102))).toBeInstanceOf(ImmyBotUnexpectedResponseError);
  });
});
