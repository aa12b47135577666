/**
 * Tokens over real HTTP on 127.0.0.1: the client-credentials form, one token for many callers, renewal before
 * expiry (injected clock), one renewal on 401, pre-issued tokens, and token endpoint failures.
 */
import { describe, expect, it } from "vitest";
import { ImmyBotAuthError, ImmyBotClient, clientFor, resolveSettings, type Settings } from "../../provider/client";
import { TEST_CLIENT_SECRET, TEST_TOKEN_PATH, clientConfig, reply, caught, useScriptedServer } from "../helpers/scripted-server";

const scripted = useScriptedServer();
const TOKEN_ROUTE = `POST ${TEST_TOKEN_PATH}`;
const ITEM = "GET /api/v1/schedules/7";

function settings(overrides: Record<string, string | undefined> = {}): Settings {
  return resolveSettings(clientConfig(scripted.server, overrides), {});
}

function bearerOf(index: number, route = ITEM): string | undefined {
  return scripted.server.requestsTo(route)[index]?.headers.authorization;
}

/** Every text a caller could see of an error: message, fields, JSON and cause chain. */
function visible(e: unknown): string {
  const err = e as Error & { cause?: unknown };
  return [err.message, JSON.stringify(err), String(err.stack), err.cause instanceof Error ? err.cause.message : ""].join("\n");
}


describe("client credentials", () => {
  it("posts the form to the token URL and sends the token as a bearer header", async () => {
    scripted.server.on(TOKEN_ROUTE, reply.token()).on(ITEM, reply.json(200, { id: 7 }));
    const client = clientFor(settings());
    expect(await client.get(`/api/v1/schedules/7`)).toEqual({ id: 7 });

    const [tokenRequest] = scripted.server.requestsTo(TOKEN_ROUTE);
    expect(tokenRequest?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(tokenRequest?.body))).toEqual({
      grant_type: "client_credentials",
      client_id: "test-client",
      client_secret: TEST_CLIENT_SECRET,
      scope: `${scripted.server.url}/.default`,
    });
    expect(bearerOf(0)).toBe("Bearer token-1");
  });

  it("shares one token request among concurrent callers and caches the token", async () => {
    scripted.server.on(TOKEN_ROUTE, reply.delay(30, reply.token())).on(ITEM, reply.json(200, { id: 7 }));
    const client = clientFor(settings());
    await Promise.all(Array.from({ length: 10 }, () => client.get("/api/v1/schedules/7")));
    await client.get("/api/v1/schedules/7");
    expect(scripted.server.requestsTo(TOKEN_ROUTE)).toHaveLength(1);
    expect(client.stats()).toMatchObject({ tokenRequests: 1, requests: 11 });
    expect(new Set(scripted.server.requestsTo(ITEM).map((r) => r.headers.authorization))).toEqual(new Set(["Bearer token-1"]));
  });

  it("gives every caller with the same settings the same client, hence one token per credential set", async () => {
    scripted.server.on(TOKEN_ROUTE, reply.token()).on(ITEM, reply.json(200, { id: 7 }));
    const a = clientFor(settings());
    const b = clientFor(settings()); // resolved again: another object, same fingerprint
    expect(b).toBe(a);
    await Promise.all([a.get("/api/v1/schedules/7"), b.get("/api/v1/schedules/7")]);
    expect(scripted.server.requestsTo(TOKEN_ROUTE)).toHaveLength(1);
    expect(clientFor(settings({ clientId: "another-app" }))).not.toBe(a);
  });

  it("renews 5 minutes before expiry of a 1-hour token", async () => {
    scripted.server.on(TOKEN_ROUTE, reply.token({ expiresIn: 3600 })).on(ITEM, reply.json(200, { id: 7 }));
    let now = 1_000_000;
    const client = new ImmyBotClient(settings(), { clock: () => now });
    await client.get("/api/v1/schedules/7");
    now += (3600 - 300) * 1000 - 1;
    await client.get("/api/v1/schedules/7");
    expect(scripted.server.requestsTo(TOKEN_ROUTE)).toHaveLength(1);
    now += 1;
    await client.get("/api/v1/schedules/7");
    expect(scripted.server.requestsTo(TOKEN_ROUTE)).toHaveLength(2);
    expect(bearerOf(2)).toBe("Bearer token-2");
  });

  it("renews a short token when 10% of its lifetime is left (expires_in as a string)", async () => {
    scripted.server.on(TOKEN_ROUTE, reply.token({ expiresIn: "600" })).on(ITEM, reply.json(200, { id: 7 }));
    let now = 0;
    const client = new ImmyBotClient(settings(), { clock: () => now });
    await client.get("/api/v1/schedules/7");
    now = 539_999;
    await client.get("/api/v1/schedules/7");
    expect(client.stats().tokenRequests).toBe(1);
    now = 540_000;
    await client.get("/api/v1/schedules/7");
    expect(client.stats().tokenRequests).toBe(2);
  });

  it("on 401 drops the token, fetches a new one once and repeats the request once", async () => {
    scripted.server.on(TOKEN_ROUTE, reply.token()).on(ITEM, reply.json(401, { message: "token expired" }), reply.json(200, { id: 7 }));
    const client = clientFor(settings());
    expect(await client.get("/api/v1/schedules/7")).toEqual({ id: 7 });
    expect(scripted.server.requestsTo(ITEM).map((r) => r.headers.authorization)).toEqual(["Bearer token-1", "Bearer token-2"]);
    expect(client.stats()).toMatchObject({ tokenRequests: 2, requests: 2 });
  });

  it("repeats a POST once after a 401 too (nothing was applied)", async () => {
    scripted.server.on(TOKEN_ROUTE, reply.token()).on("POST /api/v1/schedules", reply.status(401), reply.json(200, { id: 8 }));
    expect(await clientFor(settings()).post("/api/v1/schedules", { name: "x" })).toEqual({ id: 8 });
    expect(scripted.server.requestsTo("POST /api/v1/schedules")).toHaveLength(2);
  });

  it("throws ImmyBotAuthError when the renewed token is refused as well, naming the ImmyBot-side fix", async () => {
    scripted.server.on(TOKEN_ROUTE, reply.token({ prefix: "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.sig" })).on(ITEM, (req, res) => {
      // a scripted.server that echoes the header it got must not leak it through the error
      reply.json(401, { message: `Bearer token rejected: ${req.headers.authorization}` })(req, res);
    });
    const err = await caught(clientFor(settings()).get("/api/v1/schedules/7"));
    expect(err).toBeInstanceOf(ImmyBotAuthError);
    expect(err).toMatchObject({ code: "IMMYBOT_AUTH", status: 401, method: "GET", path: "/api/v1/schedules/7" });
    expect(err.message).toContain("also with a newly issued token");
    expect(err.message).toContain("AD External ID");
    expect(scripted.server.requestsTo(ITEM)).toHaveLength(2);
    expect(scripted.server.requestsTo(TOKEN_ROUTE)).toHaveLength(2);
    for (const token of ["eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.sig-1", "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.sig-2", TEST_CLIENT_SECRET]) {
      expect(visible(err)).not.toContain(token);
    }
  });
});

describe("pre-issued access token", () => {
  const TOKEN = "pre-issued-opaque-token-0123456789";

  it("is sent as is, with no token request", async () => {
    scripted.server.on(ITEM, reply.json(200, { id: 7 }));
    const client = clientFor(settings({ clientSecret: undefined, clientId: undefined, tokenUrl: undefined, accessToken: TOKEN }));
    await client.get("/api/v1/schedules/7");
    expect(bearerOf(0)).toBe(`Bearer ${TOKEN}`);
    expect(scripted.server.requestsTo(TOKEN_ROUTE)).toHaveLength(0);
    expect(client.stats().tokenRequests).toBe(0);
  });

  it("a 401 is an ImmyBotAuthError that says how to fix it, after one request, without the token", async () => {
    scripted.server.on(ITEM, (req, res) => reply.json(401, JSON.stringify(`invalid token ${TOKEN}`))(req, res));
    const client = clientFor(settings({ clientSecret: undefined, clientId: undefined, tokenUrl: undefined, accessToken: TOKEN }));
    const err = await caught(client.get("/api/v1/schedules/7"));
    expect(err).toBeInstanceOf(ImmyBotAuthError);
    expect(err.message).toContain("immybot:accessToken / IMMYBOT_ACCESS_TOKEN) was rejected");
    expect(err.message).toContain("pulumi config set --secret immybot:accessToken");
    expect(err.message).toContain("invalid token [REDACTED]");
    expect(visible(err)).not.toContain(TOKEN);
    expect(scripted.server.requestsTo(ITEM)).toHaveLength(1);
  });
});

describe("token endpoint failures", () => {
  it("turns Entra's error into an ImmyBotAuthError with its code, description and a fix, never the secret", async () => {
    scripted.server.on(
      TOKEN_ROUTE,
      reply.json(401, {
        error: "invalid_client",
        error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID. Received ${TEST_CLIENT_SECRET}\r\nTrace ID: t\r\nCorrelation ID: c`,
        error_codes: [7000215],
      }),
    );
    const err = await caught(clientFor(settings()).get("/api/v1/schedules/7"));
    expect(err).toBeInstanceOf(ImmyBotAuthError);
    expect(err).toMatchObject({ code: "IMMYBOT_AUTH", status: 401, method: "POST" });
    expect(err.message).toContain(`token request to ${scripted.server.url}${TEST_TOKEN_PATH} failed: 401 Unauthorized: invalid_client: AADSTS7000215`);
    expect(err.message).toContain("immybot:clientSecret");
    expect(visible(err)).not.toContain(TEST_CLIENT_SECRET);
    expect(scripted.server.requestsTo(TOKEN_ROUTE)).toHaveLength(1); // 401 is not retried
    expect(scripted.server.requestsTo(ITEM)).toHaveLength(0);
  });

  it("retries the token request on 503 and on a reset, like an idempotent request", async () => {
    scripted.server.on(TOKEN_ROUTE, reply.status(503), reply.reset(), reply.token()).on(ITEM, reply.json(200, { id: 7 }));
    const client = clientFor(settings());
    expect(await client.get("/api/v1/schedules/7")).toEqual({ id: 7 });
    expect(client.stats().tokenRequests).toBe(3);
  });

  it("refuses a 200 without a usable token", async () => {
    scripted.server.on(TOKEN_ROUTE, reply.text(200, "<html>sign in</html>", "text/html"));
    const err = await caught(clientFor(settings()).get("/api/v1/schedules/7"));
    expect(err).toBeInstanceOf(ImmyBotAuthError);
    expect(err.message).toContain("without a usable token");
  });

  it("lets the next caller try again after a failed token request", async () => {
    scripted.server.on(TOKEN_ROUTE, reply.json(400, { error: "invalid_request" }), reply.token()).on(ITEM, reply.json(200, { id: 7 }));
    const client = clientFor(settings());
    await expect(client.get("/api/v1/schedules/7")).rejects.toBeInstanceOf(ImmyBotAuthError);
    expect(await client.get("/api/v1/schedules/7")).toEqual({ id: 7 });
  });
});
