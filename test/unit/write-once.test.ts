/**
 * What a failed POST proves about whether ImmyBot took it: the one rule behind "a create or a run start is never
 * sent twice" (provider/write-once.ts).
 */
import { describe, expect, it } from "vitest";
import { ImmyBotAuthError, ImmyBotHttpError, ImmyBotTransportError, ImmyBotUnexpectedResponseError } from "../../provider/client/errors";
import { sendAtMostOnce, whatFailureProves } from "../../provider/write-once";

const http = (status: number, retryAfterMs?: number) =>
  new ImmyBotHttpError({ method: "POST", path: "/api/v1/x", status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
const transport = (undiciCode: string, maybeProcessed: boolean) => new ImmyBotTransportError(undiciCode, { method: "POST", path: "/api/v1/x", undiciCode, maybeProcessed });

describe("whatFailureProves", () => {
  it.each([
    ["400 Bad Request", http(400), "refused"],
    ["403 Forbidden", http(403), "refused"],
    ["404 Not Found", http(404), "refused"],
    ["409 Conflict", http(409), "refused"],
    ["408 Request Timeout", http(408), "not-taken"],
    ["429 with Retry-After", http(429, 2_000), "rate-limited"],
    ["500", http(500), "ambiguous"],
    ["502", http(502), "ambiguous"],
    ["503", http(503), "ambiguous"],
    ["504", http(504), "ambiguous"],
    ["connection refused", transport("ECONNREFUSED", false), "not-taken"],
    ["connect timeout", transport("UND_ERR_CONNECT_TIMEOUT", false), "not-taken"],
    ["headers timeout", transport("UND_ERR_HEADERS_TIMEOUT", true), "ambiguous"],
    ["reset", transport("UND_ERR_SOCKET", true), "ambiguous"],
    ["HTML instead of JSON", new ImmyBotUnexpectedResponseError("html", { method: "POST", path: "/api/v1/x", status: 200 }), "ambiguous"],
    ["no token", new ImmyBotAuthError("token endpoint said no"), "refused"],
    ["a bug of ours", new TypeError("x is undefined"), "refused"],
  ])("%s -> %s", (_what, error, kind) => {
    expect(whatFailureProves(error).kind).toBe(kind);
  });

  it("a 429's wait is its Retry-After, capped at a minute; without one the caller's backoff applies", () => {
    expect(whatFailureProves(http(429, 2_000))).toEqual({ kind: "rate-limited", waitMs: 2_000 });
    expect(whatFailureProves(http(429, 3_600_000))).toEqual({ kind: "rate-limited", waitMs: 60_000 });
    expect(whatFailureProves(http(429))).toEqual({ kind: "rate-limited", waitMs: undefined });
  });
});

describe("sendAtMostOnce", () => {
  function run(failures: Error[], attempts = 4) {
    const sleeps: number[] = [];
    let sends = 0;
    const sent = sendAtMostOnce(
      async () => {
        sends++;
        const f = failures.shift();
        if (f) throw f;
        return "ok";
      },
      { attempts, minDelayMs: 100, maxDelayMs: 250, clock: { now: () => 0, sleep: async (ms) => void sleeps.push(ms) } },
    );
    return { sent, sleeps, sends: () => sends };
  }

  it("hands an ambiguous failure back without sending again", async () => {
    const error = transport("UND_ERR_HEADERS_TIMEOUT", true);
    const r = run([error]);
    await expect(r.sent).resolves.toEqual({ answered: false, error });
    expect(r.sends()).toBe(1);
  });

  it("sends again after 429s (their Retry-After) and connections never made (a capped doubling pause)", async () => {
    const r = run([http(429, 1_500), transport("ECONNREFUSED", false), transport("ECONNREFUSED", false)]);
    await expect(r.sent).resolves.toEqual({ answered: true, value: "ok" });
    expect(r.sends()).toBe(4);
    expect(r.sleeps).toEqual([1_500, 200, 250]);
  });

  it("throws a refusal at once, and a failure still not taken after the last attempt", async () => {
    const refusal = run([http(400)]);
    await expect(refusal.sent).rejects.toMatchObject({ status: 400 });
    expect(refusal.sends()).toBe(1);
    const limited = run([http(429, 10), http(429, 10)], 2);
    await expect(limited.sent).rejects.toMatchObject({ status: 429 });
    expect(limited.sends()).toBe(2);
  });
});
