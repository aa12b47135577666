/**
 * MaintenanceSession create, update, read and delete in-process against a scripted ImmyBot over real HTTP, for the
 * answers the sandbox does not give and the timings it cannot (a background job that takes minutes): the start
 * route naming its sessions (with one already in progress), a start whose answer was lost (also of a full
 * maintenance), a 202 whose sessions
 * come late, a 429, a start ImmyBot refuses, and a target that gets no session. A run is started at most once. A
 * fake clock stands in for the waits.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configure } from "../../provider/context";
import { lifecycle, model } from "../../provider/maintenance-session";
import { START_PATH, timing, type Timing } from "../../provider/session-runs";
import { parseInputs } from "../../provider/check";
import { deploymentWire, sessionWire } from "../helpers/session-wire";
import type { ServerResponse } from "node:http";
import { caught, clientConfig, reply, useScriptedServer, type LoggedRequest } from "../helpers/scripted-server";

const scripted = useScriptedServer();
const TOKEN = "maintenance-session-create-token-42";
const SESSIONS = "/api/v1/maintenance-sessions";
const T0 = Date.parse("2026-11-20T10:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();
const PROVIDER = "exports.handler = () => require('pulumi-immybot/dist/provider')";

/** `GET /target-assignments/12` as ImmyBot answers it (a LocalTargetAssignmentResource, integer enums). */
const deployment = deploymentWire();

function session(id: number, status: number, computerId: number, groupId: string | null = null) {
  return sessionWire(id, status, {
    computerId,
    computerName: `PC-${computerId}`,
    createdDateUTC: iso(T0),
    updatedDateUTC: iso(T0 + 60_000),
    sessionJobArgs: { sessionGroupId: groupId, deploymentId: 12, deploymentType: 1 },
  });
}

/** Canonical inputs as the engine sends them to create. */
function inputs(args: Record<string, unknown>): Record<string, unknown> {
  const parsed = parseInputs(model, args);
  expect(parsed.failures).toEqual([]);
  return { ...parsed.inputs, __provider: PROVIDER };
}

const saved = { ...timing };
beforeEach(() => {
  configure({ get: clientConfig(scripted.server, { clientId: undefined, clientSecret: undefined, tokenUrl: undefined, accessToken: TOKEN }) });
  let clock = T0;
  const fake: Partial<Timing> = { now: () => clock, sleep: async (ms) => void (clock += ms) };
  Object.assign(timing, fake);
  scripted.server.on("GET /api/v1/target-assignments/12", reply.json(200, deployment));
});
afterEach(() => {
  Object.assign(timing, saved);
});

const starts = (): LoggedRequest[] => scripted.server.requestsTo(`POST ${START_PATH}`);
const groupOf = (r: LoggedRequest): string => JSON.parse(r.body).sessionGroupId;

describe("MaintenanceSession create", () => {
  it("takes the sessions a start answer names, without looking them up, and marks one already in progress as not its own", async () => {
    scripted.server.on(`POST ${START_PATH}`, reply.json(200, { sessionsStarted: [{ sessionId: 41, computerId: 6 }], sessionsAlreadyInProgress: [{ sessionId: 40, computerId: 8 }] }));
    scripted.server.on(`GET ${SESSIONS}/41`, reply.json(200, session(41, 0, 6)));
    scripted.server.on(`GET ${SESSIONS}/40`, reply.json(200, session(40, 0, 8)));
    const created = await lifecycle.create(inputs({ deploymentId: "12", computers: [6, 8] }));
    expect(scripted.server.requestsTo(`GET ${SESSIONS}/dx`)).toEqual([]);
    expect(created.id).toBe(groupOf(starts()[0]!));
    expect(created.outs).toMatchObject({ sessionIds: [40, 41], result: "Succeeded" });
    expect((created.outs.sessions as { id: number; startedByThisRun: boolean }[]).map((s) => [s.id, s.startedByThisRun])).toEqual([
      [40, false],
      [41, true],
    ]);
    // The request: one kind of target, the deployment's item, the generated group id.
    const body = JSON.parse(starts()[0]!.body);
    expect(body).toMatchObject({ computers: [{ computerId: 6 }, { computerId: 8 }], tenants: null, persons: null, deploymentId: 12, deploymentType: 1, maintenanceParams: { maintenanceType: 0, maintenanceIdentifier: "303", desiredSoftwareState: 5 } });
  });

  it("on delete cancels only the running sessions it started", async () => {
    scripted.server.on(`GET ${SESSIONS}/40`, reply.json(200, session(40, 1, 8)));
    scripted.server.on(`GET ${SESSIONS}/41`, reply.json(200, session(41, 1, 6)));
    scripted.server.on(`GET ${SESSIONS}/42`, reply.json(200, session(42, 0, 7)));
    scripted.server.on(`GET ${SESSIONS}/41/cancel`, reply.status(200));
    await lifecycle.delete("g", {
      sessionIds: [40, 41, 42],
      sessions: [
        { id: 40, startedByThisRun: false },
        { id: 41, startedByThisRun: true },
        { id: 42, startedByThisRun: true },
      ],
    });
    expect(scripted.server.requests.filter((r) => r.path.endsWith("/cancel")).map((r) => r.path)).toEqual([`${SESSIONS}/41/cancel`]);
  });

  /**
   * ImmyBot's background job makes the run's sessions `afterMs` (fake clock) after the start was taken; `start` is
   * the start route's answer. Returns the group id ImmyBot took (once taken).
   */
  function backgroundJob(start: (req: LoggedRequest, res: ServerResponse, take: () => void) => void | Promise<void>, afterMs: number) {
    const job: { group?: string; at?: number } = {};
    scripted.server.on(`POST ${START_PATH}`, (req, res) =>
      start(req, res, () => {
        job.group ??= groupOf(req);
        job.at ??= timing.now();
      }),
    );
    const visible = () => job.at !== undefined && timing.now() >= job.at + afterMs;
    scripted.server.on(`GET ${SESSIONS}/dx`, (req, res) =>
      reply.json(200, { data: visible() && req.query.get("computerId") === "6" ? [{ id: 77, computerId: 6, createdDate: iso(job.at!) }] : [], totalCount: -1 })(req, res),
    );
    scripted.server.on(`GET ${SESSIONS}/77`, (req, res) => (visible() ? reply.json(200, session(77, 0, 6, job.group ?? null)) : reply.json(404, { message: "not found" }))(req, res));
    return job;
  }

  it("after a start whose answer was lost, finds the run's sessions when the background job makes them minutes later, and never sends the start again", async () => {
    const job = backgroundJob((req, res, take) => (take(), reply.reset()(req, res)), 4 * 60_000);
    const created = await lifecycle.create(inputs({ deploymentId: "12", computers: [6], timeout: "10m" }));
    expect(starts()).toHaveLength(1);
    expect(created).toMatchObject({ id: job.group, outs: { sessionIds: [77], result: "Succeeded" } });
    expect(timing.now() - T0).toBeGreaterThanOrEqual(4 * 60_000);
  });

  it("a full maintenance whose start answer was lost: no deployment read, its sessions found minutes later, the start never sent again", async () => {
    const job = backgroundJob((req, res, take) => (take(), reply.reset()(req, res)), 4 * 60_000);
    const created = await lifecycle.create(inputs({ fullMaintenance: true, computers: [6], timeout: "10m" }));
    expect(starts()).toHaveLength(1);
    expect(JSON.parse(starts()[0]!.body)).toMatchObject({ fullMaintenance: true, deploymentId: null, computers: [{ computerId: 6 }] });
    expect(scripted.server.requests.filter((r) => r.path.startsWith("/api/v1/target-assignments"))).toEqual([]);
    expect(created).toMatchObject({ id: job.group, outs: { sessionIds: [77], result: "Succeeded", maintenanceType: null, maintenanceIdentifier: null } });
  });

  it("after a 202 whose sessions appear only minutes later, follows them without a second start", async () => {
    const job = backgroundJob((req, res, take) => (take(), reply.status(202)(req, res)), 5 * 60_000);
    const created = await lifecycle.create(inputs({ deploymentId: "12", computers: [6], timeout: "30m" }));
    expect(starts()).toHaveLength(1);
    expect(created).toMatchObject({ id: job.group, outs: { sessionIds: [77], result: "Succeeded" } });
  });

  it("when none of the sessions appears within the timeout, fails keeping the run's group id and targets in state, having sent the start once", async () => {
    backgroundJob((req, res) => reply.reset()(req, res), Infinity);
    const e = (await caught(lifecycle.create(inputs({ deploymentId: "12", computers: [6], timeout: "10m" })))) as Error & { id?: string; properties?: Record<string, unknown>; code?: string };
    expect(starts()).toHaveLength(1);
    expect(e.code).toBe("IMMYBOT_RUN_UNCONFIRMED");
    expect(e.id).toBe(groupOf(starts()[0]!));
    expect(e.message).toMatch(/got no clear answer.*not sent again.*None of its sessions appeared within 10m.*next `pulumi up` looks for its sessions again and never starts a second run/);
    expect(e.properties).toMatchObject({ sessionGroupId: e.id, sessionIds: [], targets: [{ kind: "computer", id: 6 }], result: "InProgress", __provider: PROVIDER });
    expect(timing.now() - T0).toBeGreaterThanOrEqual(10 * 60_000);
  });

  it("a 429 on the start is a wait of its Retry-After, then the same start again, with no look at the session list in between", async () => {
    let first = true;
    const job = backgroundJob((req, res, take) => {
      if (first) {
        first = false;
        return reply.status(429, { "retry-after": "7" })(req, res);
      }
      take();
      return reply.status(202)(req, res);
    }, 1_000);
    const created = await lifecycle.create(inputs({ deploymentId: "12", computers: [6] }));
    expect(starts()).toHaveLength(2);
    expect(groupOf(starts()[0]!)).toBe(groupOf(starts()[1]!));
    const dx = scripted.server.requestsTo(`GET ${SESSIONS}/dx`);
    expect(dx.length).toBeGreaterThan(0);
    expect(dx.every((r) => r.index > starts()[1]!.index)).toBe(true);
    expect(created).toMatchObject({ id: job.group, outs: { result: "Succeeded" } });
  });

  it("the next up (update) of a run whose start was never confirmed looks for its sessions by group id and starts nothing", async () => {
    const job = backgroundJob((req, res, take) => (take(), reply.status(202)(req, res)), 0);
    // The run as a failed create left it in state: group id and targets, no session yet.
    const group = "5a1c2e3f-0000-4000-8000-000000000077";
    job.group = group;
    job.at = T0;
    const olds = { ...inputs({ deploymentId: "12", computers: [6] }), sessionGroupId: group, sessionIds: [], sessions: [], targets: [{ kind: "computer", id: 6 }], startedAt: iso(T0) };
    const updated = await lifecycle.update(group, olds, inputs({ deploymentId: "12", computers: [6] }));
    expect(starts()).toHaveLength(0);
    expect(updated.outs).toMatchObject({ sessionIds: [77], result: "Succeeded" });
  });

  it("a refresh of a run whose start was never confirmed keeps it in the state (it may still start), and records its sessions once they exist", async () => {
    const job = backgroundJob((req, res, take) => (take(), reply.status(202)(req, res)), 60_000);
    const group = "5a1c2e3f-0000-4000-8000-000000000078";
    job.group = group;
    job.at = T0;
    const props = { ...inputs({ deploymentId: "12", computers: [6] }), sessionGroupId: group, sessionIds: [], sessions: [], targets: [{ kind: "computer", id: 6 }], startedAt: iso(T0) };
    const early = await lifecycle.read!(group, props);
    expect(early.id).toBe(group);
    expect(early.props).toMatchObject({ sessionIds: [], targets: [{ kind: "computer", id: 6 }] });
    await timing.sleep(60_000);
    const later = await lifecycle.read!(group, props);
    expect(later).toMatchObject({ id: group, props: { sessionIds: [77] } });
    expect(starts()).toHaveLength(0);
  });

  it("a destroy of a run whose start was never confirmed cancels its sessions if they have appeared since", async () => {
    const group = "5a1c2e3f-0000-4000-8000-000000000079";
    scripted.server.on(`GET ${SESSIONS}/dx`, reply.json(200, { data: [{ id: 91, computerId: 6, createdDate: iso(T0) }], totalCount: -1 }));
    scripted.server.on(`GET ${SESSIONS}/91`, reply.json(200, session(91, 1, 6, group)));
    scripted.server.on(`GET ${SESSIONS}/91/cancel`, reply.status(200));
    await lifecycle.delete(group, { sessionGroupId: group, sessionIds: [], sessions: [], targets: [{ kind: "computer", id: 6 }], startedAt: iso(T0) });
    expect(scripted.server.requests.filter((r) => r.path.endsWith("/cancel")).map((r) => r.path)).toEqual([`${SESSIONS}/91/cancel`]);
  });

  it("passes ImmyBot's refusal through and keeps nothing in state", async () => {
    scripted.server.on(
      `POST ${START_PATH}`,
      reply.json(400, { title: "One or more validation errors occurred.", status: 400, errors: { Computers: ["Computer 6 is excluded from maintenance."] } }, { "content-type": "application/problem+json" }),
    );
    const e = await caught(lifecycle.create(inputs({ deploymentId: "12", computers: [6] })));
    expect(e).toMatchObject({ code: "IMMYBOT_HTTP_400" });
    expect(e.message).toMatch(/excluded from maintenance/);
    expect((e as { id?: string }).id).toBeUndefined();
    expect(starts()).toHaveLength(1);
  });

  it("never quotes the deployment's parameter values when ImmyBot's refusal echoes them", async () => {
    const password = "echoed-BIOS-pa55word";
    scripted.server.on("GET /api/v1/target-assignments/12", reply.json(200, { ...deployment, taskParameterValues: { AdminPassword: { value: password } } }));
    scripted.server.on(
      `POST ${START_PATH}`,
      reply.json(400, { title: "One or more validation errors occurred.", status: 400, errors: { AdminPassword: [`'${password}' is too weak.`] } }, { "content-type": "application/problem+json" }),
    );
    const e = await caught(lifecycle.create(inputs({ deploymentId: "12", computers: [6] })));
    // The password did go to ImmyBot (the run needs it), and the refusal is still passed through, without it.
    expect(JSON.parse(starts()[0]!.body).maintenanceParams.taskParameterValues.AdminPassword.value).toBe(password);
    expect(e.message).toMatch(/is too weak/);
    expect(`${e.message}\n${e.stack}`).not.toContain(password);
  });

  it("fails with the sessions it found kept in state when a target gets no session", async () => {
    let group = "";
    scripted.server.on(`POST ${START_PATH}`, (req, res) => {
      group = groupOf(req);
      return reply.status(202)(req, res);
    });
    scripted.server.on(`GET ${SESSIONS}/dx`, (req, res) =>
      reply.json(200, { data: req.query.get("computerId") === "6" ? [{ id: 81, computerId: 6, createdDate: iso(T0) }] : [], totalCount: -1 })(req, res),
    );
    scripted.server.on(`GET ${SESSIONS}/81`, (req, res) => reply.json(200, session(81, 1, 6, group))(req, res));
    const e = (await caught(lifecycle.create(inputs({ deploymentId: "12", computers: [6, 8] })))) as Error & { id?: string; properties?: Record<string, unknown>; code?: string };
    expect(e.code).toBe("IMMYBOT_RUN_INCOMPLETE");
    expect(e.message).toMatch(/started no session of maintenance run [-0-9a-f]+ for computer 8 within 1h.*looks for the others again and starts no second run/);
    expect(e.id).toBe(group);
    expect(e.properties).toMatchObject({ sessionIds: [81], __provider: PROVIDER });
  });
});

describe("MaintenanceSession errors carry stable codes", () => {
  type Failure = Error & { code?: string; id?: string; properties?: Record<string, unknown> };
  const started = (sessions: { id: number; computerId: number }[]) => reply.json(200, { sessionsStarted: sessions.map((s) => ({ sessionId: s.id, computerId: s.computerId })), sessionsAlreadyInProgress: [] });

  it("IMMYBOT_INVALID_ARGUMENTS for arguments that fail check, before any request", async () => {
    const e = (await caught(lifecycle.create({ deploymentId: "12", computers: [6], timeout: "2 days", __provider: PROVIDER }))) as Failure;
    expect(e.code).toBe("IMMYBOT_INVALID_ARGUMENTS");
    expect(e.message).toMatch(/^Invalid MaintenanceSession arguments: timeout: /);
    expect(scripted.server.requests).toEqual([]);
  });

  it("IMMYBOT_DEPLOYMENT_MISSING when the deployment does not exist, and nothing is started", async () => {
    scripted.server.on("GET /api/v1/target-assignments/13", reply.json(404, { title: "Not Found", status: 404 }));
    const e = (await caught(lifecycle.create(inputs({ deploymentId: "13", computers: [6] })))) as Failure;
    expect(e.code).toBe("IMMYBOT_DEPLOYMENT_MISSING");
    expect(e.id).toBeUndefined();
    expect(starts()).toHaveLength(0);
  });

  it("IMMYBOT_RUN_NO_TARGETS when the deployment targets tenants, or no computer at the moment, and no target is given", async () => {
    scripted.server.on("GET /api/v1/target-assignments/12", reply.json(200, { ...deployment, targetType: 29, target: "2", targetCategory: 1 }));
    const tenants = (await caught(lifecycle.create(inputs({ deploymentId: "12" })))) as Failure;
    expect(tenants.code).toBe("IMMYBOT_RUN_NO_TARGETS");
    expect(tenants.message).toMatch(/targets tenants, not computers/);
    scripted.server.on("GET /api/v1/target-assignments/12", reply.json(200, deployment));
    scripted.server.on("POST /api/v1/target-assignments/target-preview", reply.json(200, []));
    const none = (await caught(lifecycle.create(inputs({ deploymentId: "12" })))) as Failure;
    expect(none.code).toBe("IMMYBOT_RUN_NO_TARGETS");
    expect(none.message).toMatch(/targets no computer at the moment/);
    expect(starts()).toHaveLength(0);
  });

  it("IMMYBOT_RUN_FAILED for a failed session, with the run kept in state", async () => {
    scripted.server.on(`POST ${START_PATH}`, started([{ id: 51, computerId: 6 }]));
    scripted.server.on(`GET ${SESSIONS}/51`, reply.json(200, session(51, 2, 6)));
    scripted.server.on(`GET ${SESSIONS}/51/last-log`, reply.json(200, { id: 1, message: "Installer exited with code 1603" }));
    const e = (await caught(lifecycle.create(inputs({ deploymentId: "12", computers: [6] })))) as Failure;
    expect(e.code).toBe("IMMYBOT_RUN_FAILED");
    expect(e.id).toBe(groupOf(starts()[0]!));
    expect(e.properties).toMatchObject({ sessionIds: [51], result: "Failed", __provider: PROVIDER });
  });

  it("IMMYBOT_RUN_TIMEOUT when sessions are still running at the timeout, with the run kept in state", async () => {
    scripted.server.on(`POST ${START_PATH}`, started([{ id: 52, computerId: 6 }]));
    scripted.server.on(`GET ${SESSIONS}/52`, reply.json(200, session(52, 1, 6)));
    const e = (await caught(lifecycle.create(inputs({ deploymentId: "12", computers: [6], timeout: "5m" })))) as Failure;
    expect(e.code).toBe("IMMYBOT_RUN_TIMEOUT");
    expect(e.message).toMatch(/Timed out after 5m/);
    expect(e.properties).toMatchObject({ sessionIds: [52], result: "InProgress" });
  });

  it("IMMYBOT_RUN_VANISHED when every session of a run vanished while waiting, or before an update", async () => {
    let reads = 0;
    scripted.server.on(`POST ${START_PATH}`, started([{ id: 53, computerId: 6 }]));
    scripted.server.on(`GET ${SESSIONS}/53`, (req, res) => (++reads === 1 ? reply.json(200, session(53, 1, 6)) : reply.json(404, { message: "not found" }))(req, res));
    const waiting = (await caught(lifecycle.create(inputs({ deploymentId: "12", computers: [6] })))) as Failure;
    expect(waiting.code).toBe("IMMYBOT_RUN_VANISHED");
    expect(waiting.id).toBe(groupOf(starts()[0]!));
    const group = "5a1c2e3f-0000-4000-8000-000000000080";
    const olds = { ...inputs({ deploymentId: "12", computers: [6] }), sessionGroupId: group, sessionIds: [53], sessions: [], targets: [{ kind: "computer", id: 6 }], startedAt: iso(T0) };
    const update = (await caught(lifecycle.update(group, olds, inputs({ deploymentId: "12", computers: [6] })))) as Failure;
    expect(update.code).toBe("IMMYBOT_RUN_VANISHED");
    expect(update.id).toBeUndefined();
    expect(starts()).toHaveLength(1);
  });
});
