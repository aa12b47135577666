/**
 * MaintenanceSession through Pulumi's real dynamic-provider host against the sandbox (sessions simulated 20x faster
 * than real time): a run to success, a failing computer, a timeout, refresh, replace by triggers, delete cancelling
 * a running session, preview starting nothing, and a password parameter that never shows up.
 */
import { join } from "node:path";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../../sandbox/server";
import { HostError, ProviderHost, REPO, serializedProvider, UNKNOWN, urnFor } from "../helpers/host";
import { forwardToHost, value } from "../helpers/program";
import { writeRequests } from "../helpers/scenario";

const require = createRequire(__filename);
const PASSWORD = "BIOS-pa55word-never-in-a-session";
const START = "/api/v1/run-immy-service-new";

let sandbox: Sandbox;
let host: ProviderHost;
let provider: string;
/** 7-Zip, latest, on Contoso's computers. */
let sevenZip: string;

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0, sessionTimeScale: 20, sessionEnqueueDelayMs: 300 });
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  [host, provider] = await Promise.all([ProviderHost.start(), serializedProvider("MaintenanceSession")]);
  await host.configure({ "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret });
  sevenZip = String(
    sandbox.createDeployment({ maintenanceType: 0, maintenanceIdentifier: "303", desiredSoftwareState: 5, targetType: 21, targetCategory: 0, tenantId: 2, targetEnforcement: 1, softwareProviderType: 3 }).id,
  );
});

afterAll(async () => {
  await host?.stop();
  await sandbox?.stop();
});

/** Checked inputs, as the engine would send them to create. */
async function planned(name: string, args: Record<string, unknown>) {
  const urn = urnFor("MaintenanceSession", name);
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
  expect(f, `expected a partial failure that keeps the run in state, got: ${(e as Error).message}`).toBeDefined();
  return { ...f!, message: (e as Error).message };
}

const starts = () => sandbox.requests.filter((r) => r.method === "POST" && r.path === START).length;
const sessionsOf = (groupId: string) => sandbox.sessions().filter((s) => (s.sessionJobArgs as { sessionGroupId?: string } | undefined)?.sessionGroupId === groupId);

describe("MaintenanceSession through the dynamic-provider host", () => {
  it("starts nothing during preview", async () => {
    sandbox.clearRequests();
    const urn = urnFor("MaintenanceSession", "preview");
    const checked = await host.check(urn, {}, { deploymentId: UNKNOWN, computers: [6], triggers: [UNKNOWN], __provider: provider });
    expect(checked.failures).toEqual([]);
    const d = await host.diff(urn, "00000000-0000-4000-8000-000000000000", { ...checked.inputs, deploymentId: sevenZip, triggers: [1] }, checked.inputs);
    expect(d).toMatchObject({ changes: "some" });
    expect(d.replaces).toEqual(expect.arrayContaining(["deploymentId", "triggers"]));
    // Only the read that names the computers (run-preview.test.ts); nothing started, nothing written.
    expect(sandbox.requests.filter((r) => r.path.startsWith("/api/")).map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/v1/computers/6"]);
    expect(writeRequests(sandbox)).toEqual([]);
  });

  it("starts a run, waits until it has passed, and refreshes to an empty plan", async () => {
    sandbox.clearRequests();
    const { urn, inputs } = await planned("passes", { deploymentId: sevenZip, computers: [6, 3], rebootPreference: "Suppress" });
    expect(inputs.computers).toEqual([3, 6]);
    const created = await host.create(urn, inputs);
    expect(starts()).toBe(1);

    const sessions = sessionsOf(created.id);
    expect(sessions.map((s) => s.computerId).sort()).toEqual([3, 6]);
    expect(sessions.every((s) => s.sessionStatus === 0)).toBe(true);
    expect(sessions[0]!.sessionJobArgs).toMatchObject({ deploymentId: Number(sevenZip), rebootPreference: 1 });

    const p = created.properties;
    expect(p).toMatchObject({ sessionGroupId: created.id, result: "Succeeded", statusCounts: { Passed: 2 }, maintenanceType: "GlobalSoftware", maintenanceIdentifier: "303" });
    expect(p.sessionIds).toEqual(sessions.map((s) => s.id).sort((a, b) => a - b));
    const first = (p.sessions as any[])[0];
    expect(first).toMatchObject({ computerId: 3, computerName: "CONTOSO-DC01", tenantId: 2, status: "Passed", stages: { detection: "Passed", execution: "Passed" }, startedByThisRun: true, lastLog: null });
    expect(first.actions[0]).toMatchObject({ item: "7-Zip", result: "Success" });
    expect(first.finishedAt).toEqual(expect.any(String));
    expect(p.durationSeconds).toEqual(expect.any(Number));
    // The user sees progress while it waits.
    expect(host.logs.stdout).toMatch(/maintenance sessions 2\/2 finished after \d+s \(Passed 2\)/);

    const read = await host.read(urn, created.id, created.properties);
    expect(read.properties).toEqual(created.properties);
    expect(read.inputs).toEqual(inputs);
    const again = (await host.check(urn, read.inputs!, { ...inputs, __provider: provider })).inputs;
    expect((await host.diff(urn, created.id, read.properties, again)).changes).toBe("none");

    // Destroying a finished run cancels nothing.
    sandbox.clearRequests();
    await host.delete(urn, created.id, read.properties);
    expect(sandbox.requests.filter((r) => /cancel/.test(r.path))).toEqual([]);
    expect(sessionsOf(created.id)).toHaveLength(2);
    expect(sessionsOf(created.id).every((s) => s.sessionStatus === 0)).toBe(true);
  });

  it("runs on every computer the deployment targets when no target is given", async () => {
    const labs = String(sandbox.createDeployment({ maintenanceType: 0, maintenanceIdentifier: "118", desiredSoftwareState: 5, targetType: 21, targetCategory: 0, tenantId: 3, targetEnforcement: 1, softwareProviderType: 3 }).id);
    const { urn, inputs } = await planned("labs", { deploymentId: labs });
    const created = await host.create(urn, inputs);
    const expected = (sandbox.seed().computers ?? []).filter((c) => c.tenantId === 3).map((c) => c.id);
    expect((created.properties.sessions as any[]).map((s) => s.computerId)).toEqual(expected);
    expect(created.properties.result).toBe("Succeeded");
  });

  it("fails the step when a computer fails, keeps the session ids, and does not start the run again", async () => {
    sandbox.clearRequests();
    const { urn, inputs } = await planned("fails", { deploymentId: sevenZip, computers: [6, 8] });
    const f = await initFailure(host.create(urn, inputs));
    expect(starts()).toBe(1);
    expect(f.message).toMatch(/1 of 2 maintenance sessions failed/);
    expect(f.message).toMatch(/CONTOSO-LT022 \(session \d+\): Failed – Install failed: the installer exited with code 1603/);
    expect(f.message).not.toMatch(/CONTOSO-WS001/);
    const ids = sessionsOf(f.id).map((s) => s.id).sort((a, b) => a - b);
    expect(f.properties).toMatchObject({ sessionGroupId: f.id, sessionIds: ids, result: "Failed", statusCounts: { Passed: 1, Failed: 1 } });
    expect(f.properties.__provider).toBe(provider);
    const failed = (f.properties.sessions as any[]).find((s) => s.computerId === 8);
    expect(failed).toMatchObject({ status: "Failed", lastLog: expect.stringMatching(/1603/) });
    expect(failed.actions[0]).toMatchObject({ result: "Failed" });

    // The next `pulumi up` with the same arguments "continues awaiting" through update: same sessions, no new run.
    const f2 = await initFailure(host.update(urn, f.id, f.properties, inputs));
    expect(f2.properties.sessionIds).toEqual(ids);
    expect(starts()).toBe(1);
  });

  it("counts PartialPassed as a failure only when asked to", async () => {
    // CONTOSO-FS01 (5) ends PartialPassed in the sandbox's seed.
    const lenient = await planned("partial-ok", { deploymentId: sevenZip, computers: [5] });
    expect((await host.create(lenient.urn, lenient.inputs)).properties).toMatchObject({ result: "Succeeded", statusCounts: { PartialPassed: 1 } });
    const strict = await planned("partial-strict", { deploymentId: sevenZip, computers: [5], failOnPartialPassed: true });
    const f = await initFailure(host.create(strict.urn, strict.inputs));
    expect(f.message).toMatch(/CONTOSO-FS01 \(session \d+\): PartialPassed – Installed, but the post-install test failed/);
  });

  it("times out on a computer that stays offline, then finishes on the next up once it is back", async () => {
    sandbox.clearRequests();
    const { urn, inputs } = await planned("offline", { deploymentId: sevenZip, computers: [7], offlineBehavior: "ApplyOnConnect", timeout: "2s" });
    const f = await initFailure(host.create(urn, inputs));
    expect(f.message).toMatch(/Timed out after 2s waiting for 1 of 1 sessions to finish/);
    expect(f.message).toMatch(/CONTOSO-LT014 \(session \d+\): PendingConnectivity/);
    expect(f.properties).toMatchObject({ result: "InProgress", statusCounts: { PendingConnectivity: 1 } });

    sandbox.setComputerOnline(7, true);
    try {
      const done = await host.update(urn, f.id, f.properties, inputs);
      expect(done.properties).toMatchObject({ result: "Succeeded", sessionIds: f.properties.sessionIds });
      expect(starts()).toBe(1);
    } finally {
      sandbox.setComputerOnline(7, false);
    }
  });

  it("waits only until the run started with waitFor, refreshes its progress, and cancels it on delete", async () => {
    const { urn, inputs } = await planned("hangs", { deploymentId: sevenZip, computers: [12], waitFor: "started", timeout: "30s" });
    // FAB-WS101 never finishes in the sandbox; the deployment targets Contoso, but an explicit list wins.
    const created = await host.create(urn, inputs);
    const [session] = created.properties.sessions as any[];
    expect(session.status).not.toBe("Created");
    expect(created.properties.result).toBe("InProgress");

    await new Promise((r) => setTimeout(r, 1_200));
    const refreshed = await host.read(urn, created.id, created.properties);
    expect((refreshed.properties.sessions as any[])[0]).toMatchObject({ status: "Running", stages: { detection: "Passed", execution: "Running" } });

    sandbox.clearRequests();
    await host.delete(urn, created.id, refreshed.properties);
    expect(sandbox.session(session.id)).toMatchObject({ sessionStatus: 4 });
    expect(sandbox.requests.filter((r) => r.path === `/api/v1/maintenance-sessions/${session.id}/cancel`)).toHaveLength(1);
    const after = await host.read(urn, created.id, refreshed.properties);
    expect(after.properties).toMatchObject({ result: "Failed", statusCounts: { Cancelled: 1 } });
  });

  it("replaces the run when triggers change, and a refresh of a run ImmyBot no longer has drops it", async () => {
    const { urn, inputs } = await planned("triggered", { deploymentId: sevenZip, computers: [6], triggers: ["release-1"], waitFor: "none" });
    const first = await host.create(urn, inputs);
    const next = (await host.check(urn, inputs, { ...inputs, triggers: ["release-2"], __provider: provider })).inputs;
    expect(await host.diff(urn, first.id, first.properties, next)).toMatchObject({ changes: "some", replaces: ["triggers"] });
    expect((await host.diff(urn, first.id, first.properties, inputs)).changes).toBe("none");
    const second = await host.create(urn, next);
    expect(second.id).not.toBe(first.id);
    expect(sessionsOf(second.id)).toHaveLength(1);

    const gone = await host.read(urn, first.id, { ...first.properties, sessionIds: [987654] });
    expect(gone.id).toBe("");
  });

  it("recovers a start whose answer was lost without starting the run twice", async () => {
    sandbox.clearRequests();
    sandbox.faults.script({ method: "POST", path: START, fault: "reset-after-commit" });
    const { urn, inputs } = await planned("lost-answer", { deploymentId: sevenZip, computers: [6], waitFor: "none" });
    const created = await host.create(urn, inputs);
    expect(starts()).toBe(1);
    expect(sandbox.requests.find((r) => r.path === START)?.fault).toBe("reset-after-commit");
    expect(sessionsOf(created.id)).toHaveLength(1);
    expect(created.properties.sessionIds).toEqual(sessionsOf(created.id).map((s) => s.id));
  });

  it("fails at create with the fix when the deployment does not exist, before starting anything", async () => {
    sandbox.clearRequests();
    const { urn, inputs } = await planned("ghost", { deploymentId: "999999", computers: [6] });
    await expect(host.create(urn, inputs)).rejects.toThrow(/deploymentId: ImmyBot has no deployment 999999/);
    expect(starts()).toBe(0);
  });
});

describe("MaintenanceSession in a program", () => {
  it("follows a Deployment, and never shows the deployment's password parameter", async () => {
    const { registered } = forwardToHost(host);
    const { Deployment, MaintenanceSession } = require(join(REPO, "dist/sdk/index.js"));
    const bios = new Deployment("bios-for-run", { task: { id: "7", scope: "Local" }, parameters: { AdminPassword: PASSWORD, Enforce: true }, targetType: "Computer", target: "6" });
    const run = new MaintenanceSession("bios-now", { deployment: bios, triggers: [1] });
    const [depId, result, sessions] = await Promise.all([value<string>(bios.id), value<string>(run.result), value<any[]>(run.sessions)]);
    expect(result).toBe("Succeeded");
    expect(sessions.map((s) => s.computerId)).toEqual([6]);
    const reg = registered.find((r) => r.name === "bios-now")!;
    expect(reg.type).toBe("pulumi-nodejs:dynamic/immybot:MaintenanceSession");
    expect(reg.inputs.deploymentId).toBe(depId);
    expect(sessionsOf(await value<string>(run.id))[0]?.sessionJobArgs).toMatchObject({ deploymentId: Number(depId) });
    expect(JSON.stringify(sessions)).not.toContain(PASSWORD);
    expect(host.logs.stderr + host.logs.stdout).not.toContain(PASSWORD);
  });
});
