/**
 * Retries, timeouts, connection reuse and the concurrency bound, over real HTTP on 127.0.0.1. The settings shrink
 * backoff to 1-5 ms; only the Retry-After test waits the server's full second.
 */
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { ImmyBotHttpError, ImmyBotTransportError, clientFor, resolveSettings, type ImmyBotClient } from "../../provider/client";
import { clientConfig, reply, caught, useScriptedServer } from "../helpers/scripted-server";

const scripted = useScriptedServer();
const TOKEN = "transport-test-token-0123456789";
const ITEM = "GET /api/v1/schedules/7";

/** A client with a pre-issued token, so the scripted.server sees API requests only. */
function client(overrides: Record<string, string | undefined> = {}): ImmyBotClient {
  return clientFor(resolveSettings(clientConfig(scripted.server, { clientId: undefined, clientSecret: undefined, tokenUrl: undefined, accessToken: TOKEN, ...overrides }), {}));
}


describe("retries of idempotent requests", () => {
  it("honours Retry-After (seconds) on 429", async () => {
    scripted.server.on(ITEM, reply.json(429, { message: "slow down" }, { "retry-after": "1" }), reply.json(200, { id: 7 }));
    const c = client();
    expect(await c.get("/api/v1/schedules/7")).toEqual({ id: 7 });
    const [first, second] = scripted.server.requestsTo(ITEM);
    // backoff alone would be 1-5 ms; the scripted.server asked for a second
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(c.stats()).toMatchObject({ requests: 2, retries: 1 });
  });

  it("backs off without Retry-After and retries 503 until it succeeds", async () => {
    scripted.server.on(ITEM, reply.status(503), reply.status(502), reply.status(504), reply.json(200, { id: 7 }));
    const c = client();
    expect(await c.get("/api/v1/schedules/7")).toEqual({ id: 7 });
    expect(scripted.server.requestsTo(ITEM)).toHaveLength(4);
    expect(c.stats()).toMatchObject({ requests: 4, retries: 3 });
  });

  it("gives up after maxRetries and surfaces the last answer with the server's message", async () => {
    scripted.server.on(ITEM, reply.json(503, { title: "Service Unavailable", detail: "database failover in progress" }));
    const err = await caught(client({ maxRetries: "2" }).get("/api/v1/schedules/7"));
    expect(err).toBeInstanceOf(ImmyBotHttpError);
    expect(err).toMatchObject({ code: "IMMYBOT_HTTP_503", status: 503, attempts: 3, serverMessage: "Service Unavailable: database failover in progress" });
    expect(err.message).toBe("ImmyBot GET /api/v1/schedules/7 failed: 503 Service Unavailable: Service Unavailable: database failover in progress (after 3 attempts)");
    expect(scripted.server.requestsTo(ITEM)).toHaveLength(3);
  });

  it("does not retry a 500", async () => {
    scripted.server.on(ITEM, reply.json(500, { message: "unsupported filter" }));
    await expect(client().get("/api/v1/schedules/7")).rejects.toMatchObject({ status: 500, attempts: 1 });
    expect(scripted.server.requestsTo(ITEM)).toHaveLength(1);
  });

  it("retries a reset connection", async () => {
    scripted.server.on(ITEM, reply.reset(), reply.reset(), reply.json(200, { id: 7 }));
    expect(await client().get("/api/v1/schedules/7")).toEqual({ id: 7 });
    expect(scripted.server.requestsTo(ITEM)).toHaveLength(3);
  });

  it("turns resets beyond maxRetries into an ImmyBotTransportError with undici's code", async () => {
    scripted.server.on(ITEM, reply.reset());
    const err = await caught(client({ maxRetries: "1" }).get("/api/v1/schedules/7"));
    expect(err).toBeInstanceOf(ImmyBotTransportError);
    expect(err).toMatchObject({ code: "IMMYBOT_TRANSPORT", method: "GET", path: "/api/v1/schedules/7", attempts: 2, maybeProcessed: true });
    expect(["UND_ERR_SOCKET", "ECONNRESET"]).toContain((err as ImmyBotTransportError).undiciCode);
    expect(err.message).toMatch(/^ImmyBot GET \/api\/v1\/schedules\/7 failed: the connection was closed before a response arrived \[\w+\] \(after 2 attempts\)$/);
    expect(scripted.server.requestsTo(ITEM)).toHaveLength(2);
  });

  it("retries PUT and DELETE with the same body", async () => {
    scripted.server.on("PUT /api/v1/schedules/7", reply.status(503), reply.json(200, { id: 7, name: "b" }));
    scripted.server.on("DELETE /api/v1/schedules/7", reply.reset(), reply.status(204));
    const c = client();
    expect(await c.put("/api/v1/schedules/7", { id: 7, name: "b" })).toEqual({ id: 7, name: "b" });
    await c.delete("/api/v1/schedules/7");
    const puts = scripted.server.requestsTo("PUT /api/v1/schedules/7");
    expect(puts.map((r) => r.body)).toEqual(['{"id":7,"name":"b"}', '{"id":7,"name":"b"}']);
    expect(scripted.server.requestsTo("DELETE /api/v1/schedules/7")).toHaveLength(2);
  });
});

describe("POST is never retried by the transport", () => {
  const CREATE = "POST /api/v1/schedules";

  it("a 503 reaches the scripted.server exactly once", async () => {
    scripted.server.on(CREATE, reply.status(503, { "retry-after": "0" }), reply.json(200, { id: 9 }));
    const err = await caught(client().post("/api/v1/schedules", { name: "a" }));
    expect(err).toMatchObject({ status: 503, attempts: 1 });
    expect(scripted.server.requestsTo(CREATE)).toHaveLength(1);
  });

  it("a 429 reaches the scripted.server exactly once", async () => {
    scripted.server.on(CREATE, reply.status(429, { "retry-after": "0" }), reply.json(200, { id: 9 }));
    await expect(client().post("/api/v1/schedules", { name: "a" })).rejects.toMatchObject({ status: 429 });
    expect(scripted.server.requestsTo(CREATE)).toHaveLength(1);
  });

  it("a reset reaches the scripted.server exactly once and says the POST may have been applied", async () => {
    scripted.server.on(CREATE, reply.reset(), reply.json(200, { id: 9 }));
    const err = await caught(client().post("/api/v1/schedules", { name: "a" }));
    expect(err).toBeInstanceOf(ImmyBotTransportError);
    expect(err).toMatchObject({ attempts: 1, maybeProcessed: true });
    expect(err.message).toContain("POST is not retried: it may have been applied");
    expect(scripted.server.requestsTo(CREATE)).toHaveLength(1);
  });
});

describe("timeouts", () => {
  // undici checks headers and body timeouts on a ~0.5 s tick (its "fast timers"), so a 100 ms timeout fires after
  // 0.5-1 s; the slow answers below take longer than that.
  it("retries an answer slower than requestTimeoutMs, then succeeds", async () => {
    scripted.server.on(ITEM, reply.delay(2_500, reply.json(200, { id: "late" })), reply.json(200, { id: 7 }));
    const started = performance.now();
    expect(await client({ requestTimeoutMs: "100" }).get("/api/v1/schedules/7")).toEqual({ id: 7 });
    expect(performance.now() - started).toBeLessThan(2_000); // did not wait for the slow answer
    expect(scripted.server.requestsTo(ITEM)).toHaveLength(2);
  });

  it("reports a timeout that persists, naming the setting to raise", async () => {
    scripted.server.on(ITEM, reply.delay(2_500, reply.json(200, {})));
    const err = await caught(client({ requestTimeoutMs: "100", maxRetries: "0" }).get("/api/v1/schedules/7"));
    expect(err).toBeInstanceOf(ImmyBotTransportError);
    expect(err).toMatchObject({ undiciCode: "UND_ERR_HEADERS_TIMEOUT", attempts: 1, maybeProcessed: true });
    expect(err.message).toContain("no response within 100 ms");
    expect(err.message).toContain("immybot:requestTimeoutMs");
  });

  it("a refused connection is retried and reported as never sent", async () => {
    const port = await freePort();
    const c = clientFor(resolveSettings(clientConfig(scripted.server, { baseUrl: `http://127.0.0.1:${port}`, clientId: undefined, clientSecret: undefined, tokenUrl: undefined, accessToken: TOKEN, maxRetries: "2" }), {}));
    const err = await caught(c.post("/api/v1/schedules", {}));
    expect(err).toMatchObject({ code: "IMMYBOT_TRANSPORT", undiciCode: "ECONNREFUSED", maybeProcessed: false });
    expect(err.message).not.toContain("may have been applied");
    await expect(c.get("/api/v1/schedules/7")).rejects.toMatchObject({ undiciCode: "ECONNREFUSED", attempts: 3 });
  });
});

describe("connections", () => {
  it("keeps at most maxConcurrency requests in flight; the rest queue", async () => {
    scripted.server.on("GET /api/v1/schedules/*", reply.delay(40, reply.json(200, { ok: true })));
    const c = client({ maxConcurrency: "3" });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => c.get(`/api/v1/schedules/${i}`)));
    expect(results).toHaveLength(12);
    expect(scripted.server.maxInFlight).toBe(3);
    expect(c.stats()).toMatchObject({ requests: 12, retries: 0 });
    expect(c.stats().connectionsOpened).toBeLessThanOrEqual(3);
  });

  it("the bound holds across every caller with the same settings", async () => {
    scripted.server.on("GET /api/v1/schedules/*", reply.delay(30, reply.json(200, { ok: true })));
    const callers = Array.from({ length: 4 }, () => client({ maxConcurrency: "2" }));
    await Promise.all(callers.flatMap((c, i) => [c.get(`/api/v1/schedules/${i}`), c.get(`/api/v1/schedules/${i + 10}`)]));
    expect(scripted.server.maxInFlight).toBe(2);
  });

  it("reuses keep-alive connections for sequential requests", async () => {
    scripted.server.on(ITEM, reply.json(200, { id: 7 }));
    const c = client({ maxConcurrency: "4" });
    for (let i = 0; i < 20; i++) await c.get("/api/v1/schedules/7");
    // undici may open a second connection when the next request is dispatched in the same tick the first
    // connection finished; it never needs more than that for one caller.
    expect(c.stats().requests).toBe(20);
    expect(c.stats().connectionsOpened).toBeLessThanOrEqual(2);
    expect(new Set(scripted.server.requestsTo(ITEM).map((r) => r.connection)).size).toBe(c.stats().connectionsOpened);
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
