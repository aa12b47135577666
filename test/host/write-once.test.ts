/**
 * Writes at most once, through Pulumi's real dynamic-provider host against the sandbox with ImmyBot's worst timings:
 * a POST answered after the client gave up (committed at once), a POST that commits late (within, and after, the
 * provider's look), a run start answered late, a start whose sessions the background job makes after the step's
 * timeout, and a 429 on the start. Afterwards ImmyBot holds exactly one object (one session per computer) per
 * resource, and the state says so.
 *
 * The client gives up on an answer after 1 s here, so a create looks 2 s for what its POST may have made.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../../sandbox/server";
import { HostError, ProviderHost, serializedProvider, urnFor } from "../helpers/host";
import { until as waitUntil } from "../helpers/until";

const START = "/api/v1/run-immy-service-new";
const SCHEDULES = "/api/v1/schedules";
const DEPLOYMENTS = "/api/v1/target-assignments";

let sandbox: Sandbox;
/** The host of the tests that model one run; a "next run" gets a host of its own (`withHost`). */
let shared: ProviderHost;
let config: Record<string, string>;
const providers: Record<string, string> = {};
/** 7-Zip, latest, on Contoso's computers: what the runs enforce. */
let sevenZip: string;

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0, sessionTimeScale: 20, sessionEnqueueDelayMs: 300 });
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  config = {
    "immybot:baseUrl": baseUrl,
    "immybot:tokenUrl": tokenUrl,
    "immybot:clientId": clientId,
    "immybot:clientSecret": clientSecret,
    "immybot:requestTimeoutMs": "1000",
    "immybot:retryMinDelayMs": "50",
    "immybot:retryMaxDelayMs": "200",
  };
  for (const kind of ["Schedule", "Deployment", "MaintenanceSession"]) providers[kind] = await serializedProvider(kind);
  shared = await ProviderHost.start();
  await shared.configure(config);
  sevenZip = String(
    sandbox.createDeployment({ maintenanceType: 0, maintenanceIdentifier: "303", desiredSoftwareState: 5, targetType: 21, targetCategory: 0, tenantId: 2, targetEnforcement: 1, softwareProviderType: 3 }).id,
  );
});

afterAll(async () => {
  await shared?.stop();
  await sandbox?.stop();
});

/** A provider host of its own, as each `pulumi up` has: nothing the last run's process learnt carries over. */
async function withHost<T>(body: (host: ProviderHost) => Promise<T>): Promise<T> {
  const host = await ProviderHost.start();
  try {
    await host.configure(config);
    return await body(host);
  } finally {
    await host.stop();
  }
}

async function planned(host: ProviderHost, kind: string, name: string, args: Record<string, unknown>) {
  const urn = urnFor(kind, name);
  const checked = await host.check(urn, {}, { ...args, __provider: providers[kind] });
  expect(checked.failures).toEqual([]);
  return { urn, inputs: checked.inputs };
}

async function failure(p: Promise<unknown>): Promise<HostError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(HostError);
  return e as HostError;
}

const posts = (path: string) => sandbox.requests.filter((r) => r.method === "POST" && r.path === path).length;
const schedulesAt = (detection: string) => sandbox.schedules().filter((s) => s.tenantId === 4 && s.time === detection);
const sessionsOf = (groupId: string) => sandbox.sessions().filter((s) => (s.sessionJobArgs as { sessionGroupId?: string } | undefined)?.sessionGroupId === groupId);
const schedule = (detection: string) => ({ targetType: "AllForTenant", tenantId: 4, detectionTime: detection, timeZone: "Europe/Berlin" });

describe("creates: never sent twice, whatever ImmyBot's timing", () => {
  it("a POST answered after the client's timeout (committed at once) is found, not sent again", async () => {
    await (async (host: ProviderHost) => {
      const { urn, inputs } = await planned(host, "Schedule", "slow-answer", schedule("01:05"));
      sandbox.clearRequests();
      sandbox.faults.script({ method: "POST", path: SCHEDULES, fault: "slow", delayMs: 2_500 });
      const created = await host.create(urn, inputs);
      expect(posts(SCHEDULES)).toBe(1);
      expect(schedulesAt("01:05").map((s) => String(s.id))).toEqual([created.id]);
      expect(host.logs.stdout).toContain(`the answer to creating schedule ${created.id} was lost`);
    })(shared);
  });

  it("a POST that commits late, within the provider's look, is found, not sent again", async () => {
    await (async (host: ProviderHost) => {
      const { urn, inputs } = await planned(host, "Deployment", "late-commit", {
        targetType: "AllForTenant",
        tenantId: 4,
        software: { id: "114", desiredState: "AnyVersion" },
        enforcement: "Optional",
      });
      sandbox.clearRequests();
      sandbox.faults.script({ method: "POST", path: DEPLOYMENTS, fault: "late-commit", delayMs: 1_200 });
      const created = await host.create(urn, inputs);
      expect(posts(DEPLOYMENTS)).toBe(1);
      expect(sandbox.deployments().filter((d) => d.tenantId === 4 && d.maintenanceIdentifier === "114").map((d) => String(d.id))).toEqual([created.id]);
    })(shared);
  });

  it("a POST that commits after the look fails the step saying what to check; the next run names the late object and the adoptId fix", async () => {
    const args = schedule("01:15");
    const { urn, inputs } = await planned(shared, "Schedule", "very-late-commit", args);
    sandbox.clearRequests();
    sandbox.faults.script({ method: "POST", path: SCHEDULES, fault: "late-commit", delayMs: 6_000 });
    const e = await failure(shared.create(urn, inputs));
    expect(e.message).toMatch(/got no clear answer.*not sent again.*No schedule with these arguments appeared in tenant 4 within 2 s.*adoptId/);
    expect(e.initFailure).toBeUndefined(); // nothing to keep: no object is known
    expect(posts(SCHEDULES)).toBe(1);
    await waitUntil(() => schedulesAt("01:15").length === 1);
    const late = String(schedulesAt("01:15")[0]!.id);
    // The user runs `pulumi up` again without looking: a new object, and the output says which one to adopt.
    const again = await withHost(async (host) => {
      const created = await host.create(urn, inputs);
      expect(host.logs.stdout).toContain(`already holds schedule ${late} with exactly these arguments`);
      expect(host.logs.stdout).toContain(`adoptId: "${late}"`);
      return created;
    });
    expect(schedulesAt("01:15").map((x) => String(x.id)).sort()).toEqual([late, again.id].sort());
    await shared.delete(urn, again.id, again.properties);
  });
});

describe("maintenance runs: started at most once", () => {
  it("a start answered after the client's timeout is followed by its group id, never sent again: one session per computer", async () => {
    await (async (host: ProviderHost) => {
      const { urn, inputs } = await planned(host, "MaintenanceSession", "slow-start", { deploymentId: sevenZip, computers: [6, 3], timeout: "2m" });
      sandbox.clearRequests();
      sandbox.faults.script({ method: "POST", path: START, fault: "slow", delayMs: 2_500 });
      const created = await host.create(urn, inputs);
      expect(posts(START)).toBe(1);
      expect(sessionsOf(created.id).map((s) => s.computerId).sort()).toEqual([3, 6]);
      expect(created.properties).toMatchObject({ result: "Succeeded", targets: [{ kind: "computer", id: 3 }, { kind: "computer", id: 6 }] });
    })(shared);
  });

  it("a start whose connection was dropped after ImmyBot took it is followed, never sent again", async () => {
    await (async (host: ProviderHost) => {
      const { urn, inputs } = await planned(host, "MaintenanceSession", "dropped-start", { deploymentId: sevenZip, computers: [6], timeout: "2m" });
      sandbox.clearRequests();
      sandbox.faults.script({ method: "POST", path: START, fault: "reset-after-commit" });
      const created = await host.create(urn, inputs);
      expect(posts(START)).toBe(1);
      expect(sessionsOf(created.id)).toHaveLength(1);
    })(shared);
  });

  it("a start whose sessions the background job makes after the step's timeout: the step fails keeping the run, and the next run finds them without a second start", async () => {
    // Visible 6 s after the start, the step gives up after 3 s; the next run (which begins after that) looks 3 s more.
    sandbox.setSessionEnqueueDelay(6_000);
    let kept: NonNullable<HostError["initFailure"]>;
    let planIn: { urn: string; inputs: Record<string, unknown> };
    try {
      kept = await withHost(async (host) => {
        planIn = await planned(host, "MaintenanceSession", "slow-job", { deploymentId: sevenZip, computers: [6], timeout: "3s", waitFor: "started" });
        sandbox.clearRequests();
        const e = await failure(host.create(planIn.urn, planIn.inputs));
        expect(e.message).toMatch(/None of the sessions of maintenance run .* has appeared in ImmyBot within 3s.*never starts a second run/);
        expect(e.initFailure?.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(e.initFailure?.properties).toMatchObject({ sessionIds: [], targets: [{ kind: "computer", id: 6 }], result: "InProgress" });
        expect(sessionsOf(e.initFailure!.id)).toHaveLength(1); // made, but still invisible to the API
        return e.initFailure!;
      });
    } finally {
      sandbox.setSessionEnqueueDelay(300);
    }
    // A refresh in between keeps the run: it may still start.
    await withHost(async (host) => {
      const read = await host.read(planIn.urn, kept.id, kept.properties, planIn.inputs);
      expect(read.id).toBe(kept.id);
    });
    // The next `up`: the engine continues the run through update (its state has init errors), with a fresh host.
    await withHost(async (host) => {
      const updated = await host.update(planIn.urn, kept.id, kept.properties, planIn.inputs);
      expect(updated.properties).toMatchObject({ sessionIds: sessionsOf(kept.id).map((s) => s.id) });
    });
    expect(posts(START)).toBe(1);
    expect(sessionsOf(kept.id)).toHaveLength(1);
  });

  it("a 429 on the start is a wait of its Retry-After and the same start again, without looking at the session list in between", async () => {
    await (async (host: ProviderHost) => {
      const { urn, inputs } = await planned(host, "MaintenanceSession", "rate-limited-start", { deploymentId: sevenZip, computers: [6], timeout: "2m" });
      sandbox.clearRequests();
      sandbox.faults.script({ method: "POST", path: START, fault: "429", retryAfterSeconds: 1 });
      const created = await host.create(urn, inputs);
      const log = sandbox.requests;
      const startIndexes = log.flatMap((r, i) => (r.method === "POST" && r.path === START ? [i] : []));
      expect(startIndexes).toHaveLength(2);
      expect(log[startIndexes[1]!]!.at - log[startIndexes[0]!]!.at).toBeGreaterThanOrEqual(900);
      const between = log.slice(startIndexes[0]! + 1, startIndexes[1]!);
      expect(between.filter((r) => r.path.startsWith("/api/v1/maintenance-sessions"))).toEqual([]);
      expect(sessionsOf(created.id)).toHaveLength(1);
    })(shared);
  });
});

