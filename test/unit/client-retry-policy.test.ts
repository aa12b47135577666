import { describe, expect, it, vi } from "vitest";
import { parseRetryAfter, retryPolicy } from "../../provider/client/transport";

const opts = { minTimeout: 100, maxTimeout: 1_000, timeoutFactor: 2 };

describe("retryPolicy data", () => {
  it("retries idempotent methods only, on 429 and 502/503/504", () => {
    expect([...retryPolicy.methods].sort()).toEqual(["DELETE", "GET", "HEAD", "OPTIONS", "PUT"]);
    expect(retryPolicy.methods).not.toContain("POST");
    expect(retryPolicy.methods).not.toContain("PATCH");
    expect([...retryPolicy.statusCodes]).toEqual([429, 502, 503, 504]);
    expect(retryPolicy.errorCodes).toEqual(expect.arrayContaining(["ECONNRESET", "UND_ERR_SOCKET", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]));
    expect(Object.isFrozen(retryPolicy)).toBe(true);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it.each([
    ["120", 120_000],
    ["0", 0],
    ["1.5", 1_500],
    ["Thu, 01 Jan 2026 00:00:30 GMT", 30_000],
    ["Wed, 31 Dec 2025 23:59:00 GMT", 0], // in the past
  ])("%j -> %i ms", (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([undefined, "", "soon", "-5"])("%j is unusable", (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe("retryPolicy.delay", () => {
  it("grows exponentially from minTimeout and stops at maxTimeout (no jitter when random() is 0)", () => {
    const delays = [1, 2, 3, 4, 5, 6].map((n) => retryPolicy.delay(n, undefined, opts, 0, () => 0));
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it("jitters within [(1 - jitter) * backoff, backoff]", () => {
    expect(retryPolicy.delay(3, undefined, opts, 0, () => 0.999999)).toBe(Math.round(400 * (1 - retryPolicy.jitter * 0.999999)));
    for (let i = 0; i < 50; i++) {
      const d = retryPolicy.delay(3, undefined, opts);
      expect(d).toBeGreaterThanOrEqual(400 * (1 - retryPolicy.jitter));
      expect(d).toBeLessThanOrEqual(400);
    }
  });

  it("honours Retry-After over the backoff, capped by maxRetryAfter rather than maxTimeout", () => {
    expect(retryPolicy.delay(1, "3", opts, 0, () => 0)).toBe(3_000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryPolicy.delay(1, "Thu, 01 Jan 2026 00:00:05 GMT", opts, now)).toBe(5_000);
    expect(retryPolicy.delay(1, "86400", opts)).toBe(retryPolicy.maxRetryAfter);
    expect(retryPolicy.delay(1, "0", opts, 0, () => 0)).toBe(100); // zero: back off normally
  });
});

describe("retryPolicy.retry (undici's RetryHandler callback)", () => {
  function decide(err: Error, method: string, counter: number, maxRetries = 3): Promise<Error | null | undefined> {
    return new Promise((resolve) => {
      retryPolicy.retry(
        err,
        { state: { counter }, opts: { method: method as "GET", path: "/", retryOptions: { ...opts, minTimeout: 1, maxTimeout: 1, maxRetries } } },
        resolve,
      );
    });
  }
  // What undici's RetryHandler passes for a response: a RequestRetryError (its .d.ts constructor differs from the code).
  const status = (statusCode: number, headers: Record<string, string> = {}) =>
    Object.assign(new Error("Request failed"), { name: "RequestRetryError", code: "UND_ERR_REQ_RETRY", statusCode, headers, data: { count: 1 } });
  const socket = () => Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" });

  it("retries GET, PUT and DELETE on 503 and on socket errors", async () => {
    for (const m of ["GET", "PUT", "DELETE"]) {
      expect(await decide(status(503), m, 1)).toBeNull();
      expect(await decide(socket(), m, 1)).toBeNull();
    }
  });

  it("never retries POST or PATCH", async () => {
    for (const m of ["POST", "PATCH"]) {
      for (const err of [status(503), status(429), socket()]) expect(await decide(err, m, 1)).toBe(err);
    }
  });

  it("does not retry 500, 4xx other than 429, or unknown error codes", async () => {
    for (const err of [status(500), status(404), status(400), Object.assign(new Error("x"), { code: "UND_ERR_INVALID_ARG" })]) {
      expect(await decide(err, "GET", 1)).toBe(err);
    }
  });

  it("stops after maxRetries", async () => {
    expect(await decide(status(429), "GET", 3, 3)).toBeNull();
    const err = status(429);
    expect(await decide(err, "GET", 4, 3)).toBe(err);
    expect(await decide(err, "GET", 1, 0)).toBe(err);
  });

  it("waits the Retry-After before calling back", async () => {
    vi.useFakeTimers();
    try {
      const err = status(429, { "retry-after": "2" });
      const cb = vi.fn();
      retryPolicy.retry(err, { state: { counter: 1 }, opts: { method: "GET", path: "/", retryOptions: { ...opts, maxRetries: 3 } } }, cb);
      vi.advanceTimersByTime(1_999);
      expect(cb).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(cb).toHaveBeenCalledWith(null);
    } finally {
      vi.useRealTimers();
    }
  });
});
