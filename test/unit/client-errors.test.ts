import { describe, expect, it, vi } from "vitest";
import {
  ImmyBotAuthError,
  ImmyBotConfigError,
  ImmyBotError,
  ImmyBotHttpError,
  ImmyBotTransportError,
  ImmyBotUnexpectedResponseError,
  MAX_SERVER_MESSAGE,
  extractRequestId,
  extractServerMessage,
  redact,
} from "../../provider/client/errors";

const TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2NvbnRvc28uaW1teS5ib3QifQ.c2lnbmF0dXJl";
const SECRET = "Zx8Q~client.secret-value_123";

describe("extractServerMessage: every body style", () => {
  it.each([
    ["a plain JSON string", JSON.stringify("Schedule not found"), "Schedule not found"],
    ["{message}", JSON.stringify({ message: "Tenant 3 does not exist" }), "Tenant 3 does not exist"],
    ["{Message} (legacy ASP.NET)", JSON.stringify({ Message: "An error has occurred." }), "An error has occurred."],
    [
      "ProblemDetails with field errors",
      JSON.stringify({
        type: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        title: "One or more validation errors occurred.",
        status: 400,
        errors: { Time: ["The Time field is required."], "$.maintenanceType": ["Invalid value.", "Unknown enum."] },
        traceId: "00-abc-def-00",
      }),
      "One or more validation errors occurred. Time: The Time field is required.; maintenanceType: Invalid value., Unknown enum.",
    ],
    ["ProblemDetails with title and detail", JSON.stringify({ title: "Conflict", detail: "A schedule with this name exists", status: 409 }), "Conflict: A schedule with this name exists"],
    [
      "Entra {error, error_description}",
      JSON.stringify({ error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1\r\nCorrelation ID: 2", error_codes: [7000215] }),
      "invalid_client: AADSTS7000215: Invalid client secret provided. Trace ID: 1 Correlation ID: 2",
    ],
    ["{error:{code,message}}", JSON.stringify({ error: { code: "ValidationFailed", message: "day is invalid", details: [] } }), "ValidationFailed: day is invalid"],
    ["an array of strings", JSON.stringify(["first", "second"]), "first; second"],
    ["an unknown object", JSON.stringify({ foo: 1 }), '{"foo":1}'],
    ["short text", "Access denied by policy\n", "Access denied by policy"],
    ["an HTML page", "<!DOCTYPE html><html><head><title>ImmyBot</title></head><body>app</body></html>", 'an HTML page titled "ImmyBot"'],
  ])("%s", (_name, body, expected) => {
    expect(extractServerMessage(body)).toBe(expected);
  });

  it("returns undefined for an empty body", () => {
    expect(extractServerMessage("")).toBeUndefined();
    expect(extractServerMessage("  \n")).toBeUndefined();
  });

  it("truncates long bodies", () => {
    const long = extractServerMessage("x".repeat(10_000)) as string;
    expect(long).toHaveLength(MAX_SERVER_MESSAGE);
    expect(long.endsWith("…")).toBe(true);
  });
});

describe("redaction", () => {
  it("removes known secrets, also JSON-escaped, bearer headers, JWTs and secret form fields", () => {
    const odd = 'se"cr/et\\value';
    const body = JSON.stringify({
      message: `bad request for Authorization: Bearer ${TOKEN}; secret ${SECRET}; odd ${odd}`,
      echo: `client_id=abc&client_secret=${encodeURIComponent(SECRET)}&scope=x`,
    });
    const out = redact(body, [SECRET, odd]);
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain(encodeURIComponent(SECRET));
    expect(out).not.toContain(JSON.stringify(odd).slice(1, -1));
    expect(out).toContain("Bearer [REDACTED]");
    expect(out).toContain("client_secret=[REDACTED]");
  });

  it("redacts an unknown JWT and an access_token field even when no secret is known", () => {
    const out = redact(`{"access_token":"opaque-token-value","note":"${TOKEN}"}`);
    expect(out).not.toContain("opaque-token-value");
    expect(out).not.toContain(TOKEN);
  });

  it("is applied before extraction and truncation, so a message never carries a secret", () => {
    const body = JSON.stringify({ title: "Unauthorized", errors: { Authorization: [`Bearer ${TOKEN} is not valid`] }, secret: SECRET });
    const msg = extractServerMessage(body, [SECRET, TOKEN]) as string;
    expect(msg).toContain("Authorization: Bearer [REDACTED] is not valid");
    expect(msg).not.toContain(TOKEN);
    // a secret that straddles the truncation point must not leave a fragment behind
    const straddle = extractServerMessage(`${"y".repeat(MAX_SERVER_MESSAGE - 10)}${SECRET}`, [SECRET]) as string;
    expect(straddle).not.toContain(SECRET.slice(0, 9));
  });

  it("ignores secrets too short to redact meaningfully", () => {
    expect(redact("a b c", ["a"])).toBe("a b c");
  });
});

describe("error classes", () => {
  it("ImmyBotHttpError: message format, code and isNotFound", () => {
    const e = new ImmyBotHttpError({ method: "PUT", path: "/api/v1/schedules/12", status: 400, serverMessage: "Time: required" });
    expect(e.message).toBe("ImmyBot PUT /api/v1/schedules/12 failed: 400 Bad Request: Time: required");
    expect(e.code).toBe("IMMYBOT_HTTP_400");
    expect(e.name).toBe("ImmyBotHttpError");
    expect(e.isNotFound).toBe(false);
    const nf = new ImmyBotHttpError({ method: "GET", path: "/api/v1/schedules/9", status: 404, attempts: 1 });
    expect(nf.isNotFound).toBe(true);
    expect(nf.message).toBe("ImmyBot GET /api/v1/schedules/9 failed: 404 Not Found");
    expect(new ImmyBotHttpError({ method: "GET", path: "/p", status: 503, attempts: 5 }).message).toBe("ImmyBot GET /p failed: 503 Service Unavailable (after 5 attempts)");
  });

  it("every class has its stable code and is an ImmyBotError", () => {
    const all: [ImmyBotError, string][] = [
      [new ImmyBotAuthError("x"), "IMMYBOT_AUTH"],
      [new ImmyBotConfigError(["a", "b"]), "IMMYBOT_CONFIG"],
      [new ImmyBotTransportError("x", { undiciCode: "UND_ERR_SOCKET", maybeProcessed: true }), "IMMYBOT_TRANSPORT"],
      [new ImmyBotUnexpectedResponseError("x", { contentType: "text/html" }), "IMMYBOT_UNEXPECTED_RESPONSE"],
    ];
    for (const [e, code] of all) {
      expect(e.code).toBe(code);
      expect(e).toBeInstanceOf(ImmyBotError);
      expect(e).toBeInstanceOf(Error);
      expect(e).not.toBeInstanceOf(ImmyBotHttpError);
    }
  });

  it("instanceof holds across two loaded copies of the module", async () => {
    vi.resetModules();
    const copy = await import("../../provider/client/errors");
    expect(copy.ImmyBotHttpError).not.toBe(ImmyBotHttpError);
    const fromCopy = new copy.ImmyBotHttpError({ method: "GET", path: "/x", status: 404 });
    expect(fromCopy instanceof ImmyBotHttpError).toBe(true);
    expect(fromCopy instanceof ImmyBotError).toBe(true);
    expect(fromCopy instanceof ImmyBotAuthError).toBe(false);
    expect(new ImmyBotAuthError("x") instanceof copy.ImmyBotError).toBe(true);
    expect(new Error("x") instanceof copy.ImmyBotError).toBe(false);
  });
});

describe("extractRequestId", () => {
  it("reads a request id header or a ProblemDetails traceId", () => {
    expect(extractRequestId({ "x-request-id": "abc" }, "")).toBe("abc");
    expect(extractRequestId({}, JSON.stringify({ title: "x", traceId: "00-1-2-00" }))).toBe("00-1-2-00");
    expect(extractRequestId({}, "<html>")).toBeUndefined();
  });
});
