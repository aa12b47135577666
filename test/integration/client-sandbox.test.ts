/**
 * The client against the ImmyBot sandbox: Entra-style token, a schedule round trip (POST, GET, PUT, DELETE, then
 * 404), and injected faults (429, reset, gateway 503, revoked token) handled as the retry policy says.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ImmyBotClient, ImmyBotHttpError, ImmyBotTransportError, closeAll, resolveSettings } from "../../provider/client";
import { Sandbox } from "../../sandbox/server";

let sandbox: Sandbox;
let client: ImmyBotClient;

/** A CreateScheduleRequest with enums as the spec's integers, as the provider sends it. */
const weekly = {
  targetType: 21, // AllForTenant
  targetGroupFilter: 2, // Workstations
  targetCategory: 0, // Computer
  tenantId: 3,
  time: "20:00",
  day: 6,
  maintenanceTime: "22:00",
  maintenanceType: 0, // GlobalSoftware
  timeZoneInfoId: "Europe/Berlin",
  rebootPreference: 0, // Normal
  promptTimeoutAction: 0, // Reboot
  promptTimeoutMinutes: 60,
  offlineBehavior: 2, // ApplyOnConnect
};

interface Schedule {
  id: number;
  time: string;
  maintenanceTime: string;
  tenantId: number;
}

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0 });
});
afterAll(async () => {
  await closeAll();
  await sandbox.stop();
});

function connect(): ImmyBotClient {
  const { baseUrl, tokenUrl, clientId, clientSecret, azureTenantId } = sandbox.info;
  const config: Record<string, string> = {
    "immybot:baseUrl": baseUrl,
    "immybot:tokenUrl": tokenUrl,
    "immybot:azureTenantId": azureTenantId,
    "immybot:clientId": clientId,
    "immybot:clientSecret": clientSecret,
    "immybot:retryMinDelayMs": "1",
    "immybot:retryMaxDelayMs": "10",
  };
  return new ImmyBotClient(resolveSettings((k) => config[k], {}));
}

beforeAll(() => {
  client = connect();
});
afterEach(() => {
  expect(sandbox.faults.pending()).toEqual([]); // every scripted fault was hit
  sandbox.faults.clear();
  sandbox.clearRequests();
});

/** Status codes the sandbox answered for requests to `path`, in order (null = reset). */
function answered(method: string, path: string): (number | null)[] {
  return sandbox.requests.filter((r) => r.method === method && r.path === path).map((r) => r.status);
}

describe("client against the sandbox", () => {
  it("gets a token for the instance scope and runs a schedule through POST, GET, PUT, DELETE", async () => {
    const created = (await client.post<Schedule>("/api/v1/schedules", weekly)) as Schedule;
    expect(created).toMatchObject({ tenantId: 3 });
    const path = `/api/v1/schedules/${created.id}`;

    expect(await client.get<Schedule>(path)).toMatchObject({ id: created.id, tenantId: 3 });
    const listed = await client.get<Schedule[]>("/api/v1/schedules", { tenantId: 3 });
    expect(listed.map((s) => s.id)).toContain(created.id);

    const updated = await client.put<Schedule>(path, { ...weekly, id: created.id, time: "21:00", maintenanceTime: "23:00" });
    expect(updated).toMatchObject({ id: created.id });
    expect(updated.maintenanceTime).toMatch(/^23:00/);

    await client.delete(path);
    const gone = await client.get(path).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ImmyBotHttpError);
    expect((gone as ImmyBotHttpError).isNotFound).toBe(true);
    expect(client.stats().tokenRequests).toBe(1);
  });

  it("surfaces the sandbox's validation message", async () => {
    const err = await client.post("/api/v1/schedules", { ...weekly, time: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImmyBotHttpError);
    expect((err as ImmyBotHttpError).status).toBe(400);
    expect((err as ImmyBotHttpError).message).toMatch(/^ImmyBot POST \/api\/v1\/schedules failed: 400 Bad Request: .*Time: /);
  });

  it("retries an injected 429, a gateway 503 and a reset on idempotent requests", async () => {
    const created = (await client.post<Schedule>("/api/v1/schedules", weekly)) as Schedule;
    const path = `/api/v1/schedules/${created.id}`;
    sandbox.faults.script(
      { method: "GET", path, fault: "429", retryAfterSeconds: 0 },
      { method: "GET", path, fault: "503" },
      { method: "PUT", path, fault: "reset" },
    );
    expect(await client.get<Schedule>(path)).toMatchObject({ id: created.id });
    expect(answered("GET", path)).toEqual([429, 503, 200]);
    await client.put(path, { ...weekly, id: created.id });
    expect(answered("PUT", path)).toEqual([null, 200]);
    await client.delete(path);
  });

  it("sends a POST once even when the connection is reset after the server committed it", async () => {
    const before = sandbox.schedules().length;
    sandbox.faults.script({ method: "POST", path: "/api/v1/schedules", fault: "reset-after-commit" });
    const err = await client.post("/api/v1/schedules", weekly).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImmyBotTransportError);
    expect((err as ImmyBotTransportError).maybeProcessed).toBe(true);
    expect(answered("POST", "/api/v1/schedules")).toEqual([null]);
    expect(sandbox.schedules()).toHaveLength(before + 1); // committed once, not twice
  });

  it("renews the token once after the sandbox revokes it", async () => {
    const tokensBefore = client.stats().tokenRequests;
    sandbox.revokeTokens();
    expect(Array.isArray(await client.get("/api/v1/schedules"))).toBe(true);
    expect(answered("GET", "/api/v1/schedules")).toEqual([401, 200]);
    expect(client.stats().tokenRequests).toBe(tokensBefore + 1);
  });

  it("never puts an issued token or the client secret into an error", async () => {
    sandbox.faults.script({ method: "GET", path: "/api/v1/schedules/999999", fault: "500" });
    const err = (await client.get("/api/v1/schedules/999999").catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ImmyBotHttpError);
    const text = `${err.message}\n${JSON.stringify(err)}\n${err.stack}`;
    expect(sandbox.issuedTokens().length).toBeGreaterThan(0);
    for (const secret of [...sandbox.issuedTokens(), sandbox.info.clientSecret]) expect(text).not.toContain(secret);
  });
});
