/**
 * The blast radius at preview (provider/run-preview.ts) through Pulumi's real dynamic-provider host against the
 * sandbox: a check for a run that would start says which computers (tenants, people) it would start on, in
 * `plannedTargets` and on the host's stdout (which the Pulumi CLI shows under "Diagnostics:"), with reads only; a
 * failing or slow ImmyBot does not fail the check; unknown inputs are not looked up. That the diff never changes:
 * run-preview-diff.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../../sandbox/server";
import { ProviderHost, serializedProvider, UNKNOWN } from "../helpers/host";
import { TARGET_PREVIEW, writeRequests } from "../helpers/scenario";
import { CONTOSO, CONTOSO_7ZIP, SIX, checkNew as checkNewOn, printed } from "../helpers/run-preview";

let sandbox: Sandbox;
let host: ProviderHost;
let provider: string;
let config: Record<string, string>;

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0, sessionTimeScale: 20, sessionEnqueueDelayMs: 0 });
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  config = { "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret };
  [host, provider] = await Promise.all([ProviderHost.start(), serializedProvider("MaintenanceSession")]);
  await host.configure(config);
});

afterAll(async () => {
  await host?.stop();
  await sandbox?.stop();
});

const deployment = (fields: Record<string, unknown> = {}) => String(sandbox.createDeployment({ ...CONTOSO_7ZIP, ...fields }).id);
/** API requests since the log was cleared, as "METHOD /path" (the token endpoint left out). */
const apiRequests = () => sandbox.requests.filter((r) => r.path.startsWith("/api/")).map((r) => `${r.method} ${r.path}`);

const checkNew = (h: ProviderHost, name: string, args: Record<string, unknown>) => checkNewOn(h, provider, name, args);

describe("the targets of a new run at preview", () => {
  it("names the computers given, with one read each and no write", async () => {
    const id = deployment();
    sandbox.clearRequests();
    const inputs = await checkNew(host, "given", { deploymentId: id, computers: [8, 6] });
    expect(inputs.plannedTargets).toBe("2 computers: CONTOSO-WS001, CONTOSO-LT022");
    await printed(host, `immybot: MaintenanceSession of deployment ${id}: a new run would start on 2 computers: CONTOSO-WS001, CONTOSO-LT022\n`);
    expect(apiRequests().sort()).toEqual(["GET /api/v1/computers/6", "GET /api/v1/computers/8"]);
    expect(writeRequests(sandbox)).toEqual([]);
  });

  it("names the computers of a full maintenance (no deployment read) and says it is one", async () => {
    sandbox.clearRequests();
    const inputs = await checkNew(host, "full", { fullMaintenance: true, computers: [6] });
    expect(inputs.plannedTargets).toBe("1 computer: CONTOSO-WS001");
    await printed(host, "immybot: MaintenanceSession (full maintenance): a new run would start on 1 computer: CONTOSO-WS001\n");
    expect(apiRequests()).toEqual(["GET /api/v1/computers/6"]);
    expect(writeRequests(sandbox)).toEqual([]);
  });

  it("names only the first five computers given (five reads) and counts the rest", async () => {
    const id = deployment();
    sandbox.clearRequests();
    const inputs = await checkNew(host, "many", { deploymentId: id, computers: [10, 9, 8, 7, 6, 5, 4, 3] });
    expect(inputs.plannedTargets).toBe(`8 computers: ${CONTOSO.slice(0, 5).join(", ")} and 3 more`);
    expect(apiRequests().sort()).toEqual([3, 4, 5, 6, 7].map((n) => `GET /api/v1/computers/${n}`));
    expect(writeRequests(sandbox)).toEqual([]);
  });

  it("resolves a deployment's computers with ImmyBot's target preview: the count and the first five names", async () => {
    const id = deployment();
    sandbox.clearRequests();
    const inputs = await checkNew(host, "reach", { deploymentId: id });
    expect(inputs.plannedTargets).toBe(SIX);
    await printed(host, `immybot: MaintenanceSession of deployment ${id}: a new run would start on ${SIX}\n`);
    expect(apiRequests()).toEqual([`GET /api/v1/target-assignments/${id}`, `POST ${TARGET_PREVIEW}`]);
    expect(writeRequests(sandbox)).toEqual([]);

    // Contoso Labs (two more computers) under Contoso: "and 3 more".
    const wider = deployment({ propagateToChildTenants: true });
    expect((await checkNew(host, "wider", { deploymentId: wider })).plannedTargets).toBe(`8 computers: ${CONTOSO.slice(0, 5).join(", ")} and 3 more`);
  });

  it("names tenants and counts people given, and says when a deployment for tenants would fail the run", async () => {
    const id = deployment();
    expect((await checkNew(host, "tenants", { deploymentId: id, tenants: [3, 2] })).plannedTargets).toBe("2 tenants: Contoso, Contoso Labs");
    expect((await checkNew(host, "persons", { deploymentId: id, persons: [1] })).plannedTargets).toBe("1 person: person 1");
    expect((await checkNew(host, "missing", { deploymentId: id, computers: [6, 4242] })).plannedTargets).toBe("2 computers: CONTOSO-WS001, computer 4242 (not in ImmyBot)");

    const cloud = deployment({ maintenanceType: 6, maintenanceIdentifier: "30", desiredSoftwareState: 6, targetType: 25, targetCategory: 1, tenantId: null });
    sandbox.clearRequests();
    const inputs = await checkNew(host, "cloud", { deploymentId: cloud });
    expect(inputs.plannedTargets).toBe(`0 computers: the run would fail (computers: deployment ${cloud} targets tenants, not computers; give tenants or persons explicitly)`);
    expect(apiRequests()).toEqual([`GET /api/v1/target-assignments/${cloud}`]);
  });

  it("looks nothing up while the inputs it needs are unknown, and says that the deployment may still change", async () => {
    sandbox.clearRequests();
    const unknown = await checkNew(host, "unknown", { deploymentId: UNKNOWN, triggers: [UNKNOWN] });
    expect(unknown.plannedTargets).toBe("targets not known yet (deploymentId will be known when the update runs)");
    expect(sandbox.requests).toEqual([]);
    await printed(host, "immybot: MaintenanceSession: a new run would start; targets not known yet (deploymentId will be known when the update runs)\n");

    // `triggers: [deployment.updatedAt]` unknown: the deployment is being changed in the same update.
    const id = deployment();
    const changing = await checkNew(host, "changing", { deploymentId: id, triggers: [UNKNOWN] });
    expect(changing.plannedTargets).toBe(`${SIX} (deployment ${id} as it is now; triggers not known yet: the deployment may change in this update)`);

    // A deployment created in the same update, with the computers given: they are known, and named.
    expect((await checkNew(host, "new-deployment", { deploymentId: UNKNOWN, computers: [6] })).plannedTargets).toBe("1 computer: CONTOSO-WS001");
  });
});

describe("an ImmyBot that fails or answers slowly at preview", () => {
  // A host of its own: no retries, and a budget of 1.5 s (the lower of requestTimeoutMs and 10 s).
  let unwell: ProviderHost;
  beforeAll(async () => {
    unwell = await ProviderHost.start();
    await unwell.configure({ ...config, "immybot:requestTimeoutMs": "1500", "immybot:maxRetries": "0" });
  });
  afterAll(async () => {
    await unwell?.stop();
  });

  it("says it could not resolve the targets when the target preview fails, and the check still passes", async () => {
    const id = deployment();
    sandbox.clearRequests();
    sandbox.faults.script({ method: "POST", path: TARGET_PREVIEW, fault: "503" });
    const inputs = await checkNew(unwell, "failing", { deploymentId: id });
    expect(inputs.plannedTargets).toMatch(/^could not resolve the targets: .*503/);
    await printed(unwell, new RegExp(`immybot: MaintenanceSession of deployment ${id}: a new run would start; could not resolve the targets: .*503`));
    expect(writeRequests(sandbox)).toEqual([]);
  });

  it("says so when the lookup of a computer given fails", async () => {
    const id = deployment();
    sandbox.faults.script({ method: "GET", path: "/api/v1/computers/8", fault: "500" });
    const inputs = await checkNew(unwell, "lookup-failing", { deploymentId: id, computers: [6, 8] });
    expect(inputs.plannedTargets).toMatch(/^could not resolve the targets: .*500/);
  });

  it("waits no longer than its budget for a slow answer", async () => {
    const id = deployment();
    sandbox.clearRequests();
    sandbox.faults.script({ method: "POST", path: TARGET_PREVIEW, fault: "slow", delayMs: 20_000 });
    const inputs = await checkNew(unwell, "slow", { deploymentId: id });
    // Either the budget or the client's own timeout ended the wait, long before the answer.
    expect(inputs.plannedTargets).toMatch(/^could not resolve the targets: /);
    await printed(unwell, `immybot: MaintenanceSession of deployment ${id}: a new run would start; could not resolve the targets: `);
    expect(writeRequests(sandbox)).toEqual([]);
  });
});
