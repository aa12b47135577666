/**
 * The sandbox against ImmyBot's own OpenAPI spec (May 2025, the committed subset): every JSON 200 body of every
 * route the sandbox serves must validate, and the validator itself must reject bodies that are wrong, so a
 * sandbox that drifts from the real API fails here. Error bodies (not in the spec) are checked against the
 * ProblemDetails / Entra shapes the real services send.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { SCHEDULE_FIELD_NAMES } from "../../sandbox/schedule-model";
import { createAjv, openApiToJsonSchema } from "../helpers/openapi";
import { PROBLEM_DETAILS, useSpecSandbox } from "../helpers/spec-sandbox";

const { spec, sandbox, call, expectSpecBody } = useSpecSandbox();

const LIST = "/api/v1/schedules";
const ONE = "/api/v1/schedules/{scheduleId}";
const TIMEZONES = "/api/v1/system/timezones";

/** A full CreateScheduleRequest, enums as the spec's integers (as the provider sends them). */
const weekly = {
  target: null,
  targetType: 21, // AllForTenant
  targetGroupFilter: 2, // Workstations
  targetCategory: 0, // Computer
  providerDeviceGroupType: null,
  providerClientGroupType: null,
  providerLinkId: null,
  tenantId: 3,
  propagateToChildTenants: false,
  customCronExpression: null,
  time: "20:00",
  day: 6,
  maintenanceTime: "22:00",
  disabled: false,
  sendDetectionEmail: true,
  sendDetectionEmailWhenAllActionsAreCompliant: false,
  sendFollowUpEmail: true,
  sendFollowUpOnlyIfActionNeeded: true,
  showRunNowButton: true,
  showPostponeButton: false,
  maintenanceType: 0, // GlobalSoftware
  maintenanceIdentifier: null,
  timeZoneInfoId: "Europe/Berlin",
  rebootPreference: -1, // Force
  promptTimeoutAction: 0, // Reboot
  autoConsentToReboots: false,
  promptTimeoutMinutes: 60,
  applyWindowsUpdates: true,
  showMaintenanceActions: true,
  allowAccessToMSPResources: false,
  allowAccessToParentTenant: false,
  offlineBehavior: 2, // ApplyOnConnect
  suppressRebootsDuringBusinessHours: true,
  useComputersTimezoneForExecution: false,
  scheduleExecutionAfterActiveHours: false,
};

/** Every operation the sandbox serves (spec path template -> verbs); the fixture holds exactly these. */
const SERVED: Record<string, string[]> = JSON.parse(readFileSync(join(__dirname, "../fixtures/sandbox-routes.json"), "utf8")).routes;

describe("spec fixture", () => {
  it("covers every route the sandbox serves, with only the verbs it serves", () => {
    const operations = Object.fromEntries(Object.entries(spec.doc.paths).map(([path, item]) => [path, Object.keys(item)]));
    expect(operations).toEqual(SERVED);
  });

  it("has the request fields the sandbox binds, no more and no fewer", () => {
    const create = spec.doc.components!.schemas!.CreateScheduleRequest!.properties as Record<string, unknown>;
    const update = spec.doc.components!.schemas!.UpdateScheduleRequest!.properties as Record<string, unknown>;
    expect([...SCHEDULE_FIELD_NAMES].sort()).toEqual(Object.keys(create).sort());
    expect(Object.keys(update).sort()).toEqual(["id", ...Object.keys(create)].sort());
  });

  it("takes the requests these tests send as the spec's request bodies", () => {
    expect(spec.validateRequest("POST", LIST, weekly).errors).toEqual([]);
    expect(spec.validateRequest("PUT", ONE, { ...weekly, id: 1 }).errors).toEqual([]);
    expect(spec.validateRequest("POST", LIST, { ...weekly, rebootPreference: "Force" }).errors.join("\n")).toMatch(/\/rebootPreference: must be integer/);
  });

  it("finds the spec's path template of a request path, a literal segment before a parameter", () => {
    expect(spec.templateOf("PUT", "/api/v1/schedules/42")).toBe(ONE);
    expect(spec.templateOf("POST", "/api/v1/target-assignments/target-preview")).toBe("/api/v1/target-assignments/target-preview");
    expect(spec.templateOf("GET", "/api/v1/target-assignments/7")).toBe("/api/v1/target-assignments/{id}");
    expect(spec.templateOf("POST", "/api/v1/target-assignments/7/notes")).toBe("/api/v1/target-assignments/{id}/notes");
    expect(spec.templateOf("PATCH", "/api/v1/schedules/42")).toBeUndefined();
    expect(spec.templateOf("GET", "/api/v1/nothing-here")).toBeUndefined();
  });
});

describe("sandbox responses validate against the spec", () => {
  let id: number;

  it("POST /api/v1/schedules (the spec's integer enums in) answers a GetScheduleResponse", async () => {
    const created = await call("POST", LIST, weekly);
    expectSpecBody(created, "POST", LIST);
    const body = created.json as Record<string, unknown>;
    id = body.id as number;
    expect(body).toMatchObject({ targetType: 21, targetGroupFilter: 2, rebootPreference: -1, offlineBehavior: 2, tenantId: 3 });
  });

  it("POST /api/v1/schedules with integers and a cron expression", async () => {
    const cron = { ...weekly, targetType: 1, tenantId: null, time: null, day: null, maintenanceTime: null, customCronExpression: "0 8 1,15 * *", offlineBehavior: 1 };
    expectSpecBody(await call("POST", LIST, cron), "POST", LIST);
  });

  it("POST /api/v1/schedules disabled (nextOccurenceDate null) with group type GUIDs", async () => {
    const group = {
      ...weekly,
      targetType: 22, // ProviderDeviceGroup
      target: "42",
      tenantId: 5,
      providerLinkId: 7,
      providerDeviceGroupType: "3FA85F64-5717-4562-B3FC-2C963F66AFA6",
      disabled: true,
      maintenanceTime: null,
      maintenanceType: 5, // LocalMaintenanceTask
      maintenanceIdentifier: "12",
    };
    expect(spec.validateRequest("POST", LIST, group).errors).toEqual([]);
    const answer = await call("POST", LIST, group);
    expectSpecBody(answer, "POST", LIST);
    expect(answer.json).toMatchObject({ nextOccurenceDate: null, providerDeviceGroupType: "3fa85f64-5717-4562-b3fc-2c963f66afa6" });
  });

  it("GET /api/v1/schedules and ?tenantId=", async () => {
    const all = await call("GET", LIST);
    expectSpecBody(all, "GET", LIST);
    expect((all.json as unknown[]).length).toBe(3);
    const one = await call("GET", `${LIST}?tenantId=3`);
    expectSpecBody(one, "GET", LIST);
    expect((one.json as { id: number }[]).map((s) => s.id)).toEqual([id]);
  });

  it("GET /api/v1/schedules/{scheduleId}", async () => {
    expectSpecBody(await call("GET", `${LIST}/${id}`), "GET", ONE);
  });

  it("PUT /api/v1/schedules/{scheduleId}", async () => {
    const answer = await call("PUT", `${LIST}/${id}`, { ...weekly, id, time: "18:00:00", rebootPreference: 2 });
    expectSpecBody(answer, "PUT", ONE);
    expect(answer.json).toMatchObject({ time: "18:00:00", rebootPreference: 2 });
  });

  it("GET /api/v1/system/timezones", async () => {
    const answer = await call("GET", TIMEZONES);
    expectSpecBody(answer, "GET", TIMEZONES);
    const ids = (answer.json as { id: string }[]).map((z) => z.id);
    expect(ids).toEqual(expect.arrayContaining(["UTC", "Europe/Berlin", "America/New_York"]));
  });

  it("DELETE /api/v1/schedules/{scheduleId}: the spec documents 200 without a body, and so does the sandbox", async () => {
    expect(spec.responseSchema("DELETE", ONE)).toBeUndefined();
    const answer = await call("DELETE", `${LIST}/${id}`);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe("");
  });
});

/** Entra's OAuth error body. */
const entraError = {
  type: "object",
  required: ["error", "error_description", "error_codes"],
  properties: {
    error: { type: "string" },
    error_description: { type: "string", pattern: "^AADSTS\\d+: " },
    error_codes: { type: "array", items: { type: "integer" } },
    timestamp: { type: "string" },
    trace_id: { type: "string" },
    correlation_id: { type: "string" },
    error_uri: { type: "string" },
  },
  additionalProperties: false,
};

describe("error answers", () => {
  const ajv = createAjv();
  const isProblem = ajv.compile(PROBLEM_DETAILS);
  const isEntraError = ajv.compile(entraError);

  it("400 for a request the server rejects is a ValidationProblemDetails with per-field messages", async () => {
    const answer = await call("POST", LIST, { ...weekly, maintenanceTime: "20:30" });
    expect(answer.status).toBe(400);
    expect(isProblem(answer.json), JSON.stringify(isProblem.errors)).toBe(true);
    expect(answer.json).toMatchObject({ status: 400, title: "One or more validation errors occurred.", errors: { MaintenanceTime: [expect.stringMatching(/within 1 hour/)] } });
  });

  it("400 for an enum sent by name (the spec types it as an integer) is a ValidationProblemDetails keyed by JSON path", async () => {
    const answer = await call("POST", LIST, { ...weekly, targetType: "AllForTenant" });
    expect(answer.status).toBe(400);
    expect(isProblem(answer.json), JSON.stringify(isProblem.errors)).toBe(true);
    expect(answer.json).toMatchObject({
      status: 400,
      errors: { "$.targetType": [expect.stringMatching(/^The JSON value could not be converted to TargetType \(an integer: .*\)\. Path: \$\.targetType\./)], request: ["The request field is required."] },
    });
  });

  it("404 for a missing schedule is a ProblemDetails", async () => {
    const answer = await call("GET", `${LIST}/987654`);
    expect(answer.status).toBe(404);
    expect(isProblem(answer.json), JSON.stringify(isProblem.errors)).toBe(true);
    expect(answer.json).toMatchObject({ status: 404, title: "Not Found" });
  });

  it("401 without a token has no body and a Bearer challenge", async () => {
    const res = await fetch(sandbox().info.baseUrl + LIST);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await res.text()).toBe("");
  });

  it("a token request with a wrong secret answers 401 with Entra's error body", async () => {
    const { info } = sandbox();
    const res = await fetch(info.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: info.clientId, client_secret: "wrong", scope: `${info.baseUrl}/.default` }),
    });
    const body = await res.json();
    expect(res.status).toBe(401);
    expect(isEntraError(body), JSON.stringify(isEntraError.errors)).toBe(true);
    expect(body).toMatchObject({ error: "invalid_client", error_codes: [7000215] });
  });

  it("a good token answer has Entra's fields", async () => {
    const { info } = sandbox();
    const res = await fetch(info.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: info.clientId, client_secret: info.clientSecret, scope: `${info.baseUrl}/.default` }),
    });
    expect(await res.json()).toEqual({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: expect.stringMatching(/^\S{20,}$/) });
  });
});

describe("the spec check can fail", () => {
  /** A response body the spec accepts, taken from the sandbox and then broken one way per test. */
  let good: Record<string, unknown>;

  beforeAll(async () => {
    good = (await call("POST", LIST, weekly)).json as Record<string, unknown>;
    expect(spec.validateSchema("GetScheduleResponse", good).errors).toEqual([]);
  });

  it.each([
    ["a field the May-2025 spec lacks (schedule name)", { name: "Weekly" }, /additional properties \(name\)/],
    ["an enum as a name instead of its integer", { targetType: "AllForTenant" }, /\/targetType: must be integer/],
    ["an integer outside the enum", { rebootPreference: 7 }, /\/rebootPreference: must be equal to one of the allowed values/],
    ["null where the spec does not allow it", { disabled: null }, /\/disabled: must be boolean/],
    ["providerLink null (its $ref is not nullable)", { providerLink: null }, /\/providerLink/],
    ["a date that is not a date-time", { createdDateUTC: "yesterday" }, /\/createdDateUTC: must match format "date-time"/],
    ["a GUID that is not a uuid", { providerDeviceGroupType: "not-a-guid" }, /\/providerDeviceGroupType: must match format "uuid"/],
  ])("rejects %s", (_what, change, message) => {
    const result = spec.validateResponse("GET", ONE, { ...good, ...change });
    expect(result.valid).toBe(false);
    expect(result.errors.join("\n")).toMatch(message);
  });

  it("rejects a list whose item is wrong, and a list that is not an array", () => {
    expect(spec.validateResponse("GET", LIST, [good, { ...good, id: "1" }]).errors.join("\n")).toMatch(/^\/1\/id: must be integer/m);
    expect(spec.validateResponse("GET", LIST, good).valid).toBe(false);
  });

  it("accepts null where the spec says nullable, which the converter must spell as a null type", () => {
    expect(spec.validateResponse("GET", ONE, { ...good, nextOccurenceDate: null, tenantId: null, time: null }).errors).toEqual([]);
    expect(openApiToJsonSchema({ type: "integer", format: "int32", nullable: true })).toEqual({ type: ["integer", "null"], format: "int32" });
    expect(openApiToJsonSchema({ $ref: "#/components/schemas/X", nullable: true })).toEqual({
      anyOf: [{ $ref: "immybot-openapi-components#/definitions/X" }, { type: "null" }],
    });
  });
});
