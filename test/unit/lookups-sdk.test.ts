/**
 * The lookups as a program calls them (`sdk/lookups.ts`), in the program's process under Pulumi's mock monitor:
 * settings from stack config `immybot:*` or IMMYBOT_* variables, one shared client (one token) for every lookup,
 * the Output forms over Pulumi inputs (nothing asked while an input is unknown), and errors as plain messages
 * without secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { LookupError, getComputerOutput, getSoftware, getTag, getTagOutput, getTenant, getTenantOutput } from "../../sdk/lookups";
import { TEST_CLIENT_SECRET, TEST_TOKEN_PATH, caught, clientConfig, reply, useScriptedServer } from "../helpers/scripted-server";

const scripted = useScriptedServer();

beforeAll(() => {
  pulumi.runtime.setMocks({ newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: () => ({}) }, "immybot-test", "dev", true);
});

/** Stack config for the scripted server, as `pulumi config set` would give it. */
function stackConfig(overrides: Record<string, string | undefined> = {}): void {
  const get = clientConfig(scripted.server, overrides);
  const keys = ["baseUrl", "clientId", "clientSecret", "tokenUrl", "maxRetries", "retryMinDelayMs", "retryMaxDelayMs", "requestTimeoutMs"];
  const config: Record<string, string> = {};
  for (const k of keys) {
    const v = get(`immybot:${k}`);
    if (v !== undefined) config[`immybot:${k}`] = v;
  }
  pulumi.runtime.setAllConfig(config, ["immybot:clientSecret"]);
}

const savedEnv = { ...process.env };
afterEach(() => {
  pulumi.runtime.setAllConfig({});
  for (const k of Object.keys(process.env)) if (k.startsWith("IMMYBOT_") && !(k in savedEnv)) delete process.env[k];
});

function serveTenantsAndTags(): void {
  scripted.server
    .on(`POST ${TEST_TOKEN_PATH}`, reply.token({ prefix: "sdk-token" }))
    .on("GET /api/v1/tenants", reply.json(200, [{ id: 2, name: "Contoso", isMsp: false, active: true }, { id: 3, name: "Contoso Labs", isMsp: false, active: true }]))
    .on("GET /api/v1/tags", reply.json(200, [{ id: 1, name: "Canary" }]))
    .on("GET /api/v1/tags/1", reply.json(200, { id: 1, name: "Canary" }));
}

/** The value of an Output, or its error (Output#promise is what `pulumi up` awaits). */
function settled<T>(o: pulumi.Output<T>): Promise<T> {
  const internal = o as unknown as { promise(): Promise<T>; isKnown: Promise<boolean>; isSecret: Promise<boolean>; allResources?: () => Promise<unknown> };
  // An Output keeps several promises of the one value; a program run reports the failure once, so must a test.
  for (const p of [internal.isKnown, internal.isSecret, internal.allResources?.()]) p?.catch(() => undefined);
  return internal.promise();
}

describe("sdk lookups", () => {
  it("read stack config immybot:* and share one client: one token for every lookup", async () => {
    serveTenantsAndTags();
    stackConfig();
    const [tenant, tag] = await Promise.all([getTenant({ name: "contoso" }), getTag({ name: "Canary" })]);
    expect(tenant).toEqual({ id: 2, name: "Contoso", isMsp: false, active: true });
    expect(tag).toEqual({ id: 1, name: "Canary" });
    await getTenant({ name: "Contoso Labs" });
    expect(scripted.server.requestsTo(`POST ${TEST_TOKEN_PATH}`)).toHaveLength(1);
    expect(scripted.server.requestsTo("GET /api/v1/tenants").length).toBeGreaterThan(0);
    expect(scripted.server.requestsTo("GET /api/v1/tenants").every((r) => r.headers.authorization === "Bearer sdk-token-1")).toBe(true);
  });

  it("fall back to IMMYBOT_* environment variables", async () => {
    serveTenantsAndTags();
    const get = clientConfig(scripted.server);
    Object.assign(process.env, {
      IMMYBOT_BASE_URL: get("immybot:baseUrl"),
      IMMYBOT_CLIENT_ID: get("immybot:clientId"),
      IMMYBOT_CLIENT_SECRET: get("immybot:clientSecret"),
      IMMYBOT_TOKEN_URL: get("immybot:tokenUrl"),
    });
    expect(await getTag({ name: "canary" })).toEqual({ id: 1, name: "Canary" });
  });

  it("reject (never throw at the call) with every missing setting, and no secret in the message", async () => {
    pulumi.runtime.setAllConfig({ "immybot:clientSecret": TEST_CLIENT_SECRET }, ["immybot:clientSecret"]);
    const pending = getSoftware({ name: "7-Zip" });
    const e = await caught(pending);
    expect(e.message).toMatch(/configuration has \d+ problems/);
    expect(e.message).toContain("immybot:instance");
    expect(e.message).toContain("immybot:clientId");
    expect(e.message).not.toContain(TEST_CLIENT_SECRET);
    expect(pulumi.RunError.isInstance(e)).toBe(true);
    expect(scripted.server.requests).toEqual([]);
  });

  it("Output forms take Pulumi inputs and resolve to the item", async () => {
    serveTenantsAndTags();
    stackConfig();
    const name = pulumi.output(Promise.resolve("Contoso Labs"));
    const tenant = getTenantOutput({ name });
    expect(await settled(tenant.id)).toBe(3);
    expect(await settled(getTagOutput({ id: pulumi.output(1) }).name)).toBe("Canary");
  });

  it("Output forms ask nothing while an input is unknown (preview)", async () => {
    serveTenantsAndTags();
    stackConfig();
    const unknownName = pulumi.output(pulumi.unknown) as unknown as pulumi.Output<string>;
    const tenant = getTenantOutput({ name: unknownName });
    expect(await (tenant as unknown as { isKnown: Promise<boolean> }).isKnown).toBe(false);
    expect(scripted.server.requests).toEqual([]);
  });

  it("a failed lookup in an Output is the LookupError, with its plain message", async () => {
    serveTenantsAndTags();
    stackConfig();
    const e = await caught(settled(getTenantOutput({ name: "Contso" })));
    expect(e).toBeInstanceOf(LookupError);
    expect(e.message).toBe('No tenant named "Contso". Close matches: "Contoso" (id 2), "Contoso Labs" (id 3).');
    // Marked as Pulumi's RunError: `pulumi up` prints the message alone, no stack trace.
    expect(pulumi.RunError.isInstance(e)).toBe(true);
    expect((e as LookupError).code).toBe("IMMYBOT_LOOKUP_NONE");
  });

  it("a failed lookup feeding another fails it with the same error, without asking for it (reported once: by identity)", async () => {
    serveTenantsAndTags();
    stackConfig();
    const tenant = getTenantOutput({ name: "Contso" });
    const computer = getComputerOutput({ name: "CONTOSO-WS001", tenantId: tenant.id });
    const [fromTenant, fromComputer] = await Promise.all([caught(settled(tenant)), caught(settled(computer.id))]);
    expect(fromComputer).toBe(fromTenant);
    expect(fromComputer.message).toBe('No tenant named "Contso". Close matches: "Contoso" (id 2), "Contoso Labs" (id 3).');
    expect(pulumi.RunError.isInstance(fromComputer)).toBe(true);
    expect(scripted.server.requestsTo("GET /api/v1/tenants").length).toBeGreaterThan(0);
    expect(scripted.server.requests.filter((r) => r.path.includes("computers"))).toEqual([]);
  });

  it("server errors reach the program redacted", async () => {
    scripted.server
      .on(`POST ${TEST_TOKEN_PATH}`, reply.token())
      .on("GET /api/v1/tags", reply.json(500, { message: `boom with client_secret=${TEST_CLIENT_SECRET}` }));
    stackConfig({ maxRetries: "0" });
    const e = await caught(getTag({ name: "Canary" }));
    expect(e.message).toContain("500");
    expect(e.message).not.toContain(TEST_CLIENT_SECRET);
    expect(pulumi.RunError.isInstance(e)).toBe(true);
  });
});
