/**
 * What the client sends and how it reads answers, over real HTTP on 127.0.0.1: headers, JSON bodies, queries, path
 * prefixes, empty bodies, ImmyBot's HTML-for-unknown-routes, HTTP errors with the server's message, redirects.
 */
import { describe, expect, it } from "vitest";
import {
  ImmyBotHttpError,
  ImmyBotUnexpectedResponseError,
  clientFor,
  resolveSettings,
  type ImmyBotClient,
} from "../../provider/client";
import { TEST_CLIENT_SECRET, clientConfig, reply, caught, useScriptedServer } from "../helpers/scripted-server";

const scripted = useScriptedServer();

function client(overrides: Record<string, string | undefined> = {}): ImmyBotClient {
  scripted.server.on("POST /test-tenant/oauth2/v2.0/token", reply.token({ prefix: "response-test-token" }));
  return clientFor(resolveSettings(clientConfig(scripted.server, overrides), {}));
}


describe("requests", () => {
  it("sends JSON with Content-Type, Accept and the bearer token", async () => {
    scripted.server.on("POST /api/v1/schedules", (req, res) => reply.json(200, { id: 5, ...JSON.parse(req.body) })(req, res));
    const created = await client().post<{ id: number; name: string }>("/api/v1/schedules", { name: "Nightly", tenantId: 3 });
    expect(created).toEqual({ id: 5, name: "Nightly", tenantId: 3 });
    const [req] = scripted.server.requestsTo("POST /api/v1/schedules");
    expect(req?.headers).toMatchObject({ "content-type": "application/json", accept: "application/json", authorization: "Bearer response-test-token-1" });
    expect(req?.body).toBe('{"name":"Nightly","tenantId":3}');
  });

  it("sends no body and no Content-Type on GET and DELETE", async () => {
    scripted.server.on("GET /api/v1/schedules", reply.json(200, [])).on("DELETE /api/v1/schedules/5", reply.status(204));
    const c = client();
    await c.get("/api/v1/schedules");
    await c.delete("/api/v1/schedules/5");
    const api = scripted.server.requests.filter((r) => r.path.startsWith("/api/"));
    expect(api.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/v1/schedules", "DELETE /api/v1/schedules/5"]);
    for (const r of api) {
      expect(r.body).toBe("");
      expect(r.headers["content-type"]).toBeUndefined();
    }
  });

  it("encodes the query: arrays repeat, undefined and null are left out", async () => {
    scripted.server.on("GET /api/v1/target-assignments", reply.json(200, []));
    await client().get("/api/v1/target-assignments", { Filters: "tenantId==3,name@=a b", Page: 1, PageSize: 500, include: ["x", "y"], skip: undefined, nope: null, flag: true });
    const [req] = scripted.server.requestsTo("GET /api/v1/target-assignments");
    expect(req?.query.get("Filters")).toBe("tenantId==3,name@=a b");
    expect(req?.query.getAll("include")).toEqual(["x", "y"]);
    expect([...(req?.query.keys() ?? [])]).toEqual(["Filters", "Page", "PageSize", "include", "include", "flag"]);
    scripted.server.on("GET /api/v1/computers", reply.json(200, []));
    await client().get("/api/v1/computers?name=pc", { pageSize: 10 });
    expect(scripted.server.requestsTo("GET /api/v1/computers")[0]?.query.toString()).toBe("name=pc&pageSize=10");
  });

  it("appends the API path to a base URL that carries a path prefix", async () => {
    scripted.server.on("GET /immy/api/v1/schedules/7", reply.json(200, { id: 7 }));
    expect(await client({ baseUrl: `${scripted.server.url}/immy/` }).get("/api/v1/schedules/7")).toEqual({ id: 7 });
  });

  it("refuses a path that does not start with /", async () => {
    await expect(client().get("api/v1/schedules")).rejects.toThrow(TypeError);
  });
});

describe("2xx answers", () => {
  it("an empty body is undefined for request() and post(), an error for get() and put()", async () => {
    scripted.server.on("POST /api/v1/maintenance-sessions/rerun", reply.status(204));
    scripted.server.on("POST /api/v1/run-immy-service-new", reply.status(202));
    scripted.server.on("GET /api/v1/schedules/1", reply.status(200));
    scripted.server.on("PUT /api/v1/schedules/1", reply.status(204));
    const c = client();
    expect(await c.request({ method: "POST", path: "/api/v1/maintenance-sessions/rerun" })).toEqual({ status: 204, body: undefined });
    expect(await c.post("/api/v1/run-immy-service-new", { x: 1 })).toBeUndefined();
    await expect(c.get("/api/v1/schedules/1")).rejects.toBeInstanceOf(ImmyBotUnexpectedResponseError);
    await expect(c.put("/api/v1/schedules/1", {})).rejects.toThrow("with an empty body; a JSON resource was expected");
  });

  it("accepts JSON content types with parameters and +json", async () => {
    scripted.server.on("GET /api/v1/a", reply.text(200, '{"a":1}', "application/json; charset=utf-8"));
    scripted.server.on("GET /api/v1/b", reply.text(200, '{"b":1}', "text/json"));
    scripted.server.on("GET /api/v1/c", reply.text(200, '{"c":1}', "application/problem+json"));
    const c = client();
    expect(await c.get("/api/v1/a")).toEqual({ a: 1 });
    expect(await c.get("/api/v1/b")).toEqual({ b: 1 });
    expect(await c.get("/api/v1/c")).toEqual({ c: 1 });
  });

  it("ImmyBot's web app answering an unknown route (HTML, 200) is an ImmyBotUnexpectedResponseError", async () => {
    scripted.server.on("GET /api/v1/deployments/4", reply.text(200, "<!DOCTYPE html><html><head><title>ImmyBot</title></head><body><div id=app></div></body></html>", "text/html; charset=utf-8"));
    const err = await caught(client().get("/api/v1/deployments/4"));
    expect(err).toBeInstanceOf(ImmyBotUnexpectedResponseError);
    expect(err).toMatchObject({ code: "IMMYBOT_UNEXPECTED_RESPONSE", status: 200, method: "GET", path: "/api/v1/deployments/4", contentType: "text/html; charset=utf-8" });
    expect(err.message).toContain("ImmyBot GET /api/v1/deployments/4 answered 200 OK with text/html; charset=utf-8 instead of JSON");
    expect(err.message).toContain("ImmyBot serves its web app");
    expect(err.message).toContain("route probably does not exist on this instance");
  });

  it("a JSON content type with a body that does not parse is an ImmyBotUnexpectedResponseError", async () => {
    scripted.server.on("GET /api/v1/schedules/2", reply.text(200, '{"id": 2', "application/json"));
    await expect(client().get("/api/v1/schedules/2")).rejects.toThrow(/answered 200 OK with a application\/json body that is not valid JSON/);
  });

  it("a redirect is an ImmyBotUnexpectedResponseError that points at the base URL", async () => {
    scripted.server.on("GET /api/v1/schedules", reply.status(302, { location: "https://login.example.com/?access_token=abcdefgh1234" }));
    const err = await caught(client().get("/api/v1/schedules"));
    expect(err).toBeInstanceOf(ImmyBotUnexpectedResponseError);
    expect(err.message).toContain("302 Found redirecting to https://login.example.com/?access_token=[REDACTED]");
    expect(err.message).toContain("immybot:baseUrl");
  });
});

describe("HTTP errors", () => {
  it("404 is an ImmyBotHttpError with isNotFound, not retried", async () => {
    scripted.server.on("GET /api/v1/schedules/404", reply.status(404));
    const err = await caught(client().get("/api/v1/schedules/404"));
    expect(err).toBeInstanceOf(ImmyBotHttpError);
    expect(err).toMatchObject({ code: "IMMYBOT_HTTP_404", status: 404, isNotFound: true, attempts: 1 });
    expect(err.message).toBe("ImmyBot GET /api/v1/schedules/404 failed: 404 Not Found");
    expect(scripted.server.requestsTo("GET /api/v1/schedules/404")).toHaveLength(1);
  });

  it("a ProblemDetails 400 surfaces the field errors and trace id, without the token or secret the scripted.server echoed", async () => {
    scripted.server.on("PUT /api/v1/schedules/12", (req, res) =>
      reply.json(400, {
        type: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        title: "One or more validation errors occurred.",
        status: 400,
        errors: { Time: ["'25:00' is not a valid time."], Request: [`Headers were: Authorization=${req.headers.authorization}; secret ${TEST_CLIENT_SECRET}`] },
        traceId: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
      })(req, res),
    );
    const err = await caught(client().put("/api/v1/schedules/12", { time: "25:00" }));
    expect(err).toBeInstanceOf(ImmyBotHttpError);
    expect(err).toMatchObject({ code: "IMMYBOT_HTTP_400", status: 400, method: "PUT", path: "/api/v1/schedules/12", requestId: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00" });
    expect(err.message).toMatch(/^ImmyBot PUT \/api\/v1\/schedules\/12 failed: 400 Bad Request: One or more validation errors occurred\. Time: '25:00' is not a valid time\.; Request: Headers were: Authorization=Bearer \[REDACTED\]; secret \[REDACTED\]$/);
    const everything = `${err.message}\n${JSON.stringify(err)}\n${err.stack}`;
    expect(everything).not.toContain("response-test-token-1");
    expect(everything).not.toContain(TEST_CLIENT_SECRET);
  });

  it("403 adds the RBAC hint; 429 on a POST adds the concurrency hint", async () => {
    scripted.server.on("GET /api/v1/schedules", reply.json(403, { message: "Access policy denied" }));
    scripted.server.on("POST /api/v1/schedules", reply.status(429));
    const c = client();
    await expect(c.get("/api/v1/schedules")).rejects.toThrow(/403 Forbidden: Access policy denied\. The app's ImmyBot user lacks permission/);
    await expect(c.post("/api/v1/schedules", {})).rejects.toThrow(/429 Too Many Requests\. ImmyBot is rate limiting; lower `pulumi config set immybot:maxConcurrency 2`/);
  });

  it("a 429 carries the server's Retry-After (seconds or an HTTP date) as retryAfterMs, for a caller that decides to send again", async () => {
    scripted.server.on("POST /api/v1/schedules", reply.status(429, { "retry-after": "7" }), reply.status(429, { "retry-after": new Date(Date.now() + 30_000).toUTCString() }), reply.status(429));
    const c = client();
    await expect(c.post("/api/v1/schedules", {})).rejects.toMatchObject({ status: 429, retryAfterMs: 7_000 });
    const dated = (await caught(c.post("/api/v1/schedules", {}))) as ImmyBotHttpError;
    expect(dated.retryAfterMs).toBeGreaterThan(25_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(((await caught(c.post("/api/v1/schedules", {}))) as ImmyBotHttpError).retryAfterMs).toBeUndefined();
  });

  it("measures ImmyBot's clock from the Date header of its answers (undefined until one carried it)", async () => {
    const ahead = 10 * 60_000;
    scripted.server.on("GET /api/v1/schedules", (_req, res) => reply.json(200, [], { date: new Date(Date.now() + ahead).toUTCString() })(_req, res));
    const c = client();
    expect(c.serverClockOffsetMs()).toBeUndefined();
    await c.get("/api/v1/schedules");
    // Whole seconds, and the answer took a moment: within two seconds of the true offset.
    expect(Math.abs((c.serverClockOffsetMs() as number) - ahead)).toBeLessThan(2_000);
  });

  it("a plain-text 500 body becomes the scripted.server message", async () => {
    scripted.server.on("GET /api/v1/maintenance-actions/dx", reply.text(500, "Filter operation 'or' is not supported"));
    await expect(client().get("/api/v1/maintenance-actions/dx")).rejects.toMatchObject({ status: 500, serverMessage: "Filter operation 'or' is not supported" });
  });
});
