/**
 * The client's adaptive concurrency against the sandbox's injected 429s: fewer requests in flight after them, never
 * more than maxConcurrency, never fewer than one, every request answered in the end. The adaptation itself, outcome
 * by outcome, is in test/unit/client-concurrency.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ImmyBotClient, closeAll, resolveSettings } from "../../provider/client";
import { Sandbox } from "../../sandbox/server";

let sandbox: Sandbox;
let id: number;

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0 });
  id = sandbox.createSchedule({ targetType: "All", time: "20:00", maintenanceTime: "22:00", offlineBehavior: "Skip" }).id;
});
afterEach(() => {
  sandbox.faults.clear();
  sandbox.clearRequests();
});
afterAll(async () => {
  await closeAll();
  await sandbox.stop();
});

function connect(extra: Record<string, string> = {}): ImmyBotClient {
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  const config: Record<string, string> = {
    "immybot:baseUrl": baseUrl,
    "immybot:tokenUrl": tokenUrl,
    "immybot:clientId": clientId,
    "immybot:clientSecret": clientSecret,
    "immybot:retryMinDelayMs": "1",
    "immybot:retryMaxDelayMs": "10",
    "immybot:maxRetries": "10",
    ...extra,
  };
  return new ImmyBotClient(resolveSettings((k) => config[k], {}));
}

const PATH = () => `/api/v1/schedules/${id}`;

describe("adaptive concurrency", () => {
  it("halves the requests in flight after 429s, stays within 1..maxConcurrency, and every request is answered", async () => {
    const client = connect({ "immybot:maxConcurrency": "8" });
    await client.get(PATH()); // the token, outside the measured burst
    sandbox.clearRequests();
    // The first eight attempts (the whole first round, sent together) are refused with Retry-After: 0.
    sandbox.faults.script({ method: "GET", path: PATH(), fault: "429", retryAfterSeconds: 0, times: 8 });
    const answers = await Promise.all(Array.from({ length: 40 }, () => client.get<{ id: number }>(PATH())));
    expect(answers).toHaveLength(40);
    expect(answers.every((a) => a.id === id)).toBe(true);
    expect(sandbox.faults.pending()).toEqual([]);
    expect(sandbox.requests.filter((r) => r.status === 429)).toHaveLength(8);
    const c = client.stats().concurrency;
    // One cut for the whole round of 429s (answers to attempts already under way do not cut again): 8 -> 4.
    expect(c.cuts).toBeGreaterThanOrEqual(1);
    expect(c.lowest).toBeLessThanOrEqual(4);
    expect(c.lowest).toBeGreaterThanOrEqual(1);
    expect(c.highest).toBeLessThanOrEqual(8);
    expect(c.maxInFlight).toBeLessThanOrEqual(8);
    expect(sandbox.maxApiInFlight).toBeLessThanOrEqual(8);
    await client.close();
  });

  it("a burst of 429s longer than one round brings it down to one request at a time, not below", async () => {
    const client = connect({ "immybot:maxConcurrency": "4", "immybot:maxRetries": "40" });
    await client.get(PATH());
    sandbox.clearRequests();
    sandbox.faults.script({ method: "GET", path: PATH(), fault: "429", retryAfterSeconds: 0, times: 30 });
    const answers = await Promise.all(Array.from({ length: 12 }, () => client.get<{ id: number }>(PATH())));
    expect(answers).toHaveLength(12);
    expect(sandbox.faults.pending()).toEqual([]);
    const c = client.stats().concurrency;
    expect(c.lowest).toBe(1);
    expect(c.highest).toBeLessThanOrEqual(4);
    expect(sandbox.maxApiInFlight).toBeLessThanOrEqual(4);
    await client.close();
  });

  it("unset, starts at 4 requests in flight and may grow to 16; maxConcurrency set, starts there", async () => {
    const unset = connect();
    expect(unset.stats().concurrency).toMatchObject({ limit: 4, highest: 4 });
    sandbox.faults.set({ latencyMs: 20 });
    await Promise.all(Array.from({ length: 40 }, () => unset.get(PATH())));
    expect(unset.stats().concurrency.maxInFlight).toBeLessThanOrEqual(16);
    expect(sandbox.maxApiInFlight).toBeLessThanOrEqual(16);
    await unset.close();

    sandbox.clearRequests(); // and the most in flight, which the unset client may have taken above 6
    const set = connect({ "immybot:maxConcurrency": "6" });
    expect(set.stats().concurrency).toMatchObject({ limit: 6, highest: 6 });
    // The sandbox's high-water mark counts from here (the first client may have grown past 6).
    sandbox.clearRequests();
    await Promise.all(Array.from({ length: 12 }, () => set.get(PATH())));
    expect(set.stats().concurrency.highest).toBe(6);
    expect(sandbox.maxApiInFlight).toBeLessThanOrEqual(6);
    await set.close();
  });
});
