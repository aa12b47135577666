/**
 * MaintenanceRollout through Pulumi's real dynamic-provider host against the sandbox (sessions 20x faster than real
 * time): rings from a tag, computer lists and fractions all passing (one within its gate despite a failure); a
 * canary ring failing its gate (the next rings never start; the next `up` resumes from it, a new `triggers` starts
 * it again without repeating a ring that passed); `maxConcurrent` as observed in the sandbox; a start whose answer
 * was lost (no double run); a timed-out ring kept in the state and cancelled on delete.
 */
import { join } from "node:path";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../../sandbox/server";
import { HostError, ProviderHost, REPO, serializedProvider, urnFor } from "../helpers/host";
import { forwardToHost, value } from "../helpers/program";
import { until } from "../helpers/until";

const require = createRequire(__filename);

const START = "/api/v1/run-immy-service-new";
/** SessionStatus integers of a session still in progress (Running, Created, Pending, PendingConnectivity, ...). */
const IN_PROGRESS = new Set([1, 3, 6, 8, 11, 12]);

let sandbox: Sandbox;
let host: ProviderHost;
let provider: string;
/** 7-Zip for every computer of Contoso (3..8; CONTOSO-FS01, 5, ends PartialPassed, CONTOSO-LT014, 7, is offline and CONTOSO-LT022, 8, fails its installs). */
let sevenZip: string;

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0, recordBodies: true, sessionTimeScale: 20, sessionEnqueueDelayMs: 300 });
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  [host, provider] = await Promise.all([ProviderHost.start(), serializedProvider("MaintenanceRollout")]);
  await host.configure({ "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret });
  sevenZip = sandbox.createDeployment({
    targetType: "AllForTenant",
    targetCategory: "Computer",
    tenantId: 2,
    targetEnforcement: "Required",
    softwareProviderType: "Inherent",
    maintenanceType: "GlobalSoftware",
    maintenanceIdentifier: "303",
    desiredSoftwareState: "LatestVersion",
  }).id.toString();
});

afterAll(async () => {
  await host?.stop();
  await sandbox?.stop();
});

async function planned(name: string, args: Record<string, unknown>) {
  const urn = urnFor("MaintenanceRollout", name);
  const checked = await host.check(urn, {}, { ...args, __provider: provider });
  expect(checked.failures).toEqual([]);
  return { urn, inputs: checked.inputs };
}

async function initFailure(p: Promise<unknown>): Promise<NonNullable<HostError["initFailure"]> & { message: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(HostError);
  const f = (e as HostError).initFailure;
  expect(f, `expected a partial failure that keeps the rollout in state, got: ${(e as Error).message}`).toBeDefined();
  return { ...f!, message: (e as Error).message };
}

const starts = () => sandbox.requests.filter((r) => r.method === "POST" && r.path === START);
/** The computers each start asked for, in order. */
const startedOn = () => starts().map((r) => (JSON.parse(r.body!).computers as { computerId: number }[]).map((c) => c.computerId).sort((a, b) => a - b));
const groupOf = (s: { sessionJobArgs?: unknown }) => (s.sessionJobArgs as { sessionGroupId?: string } | undefined)?.sessionGroupId;
const ring = (p: Record<string, unknown>, name: string) => (p.ringResults as any[]).find((r) => r.name === name);


describe("MaintenanceRollout through the dynamic-provider host", () => {
  it("runs a tag ring, a fraction and the rest in order, each ring after the one before passed its gate", async () => {
    sandbox.clearRequests();
    const { urn, inputs } = await planned("rings-pass", {
      deploymentId: sevenZip,
      rings: [
        { name: "canary", computers: [6] },
        { name: "pilot", fraction: 0.5 },
        // CONTOSO-LT014 and CONTOSO-LT022 fail: two failures of three are within 67%.
        { name: "broad", fraction: 1, maxFailures: "67%", maxConcurrent: 2 },
      ],
    });
    const created = await host.create(urn, inputs);
    const p = created.properties;
    expect(p).toMatchObject({ rolloutId: created.id, result: "Succeeded", failedRing: null });
    expect((p.ringResults as any[]).map((r) => [r.name, r.computers, r.status, r.batches.length])).toEqual([
      ["canary", [6], "Passed", 1],
      ["pilot", [3, 4], "Passed", 1],
      ["broad", [5, 7, 8], "Passed", 2],
    ]);
    expect(ring(p, "broad")).toMatchObject({ allowedFailures: 2, failures: 2, statusCounts: { Failed: 2, PartialPassed: 1 } });
    expect(ring(p, "broad").failedComputers.map((c: any) => [c.computerId, c.status])).toEqual([[7, "Failed"], [8, "Failed"]]);
    expect(ring(p, "broad").failedComputers[1].lastLog).toMatch(/1603/);
    // One start per batch, in ring order.
    expect(startedOn()).toEqual([[6], [3, 4], [5, 7], [8]]);
    // A ring starts only after the one before has finished.
    const first = (name: string) => Math.min(...ring(p, name).batches.flatMap((b: any) => b.sessions.map((s: any) => Date.parse(s.createdAt))));
    const last = (name: string) => Math.max(...ring(p, name).batches.map((b: any) => Date.parse(b.finishedAt)));
    expect(first("pilot")).toBeGreaterThanOrEqual(last("canary"));
    expect(first("broad")).toBeGreaterThanOrEqual(last("pilot"));
    expect(host.logs.stdout).toMatch(/rollout ring "broad" \(3\/3\), batch 2\/2: starting 1 computer/);
  });

  it("takes a tag's computers from ImmyBot's target preview, read only", async () => {
    sandbox.clearRequests();
    // Tag 1 (Canary) is on NW-ADMIN01 (1), CONTOSO-WS001 (6) and LABS-WS01 (10).
    const { urn, inputs } = await planned("tag-ring", { fullMaintenance: true, rings: [{ name: "canary", tag: "1" }] });
    const created = await host.create(urn, inputs);
    expect(ring(created.properties, "canary")).toMatchObject({ computers: [1, 6, 10], status: "Passed" });
    const previews = sandbox.requests.filter((r) => r.path === "/api/v1/target-assignments/target-preview");
    expect(previews).toHaveLength(1);
    expect(JSON.parse(previews[0]!.body!)).toMatchObject({ targetType: 30, target: "1" });
    expect(startedOn()).toEqual([[1, 6, 10]]);

    // Refresh reads the same; a new trigger after a finished rollout starts a new one from the first ring.
    const read = await host.read(urn, created.id, created.properties);
    expect(read.properties.ringResults).toEqual(created.properties.ringResults);
    expect((await host.diff(urn, created.id, read.properties, inputs)).changes).toBe("none");
    const retriggered = (await host.check(urn, read.inputs!, { fullMaintenance: true, rings: [{ name: "canary", tag: "1" }], triggers: ["r2"], __provider: provider })).inputs;
    const again = await host.update(urn, created.id, read.properties, retriggered);
    expect(startedOn()).toEqual([[1, 6, 10], [1, 6, 10]]);
    expect(ring(again.properties, "canary").batches[0].sessionGroupId).not.toBe(ring(created.properties, "canary").batches[0].sessionGroupId);
    expect(again.properties).toMatchObject({ result: "Succeeded", triggers: ["r2"] });
  });

  it("soaks after a ring before starting the next", async () => {
    sandbox.clearRequests();
    const { urn, inputs } = await planned("soak", { fullMaintenance: true, rings: [{ name: "a", computers: [3], soak: "3s" }, { name: "b", computers: [4] }] });
    const created = await host.create(urn, inputs);
    const a = ring(created.properties, "a");
    expect(Date.parse(a.soakUntil) - Date.parse(a.finishedAt)).toBe(3000);
    const b = ring(created.properties, "b");
    expect(b.soakUntil).toBeNull();
    expect(Date.parse(b.batches[0].sessions[0].createdAt)).toBeGreaterThanOrEqual(Date.parse(a.soakUntil));
    expect(host.logs.stdout).toMatch(/rollout ring "a" passed; soaking 3s before ring "b"/);
  });

  it("fails on the canary's gate, starts no further ring, resumes from it, and starts it again after a new trigger", async () => {
    sandbox.clearRequests();
    const args = { deploymentId: sevenZip, rings: [{ name: "first", computers: [6] }, { name: "canary", computers: [8] }, { name: "broad", computers: [3, 4] }] };
    const { urn, inputs } = await planned("canary-fails", args);
    const f = await initFailure(host.create(urn, inputs));
    expect(f.message).toMatch(/Ring "canary" \(2 of 3\) failed its gate: 1 of 1 sessions failed, at most 0 allowed\. Ring "broad" was not started\./);
    expect(f.message).toMatch(/CONTOSO-LT022 \(session \d+\): Failed – .*1603/);
    expect(f.message).toMatch(/change `triggers` to start ring "canary" again/);
    expect(startedOn()).toEqual([[6], [8]]);
    expect(f.properties).toMatchObject({ result: "Failed", failedRing: "canary" });
    expect((f.properties.ringResults as any[]).map((r) => r.status)).toEqual(["Passed", "Failed", "NotStarted"]);

    // The next `up`, unchanged: looks at the canary's run again, starts nothing.
    const again = await initFailure(host.update(urn, f.id, f.properties, inputs));
    expect(again.message).toMatch(/Ring "canary" \(2 of 3\) failed its gate/);
    expect(startedOn()).toEqual([[6], [8]]);
    expect(ring(again.properties, "canary").batches[0].sessionGroupId).toBe(ring(f.properties, "canary").batches[0].sessionGroupId);

    // A new trigger updates in place and starts the canary again; the ring that passed is not repeated.
    const retriggered = (await host.check(urn, again.properties, { ...args, triggers: ["fixed"], __provider: provider })).inputs;
    expect(await host.diff(urn, f.id, again.properties, retriggered)).toMatchObject({ changes: "some", replaces: [] });
    const third = await initFailure(host.update(urn, f.id, again.properties, retriggered));
    expect(startedOn()).toEqual([[6], [8], [8]]);
    expect(ring(third.properties, "canary").batches[0].sessionGroupId).not.toBe(ring(f.properties, "canary").batches[0].sessionGroupId);
    expect(ring(third.properties, "first")).toEqual(ring(f.properties, "first"));
    expect(ring(third.properties, "broad").status).toBe("NotStarted");
  });

  it("never has more computers of a ring in maintenance at once than maxConcurrent", async () => {
    sandbox.clearRequests();
    const { urn, inputs } = await planned("max-concurrent", { fullMaintenance: true, rings: [{ name: "all", computers: [3, 4, 5, 6, 9], maxConcurrent: 2 }] });
    const ours = new Set<string>();
    let most = 0;
    let samples = 0;
    const sampler = setInterval(() => {
      const running = sandbox.sessions().filter((s) => ours.has(groupOf(s) ?? "") && IN_PROGRESS.has(s.sessionStatus as number)).length;
      most = Math.max(most, running);
      if (running > 0) samples++;
    }, 25);
    // The groups are known from the start requests the sandbox recorded, before their sessions exist.
    const watcher = setInterval(() => starts().forEach((r) => ours.add(JSON.parse(r.body!).sessionGroupId)), 5);
    let created;
    try {
      created = await host.create(urn, inputs);
    } finally {
      clearInterval(sampler);
      clearInterval(watcher);
    }
    expect(startedOn()).toEqual([[3, 4], [5, 6], [9]]);
    expect(samples).toBeGreaterThan(0);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2);
    const batches = ring(created.properties, "all").batches as any[];
    expect(batches).toHaveLength(3);
    // Each batch's sessions were created after the batch before had finished.
    for (let i = 1; i < batches.length; i++) {
      const made = Math.min(...batches[i].sessions.map((s: any) => Date.parse(s.createdAt)));
      expect(made).toBeGreaterThanOrEqual(Date.parse(batches[i - 1].finishedAt));
    }
  });

  it("recovers a ring's start whose answer was lost without starting it twice", async () => {
    sandbox.clearRequests();
    sandbox.faults.script({ method: "POST", path: START, fault: "reset-after-commit" });
    const { urn, inputs } = await planned("lost-answer", { deploymentId: sevenZip, timeout: "2m", rings: [{ name: "a", computers: [3] }, { name: "b", computers: [4] }] });
    const created = await host.create(urn, inputs);
    expect(starts()).toHaveLength(2);
    expect(starts()[0]!.fault).toBe("reset-after-commit");
    expect(created.properties.result).toBe("Succeeded");
    for (const name of ["a", "b"]) {
      const gid = ring(created.properties, name).batches[0].sessionGroupId;
      expect(sandbox.sessions().filter((s) => groupOf(s) === gid)).toHaveLength(1);
    }
  });

  it("resumed with adoptId after its host was killed right after a start ImmyBot makes minutes later, does not start that batch again", async () => {
    sandbox.clearRequests();
    const args = { fullMaintenance: true, timeout: "30s", rings: [{ name: "a", computers: [3] }, { name: "b", computers: [4] }] };
    const killed = await ProviderHost.start();
    const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
    const config = { "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret };
    await killed.configure(config);
    const urn = urnFor("MaintenanceRollout", "resumed");
    const inputs = (await killed.check(urn, {}, { ...args, __provider: provider })).inputs;
    const running = killed.create(urn, inputs).catch((e: unknown) => e);
    try {
      // Ring b's start: committed, its answer held back, its session made by the background job only 8 s later.
      await until(() => starts().length === 1);
      sandbox.setSessionEnqueueDelay(8_000);
      sandbox.faults.script({ method: "POST", path: START, fault: "slow", delayMs: 60_000 });
      await until(() => starts().length === 2);
      await killed.kill();
      expect(await running).toBeInstanceOf(Error);
    } finally {
      sandbox.setSessionEnqueueDelay(300);
    }
    const sent = JSON.parse(starts()[1]!.body!).sessionGroupId as string;
    expect(sandbox.sessions().filter((s) => groupOf(s) === sent)).toHaveLength(1); // made, not yet visible
    const R = /immybot: rollout ([0-9a-f-]{36}) starting; if this up is cancelled/.exec(killed.logs.stdout)?.[1];
    expect(R, killed.logs.stdout).toBeDefined();

    const resumedHost = await ProviderHost.start();
    try {
      await resumedHost.configure(config);
      const checked = await resumedHost.check(urn, {}, { ...args, adoptId: R, __provider: provider });
      expect(checked.failures).toEqual([]);
      const created = await resumedHost.create(urn, checked.inputs);
      expect(created.id).toBe(R);
      expect(created.properties.result).toBe("Succeeded");
      expect(starts()).toHaveLength(2);
      expect(ring(created.properties, "b").batches[0].sessionGroupId).toBe(sent);
      expect(sandbox.sessions().filter((s) => groupOf(s) === sent)).toHaveLength(1);
      expect(resumedHost.logs.stdout.match(/found the interrupted run's sessions; following them, starting nothing/g)).toHaveLength(2);
    } finally {
      await resumedHost.stop();
    }
  });

  it("retried after an update (a new trigger) was killed mid-ring, follows the batch that update started instead of starting it again", async () => {
    sandbox.clearRequests();
    // CONTOSO-LT022 (8) fails its installs: ring "a" fails its gate every time.
    const args = { deploymentId: sevenZip, timeout: "1m", rings: [{ name: "a", computers: [8] }, { name: "b", computers: [3] }] };
    const { urn, inputs } = await planned("killed-update", args);
    const f = await initFailure(host.create(urn, inputs));
    expect(starts()).toHaveLength(1);
    const retriggered = (await host.check(urn, f.properties, { ...args, triggers: ["fixed"], __provider: provider })).inputs;

    const killed = await ProviderHost.start();
    const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
    await killed.configure({ "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret });
    const running = killed.update(urn, f.id, f.properties, retriggered).catch((e: unknown) => e);
    // Killed once the update's run is under way: its session is visible (the killed host has read it).
    const made = () => sandbox.sessions().find((s) => starts().length === 2 && groupOf(s) === JSON.parse(starts()[1]!.body!).sessionGroupId);
    await until(() => made() !== undefined && sandbox.requests.some((r) => r.method === "GET" && r.path === `/api/v1/maintenance-sessions/${made()!.id}` && r.status === 200));
    await killed.kill();
    await running;
    const sent = JSON.parse(starts()[1]!.body!).sessionGroupId as string;
    expect(sent).not.toBe(ring(f.properties, "a").batches[0].sessionGroupId);

    // The engine retries with the same olds: the same attempt gives the same group id, found and followed.
    const again = await initFailure(host.update(urn, f.id, f.properties, retriggered));
    expect(again.message).toMatch(/Ring "a" \(1 of 2\) failed its gate/);
    expect(starts()).toHaveLength(2);
    expect(ring(again.properties, "a")).toMatchObject({ attempt: 1, batches: [{ sessionGroupId: sent }] });
    expect(sandbox.sessions().filter((s) => groupOf(s) === sent)).toHaveLength(1);
  });

  it("runs from the SDK class with a deployment's id", async () => {
    const { registered } = forwardToHost(host);
    const { MaintenanceRollout } = require(join(REPO, "dist/sdk/index.js"));
    const rollout = new MaintenanceRollout("sdk-rings", { deploymentId: sevenZip, rings: [{ name: "one", computers: [3] }], triggers: ["2026-11"] });
    const [result, rings] = await Promise.all([value<string>(rollout.result), value<any[]>(rollout.ringResults)]);
    expect(result).toBe("Succeeded");
    expect(rings.map((r) => [r.name, r.computers, r.status])).toEqual([["one", [3], "Passed"]]);
    expect(registered.find((r) => r.name === "sdk-rings")!.inputs).toMatchObject({ deploymentId: sevenZip, rings: [{ name: "one", computers: [3] }] });
  });

  it("keeps a ring that timed out in the state and cancels its sessions on delete", async () => {
    sandbox.clearRequests();
    // FAB-WS101 (12) never finishes in the sandbox.
    const { urn, inputs } = await planned("times-out", { fullMaintenance: true, timeout: "5s", rings: [{ name: "hangs", computers: [12] }, { name: "next", computers: [3] }] });
    const f = await initFailure(host.create(urn, inputs));
    expect(f.message).toMatch(/Timed out after 5s/);
    expect(startedOn()).toEqual([[12]]);
    const [session] = ring(f.properties, "hangs").batches[0].sessions as any[];
    expect(ring(f.properties, "hangs").status).toBe("Running");
    sandbox.clearRequests();
    await host.delete(urn, f.id, f.properties);
    expect(sandbox.requests.filter((r) => r.path === `/api/v1/maintenance-sessions/${session.id}/cancel`)).toHaveLength(1);
    expect(sandbox.session(session.id)).toMatchObject({ sessionStatus: 4 });
  });

  it("cancels what still runs of a ring that timed out, and starts it again with a new trigger only once that has ended", async () => {
    sandbox.clearRequests();
    const args = { fullMaintenance: true, timeout: "10s", triggers: ["1"], rings: [{ name: "hangs", computers: [12] }, { name: "next", computers: [3] }] };
    const { urn, inputs } = await planned("retrigger-timed-out", args);
    const first = await initFailure(host.create(urn, inputs));
    const [old] = ring(first.properties, "hangs").batches[0].sessions as any[];
    expect(sandbox.session(old.id)).not.toMatchObject({ sessionStatus: 4 });

    sandbox.clearRequests();
    // A cancel reaches the session 5 s after ImmyBot answered it, as a real agent stops when it gets to it.
    const CANCEL_DELAY_MS = 5_000;
    sandbox.setSessionCancelDelay(CANCEL_DELAY_MS);
    const retriggered = await host.check(urn, first.properties, { ...args, triggers: ["2"], __provider: provider });
    expect(retriggered.failures).toEqual([]);
    // The new attempt times out too (FAB-WS101 never finishes): the old session was cancelled, and had ended, before it started.
    const second = await initFailure(host.update(urn, first.id, first.properties, retriggered.inputs)).finally(() => sandbox.setSessionCancelDelay(0));
    const cancelOld = sandbox.requests.find((r) => r.path === `/api/v1/maintenance-sessions/${old.id}/cancel`);
    const startNew = sandbox.requests.find((r) => r.method === "POST" && r.path === START);
    expect(cancelOld).toBeDefined();
    expect(startNew).toBeDefined();
    expect(startNew!.at - cancelOld!.at).toBeGreaterThanOrEqual(CANCEL_DELAY_MS);
    expect(sandbox.session(old.id)).toMatchObject({ sessionStatus: 4 });
    const [fresh] = ring(second.properties, "hangs").batches[0].sessions as any[];
    expect(fresh.id).not.toBe(old.id);

    await host.delete(urn, second.id, second.properties);
    expect(sandbox.session(fresh.id)).toMatchObject({ sessionStatus: 4 });
  });
});
