/**
 * Schedule through Pulumi's real dynamic-provider host over gRPC against the sandbox, in the engine's order:
 * Configure -> Check -> Create -> Read -> Diff (none) -> Diff (change) -> Update -> Read -> Delete, asserting the
 * sandbox's state after each step. Plus preview, drift, adopt, create recovery and partial failure.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../../sandbox/server";
import { scheduleClock } from "../helpers/clock";
import { ProviderHost, serializedProvider, urnFor, HostError } from "../helpers/host";

let sandbox: Sandbox;
let host: ProviderHost;
let provider: string;
let config: Record<string, string>;

const args = { targetType: "AllForTenant", tenantId: 3, dayOfWeek: "Saturday", detectionTime: "20:00", executionTime: "22:00", timeZone: "Europe/Berlin", rebootPreference: "Force" };

beforeAll(async () => {
  // A clock that passes no detection time (20:00 is on a 5-minute mark) for 5 minutes: a read finds the
  // nextOccurrence the create wrote.
  sandbox = await Sandbox.start({ port: 0, now: scheduleClock(5).now });
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  config = { "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret };
  [host, provider] = await Promise.all([ProviderHost.start(), serializedProvider("Schedule")]);
  await host.configure(config);
});

afterAll(async () => {
  await host?.stop();
  await sandbox?.stop();
});

describe("Schedule through the dynamic-provider host", () => {
  it("runs the whole lifecycle, and the sandbox follows each step", async () => {
    const urn = urnFor("Schedule", "weekly");
    const news = { ...args, __provider: provider };

    const checked = await host.check(urn, {}, news);
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toMatchObject({ ...args, targetCategory: "Computer", offlineBehavior: "Skip" });

    const created = await host.create(urn, checked.inputs);
    expect(created.id).toMatch(/^\d+$/);
    let stored = sandbox.schedules().find((s) => String(s.id) === created.id)!;
    expect(stored).toMatchObject({ targetType: 21, tenantId: 3, day: 6, time: "20:00", maintenanceTime: "22:00", rebootPreference: -1, timeZoneInfoId: "Europe/Berlin" });
    expect(created.properties).toMatchObject({ ...args, nextOccurrence: expect.any(String), createdAt: expect.any(String) });
    // State holds no credential: not in the outputs, not in __provider.
    for (const secret of [sandbox.info.clientSecret, ...sandbox.issuedTokens()]) expect(JSON.stringify(created.properties)).not.toContain(secret);

    const read = await host.read(urn, created.id, created.properties);
    expect(read.id).toBe(created.id);
    expect(read.properties).toEqual(created.properties);
    expect(read.inputs).toEqual(checked.inputs);

    // The final plan is empty: same program, refreshed state.
    expect((await host.diff(urn, created.id, read.properties, (await host.check(urn, read.inputs!, news)).inputs)).changes).toBe("none");

    const changedNews = { ...news, executionTime: "23:30" };
    const rechecked = await host.check(urn, read.inputs!, changedNews);
    const plan = await host.diff(urn, created.id, read.properties, rechecked.inputs);
    expect(plan).toMatchObject({ changes: "some", replaces: [] });

    const updated = await host.update(urn, created.id, read.properties, rechecked.inputs);
    expect(updated.properties.executionTime).toBe("23:30");
    stored = sandbox.schedules().find((s) => String(s.id) === created.id)!;
    expect(stored.maintenanceTime).toBe("23:30");
    expect(sandbox.schedules()).toHaveLength(1);

    const reread = await host.read(urn, created.id, updated.properties);
    expect(reread.properties.executionTime).toBe("23:30");
    expect((await host.diff(urn, created.id, reread.properties, rechecked.inputs)).changes).toBe("none");

    await host.delete(urn, created.id, reread.properties);
    expect(sandbox.schedules().find((s) => String(s.id) === created.id)).toBeUndefined();
    // Deleting what is already gone succeeds; reading it says it is gone.
    await host.delete(urn, created.id, reread.properties);
    expect((await host.read(urn, created.id, reread.properties)).id).toBe("");
  });

  it("makes no write request during a preview (check and diff only)", async () => {
    sandbox.clearRequests();
    const urn = urnFor("Schedule", "preview-only");
    const checked = await host.check(urn, {}, { ...args, __provider: provider });
    expect(checked.failures).toEqual([]);
    expect(sandbox.requests.filter((r) => r.path.startsWith("/api/"))).toEqual([]);
  });

  it("reports bad arguments at check, before any request", async () => {
    sandbox.clearRequests();
    const r = await host.check(urnFor("Schedule", "bad"), {}, { ...args, executionTime: "20:30", timeZone: "Mars/Base", __provider: provider });
    expect(r.failures.map((f) => f.property).sort()).toEqual(["executionTime", "timeZone"]);
    expect(sandbox.requests.filter((r) => r.path.startsWith("/api/"))).toEqual([]);
  });

  it("finds a change made by hand on refresh, and the next update puts it back", async () => {
    const urn = urnFor("Schedule", "drift");
    const news = (await host.check(urn, {}, { ...args, __provider: provider })).inputs;
    const { id, properties } = await host.create(urn, news);
    sandbox.editSchedule(Number(id), { rebootPreference: 1, time: "18:00" });
    const refreshed = await host.read(urn, id, properties);
    expect(refreshed.properties).toMatchObject({ rebootPreference: "Suppress", detectionTime: "18:00" });
    expect((await host.diff(urn, id, refreshed.properties, news)).changes).toBe("some");
    await host.update(urn, id, refreshed.properties, news);
    expect(sandbox.schedules().find((s) => String(s.id) === id)).toMatchObject({ rebootPreference: -1, time: "20:00" });
    await host.delete(urn, id, properties);
  });

  it("an update of a schedule deleted by hand fails, says to refresh, and creates nothing", async () => {
    const urn = urnFor("Schedule", "deleted-by-hand");
    const news = (await host.check(urn, {}, { ...args, __provider: provider })).inputs;
    const { id, properties } = await host.create(urn, news);
    expect(sandbox.deleteSchedule(Number(id))).toBe(true);
    const changed = await host.check(urn, news, { ...args, executionTime: "23:30", __provider: provider });
    expect(changed.failures).toEqual([]);
    sandbox.clearRequests();
    const err = await host.update(urn, id, properties, changed.inputs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).message).toContain(
      `Schedule ${id} no longer exists in ImmyBot (deleted outside Pulumi). Run \`pulumi refresh\` to drop it from the state, then \`pulumi up\` to create it again.`,
    );
    expect((err as HostError).initFailure).toBeUndefined();
    const api = sandbox.requests.filter((r) => r.path.startsWith("/api/")).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(api).toEqual([`PUT /api/v1/schedules/${id} 404`]);
    expect(sandbox.schedules().filter((s) => String(s.id) === id)).toEqual([]);
  });

  it("adopts an existing schedule by id without creating one", async () => {
    const urn = urnFor("Schedule", "adopted");
    const existing = (await host.create(urnFor("Schedule", "made-by-hand"), (await host.check(urn, {}, { ...args, rebootPreference: "Suppress", __provider: provider })).inputs)).id;
    sandbox.clearRequests();
    const news = (await host.check(urn, {}, { ...args, adoptId: existing, __provider: provider })).inputs;
    const adopted = await host.create(urn, news);
    expect(adopted.id).toBe(existing);
    expect(sandbox.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/schedules")).toEqual([]);
    expect(sandbox.schedules().find((s) => String(s.id) === existing)).toMatchObject({ rebootPreference: -1 });
    expect((await host.diff(urn, adopted.id, adopted.properties, news)).changes).toBe("none");
    await host.delete(urn, adopted.id, adopted.properties);
  });

  it("adopting an id that does not exist fails with a clear message", async () => {
    const urn = urnFor("Schedule", "adopt-missing");
    const news = (await host.check(urn, {}, { ...args, adoptId: "99999", __provider: provider })).inputs;
    await expect(host.create(urn, news)).rejects.toThrow(/adoptId: ImmyBot has no schedule with id 99999/);
  });

  it("recovers a create whose response was lost without creating a duplicate", async () => {
    const before = sandbox.schedules().length;
    const urn = urnFor("Schedule", "lost-response");
    const news = (await host.check(urn, {}, { ...args, detectionTime: "03:00", executionTime: "05:00", __provider: provider })).inputs;
    sandbox.faults.script({ method: "POST", path: "/api/v1/schedules", fault: "reset-after-commit", times: 1 });
    const created = await host.create(urn, news);
    expect(sandbox.schedules()).toHaveLength(before + 1);
    expect(sandbox.schedules().find((s) => String(s.id) === created.id)).toMatchObject({ time: "03:00" });
    await host.delete(urn, created.id, created.properties);
  });

  it("an interrupted run's unrecorded schedule: by default the next create names it with the adoptId fix and creates anew; with adoptLeftovers it is taken over", async () => {
    // Each run is a host of its own (claims and the first look are per process), as each `pulumi up` is.
    const news = (await host.check(urnFor("Schedule", "unrecorded"), {}, { ...args, tenantId: 4, detectionTime: "04:10", __provider: provider })).inputs;
    const posts = () => sandbox.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/schedules").length;
    const run = async (extra: Record<string, string> = {}) => {
      const h = await ProviderHost.start();
      await h.configure({ ...config, ...extra });
      return h;
    };

    const interrupted = await run();
    const left = await interrupted.create(urnFor("Schedule", "unrecorded"), news); // its answer never reached the state
    await interrupted.kill();

    const restarted = await run();
    sandbox.clearRequests();
    const made = await restarted.create(urnFor("Schedule", "unrecorded"), news);
    expect(made.id).not.toBe(left.id);
    expect(posts()).toBe(1);
    expect(restarted.logs.stdout).toContain(`already holds schedule ${left.id} with exactly these arguments`);
    expect(restarted.logs.stdout).toContain(`adoptId: "${left.id}"`);
    await restarted.stop();

    const adopting = await run({ "immybot:adoptLeftovers": "true" });
    sandbox.clearRequests();
    await host.delete(urnFor("Schedule", "unrecorded"), made.id, made.properties); // the user deleted the duplicate
    const taken = await adopting.create(urnFor("Schedule", "unrecorded"), news);
    expect(taken.id).toBe(left.id);
    expect(posts()).toBe(0);
    expect(adopting.logs.stdout).toContain(`took over schedule ${left.id}`);
    await adopting.stop();

    const switchedOff = await run({ "immybot:leftoverMinutes": "0" });
    sandbox.clearRequests();
    const again = await switchedOff.create(urnFor("Schedule", "unrecorded-again"), news);
    expect(again.id).not.toBe(left.id);
    expect(posts()).toBe(1);
    expect(sandbox.requests.filter((r) => r.method === "GET" && r.path === "/api/v1/schedules")).toEqual([]);
    expect(switchedOff.logs.stdout).not.toContain("already holds");
    await switchedOff.stop();
    await host.delete(urnFor("Schedule", "unrecorded"), taken.id, taken.properties);
    await host.delete(urnFor("Schedule", "unrecorded-again"), again.id, again.properties);
    // Four provider hosts start in turn: on a loaded 2-core machine each start can take several seconds.
  }, 120_000);

  it("keeps an adopted schedule in state when bringing it up to date fails", async () => {
    const urn = urnFor("Schedule", "adopt-then-fail");
    const existing = (await host.create(urnFor("Schedule", "by-hand-2"), (await host.check(urn, {}, { ...args, rebootPreference: "Suppress", __provider: provider })).inputs)).id;
    const news = (await host.check(urn, {}, { ...args, adoptId: existing, __provider: provider })).inputs;
    sandbox.faults.script({ method: "PUT", fault: "500", times: 1 });
    const err = await host.create(urn, news).catch((e) => e);
    expect(err).toBeInstanceOf(HostError);
    expect(err.initFailure?.id).toBe(existing);
    expect(err.initFailure?.properties).toMatchObject({ rebootPreference: "Suppress", adoptId: existing, __provider: provider });
    await host.delete(urn, existing, err.initFailure!.properties);
  });

  it("keeps __provider small and free of credentials, and logs no secret", async () => {
    expect(provider.length).toBeLessThan(4096);
    expect(provider).toContain("pulumi-immybot/dist/provider");
    for (const secret of [sandbox.info.clientSecret, sandbox.issuedTokens().at(-1)]) {
      expect(secret).toBeTruthy();
      expect(provider).not.toContain(secret);
      expect(host.logs.stderr + host.logs.stdout).not.toContain(secret);
    }
  });
});

describe("Schedule host with a wrong client secret", () => {
  it("fails the create with Entra's reason, and neither error nor logs carry the secret", async () => {
    const wrongSecret = "wrong-secret-Value~do-not-print-4242";
    const bad = await ProviderHost.start();
    try {
      await bad.configure({ ...config, "immybot:clientSecret": wrongSecret });
      const urn = urnFor("Schedule", "denied");
      const news = (await bad.check(urn, {}, { ...args, __provider: provider })).inputs;
      const err = await bad.create(urn, news).catch((e) => e);
      expect(err).toBeInstanceOf(HostError);
      expect(err.message).toMatch(/invalid_client|AADSTS7000215/);
      for (const text of [err.message, bad.logs.stderr, bad.logs.stdout]) {
        expect(text).not.toContain(wrongSecret);
        expect(text).not.toContain(sandbox.info.clientSecret);
      }
    } finally {
      await bad.stop();
    }
  });
});

describe("Schedule host without settings", () => {
  it("fails the preview with one error listing every missing setting", async () => {
    const bare = await ProviderHost.start();
    try {
      await bare.configure({});
      const err = await bare.check(urnFor("Schedule", "x"), {}, { ...args, __provider: provider }).catch((e) => e);
      expect(err).toBeInstanceOf(HostError);
      expect(err.message).toMatch(/immybot:instance|immybot:baseUrl/);
      expect(err.message).toMatch(/IMMYBOT_CLIENT_SECRET|immybot:clientSecret|accessToken/);
    } finally {
      await bare.stop();
    }
  });
});
