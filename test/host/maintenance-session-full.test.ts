/**
 * A full maintenance (`fullMaintenance: true`, the UI's Run Maintenance) through Pulumi's real dynamic-provider host
 * against the sandbox (sessions 20x faster than real time): every deployment that applies to each computer runs, one
 * action each; a run to success, a failing computer failing the step without a second start, a start whose answer
 * was lost (found, not sent again), sessions the background job makes after the step's timeout (kept in the state,
 * found by the next run), delete cancelling a run still in progress, and the SDK class in a program.
 */
import { join } from "node:path";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../../sandbox/server";
import { HostError, ProviderHost, REPO, serializedProvider, urnFor } from "../helpers/host";
import { forwardToHost, value } from "../helpers/program";

const require = createRequire(__filename);
const START = "/api/v1/run-immy-service-new";
/** RebootPreference integers (the spec's): what the guide's three reboot options are sent as. */
const REBOOT = { Normal: 0, Suppress: 1, Force: -1 };

let sandbox: Sandbox;
let host: ProviderHost;
let config: Record<string, string>;
let provider: string;
/** Deployments that apply (or not) to Contoso's computers, by what they are for. */
let d: { sevenZipContoso: number; chromeOnWs001: number; disabled: number; optional: number };

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0, recordBodies: true, sessionTimeScale: 20, sessionEnqueueDelayMs: 300 });
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  config = { "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret };
  [host, provider] = await Promise.all([ProviderHost.start(), serializedProvider("MaintenanceSession")]);
  await host.configure(config);
  const deploy = (fields: Record<string, unknown>) =>
    sandbox.createDeployment({ targetType: "AllForTenant", targetCategory: "Computer", tenantId: 2, targetEnforcement: "Required", softwareProviderType: "Inherent", ...fields }).id;
  const latest = (id: string) => ({ maintenanceType: "GlobalSoftware", maintenanceIdentifier: id, desiredSoftwareState: "LatestVersion" });
  d = {
    sevenZipContoso: deploy(latest("303")),
    chromeOnWs001: deploy({ ...latest("114"), targetType: "Computer", target: "6" }),
    // Not part of maintenance: disabled, or Optional.
    disabled: deploy({ ...latest("155"), excluded: true }),
    optional: deploy({ ...latest("118"), targetEnforcement: "Optional" }),
  };
});

afterAll(async () => {
  await host?.stop();
  await sandbox?.stop();
});

async function planned(name: string, args: Record<string, unknown>, on: ProviderHost = host) {
  const urn = urnFor("MaintenanceSession", name);
  const checked = await on.check(urn, {}, { ...args, __provider: provider });
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

/** A provider host of its own, as each `pulumi up` has. */
async function withHost<T>(body: (h: ProviderHost) => Promise<T>): Promise<T> {
  const h = await ProviderHost.start();
  try {
    await h.configure(config);
    return await body(h);
  } finally {
    await h.stop();
  }
}

const starts = () => sandbox.requests.filter((r) => r.method === "POST" && r.path === START);
const sessionsOf = (groupId: string) => sandbox.sessions().filter((s) => (s.sessionJobArgs as { sessionGroupId?: string } | undefined)?.sessionGroupId === groupId);
/** The deployments (assignmentId) a session's actions come from, in order. */
const deploymentsRun = (sessionId: number) => (sandbox.session(sessionId)?.maintenanceActions ?? []).map((a) => a.assignmentId);

describe("full maintenance through the dynamic-provider host", () => {
  it("runs every deployment that applies to each computer, waits until it has passed, and refreshes to an empty plan", async () => {
    sandbox.clearRequests();
    const { urn, inputs } = await planned("run-maintenance", { fullMaintenance: true, computers: [6, 3], rebootPreference: "Suppress" });
    const created = await host.create(urn, inputs);
    expect(starts()).toHaveLength(1);
    // No deployment to read or to resolve targets from.
    expect(sandbox.requests.filter((r) => r.path.startsWith("/api/v1/target-assignments"))).toEqual([]);
    const body = JSON.parse(starts()[0]!.body!);
    expect(body).toMatchObject({ fullMaintenance: true, deploymentId: null, computers: [{ computerId: 3 }, { computerId: 6 }], rebootPreference: REBOOT.Suppress });
    expect(body).not.toHaveProperty("maintenanceParams");

    const sessions = sessionsOf(created.id).sort((a, b) => a.computerId! - b.computerId!);
    expect(sessions.map((s) => [s.computerId, s.fullMaintenance, s.sessionStatus])).toEqual([
      [3, true, 0],
      [6, true, 0],
    ]);
    expect(sessions[1]!.sessionJobArgs).toMatchObject({ deploymentId: null, rebootPreference: REBOOT.Suppress });
    // One action per applicable deployment: the tenant's 7-Zip on both, Chrome only on CONTOSO-WS001; never the disabled or Optional one.
    expect(deploymentsRun(sessions[0]!.id)).toEqual([d.sevenZipContoso]);
    expect(deploymentsRun(sessions[1]!.id)).toEqual([d.sevenZipContoso, d.chromeOnWs001]);

    const p = created.properties;
    expect(p).toMatchObject({ sessionGroupId: created.id, fullMaintenance: true, result: "Succeeded", statusCounts: { Passed: 2 }, maintenanceType: null, maintenanceIdentifier: null });
    expect(p).not.toHaveProperty("deploymentId");
    const ws001 = (p.sessions as any[]).find((s) => s.computerId === 6);
    expect(ws001.actions.map((a: any) => [a.item, a.result])).toEqual([
      ["7-Zip", "Success"],
      ["Google Chrome", "Success"],
    ]);
    expect(host.logs.stdout).toMatch(/maintenance sessions 2\/2 finished after \d+s \(Passed 2\)/);

    const read = await host.read(urn, created.id, created.properties);
    expect(read.properties).toEqual(created.properties);
    const again = (await host.check(urn, read.inputs!, { ...inputs, __provider: provider })).inputs;
    expect((await host.diff(urn, created.id, read.properties, again)).changes).toBe("none");
    const retriggered = (await host.check(urn, read.inputs!, { ...inputs, triggers: ["r2"], __provider: provider })).inputs;
    expect(await host.diff(urn, created.id, read.properties, retriggered)).toMatchObject({ changes: "some", replaces: ["triggers"] });

    // Destroying a finished run cancels nothing.
    sandbox.clearRequests();
    await host.delete(urn, created.id, read.properties);
    expect(sandbox.requests.filter((r) => /cancel/.test(r.path))).toEqual([]);
  });

  it("fails the step when a computer fails, keeps the session ids, and does not start the run again", async () => {
    sandbox.clearRequests();
    // CONTOSO-LT022 (8) is seeded to fail its installs.
    const { urn, inputs } = await planned("run-maintenance-fails", { fullMaintenance: true, computers: [6, 8], rebootPreference: "Force" });
    const f = await initFailure(host.create(urn, inputs));
    expect(starts()).toHaveLength(1);
    expect(JSON.parse(starts()[0]!.body!)).toMatchObject({ fullMaintenance: true, rebootPreference: REBOOT.Force });
    expect(f.message).toMatch(/1 of 2 maintenance sessions failed \(Passed 1, Failed 1\)/);
    expect(f.message).toMatch(/CONTOSO-LT022 \(session \d+\): Failed – .*1603/);
    expect(f.message).not.toMatch(/CONTOSO-WS001/);
    const ids = sessionsOf(f.id).map((s) => s.id).sort((a, b) => a - b);
    expect(ids).toHaveLength(2);
    expect(f.properties).toMatchObject({ sessionGroupId: f.id, sessionIds: ids, result: "Failed", fullMaintenance: true, maintenanceType: null });
    const failed = (f.properties.sessions as any[]).find((s) => s.computerId === 8);
    expect(failed).toMatchObject({ status: "Failed", lastLog: expect.stringMatching(/1603/) });
    expect(failed.actions.map((a: any) => [a.item, a.result])).toEqual([["7-Zip", "Failed"]]);

    // The next `pulumi up` with the same arguments continues through update: the same sessions, no new run.
    const f2 = await initFailure(host.update(urn, f.id, f.properties, inputs));
    expect(f2.properties.sessionIds).toEqual(ids);
    expect(starts()).toHaveLength(1);
  });

  it("recovers a start whose answer was lost without starting the run twice", async () => {
    sandbox.clearRequests();
    sandbox.faults.script({ method: "POST", path: START, fault: "reset-after-commit" });
    const { urn, inputs } = await planned("run-maintenance-lost-answer", { fullMaintenance: true, computers: [6, 3], timeout: "2m" });
    const created = await host.create(urn, inputs);
    expect(starts()).toHaveLength(1);
    expect(starts()[0]!.fault).toBe("reset-after-commit");
    expect(sessionsOf(created.id).map((s) => s.computerId).sort()).toEqual([3, 6]);
    expect(created.properties).toMatchObject({ result: "Succeeded", sessionIds: sessionsOf(created.id).map((s) => s.id).sort((a, b) => a - b) });
  });

  it("keeps a run whose sessions appear after the step's timeout, and the next run finds them without a second start", async () => {
    // Visible 5 s after ImmyBot took the start, which is after the step began: the step, giving up 4 s after it
    // began, never sees them; the next run (a new process, at least 4 s after) looks 4 s more, so it always does.
    sandbox.clearRequests();
    sandbox.setSessionEnqueueDelay(5_000);
    let kept: NonNullable<HostError["initFailure"]>;
    let plan: { urn: string; inputs: Record<string, unknown> };
    try {
      kept = await withHost(async (h) => {
        plan = await planned("run-maintenance-slow-job", { fullMaintenance: true, computers: [6], timeout: "4s", waitFor: "started" }, h);
        const f = await initFailure(h.create(plan.urn, plan.inputs));
        expect(f.message).toMatch(/None of the sessions of maintenance run .* has appeared in ImmyBot within 4s.*never starts a second run/);
        expect(f.properties).toMatchObject({ sessionIds: [], targets: [{ kind: "computer", id: 6 }], fullMaintenance: true, maintenanceType: null });
        return f;
      });
    } finally {
      sandbox.setSessionEnqueueDelay(300);
    }
    await withHost(async (h) => {
      const updated = await h.update(plan.urn, kept.id, kept.properties, plan.inputs);
      expect(updated.properties).toMatchObject({ sessionIds: sessionsOf(kept.id).map((s) => s.id), fullMaintenance: true });
    });
    expect(starts()).toHaveLength(1);
    expect(sessionsOf(kept.id)).toHaveLength(1);
  });

  it("cancels a run still in progress on delete", async () => {
    // FAB-WS101 (12) never finishes in the sandbox.
    const { urn, inputs } = await planned("run-maintenance-hangs", { fullMaintenance: true, computers: [12], waitFor: "started", timeout: "30s" });
    const created = await host.create(urn, inputs);
    const [session] = created.properties.sessions as any[];
    expect(created.properties.result).toBe("InProgress");
    sandbox.clearRequests();
    await host.delete(urn, created.id, created.properties);
    expect(sandbox.requests.filter((r) => r.path === `/api/v1/maintenance-sessions/${session.id}/cancel`)).toHaveLength(1);
    expect(sandbox.session(session.id)).toMatchObject({ sessionStatus: 4 });
  });
});

describe("full maintenance in a program", () => {
  it("runs from the SDK class without a deployment", async () => {
    const { registered } = forwardToHost(host);
    const { MaintenanceSession } = require(join(REPO, "dist/sdk/index.js"));
    const run = new MaintenanceSession("patch-night", { fullMaintenance: true, computers: [3], rebootPreference: "Normal", triggers: ["2026-11"] });
    const [result, sessions, id] = await Promise.all([value<string>(run.result), value<any[]>(run.sessions), value<string>(run.id)]);
    expect(result).toBe("Succeeded");
    expect(sessions.map((s) => s.computerId)).toEqual([3]);
    const reg = registered.find((r) => r.name === "patch-night")!;
    expect(reg.inputs).toMatchObject({ fullMaintenance: true, computers: [3] });
    expect(reg.inputs).not.toHaveProperty("deploymentId");
    expect(sessionsOf(id)[0]).toMatchObject({ fullMaintenance: true, sessionJobArgs: { deploymentId: null, rebootPreference: REBOOT.Normal } });
  });
});
