/**
 * The adaptive limit of requests in flight (provider/client/concurrency.ts), fed outcomes by hand: no server, no
 * clock. Its use by the transport against the sandbox's injected 429s is in test/integration/client-concurrency.test.ts.
 */
import { describe, expect, it } from "vitest";
import { AdaptiveConcurrency, type Ticket } from "../../provider/client/concurrency";

const KIND = "GET /api/v1/schedules/{id}";
const fast = { status: 200, latencyMs: 20, kind: KIND };

/** Acquires `n` slots that are free now (fails if any would wait). */
async function take(limit: AdaptiveConcurrency, n: number): Promise<Ticket[]> {
  const tickets: Ticket[] = [];
  for (let i = 0; i < n; i++) {
    let got: Ticket | undefined;
    void limit.acquire().then((t) => (got = t));
    await Promise.resolve();
    if (!got) throw new Error(`slot ${i + 1} of ${n} was not free (limit ${limit.limit}, ${limit.inFlight} in flight)`);
    tickets.push(got);
  }
  return tickets;
}

/** One round: `limit` attempts let through at once, each answered with `outcome`. */
async function round(limit: AdaptiveConcurrency, outcome: object): Promise<void> {
  for (const t of await take(limit, limit.limit)) limit.release(t, outcome);
}

describe("AdaptiveConcurrency", () => {
  it("lets `initial` attempts through at once; the next waits, first come first served, until one ends", async () => {
    const limit = new AdaptiveConcurrency({ min: 1, max: 16, initial: 3 });
    const held = await take(limit, 3);
    const order: number[] = [];
    const later = [limit.acquire().then(() => order.push(1)), limit.acquire().then(() => order.push(2))];
    await Promise.resolve();
    expect(order).toEqual([]);
    limit.release(held[0]!, { status: 200, latencyMs: 20, kind: KIND });
    limit.release(held[1]!, { status: 200, latencyMs: 20, kind: KIND });
    await Promise.all(later);
    expect(order).toEqual([1, 2]);
    expect(limit.stats().maxInFlight).toBe(3);
  });

  it("halves after a 429 once per round: answers to attempts sent before the cut do not cut again", async () => {
    const limit = new AdaptiveConcurrency({ min: 1, max: 16, initial: 8 });
    const tickets = await take(limit, 8);
    for (const t of tickets) limit.release(t, { status: 429, latencyMs: 5, kind: KIND });
    expect(limit.limit).toBe(4);
    expect(limit.stats()).toMatchObject({ cuts: 1, lowest: 4 });
    await round(limit, { status: 503, latencyMs: 5, kind: KIND });
    expect(limit.limit).toBe(2);
    await round(limit, { timedOut: true, kind: KIND });
    expect(limit.limit).toBe(1);
  });

  it("never goes below min, nor above max", async () => {
    const limit = new AdaptiveConcurrency({ min: 3, max: 5, initial: 5 });
    for (let i = 0; i < 4; i++) await round(limit, { status: 429, kind: KIND });
    expect(limit.limit).toBe(3);
    for (let i = 0; i < 30; i++) await round(limit, fast);
    expect(limit.limit).toBe(5);
    expect(limit.stats()).toMatchObject({ lowest: 3, highest: 5 });
  });

  it("grows by one per round of fast answers while every slot is in use, and not when slots stay free", async () => {
    const limit = new AdaptiveConcurrency({ min: 1, max: 16, initial: 4 });
    await round(limit, fast);
    expect(limit.limit).toBe(5);
    await round(limit, fast);
    expect(limit.limit).toBe(6);
    // One attempt at a time with six allowed: nothing shows that more would help.
    for (let i = 0; i < 50; i++) limit.release((await take(limit, 1))[0]!, fast);
    expect(limit.limit).toBe(6);
  });

  it("lowers by one when answers become much slower than the fastest of their kind, once per round", async () => {
    const limit = new AdaptiveConcurrency({ min: 1, max: 16, initial: 6 });
    const first = await take(limit, 6);
    for (const t of first.slice(0, 3)) limit.release(t, { ...fast, latencyMs: 20 });
    for (const t of first.slice(3)) limit.release(t, { ...fast, latencyMs: 200 });
    expect(limit.limit).toBe(5);
    expect(limit.stats().cuts).toBe(1);
    // Another kind of request is compared with its own fastest: a list page slower than a single read is not "slower".
    const limit2 = new AdaptiveConcurrency({ min: 1, max: 16, initial: 2 });
    const [a, b] = await take(limit2, 2);
    limit2.release(a!, { ...fast, latencyMs: 20 });
    limit2.release(b!, { status: 200, latencyMs: 200, kind: "GET /api/v1/target-assignments?" });
    expect(limit2.stats().cuts).toBe(0);
  });

  it("with min = max it is a fixed bound", async () => {
    const limit = new AdaptiveConcurrency({ min: 4, max: 4, initial: 1 });
    expect(limit.limit).toBe(4);
    await round(limit, { status: 429, kind: KIND });
    await round(limit, { ...fast, latencyMs: 500 });
    for (let i = 0; i < 10; i++) await round(limit, fast);
    expect(limit.stats()).toMatchObject({ limit: 4, lowest: 4, highest: 4, cuts: 0 });
  });

  it("takes a 4xx other than 429, and an error without a response, as no evidence either way", async () => {
    const limit = new AdaptiveConcurrency({ min: 1, max: 16, initial: 4 });
    await round(limit, { status: 404, latencyMs: 900, kind: KIND });
    await round(limit, { kind: KIND });
    expect(limit.stats()).toMatchObject({ limit: 4, cuts: 0 });
  });
});
