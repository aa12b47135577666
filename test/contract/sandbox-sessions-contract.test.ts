/**
 * The maintenance-session routes against ImmyBot's own OpenAPI spec (May 2025, the committed subset): the request
 * bodies the tests send must be RunImmyServiceRequestBody / CancelSessionsRequestBody, every JSON 200 body must
 * validate at every stage of a session's course (queued, running, pending, waiting for connectivity, passed,
 * failed, cancelled), full-maintenance sessions with their actions and the sessions a schedule's run-now starts
 * too, routes the spec documents without a body must answer none, and the validator must reject what the spec
 * forbids. The enum tables are checked in sandbox-enums.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { MAINTENANCE_PARAM_KINDS, RUN_FIELD_NAMES } from "../../sandbox/session-model";
import { createAjv } from "../helpers/openapi";
import { PROBLEM_DETAILS, useSpecSandbox } from "../helpers/spec-sandbox";

let t = Date.parse("2025-06-02T10:00:00.000Z");
const { spec, call, expectSpecBody, sandbox } = useSpecSandbox({ now: () => new Date(t), sessionEnqueueDelayMs: 100 });

const RUN = "/api/v1/run-immy-service";
const RUN_NEW = "/api/v1/run-immy-service-new";
const ONE = "/api/v1/maintenance-sessions/{sessionId}";
const LOGS = "/api/v1/maintenance-sessions/{sessionId}/logs";
const LAST_LOG = "/api/v1/maintenance-sessions/{sessionId}/last-log";
const CANCEL_ONE = "/api/v1/maintenance-sessions/{sessionId}/cancel";
const CANCEL = "/api/v1/maintenance-sessions/cancel";
const DX = "/api/v1/maintenance-sessions/dx";
const at = (template: string, id: number): string => template.replace("{sessionId}", String(id));

/** Request bodies with every enum as its integer, as the spec types them; each one is checked against the spec before it is sent. */
const install = { maintenanceType: 0, maintenanceIdentifier: "303", desiredSoftwareState: 5, softwareProviderType: 3, maintenanceTaskMode: 0, softwareType: 0, repair: false, taskParameterValues: null };
const REQUESTS = {
  computers: { computers: [{ computerId: 6 }, { computerId: 8 }, { computerId: 12 }], maintenanceParams: install, offlineBehavior: 2, deploymentType: 0, rebootPreference: -1, promptTimeoutAction: 3 },
  offline: { computers: [{ computerId: 7, maintenanceTaskParameterValueOverrides: null }], maintenanceParams: install, offlineBehavior: 2, sessionGroupId: "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f" },
  scheduled: {
    computers: [{ computerId: 6 }],
    maintenanceParams: { maintenanceType: 6, maintenanceIdentifier: "12", maintenanceTaskMode: 1, softwareProviderType: 3, taskParameterValues: { EncryptionMethod: { value: "XtsAes128", allowOverride: false, requiresOverride: null } } },
    updateTime: "10:30",
    timeZoneInfoId: "UTC",
    offlineBehavior: 1,
    sendFollowUpEmail: true,
  },
  tenant: { tenants: [{ tenantId: 2 }], fullMaintenance: true, offlineBehavior: 1, detectionOnly: true },
  person: { persons: [{ personId: 2 }], maintenanceParams: { ...install, desiredSoftwareState: 1 }, offlineBehavior: 2 },
} satisfies Record<string, Record<string, unknown>>;

/** A request body the spec accepts (checked before it is sent). */
function specRequest(schema: string, body: unknown): unknown {
  expect(spec.validateSchema(schema, body).errors).toEqual([]);
  return body;
}

/** The PS module's RunImmyServiceResponseBody (the spec documents no body for the route). */
const runResponse = {
  type: "object",
  required: ["sessionsStarted", "sessionsAlreadyInProgress"],
  properties: {
    sessionsStarted: { type: "array", items: { $ref: "#/definitions/started" } },
    sessionsAlreadyInProgress: { type: "array", items: { $ref: "#/definitions/started" } },
  },
  additionalProperties: false,
  definitions: {
    started: {
      type: "object",
      required: ["sessionId", "computerId", "tenantId", "personId"],
      properties: { sessionId: { type: "integer" }, computerId: { type: ["integer", "null"] }, tenantId: { type: ["integer", "null"] }, personId: { type: ["integer", "null"] } },
      additionalProperties: false,
    },
  },
};

/** (Validation)ProblemDetails as the session routes send them: with the traceId, which these tests require. */
const problemDetails = { ...PROBLEM_DETAILS, required: [...PROBLEM_DETAILS.required, "traceId"] };

describe("spec fixture", () => {
  it("has the request fields the sandbox binds, no more and no fewer", () => {
    const schemas = spec.doc.components!.schemas!;
    expect([...RUN_FIELD_NAMES].sort()).toEqual(Object.keys(schemas.RunImmyServiceRequestBody!.properties as object).sort());
    expect(Object.keys(MAINTENANCE_PARAM_KINDS).sort()).toEqual(Object.keys(schemas.RunImmybotMaintenanceRequestBody!.properties as object).sort());
  });
});

describe("session routes answer what the spec documents", () => {
  const ajv = createAjv();
  const isRunResponse = ajv.compile(runResponse);
  const ids: Record<string, number[]> = {};

  /** Every by-id JSON route of every visible session, checked against the spec; returns the sessions. */
  async function checkAll(): Promise<any[]> {
    const sessions = [];
    const all = Object.values(ids).flat();
    expect(all.length, "no session to check: the runs above started none").toBeGreaterThan(0);
    for (const id of all) {
      for (const query of ["", "?includeStages=true&includeActions=true", "?includeActions=true&includeActionActivities=true&includeStages=false"]) {
        sessions.push(expectSpecBody(await call("GET", at(ONE, id) + query), "GET", ONE));
      }
      const logs = expectSpecBody(await call("GET", at(LOGS, id)), "GET", LOGS);
      expect(logs.length).toBeGreaterThan(0);
      expect(expectSpecBody(await call("GET", at(LAST_LOG, id)), "GET", LAST_LOG)).toEqual(logs[logs.length - 1]);
    }
    expectSpecBody(await call("GET", DX), "GET", DX);
    expectSpecBody(await call("GET", `${DX}?computerId=6&requireTotalCount=true&skip=0&take=2&sort=${encodeURIComponent('[{"selector":"createdDate","desc":true}]')}`), "GET", DX);
    return sessions;
  }

  it("POST /run-immy-service: the spec documents no body; the sandbox answers RunImmyServiceResponseBody", async () => {
    expect(spec.responseSchema("POST", RUN)).toBeUndefined();
    for (const [name, request] of Object.entries(REQUESTS)) {
      const answer = await call("POST", RUN, specRequest("RunImmyServiceRequestBody", request));
      expect(answer.status, answer.text).toBe(200);
      expect(isRunResponse(answer.json), JSON.stringify(isRunResponse.errors)).toBe(true);
      ids[name] = answer.json.sessionsStarted.map((s: { sessionId: number }) => s.sessionId);
      expect(ids[name]!.length, name).toBeGreaterThan(0);
    }
  });

  it("POST /run-immy-service-new: 202 without a body", async () => {
    expect(spec.responseSchema("POST", RUN_NEW)).toBeUndefined();
    const answer = await call("POST", RUN_NEW, specRequest("RunImmyServiceRequestBody", REQUESTS.computers));
    expect([answer.status, answer.text]).toEqual([202, ""]);
    t += 100;
    ids.enqueued = (await call("GET", `${DX}?filter=${encodeURIComponent(JSON.stringify(["id", ">", 7]))}`)).json.data.map((r: { id: number }) => r.id);
    expect(ids.enqueued).toHaveLength(3);
  });

  it("GET by id, logs, last-log and dx validate while sessions are queued, running, waiting and pending", async () => {
    const statuses = new Set<number>();
    for (const step of [0, 2_000, 12_000]) {
      t += step;
      for (const s of await checkAll()) statuses.add(s.sessionStatus);
    }
    expect([...statuses].sort()).toEqual([0, 1, 3, 6, 8]); // Passed (detection only), Running, Created, Pending, PendingConnectivity
  });

  it("GET /maintenance-sessions/{id}/cancel and POST /maintenance-sessions/cancel: 200 without a body, as the spec documents", async () => {
    expect(spec.responseSchema("GET", CANCEL_ONE)).toBeUndefined();
    expect(spec.responseSchema("POST", CANCEL)).toBeUndefined();
    const one = await call("GET", at(CANCEL_ONE, ids.computers![2]!));
    expect([one.status, one.text]).toEqual([200, ""]);
    const many = await call("POST", CANCEL, specRequest("CancelSessionsRequestBody", { sessionIds: [ids.offline![0], ids.enqueued![0], 4242] }));
    expect([many.status, many.text]).toEqual([200, ""]);
  });

  it("and validate once sessions have passed, failed, been cancelled or wait forever", async () => {
    t += 30 * 60_000;
    const statuses = new Set((await checkAll()).map((s) => s.sessionStatus));
    expect([...statuses].sort()).toEqual([0, 1, 2, 4]); // Passed, Running (NeverFinishes), Failed, Cancelled
    const withActions = expectSpecBody(await call("GET", `${at(ONE, ids.computers![1]!)}?includeActions=true&includeStages=true`), "GET", ONE);
    expect(withActions.maintenanceActions[0]).toHaveProperty("endTime");
    expectSpecBody(await call("GET", `${DX}?select=${encodeURIComponent('["id","sessionStatus"]')}&filter=${encodeURIComponent('[["sessionStatus","<>",4],"and",["tenantName","contains","contoso"]]')}`), "GET", DX);
  });
});

describe("error answers", () => {
  const isProblem = createAjv().compile(problemDetails);

  it("400 for a request the server rejects is a ValidationProblemDetails with per-field messages", async () => {
    const request = specRequest("RunImmyServiceRequestBody", { computers: [{ computerId: 99 }], tenants: [{ tenantId: 2 }], maintenanceParams: install, offlineBehavior: 2, updateTime: "7pm" });
    const answer = await call("POST", RUN, request);
    expect(answer.status).toBe(400);
    expect(isProblem(answer.json), JSON.stringify(isProblem.errors)).toBe(true);
    expect(Object.keys(answer.json.errors).sort()).toEqual(["Tenants", "UpdateTime"]);
  });

  it("400 for a body that does not bind, and for a dx filter the sandbox cannot apply, are ProblemDetails", async () => {
    for (const answer of [await call("POST", RUN, { computers: "6" }), await call("POST", CANCEL, { sessionIds: 5 }), await call("GET", `${DX}?filter=${encodeURIComponent('["id","in",[1,2]]')}`)]) {
      expect(answer.status, answer.text).toBe(400);
      expect(isProblem(answer.json), JSON.stringify(isProblem.errors)).toBe(true);
    }
  });

  it("404 for a missing session is a ProblemDetails", async () => {
    for (const template of [ONE, LOGS, LAST_LOG, CANCEL_ONE]) {
      const answer = await call("GET", at(template, 987654));
      expect(answer.status).toBe(404);
      expect(isProblem(answer.json), JSON.stringify(isProblem.errors)).toBe(true);
    }
  });
});

describe("the spec check can fail", () => {
  let good: Record<string, any>;

  beforeAll(async () => {
    const [id] = (await call("POST", RUN, { ...REQUESTS.computers, computers: [{ computerId: 6 }] })).json.sessionsStarted.map((s: { sessionId: number }) => s.sessionId);
    t += 15_000;
    good = (await call("GET", `${at(ONE, id)}?includeActions=true&includeStages=true`)).json;
    expect(spec.validateSchema("GetMaintenanceSessionResponse", good).errors).toEqual([]);
    expect(good.maintenanceActions).toHaveLength(1);
  });

  it.each([
    ["a status as a name", (g: any) => ({ ...g, sessionStatus: "Running" }), /\/sessionStatus: must be integer/],
    ["a status outside the enum", (g: any) => ({ ...g, detectionStageStatus: 14 }), /\/detectionStageStatus: must be equal to one of the allowed values/],
    ["the expanded computer as null (its $ref is not nullable)", (g: any) => ({ ...g, computer: null }), /\/computer/],
    ["a field the spec lacks", (g: any) => ({ ...g, sessionGroupId: g.sessionJobArgs.sessionGroupId }), /additional properties \(sessionGroupId\)/],
    ["sessionJobArgs with a field it lacks", (g: any) => ({ ...g, sessionJobArgs: { ...g.sessionJobArgs, updateTime: "10:30" } }), /additional properties \(updateTime\)/],
    ["an action without maintenanceIdentifier", (g: any) => ({ ...g, maintenanceActions: [{ ...g.maintenanceActions[0], maintenanceIdentifier: undefined }] }), /must have required property 'maintenanceIdentifier'/],
    ["a stage type outside the enum", (g: any) => ({ ...g, stages: [{ ...g.stages[0], type: 6 }] }), /\/stages\/0\/type/],
    ["a date that is no date-time", (g: any) => ({ ...g, createdDateUTC: "2025-06-02" }), /\/createdDateUTC: must match format "date-time"/],
  ])("rejects %s", (_what, change, message) => {
    const result = spec.validateResponse("GET", ONE, JSON.parse(JSON.stringify(change(good))));
    expect(result.valid).toBe(false);
    expect(result.errors.join("\n")).toMatch(message);
  });

  it("rejects request bodies the spec forbids: enum names, a version string, a set of ids that repeats", () => {
    expect(spec.validateSchema("RunImmyServiceRequestBody", { ...REQUESTS.computers, offlineBehavior: "ApplyOnConnect" }).valid).toBe(false);
    expect(spec.validateSchema("RunImmyServiceRequestBody", { ...REQUESTS.computers, maintenanceParams: { ...install, semanticVersion: "24.08" } }).valid).toBe(false);
    expect(spec.validateSchema("CancelSessionsRequestBody", { sessionIds: [1, 1] }).valid).toBe(false);
    expect(spec.validateResponse("GET", LAST_LOG, { id: 1, time: null }).errors.join("\n")).toMatch(/\/time: must be string/);
  });
});

describe("full-maintenance and schedule sessions answer what the spec documents", () => {
  const SCHEDULES = "/api/v1/schedules";
  const RUN_NOW = "/api/v1/schedules/{scheduleId}/run-now";
  let deployments: number[];

  beforeAll(() => {
    const deploy = (fields: Record<string, unknown>) =>
      sandbox().createDeployment({ targetType: 21, targetCategory: 0, tenantId: 2, targetEnforcement: 1, softwareProviderType: 3, desiredSoftwareState: 5, maintenanceType: 0, ...fields }).id;
    deployments = [deploy({ maintenanceIdentifier: "303" }), deploy({ maintenanceType: 6, maintenanceIdentifier: "12", maintenanceTaskMode: 1, targetType: 2, target: "6" })];
  });

  /** The session by id (every include) and its logs, checked against the spec. */
  async function checked(id: number): Promise<any> {
    const s = expectSpecBody(await call("GET", `${at(ONE, id)}?includeStages=true&includeActions=true`), "GET", ONE);
    expect(expectSpecBody(await call("GET", at(LOGS, id)), "GET", LOGS).length).toBeGreaterThan(0);
    return s;
  }

  it("a full-maintenance run: one action per applicable deployment, each with its assignmentId; createdBy a user name", async () => {
    const request = specRequest("RunImmyServiceRequestBody", { computers: [{ computerId: 6 }, { computerId: 8 }], fullMaintenance: true, offlineBehavior: 2, rebootPreference: 1 });
    const answer = await call("POST", RUN, request);
    expect(answer.status, answer.text).toBe(200);
    const [ws001, lt022] = answer.json.sessionsStarted.map((s: { sessionId: number }) => s.sessionId);
    for (const step of [0, 12_000, 20_000]) {
      t += step;
      const s = await checked(ws001);
      expect(s).toMatchObject({ fullMaintenance: true, createdBy: "Sandbox API" });
      await checked(lt022);
    }
    const done = await checked(ws001);
    expect(done.maintenanceActions.map((a: any) => [a.assignmentId, a.assignmentType])).toEqual(deployments.map((id) => [id, 1]));
    expect((await checked(lt022)).maintenanceActions.map((a: any) => [a.assignmentId, a.result])).toEqual([[deployments[0], 2]]);
  });

  it("POST /schedules/{scheduleId}/run-now: 200 without a body, as the spec documents; its sessions carry the schedule", async () => {
    expect(spec.responseSchema("POST", RUN_NOW)).toBeUndefined();
    const schedule = { targetType: 21, targetCategory: 0, tenantId: 2, targetGroupFilter: 2, time: "20:00", maintenanceType: 0, maintenanceIdentifier: null, rebootPreference: 0, promptTimeoutAction: 0, promptTimeoutMinutes: 60, offlineBehavior: 1 };
    const created = expectSpecBody(await call("POST", SCHEDULES, specRequest("CreateScheduleRequest", schedule)), "POST", SCHEDULES);
    const answer = await call("POST", RUN_NOW.replace("{scheduleId}", String(created.id)));
    expect([answer.status, answer.text]).toEqual([200, ""]);
    t += 100;
    const rows = expectSpecBody(await call("GET", `${DX}?filter=${encodeURIComponent(JSON.stringify(["scheduleId", "=", created.id]))}`), "GET", DX).data;
    // Contoso's workstations (targetGroupFilter Workstations; laptops are portable devices): CONTOSO-WS001 alone.
    expect(rows.map((r: any) => r.computerId)).toEqual([6]);
    const s = await checked(rows[0].id);
    expect(s).toMatchObject({ scheduledId: created.id, createdBy: "Sandbox API", sessionJobArgs: { scheduledId: created.id, enqueuedSessionType: 3 } });
    const fired = sandbox().fireSchedule(created.id);
    t += 100;
    expect(await checked(fired[0]!)).toMatchObject({ createdBy: null, createdById: null, scheduledId: created.id });
  });
});
