/**
 * MaintenanceSession create and delete in-process against a scripted ImmyBot over real HTTP, for the answers the
 * sandbox does not give: the start route naming its sessions (with one already in progress), a start whose answer
 * was lost before ImmyBot committed it, a start ImmyBot refuses, and a target that gets no session. A fake clock
 * stands in for the waits.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configure } from "../../provider/context";
import { lifecycle, model } from "../../provider/maintenance-session";
import { START_PATH, timing, type Timing } from "../../provider/session-runs";
import { parseInputs } from "../../provider/check";
import { sessionWire } from "../helpers/session-wire";
import { caught, clientConfig, reply, useScriptedServer, type LoggedRequest } from "../helpers/scripted-server";

const scripted = useScriptedServer();
const TOKEN = "maintenance-session-create-token-42";
const SESSIONS = "/api/v1/maintenance-sessions";
const T0 = Date.parse("2026-11-20T10:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();
const PROVIDER = "exports.handler = () => require('pulumi-immybot/dist/provider')";

const deployment = {
  id: 12,
  maintenanceType: 0,
  maintenanceIdentifier: "303",
  desiredSoftwareState: 5,
  maintenanceTaskMode: 0,
  softwareProviderType: 3,
  databaseType: 1,
  targetType: 21,
  targetCategory: 0,
  tenantId: 2,
  taskParameterValues: null,
  softwareSemanticVersionString: null,
};

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

  it("sends the start again, with the same group id, when the first answer was lost and ImmyBot had not committed it", async () => {
    let committed: string | undefined;
    scripted.server.on(`POST ${START_PATH}`, reply.reset(), (req, res) => {
      committed = groupOf(req);
      return reply.status(202)(req, res);
    });
    scripted.server.on(`GET ${SESSIONS}/dx`, (req, res) =>
      reply.json(200, { data: committed ? [{ id: 77, computerId: 6, createdDate: iso(T0) }] : [], totalCount: -1 })(req, res),
    );
    scripted.server.on(`GET ${SESSIONS}/77`, (req, res) => reply.json(200, session(77, 0, 6, committed ?? null))(req, res));
    const created = await lifecycle.create(inputs({ deploymentId: "12", computers: [6] }));
    expect(starts()).toHaveLength(2);
    expect(groupOf(starts()[0]!)).toBe(groupOf(starts()[1]!));
    expect(created).toMatchObject({ id: committed, outs: { sessionIds: [77], result: "Succeeded" } });
  });

  it("passes ImmyBot's refusal through and keeps nothing in state", async () => {
    scripted.server.on(
      `POST ${START_PATH}`,
      reply.json(400, { title: "One or more validation errors occurred.", status: 400, errors: { Computers: ["Computer 6 is excluded from maintenance."] } }, { "content-type": "application/problem+json" }),
    );
    const e = await caught(lifecycle.create(inputs({ deploymentId: "12", computers: [6] })));
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
    const e = (await caught(lifecycle.create(inputs({ deploymentId: "12", computers: [6, 8] })))) as Error & { id?: string; properties?: Record<string, unknown> };
    expect(e.message).toMatch(/started no session for computer 8 within 2m/);
    expect(e.id).toBe(group);
    expect(e.properties).toMatchObject({ sessionIds: [81], __provider: PROVIDER });
  });
});
