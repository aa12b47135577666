/**
 * Sessions that run every deployment that applies, in the sandbox over real HTTP on an injected clock: full
 * maintenance (`fullMaintenance: true` without an item) on computers and tenants, and the sessions a schedule
 * starts (`POST /schedules/{id}/run-now`, `Sandbox.fireSchedule`). One action per applicable deployment with its
 * `assignmentId`, the most specific deployment of an item winning, the computer's seeded outcome for all of them,
 * their log lines, who started each session (`createdBy`), and a state file of an older sandbox.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { okJson as ok, useWorlds, type World } from "../helpers/sandbox-http";
import { useTempDir } from "../helpers/temp-dir";

const T0 = Date.parse("2025-06-02T10:00:00.000Z");
const RUN = "/api/v1/run-immy-service";
const SESSIONS = "/api/v1/maintenance-sessions";
const DX = `${SESSIONS}/dx`;
const SCHEDULES = "/api/v1/schedules";
const ALL = "includeStages=true&includeActions=true";
/** SessionStatus, MaintenanceActionType / Status / Result, EnqueuedSessionType integers (API notes §4.4). */
const S = { Passed: 0, Running: 1, Failed: 2, Cancelled: 4 };
const Action = { Install: 1, Uninstall: 3, TaskAudit: 10, TaskEnforce: 8 };
const Result = { Pending: 0, Success: 1, Failed: 2, Cancelled: 3 };
const HANGFIRE_ADHOC = 1;
const HANGFIRE_SCHEDULED = 3;
const LOCAL = 1;

const world = useWorlds(T0);

/** Deployments of the tests below, by what they are for; ids in creation order. */
interface Deployed {
  sevenZipContoso: number;
  bitLockerCanary: number;
  chromeOnWs001: number;
  disabled: number;
  optional: number;
  onboarding: number;
  sevenZipGoneOnWs001: number;
  firefoxFabrikam: number;
  tenantBaseline: number;
}

/** A sandbox with deployments that apply to some Contoso computers and not to others. */
async function deployedWorld(): Promise<{ w: World; d: Deployed }> {
  const w = await world();
  const deploy = (fields: Record<string, unknown>) =>
    w.sandbox.createDeployment({ targetType: "AllForTenant", targetCategory: "Computer", tenantId: 2, targetEnforcement: "Required", softwareProviderType: "Inherent", ...fields }).id;
  const sevenZip = { maintenanceType: "GlobalSoftware", maintenanceIdentifier: "303", desiredSoftwareState: "LatestVersion" };
  const d: Deployed = {
    sevenZipContoso: deploy(sevenZip),
    // Cross-tenant, on the Canary tag (CONTOSO-WS001, NW-ADMIN01, LABS-WS01).
    bitLockerCanary: deploy({ maintenanceType: "GlobalMaintenanceTask", maintenanceIdentifier: "12", maintenanceTaskMode: "Audit", targetType: "Tag", target: "1", tenantId: null }),
    chromeOnWs001: deploy({ maintenanceType: "GlobalSoftware", maintenanceIdentifier: "114", desiredSoftwareState: "LatestVersion", targetType: "Computer", target: "6" }),
    disabled: deploy({ maintenanceType: "GlobalSoftware", maintenanceIdentifier: "155", desiredSoftwareState: "LatestVersion", excluded: true }),
    optional: deploy({ maintenanceType: "GlobalSoftware", maintenanceIdentifier: "118", desiredSoftwareState: "LatestVersion", targetEnforcement: "Optional" }),
    onboarding: deploy({ maintenanceType: "GlobalMaintenanceTask", maintenanceIdentifier: "15", maintenanceTaskMode: "Enforce", targetEnforcement: "Onboarding", onboardingOnly: true }),
    // 7-Zip again, for one computer: more specific than the tenant-wide one, so it wins there.
    sevenZipGoneOnWs001: deploy({ ...sevenZip, desiredSoftwareState: "NotPresent", targetType: "Computer", target: "6" }),
    firefoxFabrikam: deploy({ maintenanceType: "GlobalSoftware", maintenanceIdentifier: "118", desiredSoftwareState: "LatestVersion", tenantId: 4 }),
    tenantBaseline: deploy({ maintenanceType: "GlobalMaintenanceTask", maintenanceIdentifier: "30", maintenanceTaskMode: "Enforce", targetType: "SpecificTenant", target: "2", targetCategory: "Tenant", tenantId: null }),
  };
  return { w, d };
}

/** Starts sessions with the old route (answers their ids). */
async function run(w: World, body: Record<string, unknown>): Promise<number[]> {
  return (await ok(w.call("POST", RUN, body))).sessionsStarted.map((s: { sessionId: number }) => s.sessionId);
}

const session = (w: World, id: number): Promise<any> => ok(w.call("GET", `${SESSIONS}/${id}?${ALL}`));
const logs = (w: World, id: number): Promise<any[]> => ok(w.call("GET", `${SESSIONS}/${id}/logs`));
const full = (computerIds: number[], extra: Record<string, unknown> = {}) => ({ computers: computerIds.map((computerId) => ({ computerId })), fullMaintenance: true, offlineBehavior: 2, ...extra });

describe("full maintenance (fullMaintenance: true, no maintenanceParams)", () => {
  it("runs one action per applicable deployment on each computer, the most specific of an item winning", async () => {
    const { w, d } = await deployedWorld();
    const [ws001, dc01, lt022] = await run(w, full([6, 3, 8]));
    w.advance(32_000);

    const s6 = await session(w, ws001!);
    expect(s6).toMatchObject({ fullMaintenance: true, sessionStatus: S.Passed, computerId: 6, createdBy: "Sandbox API", createdById: 1, scheduledId: null });
    expect(s6.sessionJobArgs).toMatchObject({ deploymentId: null, scheduledId: null, enqueuedSessionType: HANGFIRE_ADHOC, manuallyTriggeredByUserId: 1 });
    expect(s6.sessionJobArgs).not.toHaveProperty("maintenanceItem");
    // Disabled, Optional and Onboarding deployments and other tenants' are not part of maintenance.
    expect(s6.maintenanceActions.map((a: any) => [a.assignmentId, a.assignmentType, a.maintenanceIdentifier, a.actionType, a.result])).toEqual([
      [d.bitLockerCanary, LOCAL, "12", Action.TaskAudit, Result.Success],
      [d.chromeOnWs001, LOCAL, "114", Action.Install, Result.Success],
      [d.sevenZipGoneOnWs001, LOCAL, "303", Action.Uninstall, Result.Success],
    ]);
    expect(s6.maintenanceActions.map((a: any) => a.maintenanceDisplayName)).toEqual(["Enable BitLocker", "Google Chrome", "7-Zip"]);

    const s3 = await session(w, dc01!);
    expect(s3.maintenanceActions.map((a: any) => [a.assignmentId, a.actionType, a.desiredVersionString])).toEqual([[d.sevenZipContoso, Action.Install, "24.08"]]);

    // CONTOSO-LT022 is seeded to fail: the session and its action fail, with the installer's reason.
    const s8 = await session(w, lt022!);
    expect(s8).toMatchObject({ sessionStatus: S.Failed, executionStageStatus: S.Failed });
    expect(s8.maintenanceActions).toEqual([expect.objectContaining({ assignmentId: d.sevenZipContoso, result: Result.Failed, resultReasonMessage: "the installer exited with code 1603" })]);

    const actionIds = [s6, s3, s8].flatMap((s) => s.maintenanceActions.map((a: any) => a.id));
    expect(new Set(actionIds).size).toBe(5);
  });

  it("gives each action its own detection, execution and outcome line; log ids stay unique and in time order", async () => {
    const { w } = await deployedWorld();
    const [ws001, dc01] = await run(w, full([6, 3]));
    w.advance(32_000);
    const s6 = await session(w, ws001!);
    const lines = await logs(w, ws001!);
    expect(lines.map((l) => [l.message, l.maintenanceActionId])).toEqual([
      ["Session created", null],
      ["Detection started", null],
      ["Tested Enable BitLocker: not compliant; mode: audit", s6.maintenanceActions[0].id],
      ["Detected Google Chrome 126.0.6478.127; desired: latest", s6.maintenanceActions[1].id],
      ["Detected 7-Zip 23.01; desired: not present", s6.maintenanceActions[2].id],
      ["Running Enable BitLocker", s6.maintenanceActions[0].id],
      ["Installing Google Chrome 128.0.6613.120", s6.maintenanceActions[1].id],
      ["Uninstalling 7-Zip 23.01", s6.maintenanceActions[2].id],
      ["Enable BitLocker: task succeeded", s6.maintenanceActions[0].id],
      ["Google Chrome 128.0.6613.120 installed", s6.maintenanceActions[1].id],
      ["7-Zip uninstalled", s6.maintenanceActions[2].id],
    ]);
    const all = [...lines, ...(await logs(w, dc01!))].map((l) => l.id);
    expect(lines.map((l) => l.id)).toEqual([...lines.map((l) => l.id)].sort((a, b) => a - b));
    expect(new Set(all).size).toBe(all.length);
  });

  it("runs a computer no deployment applies to without an action, and says so", async () => {
    const { w } = await deployedWorld();
    const [nw] = await run(w, full([2])); // NW-MGMT01: another tenant, not on the Canary tag
    w.advance(32_000);
    expect(await session(w, nw!)).toMatchObject({ sessionStatus: S.Passed, maintenanceActions: [] });
    expect((await logs(w, nw!)).map((l) => l.message)).toContain("Detection finished: no deployment applies; nothing to do");
  });

  it("skips every action with detectionOnly, and cancels every action with the session", async () => {
    const { w } = await deployedWorld();
    const [detect] = await run(w, full([6], { detectionOnly: true }));
    const [hangs] = await run(w, full([6]));
    w.advance(15_000); // execution under way
    expect((await w.call("GET", `${SESSIONS}/${hangs}/cancel`)).status).toBe(200);
    w.advance(30_000);
    const skipped = (await session(w, detect!)).maintenanceActions;
    expect(skipped.map((a: any) => a.statusName)).toEqual(["Skipped", "Skipped", "Skipped"]);
    const cancelled = await session(w, hangs!);
    expect(cancelled.sessionStatus).toBe(S.Cancelled);
    expect(cancelled.maintenanceActions.map((a: any) => a.result)).toEqual([Result.Cancelled, Result.Cancelled, Result.Cancelled]);
  });

  it("runs a tenant's cloud deployments in its cloud session", async () => {
    const { w, d } = await deployedWorld();
    const [contoso, fabrikam] = await run(w, { tenants: [{ tenantId: 2 }, { tenantId: 4 }], fullMaintenance: true, offlineBehavior: 1 });
    w.advance(32_000);
    expect((await session(w, contoso!)).maintenanceActions.map((a: any) => [a.assignmentId, a.maintenanceDisplayName, a.actionType])).toEqual([
      [d.tenantBaseline, "Microsoft 365 Tenant Baseline", Action.TaskEnforce],
    ]);
    expect((await session(w, fabrikam!)).maintenanceActions).toEqual([]);
  });

  it("keeps the request's item when one is given, with or without fullMaintenance", async () => {
    const { w } = await deployedWorld();
    const item = { maintenanceType: 0, maintenanceIdentifier: "118", desiredSoftwareState: 5, softwareProviderType: 3 };
    const [id] = await run(w, full([6], { maintenanceParams: item }));
    w.advance(32_000);
    expect((await session(w, id!)).maintenanceActions.map((a: any) => [a.assignmentId, a.maintenanceIdentifier])).toEqual([[null, "118"]]);
  });
});

describe("sessions a schedule starts", () => {
  /** A schedule over Contoso Labs (LABS-BUILD01, LABS-WS01), created over the API; fields by name. */
  async function labsSchedule(w: World, extra: Record<string, unknown> = {}): Promise<number> {
    return w.sandbox.createSchedule({ targetType: "AllForTenant", targetCategory: "Computer", tenantId: 3, time: "20:00", rebootPreference: "Suppress", offlineBehavior: "Skip", ...extra }).id;
  }

  it("POST /schedules/{id}/run-now answers 200 without a body; the sessions appear after the background job", async () => {
    const { w, d } = await deployedWorld();
    const labs = w.sandbox.createDeployment({ maintenanceType: "GlobalSoftware", maintenanceIdentifier: "303", desiredSoftwareState: "LatestVersion", targetType: "AllForTenant", targetCategory: "Computer", tenantId: 3, targetEnforcement: "Required", softwareProviderType: "Inherent" }).id;
    const scheduleId = await labsSchedule(w);
    const answer = await w.call("POST", `${SCHEDULES}/${scheduleId}/run-now`);
    expect([answer.status, answer.text]).toEqual([200, ""]);
    expect((await ok(w.call("GET", DX))).data).toEqual([]);

    w.advance(500);
    const rows = (await ok(w.call("GET", DX))).data;
    expect(rows.map((r: any) => [r.computerName, r.scheduleId, r.fullMaintenance, r.createdBy])).toEqual([
      ["LABS-BUILD01", scheduleId, true, "Sandbox API"],
      ["LABS-WS01", scheduleId, true, "Sandbox API"],
    ]);
    w.advance(32_000);
    const ws = await session(w, rows[1].id);
    expect(ws).toMatchObject({ scheduledId: scheduleId, fullMaintenance: true, createdBy: "Sandbox API", createdById: 1, sessionStatus: S.Passed });
    expect(ws.sessionJobArgs).toMatchObject({ scheduledId: scheduleId, enqueuedSessionType: HANGFIRE_SCHEDULED, manuallyTriggeredByUserId: 1, rebootPreference: 1, offlineBehavior: 1 });
    // LABS-WS01 carries the Canary tag: the cross-tenant BitLocker deployment applies too.
    expect(ws.maintenanceActions.map((a: any) => a.assignmentId)).toEqual([d.bitLockerCanary, labs]);
    expect((await session(w, rows[0].id)).maintenanceActions.map((a: any) => a.assignmentId)).toEqual([labs]);
    // Both share one session group, as a run request's sessions do.
    expect((await session(w, rows[0].id)).sessionJobArgs.sessionGroupId).toBe(ws.sessionJobArgs.sessionGroupId);
  });

  it("a schedule limited to one item runs only that item's deployments", async () => {
    const { w, d } = await deployedWorld();
    const scheduleId = await labsSchedule(w, { tenantId: 2, maintenanceType: "GlobalSoftware", maintenanceIdentifier: "303" });
    expect((await w.call("POST", `${SCHEDULES}/${scheduleId}/run-now`)).status).toBe(200);
    w.advance(32_500);
    const rows = (await ok(w.call("GET", `${DX}?computerId=6`))).data;
    expect(rows).toHaveLength(1);
    const s = await session(w, rows[0].id);
    expect(s).toMatchObject({ fullMaintenance: false, scheduledId: scheduleId });
    expect(s.sessionJobArgs.maintenanceItem).toMatchObject({ maintenanceType: 0, maintenanceIdentifier: "303" });
    expect(s.maintenanceActions.map((a: any) => a.assignmentId)).toEqual([d.sevenZipGoneOnWs001]);
  });

  it("run at the schedule's own time (fireSchedule), nobody started the sessions: createdBy null", async () => {
    const { w } = await deployedWorld();
    const scheduleId = await labsSchedule(w);
    const ids = w.sandbox.fireSchedule(scheduleId);
    expect(ids).toHaveLength(2);
    w.advance(500);
    const s = await session(w, ids[0]!);
    expect(s).toMatchObject({ createdBy: null, createdById: null, scheduledId: scheduleId });
    expect(s.sessionJobArgs).toMatchObject({ manuallyTriggeredByUserId: null, enqueuedSessionType: HANGFIRE_SCHEDULED });
    expect(() => w.sandbox.fireSchedule(987654)).toThrow(/no schedule 987654/);
  });

  it("answers 404 for a schedule that does not exist, 400 for an id that is no integer, 405 for GET", async () => {
    const w = await world();
    const missing = await w.call("POST", `${SCHEDULES}/987654/run-now`);
    expect([missing.status, missing.json?.title]).toEqual([404, "Not Found"]);
    const bad = await w.call("POST", `${SCHEDULES}/abc/run-now`);
    expect(bad.status).toBe(400);
    expect(bad.json.errors.scheduleId).toEqual(["The value 'abc' is not valid."]);
    expect((await w.call("GET", `${SCHEDULES}/1/run-now`)).status).toBe(405);
    expect(w.sandbox.sessions()).toEqual([]);
  });
});

describe("state file", () => {
  const dir = useTempDir("immybot-full-maintenance-");

  it("reads sessions of an older sandbox (no stored actions or log block) and gives new ones ids of their own", async () => {
    const stateFile = dir("state.json");
    const first = await world({ stateFile });
    first.sandbox.createDeployment({ maintenanceType: "GlobalSoftware", maintenanceIdentifier: "303", desiredSoftwareState: "LatestVersion", targetType: "AllForTenant", targetCategory: "Computer", tenantId: 2, targetEnforcement: "Required", softwareProviderType: "Inherent" });
    const [old] = await run(first, { computers: [{ computerId: 6 }], maintenanceParams: { maintenanceType: 0, maintenanceIdentifier: "303", desiredSoftwareState: 5, softwareProviderType: 3 }, offlineBehavior: 2 });
    first.advance(32_000);
    const before = await session(first, old!);
    const beforeLogs = await logs(first, old!);
    await first.sandbox.stop();

    // As an older sandbox wrote it.
    const state = JSON.parse(readFileSync(stateFile, "utf8"));
    delete state.nextActionId;
    delete state.nextLogId;
    for (const s of state.sessions) {
      delete s.actions;
      delete s.logBase;
    }
    writeFileSync(stateFile, JSON.stringify(state));

    const second = await world({ stateFile }, first.now());
    expect(await session(second, old!)).toEqual(before);
    expect(await logs(second, old!)).toEqual(beforeLogs);
    const [next] = await run(second, full([6]));
    second.advance(32_000);
    const actionIds = (await session(second, next!)).maintenanceActions.map((a: any) => a.id);
    expect(actionIds).toHaveLength(1);
    expect(actionIds).not.toContain(before.maintenanceActions[0].id);
    const logIds = new Set(beforeLogs.map((l) => l.id));
    expect((await logs(second, next!)).filter((l) => logIds.has(l.id))).toEqual([]);
  });
});
