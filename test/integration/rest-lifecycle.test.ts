/**
 * The shared REST lifecycle (Schedule, Deployment) in-process against a scripted ImmyBot over real HTTP: every error
 * it throws carries a stable code, and a partial failure keeps the code of what failed along with the id.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { configure } from "../../provider/context";
import { parseInputs } from "../../provider/check";
import * as deployment from "../../provider/deployment";
import * as schedule from "../../provider/schedule";
import { caught, clientConfig, reply, useScriptedServer } from "../helpers/scripted-server";

const scripted = useScriptedServer();
const PROVIDER = "exports.handler = () => require('pulumi-immybot/dist/provider')";
const SCHEDULES = "/api/v1/schedules";
const DEPLOYMENTS = "/api/v1/target-assignments";

type Failure = Error & { code?: string; id?: string; properties?: Record<string, unknown> };

const weekly = { targetType: "AllForTenant", tenantId: 3, detectionTime: "20:00", executionTime: "22:00", dayOfWeek: "Saturday" };
const chrome = { software: { id: "303", desiredState: "LatestVersion" }, targetType: "AllForTenant", tenantId: 2, notes: "keep current" };
const PASSWORD = "rest-lifecycle-pa55word";
const bios = { task: { id: "7", mode: "Enforce" }, parameters: { AdminPassword: PASSWORD }, targetType: "Tag", target: "1", notes: "BIOS" };

/** Canonical inputs as the engine sends them to create and update. */
function inputs(model: typeof schedule.model | typeof deployment.model, args: Record<string, unknown>): Record<string, unknown> {
  const parsed = parseInputs(model as typeof schedule.model, args);
  expect(parsed.failures).toEqual([]);
  return { ...parsed.inputs, __provider: PROVIDER };
}

/** ImmyBot's answer for a schedule: the request body plus the fields the server adds. */
function scheduleAnswer(id: number, args: Record<string, unknown> = weekly): Record<string, unknown> {
  return { ...schedule.toWire(parseInputs(schedule.model, args).value!, id), createdDateUTC: "2026-11-20T10:00:00Z", updatedDateUTC: "2026-11-20T10:00:00Z", nextOccurenceDate: null };
}

/** ImmyBot's answer for a deployment: the request body as a LocalTargetAssignmentResource. */
function deploymentAnswer(id: number, args: Record<string, unknown>): Record<string, unknown> {
  const { softwareSemanticVersion, ...body } = deployment.toWire(parseInputs(deployment.model, args).value!, id);
  return { ...body, databaseType: 1, softwareSemanticVersionString: softwareSemanticVersion, notes: null, createdDateUTC: "2026-11-20T10:00:00Z", updatedDateUTC: "2026-11-20T10:00:00Z", updatedBy: "Pulumi" };
}

beforeEach(() => {
  configure({ get: clientConfig(scripted.server, { clientId: undefined, clientSecret: undefined, tokenUrl: undefined, accessToken: "rest-lifecycle-token-42", leftoverMinutes: "0" }) });
});

describe("REST lifecycle errors carry stable codes", () => {
  it("IMMYBOT_INVALID_ARGUMENTS for arguments that fail check, before any request", async () => {
    const e = (await caught(schedule.lifecycle.create({ ...weekly, executionTime: "20:30", __provider: PROVIDER }))) as Failure;
    expect(e.code).toBe("IMMYBOT_INVALID_ARGUMENTS");
    expect(e.message).toMatch(/^Invalid Schedule arguments: executionTime: /);
    const u = (await caught(schedule.lifecycle.update("12", inputs(schedule.model, weekly), { ...weekly, tenantId: 0 }))) as Failure;
    expect(u.code).toBe("IMMYBOT_INVALID_ARGUMENTS");
    expect(scripted.server.requests).toEqual([]);
  });

  it("IMMYBOT_INVALID_ID for an id that is not one of ImmyBot's, before any request", async () => {
    const e = (await caught(schedule.lifecycle.read("abc", {}))) as Failure;
    expect(e.code).toBe("IMMYBOT_INVALID_ID");
    expect(e.message).toBe('"abc" is not a Schedule id (a positive whole number)');
    expect(scripted.server.requests).toEqual([]);
  });

  it("IMMYBOT_ADOPT_MISSING when adoptId names no object, and nothing is created", async () => {
    scripted.server.on(`GET ${SCHEDULES}/99`, reply.json(404, { title: "Not Found", status: 404 }));
    const e = (await caught(schedule.lifecycle.create(inputs(schedule.model, { ...weekly, adoptId: "99" })))) as Failure;
    expect(e.code).toBe("IMMYBOT_ADOPT_MISSING");
    expect(e.message).toMatch(/^adoptId: ImmyBot has no schedule with id 99\./);
    expect(scripted.server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${SCHEDULES}/99`]);
  });

  it("IMMYBOT_UPDATE_GONE when the object was deleted outside Pulumi", async () => {
    scripted.server.on(`PUT ${SCHEDULES}/12`, reply.json(404, { title: "Not Found", status: 404 }));
    const e = (await caught(schedule.lifecycle.update("12", inputs(schedule.model, weekly), inputs(schedule.model, { ...weekly, disabled: true })))) as Failure;
    expect(e.code).toBe("IMMYBOT_UPDATE_GONE");
    expect(e.message).toMatch(/^Schedule 12 no longer exists in ImmyBot .*pulumi refresh/);
  });

  it("IMMYBOT_UNSUPPORTED_ITEM when a deployment holds an item this provider does not manage", async () => {
    scripted.server.on(`GET ${DEPLOYMENTS}/14`, reply.json(200, { ...deploymentAnswer(14, chrome), maintenanceType: 3, maintenanceIdentifier: "git" }));
    const e = (await caught(deployment.lifecycle.read("14", {}))) as Failure;
    expect(e.code).toBe("IMMYBOT_UNSUPPORTED_ITEM");
    expect(e.message).toMatch(/deploys a ChocolateySoftware item/);
  });

  it("a failure after the object exists keeps its id in state and the code of what failed", async () => {
    scripted.server.on(`POST ${DEPLOYMENTS}`, reply.json(200, deploymentAnswer(11, chrome)));
    scripted.server.on(`POST ${DEPLOYMENTS}/11/notes`, reply.json(500, { title: "Internal Server Error", status: 500 }));
    const e = (await caught(deployment.lifecycle.create(inputs(deployment.model, chrome)))) as Failure;
    expect(e.code).toBe("IMMYBOT_HTTP_500");
    expect(e.id).toBe("11");
    expect(e.properties).toMatchObject({ software: { id: "303" }, __provider: PROVIDER });
  });

  it("keeps the code when a secret is redacted from a partial failure's message", async () => {
    scripted.server.on(`POST ${DEPLOYMENTS}`, reply.json(200, deploymentAnswer(15, bios)));
    scripted.server.on(`POST ${DEPLOYMENTS}/15/notes`, reply.json(400, { title: `AdminPassword '${PASSWORD}' is too weak`, status: 400 }));
    const e = (await caught(deployment.lifecycle.create(inputs(deployment.model, bios)))) as Failure;
    expect(e.code).toBe("IMMYBOT_HTTP_400");
    expect(e.id).toBe("15");
    expect(e.message).toMatch(/is too weak/);
    expect(e.message).not.toContain(PASSWORD);
  });
});

describe("ImmyBot's answers are decoded, not cast", () => {
  it("a read whose answer lacks a field fails naming the route and the field", async () => {
    const { targetType: _t, ...broken } = scheduleAnswer(12);
    scripted.server.on(`GET ${SCHEDULES}/12`, reply.json(200, broken));
    const e = (await caught(schedule.lifecycle.read("12", {}))) as Failure;
    expect(e.code).toBe("IMMYBOT_UNEXPECTED_RESPONSE");
    expect(e.message).toBe(`ImmyBot GET ${SCHEDULES}/12 answered a schedule without targetType.`);
  });

  it("a create whose answer cannot be read keeps the new object's id in state, with the arguments", async () => {
    scripted.server.on(`POST ${SCHEDULES}`, reply.json(200, { ...scheduleAnswer(13), disabled: "no" }));
    const e = (await caught(schedule.lifecycle.create(inputs(schedule.model, weekly)))) as Failure;
    expect(e).toMatchObject({ code: "IMMYBOT_UNEXPECTED_RESPONSE", id: "13" });
    expect(e.message).toBe(`ImmyBot POST ${SCHEDULES} answered a schedule whose disabled is "no" (expected true or false).`);
    expect(e.properties).toMatchObject({ targetType: "AllForTenant", tenantId: 3, __provider: PROVIDER });
    expect(scripted.server.requestsTo(`POST ${SCHEDULES}`)).toHaveLength(1);
  });

  it("a create answered without an id is not sent again: the object is looked for, and the step says what to check", async () => {
    configure({ get: clientConfig(scripted.server, { clientId: undefined, clientSecret: undefined, tokenUrl: undefined, accessToken: "rest-lifecycle-token-42", leftoverMinutes: "0", requestTimeoutMs: "100" }) });
    scripted.server.on(`POST ${SCHEDULES}`, reply.json(200, {}));
    scripted.server.on(`GET ${SCHEDULES}`, reply.json(200, []));
    const e = (await caught(schedule.lifecycle.create(inputs(schedule.model, weekly)))) as Failure;
    expect(e.code).toBe("IMMYBOT_CREATE_UNCONFIRMED");
    expect(e.message).toMatch(/got no clear answer \(ImmyBot POST \/api\/v1\/schedules answered a schedule without id\.\)/);
    expect(scripted.server.requestsTo(`POST ${SCHEDULES}`)).toHaveLength(1);
    expect(scripted.server.requestsTo(`GET ${SCHEDULES}`).length).toBeGreaterThan(0);
  });
});
