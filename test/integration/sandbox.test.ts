/**
 * The sandbox's own behaviour over real HTTP on 127.0.0.1: Entra-style tokens, the bearer check, the wire format
 * of schedules (integer enums in and out; names only with acceptEnumNames), the server's 400 rules, 404/405/SPA answers, state that
 * survives a restart, fault injection, the observability helpers, and the CLI.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Sandbox, SandboxValidationError, type SandboxOptions } from "../../sandbox/server";
import { useSandboxCli } from "../helpers/sandbox-cli";
import { api, tokenFor as tokenForInfo, useSandboxes, type Answer } from "../helpers/sandbox-http";
import { useTempDir } from "../helpers/temp-dir";

const LIST = "/api/v1/schedules";

/** A valid weekly schedule, enums as the spec's integers; tests change one thing at a time. */
const weekly: Record<string, unknown> = {
  targetType: 21, // AllForTenant
  tenantId: 3,
  targetCategory: 0, // Computer
  targetGroupFilter: 0, // All
  time: "20:00",
  day: 6,
  maintenanceTime: "22:00",
  timeZoneInfoId: "Europe/Berlin",
  maintenanceType: 0, // GlobalSoftware
  rebootPreference: -1, // Force
  promptTimeoutAction: 0, // Reboot
  offlineBehavior: 1, // Skip
};

const start = useSandboxes();

function tokenForm(sandbox: Sandbox, overrides: Record<string, string | undefined> = {}): URLSearchParams {
  const fields: Record<string, string | undefined> = {
    grant_type: "client_credentials",
    client_id: sandbox.info.clientId,
    client_secret: sandbox.info.clientSecret,
    scope: `${sandbox.info.baseUrl}/.default`,
    ...overrides,
  };
  return new URLSearchParams(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined));
}

async function requestToken(sandbox: Sandbox, overrides: Record<string, string | undefined> = {}, url = sandbox.info.tokenUrl) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: tokenForm(sandbox, overrides) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function tokenFor(sandbox: Sandbox): Promise<string> {
  const { status, body } = await requestToken(sandbox);
  expect(status).toBe(200);
  return body.access_token as string;
}


/** A sandbox with a token, for the many tests that only need to call the API. */
async function ready(options: SandboxOptions = {}): Promise<{ sandbox: Sandbox; call: (method: string, path: string, body?: unknown, init?: RequestInit) => Promise<Answer> }> {
  const sandbox = await start(options);
  const token = await tokenFor(sandbox);
  return { sandbox, call: (method, path, body, init) => api(sandbox, token, method, path, body, init) };
}

describe("token endpoint", () => {
  it("issues an opaque bearer token for the right client credentials and scope", async () => {
    const sandbox = await start();
    expect(sandbox.info.tokenUrl).toBe(`${sandbox.info.baseUrl}/${sandbox.info.azureTenantId}/oauth2/v2.0/token`);
    expect(sandbox.info.azureTenantId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const { status, body } = await requestToken(sandbox);
    expect(status).toBe(200);
    expect(body).toEqual({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: expect.any(String) });
    expect(sandbox.issuedTokens()).toEqual([body.access_token]);
    expect((await api(sandbox, body.access_token as string, "GET", LIST)).status).toBe(200);
  });

  it("uses the configured credentials, tenant and token lifetime", async () => {
    const sandbox = await start({ clientId: "my-client", clientSecret: "s3cret", azureTenantId: "11111111-2222-3333-4444-555555555555", tokenLifetimeSeconds: 60 });
    expect(sandbox.info).toMatchObject({ clientId: "my-client", clientSecret: "s3cret", azureTenantId: "11111111-2222-3333-4444-555555555555" });
    expect((await requestToken(sandbox)).body).toMatchObject({ expires_in: 60, ext_expires_in: 60 });
  });

  it.each([
    ["a wrong secret", { client_secret: "nope" }, 401, "invalid_client", 7000215],
    ["no secret", { client_secret: undefined }, 401, "invalid_client", 7000218],
    ["no grant_type", { grant_type: undefined }, 400, "invalid_request", 900144],
    ["another grant_type", { grant_type: "password" }, 400, "unsupported_grant_type", 70003],
    ["an unknown client id", { client_id: "00000000-0000-0000-0000-000000000000" }, 400, "unauthorized_client", 700016],
    ["no scope", { scope: undefined }, 400, "invalid_request", 900144],
    ["a scope without /.default", { scope: "https://example.immy.bot" }, 400, "invalid_scope", 1002012],
    ["the api://{clientId} scope some clients use", { scope: "api://whatever/.default" }, 400, "invalid_resource", 500011],
  ])("refuses %s like Entra", async (_what, overrides, status, error, code) => {
    const sandbox = await start();
    const answer = await requestToken(sandbox, overrides);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ error, error_codes: [code], error_description: expect.stringMatching(new RegExp(`^AADSTS${code}: `)) });
    expect(sandbox.issuedTokens()).toEqual([]);
  });

  it("refuses another tenant in the URL and a form sent as JSON", async () => {
    const sandbox = await start();
    const otherTenant = sandbox.info.tokenUrl.replace(sandbox.info.azureTenantId, "00000000-0000-0000-0000-000000000000");
    expect((await requestToken(sandbox, {}, otherTenant)).body).toMatchObject({ error: "invalid_request", error_codes: [90002] });
    const asJson = await fetch(sandbox.info.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(Object.fromEntries(tokenForm(sandbox))),
    });
    expect(asJson.status).toBe(400);
    expect(await asJson.json()).toMatchObject({ error: "invalid_request", error_description: expect.stringContaining("'grant_type'") });
  });
});

describe("bearer check", () => {
  it("answers 401 with an empty body and a Bearer challenge for a missing, unknown or malformed token", async () => {
    const sandbox = await start();
    for (const authorization of [undefined, "Bearer not-a-token", "Basic abc", "Bearer"]) {
      const res = await fetch(sandbox.info.baseUrl + LIST, { headers: authorization ? { authorization } : {} });
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await res.text()).toBe("");
    }
  });

  it("refuses a token once it has expired, by the sandbox's clock", async () => {
    let now = new Date("2025-06-01T10:00:00Z");
    const sandbox = await start({ now: () => now });
    const token = await tokenFor(sandbox);
    now = new Date("2025-06-01T10:59:58Z");
    expect((await api(sandbox, token, "GET", LIST)).status).toBe(200);
    now = new Date("2025-06-01T11:00:00Z");
    const expired = await api(sandbox, token, "GET", LIST);
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token", error_description="The token expired/);
  });

  it("refuses every token after revokeTokens(), and a new token works", async () => {
    const sandbox = await start();
    const token = await tokenFor(sandbox);
    sandbox.revokeTokens();
    expect((await api(sandbox, token, "GET", LIST)).status).toBe(401);
    expect((await api(sandbox, await tokenFor(sandbox), "GET", LIST)).status).toBe(200);
  });

  it("checks the token on every implemented /api/ route", async () => {
    const sandbox = await start();
    for (const [method, path] of [["GET", LIST], ["POST", LIST], ["GET", `${LIST}/1`], ["PUT", `${LIST}/1`], ["DELETE", `${LIST}/1`], ["GET", "/api/v1/system/timezones"]]) {
      expect((await api(sandbox, null, method!, path!, method === "POST" || method === "PUT" ? weekly : undefined)).status, `${method} ${path}`).toBe(401);
    }
  });
});

describe("schedules on the wire", () => {
  it("binds enums as integers, as the spec types them, and answers integers", async () => {
    const { call } = await ready();
    const byInt = await call("POST", LIST, { ...weekly, targetGroupFilter: 4 });
    expect(byInt.status, byInt.text).toBe(200);
    expect(byInt.json).toMatchObject({ targetType: 21, targetCategory: 0, targetGroupFilter: 4, maintenanceType: 0, rebootPreference: -1, promptTimeoutAction: 0, offlineBehavior: 1 });
  });

  it("refuses enums sent by name or as numeric strings with ASP.NET's 400, keyed by JSON path, and stores nothing", async () => {
    const { sandbox, call } = await ready();
    for (const [field, value] of [["rebootPreference", "Force"], ["rebootPreference", "force"], ["targetType", "AllForTenant"], ["targetGroupFilter", "4"], ["offlineBehavior", 1.5]] as const) {
      const answer = await call("POST", LIST, { ...weekly, [field]: value });
      expect(answer.status, `${field}: ${JSON.stringify(value)}`).toBe(400);
      expect(answer.json).toMatchObject({ type: "https://tools.ietf.org/html/rfc9110#section-15.5.1", title: "One or more validation errors occurred.", status: 400, traceId: expect.any(String) });
      expect(Object.keys(answer.json.errors).sort()).toEqual([`$.${field}`, "request"]);
      const [message] = answer.json.errors[`$.${field}`];
      expect(message).toMatch(/^The JSON value could not be converted to \w+ \(an integer: one of .*; enums are sent as numbers, not names\)\. /);
      expect(message).toContain(`Path: $.${field}. Got ${JSON.stringify(value)}.`);
    }
    const put = await call("PUT", `${LIST}/1`, { ...weekly, id: 1, maintenanceType: "GlobalSoftware" });
    expect(put.json.errors["$.maintenanceType"]).toEqual([expect.stringMatching(/MaintenanceType \(an integer: one of GlobalSoftware \(0\)/)]);
    expect(sandbox.schedules()).toEqual([]);
  });

  it("with acceptEnumNames also binds names in any case and numeric strings, as some live instances do (API notes §1.7)", async () => {
    const { call } = await ready({ acceptEnumNames: true });
    const byName = await call("POST", LIST, { ...weekly, targetType: "allfortenant", targetGroupFilter: "workstationsAndPortableDevices", rebootPreference: "FORCE", offlineBehavior: "Skip" });
    const byText = await call("POST", LIST, { ...weekly, targetGroupFilter: "4", rebootPreference: "-1" });
    const byInt = await call("POST", LIST, { ...weekly, targetGroupFilter: 4 });
    for (const answer of [byName, byText, byInt]) {
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json).toMatchObject({ targetType: 21, targetCategory: 0, targetGroupFilter: 4, maintenanceType: 0, rebootPreference: -1, promptTimeoutAction: 0, offlineBehavior: 1 });
    }
    const unknown = await call("POST", LIST, { ...weekly, targetType: "Everything" });
    expect(unknown.json.errors["$.targetType"]).toEqual([expect.stringMatching(/TargetType \(one of All \(1\), Computer \(2\).*by name or integer\)/)]);
    // A member check does not depend on the option.
    expect((await call("POST", LIST, { ...weekly, targetType: 3 })).json.errors.TargetType).toEqual([expect.stringMatching(/targetType 3 is not a TargetType/)]);
  });

  it("echoes every request field and adds the server's fields, and nothing the May-2025 spec lacks", async () => {
    const now = new Date("2025-03-29T12:00:00Z");
    const { call } = await ready({ now: () => now });
    const answer = await call("POST", LIST, { ...weekly, time: "20:00:00", target: null, promptTimeoutMinutes: 15 });
    expect(answer.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(answer.json).toMatchObject({
      id: 1,
      time: "20:00:00",
      maintenanceTime: "22:00",
      day: 6,
      timeZoneInfoId: "Europe/Berlin",
      promptTimeoutMinutes: 15,
      createdDateUTC: "2025-03-29T12:00:00.000Z",
      updatedDateUTC: "2025-03-29T12:00:00.000Z",
      createdBy: 1,
      updatedBy: 1,
      updatedByName: "Sandbox API",
      onboardingOnly: false,
      targetMissing: false,
      tenantMissing: false,
      targetTypeMissing: false,
      targetScopeName: "Single Tenant",
      targetGroupFilterName: "All",
      nextOccurenceDate: "2025-03-29T19:00:00.000Z", // Saturday 20:00 in Berlin (CET, +01:00)
    });
    expect(answer.json).not.toHaveProperty("name");
    expect(answer.json).not.toHaveProperty("providerLink");
    expect((await call("POST", LIST, weekly)).json.id).toBe(2);
  });

  it("names the scope: Cross Tenant without a tenant, Single Tenant with one, Individual for a computer", async () => {
    const { call } = await ready();
    expect((await call("POST", LIST, { ...weekly, targetType: 1, tenantId: null })).json.targetScopeName).toBe("Cross Tenant"); // All
    expect((await call("POST", LIST, { ...weekly, targetType: 30, target: "5" })).json.targetScopeName).toBe("Single Tenant"); // Tag
    expect((await call("POST", LIST, { ...weekly, targetType: 2, target: "42" })).json).toMatchObject({ targetScopeName: "Individual", targetText: "Computer: 42" });
  });

  it("computes nextOccurenceDate in the schedule's time zone, across DST, from cron, and null when disabled", async () => {
    const now = new Date("2025-03-29T12:00:00Z"); // Saturday; Europe moves clocks forward on Sunday 30 March
    const { call } = await ready({ now: () => now });
    const next = async (changes: Record<string, unknown>) => {
      const answer = await call("POST", LIST, { ...weekly, ...changes });
      expect(answer.status, answer.text).toBe(200);
      return answer.json.nextOccurenceDate;
    };
    expect(await next({ day: null, time: "13:30", maintenanceTime: null })).toBe("2025-03-29T12:30:00.000Z");
    expect(await next({ day: null, time: "12:30", maintenanceTime: null })).toBe("2025-03-30T10:30:00.000Z"); // after the change: CEST
    expect(await next({ day: null, time: "02:30", maintenanceTime: null })).toBe("2025-03-30T01:30:00.000Z"); // 02:30 never happens; moved on to 03:30 CEST
    expect(await next({ day: 1, time: "09:00", timeZoneInfoId: "America/New_York" })).toBe("2025-03-31T13:00:00.000Z");
    expect(await next({ day: 6, time: "11:00", timeZoneInfoId: null })).toBe("2025-04-05T11:00:00.000Z"); // null = UTC; today's 11:00 is past
    expect(await next({ time: null, day: null, maintenanceTime: null, customCronExpression: "0 8 1,15 * *", timeZoneInfoId: "UTC" })).toBe("2025-04-01T08:00:00.000Z");
    expect(await next({ time: null, day: null, maintenanceTime: null, customCronExpression: "30 6 * * MON-FRI" })).toBe("2025-03-31T04:30:00.000Z");
    expect(await next({ time: null, day: null, maintenanceTime: null, customCronExpression: "0 0 29 2 *", timeZoneInfoId: "UTC" })).toBe("2028-02-29T00:00:00.000Z");
    expect(await next({ disabled: true })).toBeNull();
  });

  it("lists all schedules or one tenant's, with ?tenantId= (any case)", async () => {
    const { call } = await ready();
    await call("POST", LIST, weekly);
    await call("POST", LIST, { ...weekly, tenantId: 4 });
    await call("POST", LIST, { ...weekly, targetType: 1, tenantId: null });
    expect((await call("GET", LIST)).json.map((s: { id: number }) => s.id)).toEqual([1, 2, 3]);
    expect((await call("GET", `${LIST}?tenantId=4`)).json.map((s: { id: number }) => s.id)).toEqual([2]);
    expect((await call("GET", `${LIST}?TenantId=3`)).json.map((s: { id: number }) => s.id)).toEqual([1]);
    expect((await call("GET", `${LIST}?tenantId=`)).json).toHaveLength(3);
    expect((await call("GET", `${LIST}?tenantId=abc`)).json.errors).toEqual({ tenantId: ["The value 'abc' is not valid."] });
  });

  it("PUT replaces the whole schedule: fields left out take .NET zero values", async () => {
    const { call } = await ready();
    const created = (await call("POST", LIST, { ...weekly, sendDetectionEmail: true, promptTimeoutMinutes: 30, target: "x" })).json;
    const { tenantId: _dropped, ...withoutTenant } = weekly;
    const updated = await call("PUT", `${LIST}/${created.id}`, { ...withoutTenant, id: created.id, targetType: 1, rebootPreference: 1 });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.json).toMatchObject({ id: created.id, tenantId: null, sendDetectionEmail: false, promptTimeoutMinutes: 0, target: null, rebootPreference: 1, createdDateUTC: created.createdDateUTC });
    expect((await call("GET", `${LIST}/${created.id}`)).json).toEqual(updated.json);
  });

  it("DELETE answers 200 with no body, then the schedule is gone (404 on GET, PUT and DELETE)", async () => {
    const { call } = await ready();
    const id = (await call("POST", LIST, weekly)).json.id;
    const deleted = await call("DELETE", `${LIST}/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.headers.get("content-length")).toBe("0");
    expect(deleted.text).toBe("");
    for (const [method, body] of [["GET"], ["PUT", { ...weekly, id }], ["DELETE"]] as const) {
      const answer = await call(method, `${LIST}/${id}`, body);
      expect(answer.status, method).toBe(404);
      expect(answer.json).toMatchObject({ type: "https://tools.ietf.org/html/rfc9110#section-15.5.5", title: "Not Found", status: 404 });
    }
  });

  it("matches routes without regard to case or a trailing slash, like ASP.NET", async () => {
    const { call } = await ready();
    expect((await call("POST", "/API/V1/Schedules/", weekly)).status).toBe(200);
    expect((await call("GET", "/api/v1/schedules/1/")).json.id).toBe(1);
  });
});

describe("400 answers", () => {
  /** POST `changes` over the weekly schedule; returns the ValidationProblemDetails errors. */
  async function rejected(call: Awaited<ReturnType<typeof ready>>["call"], changes: Record<string, unknown>, path = LIST, method = "POST") {
    const answer = await call(method, path, { ...weekly, ...changes });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.json).toMatchObject({ type: "https://tools.ietf.org/html/rfc9110#section-15.5.1", title: "One or more validation errors occurred.", status: 400 });
    return answer.json.errors as Record<string, string[]>;
  }

  it.each([
    ["an enum by name", { targetType: "All" }, "$.targetType", /TargetType \(an integer: one of All \(1\), Computer \(2\)/],
    ["an enum integer that is not a member", { targetType: 3 }, "TargetType", /targetType 3 is not a TargetType; send one of All \(1\)/],
    ["an enum left out (offlineBehavior has no 0)", { offlineBehavior: undefined }, "OfflineBehavior", /offlineBehavior 0 is not a ComputerOfflineMaintenanceSessionBehavior; send one of Skip \(1\), ApplyOnConnect \(2\)/],
    ["a field the API does not have", { name: "Weekly" }, "$.name", /could not be mapped/],
    ["a value of the wrong JSON type", { disabled: "yes" }, "$.disabled", /System\.Boolean/],
    ["a malformed GUID", { providerDeviceGroupType: "abc" }, "$.providerDeviceGroupType", /System\.Guid/],
    ["a time that is not HH:mm", { time: "8pm" }, "Time", /"8pm" is not a time of day; use 24-hour HH:mm or HH:mm:ss/],
    ["an execution time that is not HH:mm", { maintenanceTime: "24:00" }, "MaintenanceTime", /"24:00" is not a time of day/],
    ["no detection time and no cron", { time: null }, "Time", /time .* is required when customCronExpression is not set/],
    ["execution within an hour after detection", { time: "20:00", maintenanceTime: "20:59" }, "MaintenanceTime", /within 1 hour after the detection time 20:00; .*\(21:00 or later\), or set maintenanceTime to null/],
    ["execution within an hour after detection, across midnight", { time: "23:30", maintenanceTime: "00:15" }, "MaintenanceTime", /within 1 hour/],
    ["execution at the detection time", { time: "20:00", maintenanceTime: "20:00:00" }, "MaintenanceTime", /within 1 hour/],
    ["a day outside 0..6", { day: 7 }, "Day", /use 0 \(Sunday\) to 6 \(Saturday\), or null/],
    ["an unknown time zone", { timeZoneInfoId: "Mars/Olympus_Mons" }, "TimeZoneInfoId", /not a known IANA time zone id/],
    ["a time zone in the wrong case", { timeZoneInfoId: "europe/berlin" }, "TimeZoneInfoId", /did you mean "Europe\/Berlin"/],
    ["a cron with 6 fields", { time: null, day: null, maintenanceTime: null, customCronExpression: "0 0 8 * * *" }, "CustomCronExpression", /has 6 field\(s\)/],
    ["a cron that runs hourly", { time: null, day: null, maintenanceTime: null, customCronExpression: "0 */2 * * *" }, "CustomCronExpression", /hour field "\*\/2" uses \* , - or \//],
    ["a cron that runs twice an hour", { time: null, day: null, maintenanceTime: null, customCronExpression: "0,30 8 * * *" }, "CustomCronExpression", /minute field "0,30"/],
    ["a cron with a bad day field", { time: null, day: null, maintenanceTime: null, customCronExpression: "0 8 32 * *" }, "CustomCronExpression", /day-of-month field "32"/],
    ["a cron together with time and day", { customCronExpression: "0 8 * * 1", maintenanceTime: null }, "CustomCronExpression", /but time and day are set too/],
    ["a metascript target", { targetType: 5 }, "TargetType", /cannot target a metascript/],
    ["a tenant metascript target", { targetType: 20 }, "TargetType", /cannot target a metascript/],
    ["AllForTenant without a tenant", { tenantId: null }, "TenantId", /AllForTenant needs the tenant/],
    ["an item with a maintenance type that has none", { maintenanceIdentifier: "7", maintenanceType: 2 }, "MaintenanceType", /needs a software or task maintenanceType/],
  ])("for %s", async (_what, changes, field, message) => {
    const { sandbox, call } = await ready();
    const errors = await rejected(call, changes);
    expect(Object.keys(errors)).toContain(field);
    expect(errors[field]!.join("\n")).toMatch(message);
    expect(sandbox.schedules()).toEqual([]);
  });

  it("accepts the edge cases next to those rules", async () => {
    const { call } = await ready();
    for (const changes of [
      { time: "20:00", maintenanceTime: "21:00" }, // exactly one hour
      { time: "23:30", maintenanceTime: "00:30" },
      { maintenanceTime: null }, // execute right after detection
      { time: "20:00:30", maintenanceTime: "22:00:00", day: 0 },
      { timeZoneInfoId: "UTC" },
      { timeZoneInfoId: null },
      { maintenanceIdentifier: "7", maintenanceType: 5 }, // LocalMaintenanceTask
      { time: null, day: null, maintenanceTime: null, customCronExpression: "05 22 * JAN-MAR,DEC sun" },
      { promptTimeoutAction: 3 }, // unnamed member the May-2025 spec lists
    ]) {
      const answer = await call("POST", LIST, { ...weekly, ...changes });
      expect(answer.status, `${JSON.stringify(changes)}: ${answer.text}`).toBe(200);
    }
  });

  it("reports binding errors the ASP.NET way, with the request parameter marked missing", async () => {
    const { call } = await ready();
    const errors = await rejected(call, { id: 5 });
    expect(errors).toEqual({ "$.id": [expect.stringMatching(/could not be mapped/)], request: ["The request field is required."] });
  });

  it("refuses a body that is not JSON, an empty body, and a JSON array", async () => {
    const { call } = await ready();
    const broken = await call("POST", LIST, "{not json");
    expect(broken.status).toBe(400);
    expect(broken.json.errors.$[0]).toMatch(/not valid JSON/);
    const empty = await call("POST", LIST, "");
    expect(empty.status).toBe(400);
    expect(empty.json.errors[""]).toEqual(["A non-empty request body is required."]);
    const array = await call("POST", LIST, "[]");
    expect(array.json.errors.$[0]).toMatch(/expected an object/);
  });

  it("answers 415 for a body sent as text/plain", async () => {
    const sandbox = await start();
    const token = await tokenFor(sandbox);
    const res = await fetch(sandbox.info.baseUrl + LIST, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" }, body: JSON.stringify(weekly) });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ status: 415, title: "Unsupported Media Type" });
  });

  it("refuses a PUT whose body id differs from the path id, and a path id that is not an integer", async () => {
    const { call } = await ready();
    const id = (await call("POST", LIST, weekly)).json.id;
    const mismatch = await rejected(call, { id: id + 1 }, `${LIST}/${id}`, "PUT");
    expect(mismatch).toEqual({ Id: [`The id in the body (${id + 1}) must equal the schedule id in the path (${id}).`] });
    const missingId = await rejected(call, {}, `${LIST}/${id}`, "PUT");
    expect(missingId.Id![0]).toMatch(/body \(0\)/);
    expect((await call("GET", `${LIST}/abc`)).json.errors).toEqual({ scheduleId: ["The value 'abc' is not valid."] });
  });
});

describe("routes the sandbox does not implement", () => {
  it("answers 200 text/html with the SPA's index for unknown paths, /api/ included, with or without a token", async () => {
    const { sandbox, call } = await ready();
    for (const path of ["/api/v1/deployments/1", "/api/v1/maintenance-sessions?computerId=1", "/", "/settings/schedules"]) {
      const answer = await call("GET", path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(answer.text).toMatch(/^<!doctype html>[\s\S]*<div id="app"><\/div>/);
    }
    expect((await api(sandbox, null, "POST", "/api/v1/target-assignments/global/create", {})).status).toBe(200);
  });

  it("answers 405 with Allow for a wrong verb on a known route", async () => {
    const { call } = await ready();
    const patch = await call("PATCH", `${LIST}/1`, {});
    expect(patch.status).toBe(405);
    expect(patch.headers.get("allow")).toBe("GET, PUT, DELETE");
    expect((await call("DELETE", LIST)).headers.get("allow")).toBe("GET, POST");
    expect((await call("POST", "/api/v1/system/timezones", {})).status).toBe(405);
  });
});

describe("time zones", () => {
  it("lists IANA ids with .NET-style display names, UTC included", async () => {
    const { call } = await ready();
    const zones = (await call("GET", "/api/v1/system/timezones")).json as { id: string; displayName: string }[];
    expect(zones.length).toBeGreaterThan(300);
    expect(zones).toContainEqual({ id: "UTC", displayName: "(UTC) Coordinated Universal Time" });
    expect(zones.find((z) => z.id === "Europe/Berlin")!.displayName).toMatch(/^\(UTC\+01:00\) .*\(Berlin\)$/);
    expect(zones.find((z) => z.id === "America/New_York")!.displayName).toMatch(/^\(UTC-05:00\) .*\(New York\)$/);
    expect(new Set(zones.map((z) => z.id)).size).toBe(zones.length);
  });
});

describe("state file", () => {
  const tempPath = useTempDir("immybot-sandbox-");

  it("survives a restart: schedules, ids, credentials and unexpired tokens", async () => {
    const stateFile = tempPath("nested", "state.json");
    const first = await start({ stateFile });
    expect(existsSync(stateFile)).toBe(true);
    const token = await tokenFor(first);
    await api(first, token, "POST", LIST, weekly);
    await api(first, token, "POST", LIST, { ...weekly, tenantId: 9 });
    await api(first, token, "DELETE", `${LIST}/1`);
    const before = first.schedules();
    const info = first.info;
    await first.stop();

    const second = await start({ stateFile });
    expect(second.info).toMatchObject({ clientId: info.clientId, clientSecret: info.clientSecret, azureTenantId: info.azureTenantId });
    expect(second.schedules().map((s) => ({ ...s, nextOccurenceDate: null }))).toEqual(before.map((s) => ({ ...s, nextOccurenceDate: null })));
    expect((await api(second, token, "GET", `${LIST}/2`)).json.tenantId).toBe(9);
    const third = await api(second, await tokenFor(second), "POST", LIST, weekly);
    expect(third.json.id).toBe(3);
    expect(readdirSync(tempPath("nested"))).toEqual(["state.json"]); // no temp files left behind
    expect(JSON.parse(readFileSync(stateFile, "utf8"))).toMatchObject({ version: 1, nextScheduleId: 4, schedules: [{ id: 2 }, { id: 3 }] });
  });

  it("writes each committed change before answering", async () => {
    const stateFile = tempPath("eager.json");
    const { call } = await ready({ stateFile });
    await call("POST", LIST, weekly);
    expect(JSON.parse(readFileSync(stateFile, "utf8")).schedules).toHaveLength(1);
    await call("PUT", `${LIST}/1`, { ...weekly, id: 1, time: "19:00" });
    expect(JSON.parse(readFileSync(stateFile, "utf8")).schedules[0].time).toBe("19:00");
  });

  it("lets given credentials win over stored ones", async () => {
    const stateFile = tempPath("creds.json");
    await (await start({ stateFile })).stop();
    const again = await start({ stateFile, clientSecret: "rotated" });
    expect(again.info.clientSecret).toBe("rotated");
    expect(JSON.parse(readFileSync(stateFile, "utf8")).credentials.clientSecret).toBe("rotated");
  });

  it("refuses to start on a file it cannot read, rather than overwrite it", async () => {
    const stateFile = tempPath("corrupt.json");
    writeFileSync(stateFile, "{ not json");
    await expect(Sandbox.start({ stateFile })).rejects.toThrow(/not valid JSON/);
    expect(readFileSync(stateFile, "utf8")).toBe("{ not json");
  });
});

/** A request that must fail at the network level (no HTTP answer). */
async function expectNoAnswer(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toThrow(/fetch failed|aborted|timeout/i);
}

describe("fault injection", () => {
  it("scripts a 429 with Retry-After; the request is not handled, the next one is", async () => {
    const { sandbox, call } = await ready();
    sandbox.faults.script({ method: "POST", path: LIST, fault: "429", retryAfterSeconds: 7 });
    const limited = await call("POST", LIST, weekly);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(sandbox.schedules()).toEqual([]);
    expect((await call("POST", LIST, weekly)).status).toBe(200);
    expect(sandbox.requests.filter((r) => r.path === LIST).map((r) => [r.status, r.fault])).toEqual([[429, "429"], [200, undefined]]);
    expect(sandbox.faults.pending()).toEqual([]);
  });

  it.each([
    ["500", "application/json; charset=utf-8"],
    ["502", "text/html"],
    ["503", "text/html"],
    ["504", "text/html"],
  ] as const)("scripts a %s (body %s) without handling the request", async (fault, contentType) => {
    const { sandbox, call } = await ready();
    sandbox.faults.script({ fault });
    const answer = await call("POST", LIST, weekly);
    expect(answer.status).toBe(Number(fault));
    expect(answer.headers.get("content-type")).toBe(contentType);
    expect(sandbox.schedules()).toEqual([]);
  });

  it("resets the connection before handling: nothing is committed", async () => {
    const { sandbox, call } = await ready();
    sandbox.faults.script({ method: "POST", fault: "reset" });
    await expectNoAnswer(call("POST", LIST, weekly));
    expect(sandbox.schedules()).toEqual([]);
    expect(sandbox.requests.at(-1)).toMatchObject({ method: "POST", path: LIST, status: null, fault: "reset" });
    expect((await call("GET", LIST)).status).toBe(200);
  });

  it("resets the connection after committing: the schedule exists although the client got no answer", async () => {
    const { sandbox, call } = await ready();
    sandbox.faults.script({ method: "POST", path: LIST, fault: "reset-after-commit" });
    await expectNoAnswer(call("POST", LIST, weekly));
    expect(sandbox.schedules()).toHaveLength(1);
    expect(sandbox.schedules()[0]).toMatchObject({ id: 1, targetType: 21 });
    expect(sandbox.requests.at(-1)).toMatchObject({ status: null, fault: "reset-after-commit" });
  });

  it("holds a slow answer past the client's timeout; the work is already committed", async () => {
    const { sandbox, call } = await ready();
    sandbox.faults.script({ method: "PUT", fault: "slow", delayMs: 1500 });
    await call("POST", LIST, weekly);
    const began = Date.now();
    await expectNoAnswer(call("PUT", `${LIST}/1`, { ...weekly, id: 1, time: "18:00" }, { signal: AbortSignal.timeout(200) }));
    expect(Date.now() - began).toBeLessThan(1000);
    expect(sandbox.schedule(1)!.time).toBe("18:00");
    expect(sandbox.requests.at(-1)).toMatchObject({ method: "PUT", status: null, fault: "slow" });
  });

  it("delivers a slow answer to a patient client", async () => {
    const { sandbox, call } = await ready();
    sandbox.faults.script({ fault: "slow", delayMs: 300 });
    const began = Date.now();
    const answer = await call("GET", LIST);
    expect(answer.status).toBe(200);
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
    expect(sandbox.requests.at(-1)).toMatchObject({ status: 200, fault: "slow" });
  });

  it("adds latency to /api/ requests only (not to the token endpoint unless asked)", async () => {
    const { sandbox, call } = await ready({ faults: { latencyMs: 250 } });
    let began = Date.now();
    await call("GET", LIST);
    expect(Date.now() - began).toBeGreaterThanOrEqual(240);
    began = Date.now();
    await tokenFor(sandbox);
    expect(Date.now() - began).toBeLessThan(200);
    sandbox.faults.set({ latencyMs: 250, faultsOnToken: true });
    began = Date.now();
    await tokenFor(sandbox);
    expect(Date.now() - began).toBeGreaterThanOrEqual(240);
  });

  it("consumes scripted faults in order, only on matching requests, `times` times", async () => {
    const { sandbox, call } = await ready();
    await call("POST", LIST, weekly);
    sandbox.faults.script(
      { method: "DELETE", fault: "503" },
      { path: /^\/api\/v1\/schedules\/\d+$/, fault: "429", times: 2 },
      { fault: "500" },
    );
    expect((await call("GET", LIST)).status).toBe(500); // only the catch-all matches a list GET
    expect((await call("GET", `${LIST}/1`)).status).toBe(429);
    expect(sandbox.faults.pending()).toEqual([
      { method: "DELETE", fault: "503", times: 1 },
      { path: /^\/api\/v1\/schedules\/\d+$/, fault: "429", times: 1 },
    ]);
    expect((await call("DELETE", `${LIST}/1`)).status).toBe(503); // the DELETE entry comes first
    expect((await call("DELETE", `${LIST}/1`)).status).toBe(429);
    expect((await call("DELETE", `${LIST}/1`)).status).toBe(200);
    expect(sandbox.faults.pending()).toEqual([]);
  });

  it("leaves the token endpoint alone unless a scripted fault names its path", async () => {
    const { sandbox } = await ready();
    sandbox.faults.script({ fault: "503" });
    expect((await requestToken(sandbox)).status).toBe(200);
    expect(sandbox.faults.pending()).toHaveLength(1);
    sandbox.faults.clear();
    sandbox.faults.script({ path: new URL(sandbox.info.tokenUrl).pathname, fault: "429" });
    const res = await fetch(sandbox.info.tokenUrl, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: tokenForm(sandbox) });
    expect(res.status).toBe(429);
  });

  it("draws random faults from a seeded generator: the same seed gives the same faults", async () => {
    const { sandbox, call } = await ready();
    const run = async (): Promise<number[]> => {
      sandbox.faults.set({ rate429: 0.3, rate5xx: 0.2, status5xx: 502, seed: 1234 });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await call("GET", LIST)).status);
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const count = (status: number) => first.filter((s) => s === status).length;
    expect(count(429)).toBeGreaterThan(4);
    expect(count(502)).toBeGreaterThan(2);
    expect(count(200)).toBeGreaterThan(10);
    expect(count(429) + count(502) + count(200)).toBe(40);
    sandbox.faults.clear();
    expect((await call("GET", LIST)).status).toBe(200);
  });

  it("applies every random kind at rate 1, and refuses rates outside 0..1", async () => {
    const { sandbox, call } = await ready({ faults: { rateResetAfterCommit: 1 } });
    await expectNoAnswer(call("POST", LIST, weekly));
    expect(sandbox.schedules()).toHaveLength(1);
    sandbox.faults.set({ rateReset: 1 });
    await expectNoAnswer(call("POST", LIST, weekly));
    expect(sandbox.schedules()).toHaveLength(1);
    sandbox.faults.set({ rateSlow: 1, slowMs: 200 });
    const began = Date.now();
    expect((await call("GET", LIST)).status).toBe(200);
    expect(Date.now() - began).toBeGreaterThanOrEqual(190);
    expect(() => sandbox.faults.set({ rate429: 1.5 })).toThrow(RangeError);
    expect(() => sandbox.faults.script({ fault: "418" as never })).toThrow(RangeError);
  });

  it("stops promptly while a slow answer is pending", async () => {
    const sandbox = await Sandbox.start();
    const token = await tokenFor(sandbox);
    sandbox.faults.script({ fault: "slow", delayMs: 60_000 });
    const pending = api(sandbox, token, "GET", LIST).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const began = Date.now();
    await sandbox.stop();
    expect(Date.now() - began).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe("observability and out-of-band edits", () => {
  it("logs every request with method, path, query, status and time; counts token requests", async () => {
    const { sandbox, call } = await ready();
    const before = Date.now();
    await call("GET", `${LIST}?tenantId=3`);
    await requestToken(sandbox, { client_secret: "wrong" });
    const log = sandbox.requests;
    expect(log.map((r) => [r.method, r.path, r.status])).toEqual([
      ["POST", new URL(sandbox.info.tokenUrl).pathname, 200],
      ["GET", LIST, 200],
      ["POST", new URL(sandbox.info.tokenUrl).pathname, 401],
    ]);
    expect(log[1]!.query).toEqual({ tenantId: "3" });
    expect(log[1]!.at).toBeGreaterThanOrEqual(before);
    expect(sandbox.tokenRequests).toBe(2);
    sandbox.clearRequests();
    expect(sandbox.requests).toEqual([]);
    expect(sandbox.tokenRequests).toBe(0);
  });

  it("keeps request bodies in the log only with recordBodies, and only for /api/ routes (never the token form)", async () => {
    const plain = await ready();
    await plain.call("POST", LIST, weekly);
    expect(plain.sandbox.requests.filter((r) => r.path.startsWith("/api/")).map((r) => `${r.method} ${r.path}`)).toEqual([`POST ${LIST}`]);
    expect(plain.sandbox.requests.every((r) => r.body === undefined)).toBe(true);

    const recording = await ready({ recordBodies: true });
    const sent = JSON.stringify({ ...weekly, tenantId: 4 });
    await recording.call("POST", LIST, sent);
    await recording.call("GET", LIST);
    const log = recording.sandbox.requests;
    expect(log.map((r) => [r.method, r.path === LIST ? "api" : "token", r.body])).toEqual([
      ["POST", "token", undefined],
      ["POST", "api", sent],
      ["GET", "api", ""],
    ]);
  });

  it("schedules() returns exactly what GET returns", async () => {
    const now = new Date("2025-03-29T12:00:00Z");
    const { sandbox, call } = await ready({ now: () => now });
    await call("POST", LIST, weekly);
    expect(sandbox.schedules()).toEqual((await call("GET", LIST)).json);
  });

  it("editSchedule() changes fields like a person in the UI: validated, names or integers, audit fields bumped", async () => {
    let now = new Date("2025-03-29T12:00:00Z");
    const { sandbox, call } = await ready({ now: () => now });
    await call("POST", LIST, weekly);
    now = new Date("2025-03-29T12:30:00Z"); // within the token's hour
    const edited = sandbox.editSchedule(1, { rebootPreference: "Suppress", time: "18:00" });
    expect(edited).toMatchObject({ rebootPreference: 1, time: "18:00", maintenanceTime: "22:00", updatedBy: 2, updatedByName: "Sandbox UI", updatedDateUTC: now.toISOString() });
    expect((await call("GET", `${LIST}/1`)).json).toEqual(edited);
    expect(() => sandbox.editSchedule(1, { maintenanceTime: "18:30" })).toThrow(SandboxValidationError);
    expect(() => sandbox.editSchedule(1, { name: "x" } as never)).toThrow(/could not be mapped/);
    expect(() => sandbox.editSchedule(99, {})).toThrow(/no schedule 99/);
    expect(sandbox.schedule(1)!.maintenanceTime).toBe("22:00");
  });

  it("createSchedule() and deleteSchedule() work out of band; snapshot() is a detached copy", async () => {
    const { sandbox, call } = await ready();
    // The out-of-band helpers take enum names (any case) even where the HTTP API takes integers only.
    const created = sandbox.createSchedule({ ...weekly, targetType: "AllForTenant", rebootPreference: "force" });
    expect(created).toMatchObject({ id: 1, createdBy: 2, targetType: 21, rebootPreference: -1 });
    expect((await call("GET", `${LIST}/1`)).status).toBe(200);
    const snapshot = sandbox.snapshot();
    expect(snapshot).toMatchObject({ version: 1, nextScheduleId: 2, credentials: { clientId: sandbox.info.clientId }, schedules: [{ id: 1 }] });
    snapshot.schedules.length = 0;
    expect(sandbox.schedules()).toHaveLength(1);
    expect(sandbox.deleteSchedule(1)).toBe(true);
    expect(sandbox.deleteSchedule(1)).toBe(false);
    expect((await call("GET", `${LIST}/1`)).status).toBe(404);
  });

  it("refuses to listen anywhere but loopback", async () => {
    await expect(Sandbox.start({ host: "0.0.0.0" })).rejects.toThrow(/loopback/);
  });
});

describe("CLI", () => {
  const cli = useSandboxCli();
  const tempPath = useTempDir("immybot-sandbox-cli-");

  it("prints the connection details as one JSON line first, serves them, and stops on SIGTERM", async () => {
    const { info, nextLine, stop } = await cli.start(["--port", "0", "--client-id", "cli-client", "--client-secret", "cli-secret"]);
    expect(Object.keys(info).sort()).toEqual(["azureTenantId", "baseUrl", "clientId", "clientSecret", "tokenUrl"]);
    expect(info).toMatchObject({ clientId: "cli-client", clientSecret: "cli-secret", baseUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expect(await nextLine()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    const token = await fetch(info.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: "cli-client", client_secret: "cli-secret", scope: `${info.baseUrl}/.default` }),
    });
    expect(token.status).toBe(200);
    expect(await stop()).toBe(0);
  });

  it("applies fault flags and keeps state in --state", async () => {
    const stateFile = tempPath("state.json");
    const { child, info, exit } = await cli.start(["--state", stateFile, "--rate-429", "1", "--retry-after-seconds", "3"]);
    const res = await fetch(`${info.baseUrl}${LIST}`);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3");
    expect(JSON.parse(readFileSync(stateFile, "utf8")).credentials.clientSecret).toBe(info.clientSecret);
    child.kill("SIGINT");
    expect(await exit).toBe(0);
  });

  it("exits when stdin closes with --exit-on-stdin-close", async () => {
    const { child, exit } = await cli.start(["--exit-on-stdin-close"]);
    child.stdin!.end();
    expect(await exit).toBe(0);
  });

  it("binds enum names in request bodies only with --accept-enum-names", async () => {
    for (const [args, status] of [[[], 400], [["--accept-enum-names"], 200]] as const) {
      const started = await cli.start([...args]);
      const bearer = await tokenForInfo(started.info);
      const answer = await api(started.info.baseUrl, bearer, "POST", LIST, { ...weekly, rebootPreference: "Force" });
      expect(answer.status, `${args.join(" ")}: ${answer.text}`).toBe(status);
      expect(await started.stop()).toBe(0);
    }
  });

  it("refuses unknown flags and bad numbers with exit code 2 and the usage", async () => {
    for (const args of [["--bogus"], ["--rate-429", "lots"], ["--status-5xx", "418"]]) {
      const { exit, stderr } = cli.launch(args);
      expect(await exit, args.join(" ")).toBe(2);
      expect(stderr()).toMatch(/Usage: pulumi-immybot sandbox/);
    }
  });
});
