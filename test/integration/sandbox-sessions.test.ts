/**
 * Maintenance sessions in the sandbox over real HTTP on 127.0.0.1: both start routes (a list of ids vs 202 and
 * sessions that appear later), the 400s checked before anything is created, the simulated course of a session on
 * an injected clock (statuses, stages, logs, the action) and its outcomes per seeded computer, cancelling, offline
 * computers, updateTime, `/dx` with DevExtreme load options, routes that must stay the SPA, the state file, the
 * control API and the CLI flag.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DatabaseType, DesiredSoftwareState, MaintenanceTaskMode, MaintenanceType, OfflineBehavior, RebootPreference, SoftwareProviderType } from "../../sandbox/enums";
import { Sandbox, SeedError, type SandboxOptions, type SeedData } from "../../sandbox/server";
import { useSandboxCli } from "../helpers/sandbox-cli";
import { api, okJson, tokenFor, useSandboxes, useWorlds, type Answer, type World } from "../helpers/sandbox-http";
import { useTempDir } from "../helpers/temp-dir";

const REPO = resolve(__dirname, "../..");
const RUN = "/api/v1/run-immy-service";
const RUN_NEW = "/api/v1/run-immy-service-new";
const SESSIONS = "/api/v1/maintenance-sessions";
const DX = `${SESSIONS}/dx`;
const ALL = "includeStages=true&includeActions=true";
const T0 = Date.parse("2025-06-02T10:00:00.000Z");
const GROUP = "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f";

/** SessionStatus, SessionLogType, MaintenanceActionType/Status/Result integers used below (API notes §4.4). */
const S = { Passed: 0, Running: 1, Failed: 2, Created: 3, Cancelled: 4, Pending: 6, PartialPassed: 7, PendingConnectivity: 8 };

// The sandbox's own enum tables (checked against the spec): request bodies read as names and carry the integers.
const M = MaintenanceType.values;
const St = DesiredSoftwareState.values;
const P = SoftwareProviderType.values;
const Mode = MaintenanceTaskMode.values;
const O = OfflineBehavior.values;
const D = DatabaseType.values;
const R = RebootPreference.values;

/** Install 7-Zip (global software 303) at the latest version, enums as integers as the spec types them. */
const sevenZip = { maintenanceType: M.GlobalSoftware, maintenanceIdentifier: "303", desiredSoftwareState: St.LatestVersion, softwareProviderType: P.Inherent };

/** A valid request body for computers; tests change one thing at a time. */
function body(computerIds: number[], changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { computers: computerIds.map((computerId) => ({ computerId })), maintenanceParams: sevenZip, offlineBehavior: O.ApplyOnConnect, ...changes };
}

const start = useSandboxes();
const world = useWorlds(T0);
const ok = okJson;

async function expect400(answer: Promise<Answer>, field: string, message: RegExp): Promise<void> {
  const a = await answer;
  expect(a.status, a.text).toBe(400);
  expect(a.json).toMatchObject({ title: "One or more validation errors occurred.", status: 400 });
  expect(a.json.errors[field]?.join("\n"), JSON.stringify(a.json.errors)).toMatch(message);
}

async function expect404(answer: Promise<Answer>): Promise<void> {
  const a = await answer;
  expect(a.status, a.text).toBe(404);
  expect(a.json).toMatchObject({ title: "Not Found", status: 404 });
}

/** Starts sessions with the old route; returns their ids. */
async function run(w: World, b: Record<string, unknown>): Promise<number[]> {
  const answer = await ok(w.call("POST", RUN, b));
  return answer.sessionsStarted.map((s: { sessionId: number }) => s.sessionId);
}

const session = (w: World, id: number, query = ALL): Promise<any> => ok(w.call("GET", `${SESSIONS}/${id}?${query}`));
const messages = async (w: World, id: number): Promise<string[]> => (await ok(w.call("GET", `${SESSIONS}/${id}/logs`))).map((l: { message: string }) => l.message);

describe("starting sessions", () => {
  it("POST /run-immy-service starts one session per computer at once and answers their ids", async () => {
    const w = await world();
    const answer = await ok(w.call("POST", RUN, body([6, 8, 6], { sessionGroupId: GROUP.toUpperCase(), rebootPreference: R.Suppress, deploymentType: D.Global, deploymentId: 77 })));
    expect(answer).toEqual({
      sessionsStarted: [
        { sessionId: 1, computerId: 6, tenantId: null, personId: null },
        { sessionId: 2, computerId: 8, tenantId: null, personId: null },
      ],
      sessionsAlreadyInProgress: [],
    });
    const first = await session(w, 1, "");
    expect(first).toMatchObject({
      id: 1,
      computerId: 6,
      computerName: "CONTOSO-WS001",
      tenantId: 2,
      tenantName: "Contoso",
      personId: null,
      sessionStatus: S.Created,
      createdDateUTC: "2025-06-02T10:00:00.000Z",
      updatedDateUTC: "2025-06-02T10:00:00.000Z",
      createdBy: "Sandbox API",
      fullMaintenance: false,
      scheduledExecutionDate: null,
      maintenanceActions: null,
      stages: null,
      activities: null,
      sessionJobArgs: {
        sessionGroupId: GROUP,
        deploymentId: 77,
        deploymentType: 0,
        detectionOnly: false,
        rebootPreference: 1,
        offlineBehavior: 2,
        enqueuedSessionType: 1,
        maintenanceItem: { maintenanceType: 0, maintenanceIdentifier: "303", providerLinkIdForMaintenanceItem: null },
      },
    });
    expect(first.sessionJobArgs).not.toHaveProperty("maintenanceSchedulingConfiguration");
    expect((await session(w, 2, "")).sessionJobArgs.sessionGroupId).toBe(GROUP);
  });

  it("POST /run-immy-service-new answers 202 without a body; the sessions appear only after the enqueue delay", async () => {
    const w = await world({ sessionEnqueueDelayMs: 500 });
    const answer = await w.call("POST", RUN_NEW, body([6]));
    expect([answer.status, answer.text, answer.contentType]).toEqual([202, "", null]);
    expect(w.sandbox.sessions().map((s) => s.id)).toEqual([1]); // created, but not visible yet
    await expect404(w.call("GET", `${SESSIONS}/1`));
    await expect404(w.call("GET", `${SESSIONS}/1/logs`));
    await expect404(w.call("GET", `${SESSIONS}/1/cancel`));
    expect((await ok(w.call("GET", `${DX}?computerId=6`))).data).toEqual([]);

    w.advance(499);
    await expect404(w.call("GET", `${SESSIONS}/1`));
    w.advance(1);
    const rows = (await ok(w.call("GET", `${DX}?computerId=6&sort=${encodeURIComponent('[{"selector":"createdDate","desc":true}]')}`))).data;
    expect(rows.map((r: any) => r.id)).toEqual([1]);
    expect(rows[0]).not.toHaveProperty("sessionGroupId");
    // No sessionGroupId was sent: the server made one up, and GET by id is where a client confirms it.
    expect((await session(w, 1, "")).sessionJobArgs.sessionGroupId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("the enqueue delay runs on the real clock by default, so a poller finds the session within it", async () => {
    const sandbox = await start({ sessionEnqueueDelayMs: 100 });
    const token = await tokenFor(sandbox.info);
    const started = Date.now();
    expect((await api(sandbox, token, "POST", RUN_NEW, body([6], { sessionGroupId: GROUP }))).status).toBe(202);
    let found: any;
    while (!found && Date.now() - started < 2000) {
      found = (await api(sandbox, token, "GET", `${DX}?computerId=6`)).json.data[0];
      if (!found) await new Promise((r) => setTimeout(r, 20));
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect((await api(sandbox, token, "GET", `${SESSIONS}/${found.id}`)).json.sessionJobArgs.sessionGroupId).toBe(GROUP);
  });

  it("starts Cloud sessions for tenants and Person sessions for persons (the computers' primary persons)", async () => {
    const w = await world();
    const tenants = await ok(w.call("POST", RUN, { tenants: [{ tenantId: 2 }], fullMaintenance: true, offlineBehavior: 1 }));
    expect(tenants.sessionsStarted).toEqual([{ sessionId: 1, computerId: null, tenantId: 2, personId: null }]);
    const persons = await ok(w.call("POST", RUN, { persons: [{ personId: 4 }], maintenanceParams: { maintenanceType: 6, maintenanceIdentifier: "21", softwareProviderType: 3 }, offlineBehavior: 2 }));
    expect(persons.sessionsStarted).toEqual([{ sessionId: 2, computerId: null, tenantId: null, personId: 4 }]);
    expect(await session(w, 2, "")).toMatchObject({ personId: 4, tenantId: 2, computerId: null, computerName: null, tenantName: "Contoso" });
    const cloud = (await ok(w.call("GET", `${DX}?sessionType=Cloud`))).data;
    expect(cloud.map((r: any) => [r.id, r.tenantId, r.computerId])).toEqual([[1, 2, null]]);
    expect((await ok(w.call("GET", `${DX}?sessionType=3`))).data.map((r: any) => r.id)).toEqual([2]);
  });
});

describe("400 answers, before anything is created", () => {
  it.each([
    ["no target list", { maintenanceParams: sevenZip, offlineBehavior: 2 }, "Computers", /exactly one of computers, tenants or persons must be a non-empty list/],
    ["only empty lists", { computers: [], tenants: null, maintenanceParams: sevenZip, offlineBehavior: 2 }, "Computers", /exactly one of computers, tenants or persons/],
    ["two target lists", body([6], { tenants: [{ tenantId: 2 }] }), "Tenants", /computers and tenants are both set; send exactly one/],
    ["an unknown computer", body([6, 99, 98]), "Computers", /there is no computers 99, 98; GET \/api\/v1\/computers lists them/],
    ["an unknown tenant", { tenants: [{ tenantId: 42 }], fullMaintenance: true, offlineBehavior: 2 }, "Tenants", /there is no tenant 42/],
    ["an unknown person", { persons: [{ personId: 77 }], fullMaintenance: true, offlineBehavior: 2 }, "Persons", /there is no person 77/],
    ["an unknown local deployment", body([6], { deploymentId: 5, deploymentType: D.Local }), "DeploymentId", /there is no deployment 5 \(deploymentType Local\)/],
    ["updateTime that is no time of day", body([6], { updateTime: "25:00" }), "UpdateTime", /updateTime "25:00" is not a time of day; use 24-hour HH:mm/],
    ["updateTime with seconds", body([6], { updateTime: "22:00:00" }), "UpdateTime", /not a time of day/],
    ["an unknown time zone", body([6], { updateTime: "22:00", timeZoneInfoId: "Mars/Olympus" }), "TimeZoneInfoId", /not a known IANA time zone/],
    ["no maintenanceParams without fullMaintenance", { computers: [{ computerId: 6 }], offlineBehavior: 2 }, "MaintenanceParams", /required unless fullMaintenance is true/],
    ["software that is not in the seed", body([6], { maintenanceParams: { ...sevenZip, maintenanceIdentifier: "999" } }), "MaintenanceParams.MaintenanceIdentifier", /there is no global software with id "999"/],
    ["a configuration task on its own", body([6], { maintenanceParams: { maintenanceType: M.LocalMaintenanceTask, maintenanceIdentifier: "9", softwareProviderType: P.Inherent } }), "MaintenanceParams.MaintenanceIdentifier", /is a configuration task/],
    ["ThisVersion without a version", body([6], { maintenanceParams: { ...sevenZip, desiredSoftwareState: St.ThisVersion } }), "MaintenanceParams.SemanticVersion", /needs the version/],
    ["offlineBehavior left out (0 is no member)", { computers: [{ computerId: 6 }], maintenanceParams: sevenZip }, "OfflineBehavior", /offlineBehavior is missing or 0.*Skip \(1\), ApplyOnConnect \(2\)/],
    ["softwareProviderType left out", body([6], { maintenanceParams: { maintenanceType: M.GlobalSoftware, maintenanceIdentifier: "303" } }), "MaintenanceParams.SoftwareProviderType", /softwareProviderType is missing or 0/],
    ["a computer id that is text", { computers: [{ computerId: "6" }], offlineBehavior: 2 }, "$.computers[0].computerId", /could not be converted to System\.Int32\. Path: \$\.computers\[0\]\.computerId/],
    ["an enum by name", body([6], { maintenanceParams: { ...sevenZip, maintenanceType: "GlobalSoftware" } }), "$.maintenanceParams.maintenanceType", /MaintenanceType \(an integer: one of GlobalSoftware \(0\).*Path: \$\.maintenanceParams\.maintenanceType\. Got "GlobalSoftware"/],
    ["a top-level enum by name", body([6], { rebootPreference: "Force" }), "$.rebootPreference", /RebootPreference \(an integer: one of Normal \(0\), Suppress \(1\), Prompt \(2\), Force \(-1\)/],
    ["a member the request lacks", body([6], { deploymentName: "x" }), "$.deploymentName", /could not be mapped to any member of RunImmyServiceRequestBody/],
    ["computers that is not a list", { computers: { computerId: 6 }, offlineBehavior: 2 }, "$.computers", /List<RunImmybotComputerRequestBody>/],
    ["a parameter override that is a bare value", body([6], { computers: [{ computerId: 6, maintenanceTaskParameterValueOverrides: { "12": { EncryptionMethod: "XtsAes128" } } }] }), "$.computers[0].maintenanceTaskParameterValueOverrides.12.EncryptionMethod", /needs an object/],
  ])("refuses %s", async (_what, request, field, message) => {
    const w = await world();
    await expect400(w.call("POST", RUN, request), field, message);
    await expect400(w.call("POST", RUN_NEW, request), field, message);
    expect(w.sandbox.sessions()).toEqual([]);
    expect(w.sandbox.snapshot().nextSessionId).toBe(1);
  });

  it("accepts what sits next to those rules", async () => {
    const w = await world();
    const deployment = w.sandbox.createDeployment({ maintenanceType: "GlobalSoftware", maintenanceIdentifier: "303", targetType: "Computer", target: "6", tenantId: 2, desiredSoftwareState: "LatestVersion", softwareProviderType: "Inherent", targetEnforcement: "Required" });
    for (const request of [
      body([6], { deploymentId: deployment.id, deploymentType: 1 }),
      body([6], { deploymentId: 12345, deploymentType: D.Global }), // global deployments are not modelled: any id
      body([6], { updateTime: "23:59", timeZoneInfoId: "Europe/Berlin" }),
      body([6], { maintenanceParams: { ...sevenZip, desiredSoftwareState: St.ThisVersion, semanticVersion: "24.07", semanticVersionNormalized: "whatever" } }),
      { computers: [{ computerId: 6, maintenanceTaskParameterValueOverrides: { "12": { EncryptionMethod: { value: "XtsAes128" } }, other: null } }], fullMaintenance: true, offlineBehavior: O.Skip },
      { COMPUTERS: [{ COMPUTERID: 6 }], MaintenanceParams: { MaintenanceType: M.ChocolateySoftware, MaintenanceIdentifier: "git", SoftwareProviderType: P.Chocolatey }, OfflineBehavior: O.Skip },
    ]) {
      expect((await w.call("POST", RUN, request)).status, JSON.stringify(request)).toBe(200);
    }
    expect(w.sandbox.sessions()).toHaveLength(6);
  });

  it("with acceptEnumNames takes enums by name in any case or as integers in a string, top level and in maintenanceParams", async () => {
    const w = await world({ acceptEnumNames: true });
    const request = { COMPUTERS: [{ COMPUTERID: 6 }], MaintenanceParams: { MaintenanceType: "chocolateysoftware", MaintenanceIdentifier: "git", SoftwareProviderType: "2" }, OfflineBehavior: "skip", rebootPreference: "force", deploymentType: "Global" };
    expect((await w.call("POST", RUN, request)).status).toBe(200);
    expect(w.sandbox.sessions()[0]!.sessionJobArgs).toMatchObject({ rebootPreference: -1, offlineBehavior: 1 });
  });

  it("answers 415 for text/plain and 400 for a body that is not JSON", async () => {
    const w = await world();
    const res = await fetch(w.sandbox.info.baseUrl + RUN, { method: "POST", headers: { "content-type": "text/plain", authorization: `Bearer ${await tokenFor(w.sandbox.info)}` }, body: "{}" });
    expect(res.status).toBe(415);
    await expect400(w.call("POST", RUN, "{ computers: "), "$", /not valid JSON/);
    await expect400(w.call("POST", RUN, []), "$", /could not be converted to RunImmyServiceRequestBody/);
  });
});

describe("the course of a session", () => {
  it("goes Created -> Running (detection) -> Running (execution) -> Passed, with stages, the action and logs in order", async () => {
    const w = await world();
    const [id] = await run(w, body([6], { deploymentId: null }));

    let s = await session(w, id!);
    expect(s).toMatchObject({ sessionStatus: S.Created, detectionStageStatus: S.Created, executionStageStatus: S.Created, stages: [], maintenanceActions: [] });

    w.advance(2_000);
    s = await session(w, id!);
    expect(s).toMatchObject({ sessionStatus: S.Running, detectionStageStatus: S.Running, executionStageStatus: S.Created, updatedDateUTC: "2025-06-02T10:00:02.000Z", maintenanceActions: [] });
    expect(s.stages).toEqual([
      { id: 1, maintenanceSessionId: id, stageStatus: S.Running, type: 1, jobId: null, updatedBy: null, createdBy: null, createdDateUTC: "2025-06-02T10:00:02.000Z", updatedDateUTC: "2025-06-02T10:00:02.000Z" },
    ]);

    w.advance(9_999);
    expect((await session(w, id!)).detectionStageStatus).toBe(S.Running);
    w.advance(1); // 12 s: detection ends, execution starts at once
    s = await session(w, id!);
    expect(s).toMatchObject({ sessionStatus: S.Running, detectionStageStatus: S.Passed, executionStageStatus: S.Running, updatedDateUTC: "2025-06-02T10:00:12.000Z" });
    expect(s.stages.map((st: any) => [st.type, st.stageStatus])).toEqual([[1, S.Passed], [2, S.Running]]);
    expect(s.maintenanceActions).toHaveLength(1);
    expect(s.maintenanceActions[0]).toMatchObject({
      id,
      maintenanceSessionId: id,
      computerId: 6,
      computerName: "CONTOSO-WS001",
      tenantId: 2,
      tenantName: "Contoso",
      maintenanceType: 0,
      maintenanceIdentifier: "303",
      maintenanceDisplayName: "7-Zip",
      actionType: 1,
      actionTypeName: "Install",
      status: 2,
      statusName: "PerformingAction",
      result: 0,
      resultName: "Pending",
      detectedVersionString: "23.01",
      desiredVersionString: "24.08",
      assignmentId: null,
      assignmentType: 0,
      desiredSoftwareState: 5,
      startTime: "2025-06-02T10:00:12.000Z",
      resultReasonMessage: null,
    });
    expect(s.maintenanceActions[0]).not.toHaveProperty("endTime");

    w.advance(20_000);
    s = await session(w, id!);
    expect(s).toMatchObject({ sessionStatus: S.Passed, detectionStageStatus: S.Passed, executionStageStatus: S.Passed, updatedDateUTC: "2025-06-02T10:00:32.000Z" });
    expect(s).toMatchObject({ onboardingStageStatus: S.Created, agentUpdatesStageStatus: S.Created, resolutionStageStatus: S.Created, inventoryStageStatus: S.Created });
    expect(s.maintenanceActions[0]).toMatchObject({ status: 4, statusName: "Complete", result: 1, resultName: "Success", endTime: "2025-06-02T10:00:32.000Z", postMaintenanceTestResult: true });

    const logs = await ok(w.call("GET", `${SESSIONS}/${id}/logs`));
    expect(logs.map((l: any) => [l.time, l.message, l.sessionLogType])).toEqual([
      ["2025-06-02T10:00:00.000Z", "Session created", 0],
      ["2025-06-02T10:00:02.000Z", "Detection started", 0],
      ["2025-06-02T10:00:12.000Z", "Detected 7-Zip 23.01; desired: latest", 0],
      ["2025-06-02T10:00:12.000Z", "Installing 7-Zip 24.08", 0],
      ["2025-06-02T10:00:32.000Z", "7-Zip 24.08 installed", 0],
    ]);
    const logIds = logs.map((l: any) => l.id);
    expect([...logIds].sort((a, b) => a - b)).toEqual(logIds);
    expect(new Set(logIds).size).toBe(logIds.length);
    expect(logs[3]).toMatchObject({ maintenanceSessionId: id, maintenanceSessionStageId: 2, maintenanceActionId: id });
    expect(await ok(w.call("GET", `${SESSIONS}/${id}/last-log`))).toEqual(logs[4]);
    // Later reads change nothing.
    w.advance(600_000);
    expect((await session(w, id!)).updatedDateUTC).toBe("2025-06-02T10:00:32.000Z");
  });

  it("shows only the lines whose time has come; last-log is the newest of those", async () => {
    const w = await world();
    const [id] = await run(w, body([6]));
    expect(await messages(w, id!)).toEqual(["Session created"]);
    w.advance(2_500);
    expect(await messages(w, id!)).toEqual(["Session created", "Detection started"]);
    expect((await ok(w.call("GET", `${SESSIONS}/${id}/last-log`))).message).toBe("Detection started");
  });

  it("fills the includes only when asked: stages, actions, activities", async () => {
    const w = await world();
    const [id] = await run(w, body([6]));
    w.advance(15_000);
    expect(await session(w, id!, "")).toMatchObject({ stages: null, maintenanceActions: null, activities: null, logs: null });
    expect(await session(w, id!, "includeStages=true")).toMatchObject({ maintenanceActions: null, stages: [{ type: 1 }, { type: 2 }] });
    expect(await session(w, id!, "includeActions=true&includeActionActivities=true")).toMatchObject({ stages: null, activities: [], maintenanceActions: [{ actionType: 1 }] });
    await expect400(w.call("GET", `${SESSIONS}/${id}?includeStages=yes`), "includeStages", /not valid/);
  });

  it("runs sessionTimeScale times faster", async () => {
    const w = await world({ sessionTimeScale: 10 });
    const [id] = await run(w, body([6]));
    w.advance(199);
    expect((await session(w, id!)).sessionStatus).toBe(S.Created);
    w.advance(1);
    expect((await session(w, id!)).sessionStatus).toBe(S.Running);
    w.advance(3_000);
    expect((await session(w, id!)).sessionStatus).toBe(S.Passed);
    await expect(Sandbox.start({ sessionTimeScale: 0 })).rejects.toThrow(/sessionTimeScale must be a number > 0/);
  });

  it("detectionOnly ends Passed after detection; execution never runs and the action is Skipped", async () => {
    const w = await world();
    const [id] = await run(w, body([8], { detectionOnly: true }));
    w.advance(12_000);
    const s = await session(w, id!);
    expect(s).toMatchObject({ sessionStatus: S.Passed, detectionStageStatus: S.Passed, executionStageStatus: S.Created, sessionJobArgs: { detectionOnly: true } });
    expect(s.stages.map((st: any) => st.type)).toEqual([1]);
    expect(s.maintenanceActions[0]).toMatchObject({ status: 7, statusName: "Skipped", result: 0 });
    expect((await messages(w, id!)).slice(-1)).toEqual(["Detection only: nothing was changed"]);
  });

  it("fails on CONTOSO-LT022 (seeded Failed) with an Error line and a failed action", async () => {
    const w = await world();
    const [id] = await run(w, body([8]));
    w.advance(32_000);
    const s = await session(w, id!);
    expect(s).toMatchObject({ sessionStatus: S.Failed, detectionStageStatus: S.Passed, executionStageStatus: S.Failed });
    expect(s.maintenanceActions[0]).toMatchObject({ status: 4, result: 2, resultName: "Failed", resultReasonMessage: "the installer exited with code 1603", postMaintenanceTestResult: null });
    const last = await ok(w.call("GET", `${SESSIONS}/${id}/last-log`));
    expect(last).toMatchObject({ message: "Install failed: the installer exited with code 1603", sessionLogType: 1 });
  });

  it("ends PartialPassed on a computer seeded so, with the post-install test failed", async () => {
    const seed = JSON.parse(readFileSync(join(REPO, "sandbox/default-seed.json"), "utf8")) as SeedData;
    seed.computers!.find((c) => c.id === 6)!.maintenanceOutcome = "PartialPassed";
    const w = await world({ seed });
    const [id] = await run(w, body([6]));
    w.advance(32_000);
    const s = await session(w, id!);
    expect(s).toMatchObject({ sessionStatus: S.PartialPassed, executionStageStatus: S.PartialPassed });
    expect(s.maintenanceActions[0]).toMatchObject({ result: 1, postMaintenanceTestResult: false, postMaintenanceTestResultMessage: "The post-install test failed" });
    expect((await messages(w, id!)).slice(-1)).toEqual(["Installed, but the post-install test failed"]);
  });

  it("runs tasks (by mode) and uninstalls (NotPresent); full maintenance without an item has no action", async () => {
    const w = await world();
    const [audit, uninstall, full] = [
      ...(await run(w, body([6], { maintenanceParams: { maintenanceType: M.GlobalMaintenanceTask, maintenanceIdentifier: "12", maintenanceTaskMode: Mode.Audit, softwareProviderType: P.Inherent } }))),
      ...(await run(w, body([6], { maintenanceParams: { ...sevenZip, desiredSoftwareState: St.NotPresent } }))),
      ...(await run(w, { computers: [{ computerId: 6 }], fullMaintenance: true, offlineBehavior: 2 })),
    ];
    w.advance(32_000);
    const task = await session(w, audit!);
    expect(task.maintenanceActions[0]).toMatchObject({ actionType: 10, actionTypeName: "TaskAudit", maintenanceDisplayName: "Enable BitLocker", maintenanceTaskMode: 1, maintenanceTaskType: 0, detectedVersionString: null });
    expect((await messages(w, audit!)).slice(-1)).toEqual(["Enable BitLocker: task succeeded"]);
    expect((await session(w, uninstall!)).maintenanceActions[0]).toMatchObject({ actionType: 3, desiredVersionString: null, detectedVersionString: "23.01" });
    expect((await messages(w, uninstall!)).slice(-1)).toEqual(["7-Zip uninstalled"]);
    const f = await session(w, full!);
    expect(f).toMatchObject({ sessionStatus: S.Passed, fullMaintenance: true, maintenanceActions: [] });
    expect(f.sessionJobArgs).not.toHaveProperty("maintenanceItem");
  });
});

describe("cancelling", () => {
  it("FAB-WS101 (seeded NeverFinishes) stays Running until GET .../cancel makes it Cancelled", async () => {
    const w = await world();
    const [id] = await run(w, body([12]));
    w.advance(600_000);
    let s = await session(w, id!);
    expect(s).toMatchObject({ sessionStatus: S.Running, executionStageStatus: S.Running, updatedDateUTC: "2025-06-02T10:00:12.000Z" });
    expect((await messages(w, id!)).slice(-1)).toEqual(["Waiting for the installer to finish"]);

    const cancel = await w.call("GET", `${SESSIONS}/${id}/cancel`);
    expect([cancel.status, cancel.text]).toEqual([200, ""]);
    s = await session(w, id!);
    expect(s).toMatchObject({ sessionStatus: S.Cancelled, detectionStageStatus: S.Passed, executionStageStatus: S.Cancelled, updatedDateUTC: "2025-06-02T10:10:00.000Z", updatedById: 1 });
    expect(s.maintenanceActions[0]).toMatchObject({ result: 3, resultName: "Cancelled", endTime: "2025-06-02T10:10:00.000Z" });
    expect(await ok(w.call("GET", `${SESSIONS}/${id}/last-log`))).toMatchObject({ message: "Session cancelled", time: "2025-06-02T10:10:00.000Z" });
    w.advance(600_000);
    expect((await session(w, id!)).sessionStatus).toBe(S.Cancelled);
  });

  it("cancels a queued session before any stage ran; those stages stay Created", async () => {
    const w = await world();
    const [id] = await run(w, body([6]));
    w.advance(1_000);
    expect((await w.call("GET", `${SESSIONS}/${id}/cancel`)).status).toBe(200);
    w.advance(60_000);
    const s = await session(w, id!);
    expect(s).toMatchObject({ sessionStatus: S.Cancelled, detectionStageStatus: S.Created, executionStageStatus: S.Created, stages: [], maintenanceActions: [] });
    expect(await messages(w, id!)).toEqual(["Session created", "Session cancelled"]);
  });

  it("leaves a finished session as it is and still answers 200", async () => {
    const w = await world();
    const [id] = await run(w, body([8]));
    w.advance(40_000);
    const before = await session(w, id!);
    const logsBefore = await messages(w, id!);
    const cancel = await w.call("GET", `${SESSIONS}/${id}/cancel`);
    expect([cancel.status, cancel.text]).toEqual([200, ""]);
    expect(await session(w, id!)).toEqual(before);
    expect(await messages(w, id!)).toEqual(logsBefore);
    expect(before.sessionStatus).toBe(S.Failed);
  });

  it("POST .../cancel {sessionIds} cancels those in progress, ignores unknown ids, leaves finished ones", async () => {
    const w = await world();
    const ids = await run(w, body([6, 12, 3]));
    w.advance(5_000);
    const [done] = await run(w, body([4], { detectionOnly: true }));
    w.advance(20_000); // 6, 12, 3 in execution; 4 Passed
    const answer = await w.call("POST", `${SESSIONS}/cancel`, { sessionIds: [ids[0], ids[1], done, 999, ids[0]] });
    expect([answer.status, answer.text]).toEqual([200, ""]);
    w.advance(60_000);
    const status = async (id: number): Promise<number> => (await session(w, id, "")).sessionStatus;
    expect([await status(ids[0]!), await status(ids[1]!), await status(ids[2]!), await status(done!)]).toEqual([S.Cancelled, S.Cancelled, S.Passed, S.Passed]);
    expect((await w.call("POST", `${SESSIONS}/cancel`, { sessionIds: null })).status).toBe(200);
    expect((await w.call("POST", `${SESSIONS}/cancel`, {})).status).toBe(200);
    await expect400(w.call("POST", `${SESSIONS}/cancel`, { sessionIds: ["a"] }), "$.sessionIds", /HashSet<Int32>/);
  });

  it("answers 404 ProblemDetails for unknown sessions on every by-id route, and 400 for an id that is no integer", async () => {
    const w = await world();
    for (const path of [`${SESSIONS}/41`, `${SESSIONS}/41/logs`, `${SESSIONS}/41/last-log`, `${SESSIONS}/41/cancel`]) await expect404(w.call("GET", path));
    await expect400(w.call("GET", `${SESSIONS}/abc`), "sessionId", /The value 'abc' is not valid/);
    await expect400(w.call("GET", `${SESSIONS}/abc/cancel`), "sessionId", /not valid/);
  });
});

describe("offline computers and updateTime", () => {
  it("ApplyOnConnect waits in PendingConnectivity until setComputerOnline, then runs from that moment", async () => {
    const w = await world();
    const [id] = await run(w, body([7], { offlineBehavior: O.ApplyOnConnect }));
    w.advance(3_600_000 - 60_000);
    expect(await session(w, id!)).toMatchObject({ sessionStatus: S.PendingConnectivity, detectionStageStatus: S.Created, stages: [], sessionJobArgs: { appliedOnConnect: false } });
    expect(await messages(w, id!)).toEqual(["Session created", "Computer is offline; waiting for it to connect (offline behavior: ApplyOnConnect)"]);

    w.sandbox.setComputerOnline(7, true);
    expect((await ok(w.call("GET", "/api/v1/computers/7"))).isOnline).toBe(true);
    expect((await session(w, id!)).sessionStatus).toBe(S.Created);
    w.advance(32_000);
    expect(await session(w, id!)).toMatchObject({ sessionStatus: S.Passed, updatedDateUTC: "2025-06-02T10:59:32.000Z", sessionJobArgs: { appliedOnConnect: true } });
    expect((await messages(w, id!))[2]).toBe("Computer connected; the session is queued");
    expect(w.sandbox.snapshot().computersOnline).toEqual({ "7": true });
    expect(() => w.sandbox.setComputerOnline(404, true)).toThrow(/no computer 404/);
  });

  it("Skip fails an offline computer's session after the queue time, with an Error line", async () => {
    const w = await world();
    const [id] = await run(w, body([7], { offlineBehavior: O.Skip }));
    w.advance(1_999);
    expect((await session(w, id!)).sessionStatus).toBe(S.Created);
    w.advance(1);
    expect(await session(w, id!)).toMatchObject({ sessionStatus: S.Failed, detectionStageStatus: S.Created, executionStageStatus: S.Created });
    expect(await ok(w.call("GET", `${SESSIONS}/${id}/last-log`))).toMatchObject({ message: "Computer is offline; skipped (offline behavior: Skip)", sessionLogType: 1 });
    w.sandbox.setComputerOnline(7, true);
    expect((await session(w, id!)).sessionStatus).toBe(S.Failed);
  });

  it("a disconnected computer's new sessions wait; sessions under way are not affected", async () => {
    const w = await world();
    const [running] = await run(w, body([6]));
    w.advance(3_000);
    w.sandbox.setComputerOnline(6, false);
    const [waiting] = await run(w, body([6]));
    w.advance(40_000);
    expect((await session(w, running!)).sessionStatus).toBe(S.Passed);
    expect((await session(w, waiting!)).sessionStatus).toBe(S.PendingConnectivity);
    expect((await ok(w.call("GET", "/api/v1/computers/6"))).isOnline).toBe(false);
  });

  it("updateTime: Pending after detection until the next occurrence of that time in the zone, then execution", async () => {
    const w = await world();
    const [utc] = await run(w, body([6], { updateTime: "10:30" }));
    const [berlin] = await run(w, body([6], { updateTime: "12:45", timeZoneInfoId: "Europe/Berlin" }));
    const [tomorrow] = await run(w, body([6], { updateTime: "09:00" }));
    expect((await session(w, utc!)).scheduledExecutionDate).toBe("2025-06-02T10:30:00.000Z");
    expect((await session(w, berlin!)).scheduledExecutionDate).toBe("2025-06-02T10:45:00.000Z");
    expect((await session(w, tomorrow!)).scheduledExecutionDate).toBe("2025-06-03T09:00:00.000Z");
    expect((await session(w, berlin!)).sessionJobArgs.maintenanceSchedulingConfiguration).toEqual({
      time: null,
      maintenanceTime: "12:45",
      timeZoneInfoId: "Europe/Berlin",
      offlineBehavior: 2,
      useComputersTimezoneForExecution: false,
      scheduleExecutionAfterActiveHours: false,
    });

    w.advance(12_000);
    let s = await session(w, utc!);
    expect(s).toMatchObject({ sessionStatus: S.Pending, detectionStageStatus: S.Passed, executionStageStatus: S.Pending });
    expect(s.maintenanceActions[0]).toMatchObject({ status: 8, statusName: "PendingExecution" });
    expect((await messages(w, utc!)).slice(-1)).toEqual(["Execution scheduled for 2025-06-02T10:30:00.000Z (10:30 UTC)"]);

    w.advance(30 * 60_000 - 12_001); // 10:29:59.999
    expect((await session(w, utc!)).sessionStatus).toBe(S.Pending);
    w.advance(1);
    expect(await session(w, utc!)).toMatchObject({ sessionStatus: S.Running, executionStageStatus: S.Running });
    w.advance(20_000);
    expect((await session(w, utc!)).sessionStatus).toBe(S.Passed);
    expect((await session(w, berlin!)).sessionStatus).toBe(S.Pending);
  });
});

describe("GET /maintenance-sessions/dx", () => {
  async function fleet(): Promise<World> {
    const w = await world();
    await run(w, body([6])); // 1
    w.advance(60_000);
    await run(w, body([8, 6])); // 2 (8), 3 (6)
    w.advance(60_000);
    await run(w, body([11])); // 4
    await run(w, { tenants: [{ tenantId: 2 }], fullMaintenance: true, offlineBehavior: 2 }); // 5
    w.advance(60_000);
    return w;
  }
  const dx = async (w: World, query: string): Promise<any> => ok(w.call("GET", `${DX}?${query}`));
  const json = (value: unknown): string => encodeURIComponent(JSON.stringify(value));

  it("answers a LoadResult in id order with the documented row fields; totalCount -1 unless asked", async () => {
    const w = await fleet();
    const result = await dx(w, "");
    expect(Object.keys(result)).toEqual(["data", "totalCount", "groupCount", "summary"]);
    expect(result).toMatchObject({ totalCount: -1, groupCount: -1, summary: null });
    expect(result.data.map((r: any) => r.id)).toEqual([1, 2, 3, 4, 5]);
    expect(Object.keys(result.data[1]).sort()).toEqual(
      [
        "id", "sessionStatus", "statusName", "computerId", "computerName", "tenantId", "tenantName", "createdDate", "updatedDate",
        "onboardingStageStatus", "detectionStageStatus", "executionStageStatus", "agentUpdatesStageStatus", "resolutionStageStatus",
        "inventoryStageStatus", "scheduleId", "fullMaintenance", "scheduledExecutionDate", "createdBy",
      ].sort(),
    );
    expect(result.data[1]).toMatchObject({ id: 2, sessionStatus: S.Failed, statusName: "Failed", computerId: 8, computerName: "CONTOSO-LT022", tenantId: 2, tenantName: "Contoso", createdDate: "2025-06-02T10:01:00.000Z", executionStageStatus: S.Failed, createdBy: "Sandbox API" });
  });

  it("filters by computerId, sorts by createdDate descending, pages with skip/take and counts with requireTotalCount", async () => {
    const w = await fleet();
    const sort = json([{ selector: "createdDate", desc: true }]);
    expect((await dx(w, `computerId=6&sort=${sort}`)).data.map((r: any) => r.id)).toEqual([3, 1]);
    const page = await dx(w, `sort=${sort}&skip=1&take=2&requireTotalCount=true`);
    expect(page.data.map((r: any) => r.id)).toEqual([5, 2]); // 4 and 5 share the newest createdDate; ties stay in id order
    expect(page.totalCount).toBe(5);
    expect((await dx(w, `tenantId=2&requireTotalCount=true&take=0`)).totalCount).toBe(4);
    expect((await dx(w, `sort=${json([{ selector: "computerName", desc: false }, { selector: "id", desc: true }])}`)).data.map((r: any) => r.id)).toEqual([5, 2, 3, 1, 4]); // null first, then by name, ties by id descending
  });

  it("applies DevExtreme filters: a condition, conditions joined by and, by or, and nested groups", async () => {
    const w = await fleet();
    const ids = async (filter: unknown): Promise<number[]> => (await dx(w, `filter=${json(filter)}`)).data.map((r: any) => r.id);
    expect(await ids(["computerId", "=", 6])).toEqual([1, 3]);
    expect(await ids(["sessionStatus", "<>", S.Passed])).toEqual([2]);
    expect(await ids([["tenantName", "contains", "CONTO"], "and", ["createdDate", ">=", "2025-06-02T10:01:00Z"], "and", ["computerId", "<>", null]])).toEqual([2, 3]);
    expect(await ids(["computerId", "=", null])).toEqual([5]);
    expect(await ids(["fullMaintenance", "=", true])).toEqual([5]);
    expect(await ids(["id", "<", 3])).toEqual([1, 2]);
    expect(await ids([["id", "=", 1], "or", ["id", "=", 4], "OR", ["computerId", "=", 8]])).toEqual([1, 2, 4]);
    expect(await ids([["tenantId", "=", 2], "and", [["sessionStatus", "=", S.Failed], "or", ["computerId", "=", 6]]])).toEqual([1, 2, 3]);
    expect(await ids([[["id", "=", 1], "or", ["id", "=", 5]], "and", [["id", "=", 5], "or", ["id", "=", 2]]])).toEqual([5]);
    expect(await ids([["computerId", 6], ["id", ">", 1]])).toEqual([3]); // ["field", value] is "="; side by side is "and"
    const selected = await dx(w, `select=${json(["id", "statusName"])}&take=1`);
    expect(selected.data).toEqual([{ id: 1, statusName: "Passed" }]);
  });

  it.each([
    ["and and or mixed in one group", `filter=${encodeURIComponent(JSON.stringify([["id", "=", 1], "or", ["id", "=", 2], "and", ["id", "=", 3]]))}`, "filter", /Mixing of and\/or is not allowed inside a single group/],
    ["an operator that joins nothing", `filter=${encodeURIComponent(JSON.stringify([["id", "=", 1], "or"]))}`, "filter", /ends with "or"/],
    ["an unknown field", `filter=${encodeURIComponent(JSON.stringify(["sessionGroupId", "=", GROUP]))}`, "filter", /cannot filter sessions by "sessionGroupId"/],
    ["an unknown operator", `filter=${encodeURIComponent(JSON.stringify(["id", "startswith", 1]))}`, "filter", /operator "startswith"/],
    ["a value of the wrong type", `filter=${encodeURIComponent(JSON.stringify(["computerId", "=", "six"]))}`, "filter", /"six" is not a value for computerId/],
    ["negation", `filter=${encodeURIComponent(JSON.stringify(["!", ["id", "=", 1]]))}`, "filter", /does not apply "!"/],
    ["a filter that is not JSON", "filter=id%3D1", "filter", /filter is not JSON/],
    ["a sort on an unknown field", `sort=${encodeURIComponent(JSON.stringify([{ selector: "priority", desc: true }]))}`, "sort", /cannot sort sessions by "priority"/],
    ["a sort that is not a list", `sort=${encodeURIComponent(JSON.stringify({ selector: "id" }))}`, "sort", /is not a list/],
    ["a negative skip", "skip=-1", "skip", /must be between 0/],
    ["take that is no number", "take=all", "take", /not valid/],
    ["grouping", `group=${encodeURIComponent(JSON.stringify([{ selector: "tenantId" }]))}`, "group", /does not group/],
    ["an unknown sessionType", "sessionType=Robot", "sessionType", /Cloud \(1\), Computer \(2\), Person \(3\)/],
    ["a computerId that is no integer", "computerId=six", "computerId", /not valid/],
  ])("refuses %s with a 400", async (_what, query, field, message) => {
    const w = await world();
    await expect400(w.call("GET", `${DX}?${query}`), field, message);
  });
});

describe("routes", () => {
  it("keeps GET /maintenance-sessions (no plain list exists) and the real API's other routes the SPA", async () => {
    const w = await world();
    await run(w, body([6]));
    for (const [method, path] of [
      ["GET", SESSIONS],
      ["GET", `${SESSIONS}?computerId=6`],
      ["GET", `${SESSIONS}/status-counts`],
      ["POST", `${SESSIONS}/cancel-all`],
      ["POST", `${SESSIONS}/1/rerun`],
      ["GET", `${SESSIONS}/1/phases`],
      ["GET", `${SESSIONS}/cancel-for-schedule/1`],
      ["GET", `${SESSIONS}/dx/logs`],
    ] as const) {
      const a = await w.call(method, path);
      expect([a.status, a.contentType], `${method} ${path}`).toEqual([200, "text/html; charset=utf-8"]);
      expect(a.text).toMatch(/<div id="app">/);
    }
    const wrongVerb = await w.call("GET", `${SESSIONS}/cancel`);
    expect([wrongVerb.status, wrongVerb.headers.get("allow")]).toEqual([405, "POST"]);
    expect((await w.call("POST", `${SESSIONS}/1`)).status).toBe(405);
    expect((await w.call("GET", RUN)).status).toBe(405);
    expect((await ok(w.call("GET", `${SESSIONS.toUpperCase()}/1/LOGS/`))).length).toBe(1);
  });

  it("checks the token on every session route", async () => {
    const w = await world();
    await run(w, body([6]));
    for (const [method, path] of [
      ["POST", RUN],
      ["POST", RUN_NEW],
      ["GET", `${SESSIONS}/1`],
      ["GET", `${SESSIONS}/1/logs`],
      ["GET", `${SESSIONS}/1/last-log`],
      ["GET", `${SESSIONS}/1/cancel`],
      ["POST", `${SESSIONS}/cancel`],
      ["GET", DX],
    ] as const) {
      const a = await api(w.sandbox, null, method, path, method === "POST" ? body([6]) : undefined);
      expect(a.status, `${method} ${path}`).toBe(401);
    }
    expect(w.sandbox.sessions()).toHaveLength(1);
  });
});

describe("seed: maintenanceOutcome", () => {
  it("never shows in a computer response", async () => {
    const w = await world();
    for (const path of ["/api/v1/computers/8", "/api/v1/computers/12", "/api/v1/computers", "/api/v1/computers/paged"]) {
      expect((await w.call("GET", path)).text, path).not.toMatch(/maintenanceOutcome|NeverFinishes/);
    }
    const preview = await w.call("POST", "/api/v1/target-assignments/target-preview", { targetType: 1 }); // All
    expect(preview.status).toBe(200);
    expect(preview.text).not.toMatch(/maintenanceOutcome/);
    expect(w.sandbox.seed().computers!.find((c) => c.id === 12)!.maintenanceOutcome).toBe("NeverFinishes");
  });

  it("refuses an outcome it does not know", async () => {
    const seed: SeedData = { tenants: [{ id: 1, name: "T" }], computers: [{ id: 1, name: "PC", tenantId: 1, kind: "Workstation", maintenanceOutcome: "Exploded" as never }] };
    await expect(Sandbox.start({ seed })).rejects.toThrow(SeedError);
    await expect(Sandbox.start({ seed })).rejects.toThrow(/maintenanceOutcome/);
  });
});

describe("control API", () => {
  it("sessions() and session() show every session as GET with stages and actions would, hidden ones included", async () => {
    const w = await world({ sessionEnqueueDelayMs: 1_000 });
    await run(w, body([6]));
    expect((await w.call("POST", RUN_NEW, body([8]))).status).toBe(202);
    w.advance(15_000);
    expect(w.sandbox.sessions()).toEqual([await session(w, 1), await session(w, 2)]);
    expect(w.sandbox.session(2)).toEqual(await session(w, 2));
    expect(w.sandbox.session(3)).toBeUndefined();
  });
});

describe("state file", () => {
  const tempPath = useTempDir("immybot-sandbox-sessions-");

  it("keeps sessions, their ids and connected computers across a restart; the simulation goes on", async () => {
    const stateFile = tempPath("state.json");
    const first = await world({ stateFile });
    const [running] = await run(first, body([6]));
    const [waiting] = await run(first, body([7]));
    const [cancelled] = await run(first, body([12]));
    first.advance(5_000);
    expect((await first.call("GET", `${SESSIONS}/${cancelled}/cancel`)).status).toBe(200);
    first.sandbox.setComputerOnline(7, true);
    const before = first.sandbox.sessions();
    await first.sandbox.stop();

    const second = await world({ stateFile }, first.now());
    expect(second.sandbox.sessions()).toEqual(before);
    expect((await session(second, running!)).sessionStatus).toBe(S.Running);
    expect((await ok(second.call("GET", "/api/v1/computers/7"))).isOnline).toBe(true);
    second.advance(40_000);
    expect([(await session(second, running!)).sessionStatus, (await session(second, waiting!)).sessionStatus, (await session(second, cancelled!)).sessionStatus]).toEqual([S.Passed, S.Passed, S.Cancelled]);
    expect(await run(second, body([6]))).toEqual([4]);
    expect(JSON.parse(readFileSync(stateFile, "utf8"))).toMatchObject({ nextSessionId: 5, computersOnline: { "7": true }, sessions: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }] });
  });

  it("reads a state file written before sessions existed", async () => {
    const stateFile = tempPath("old.json");
    writeFileSync(stateFile, JSON.stringify({ version: 1, credentials: { azureTenantId: "", clientId: "", clientSecret: "" }, nextScheduleId: 3, schedules: [], nextDeploymentId: 2, deployments: [], tokens: {} }));
    const w = await world({ stateFile });
    expect(w.sandbox.sessions()).toEqual([]);
    expect(await run(w, body([6]))).toEqual([1]);
    expect(w.sandbox.snapshot()).toMatchObject({ nextScheduleId: 3, nextDeploymentId: 2, nextSessionId: 2, computersOnline: {} });
  });

  it("refuses a state file whose sessions are not a list", async () => {
    const stateFile = tempPath("broken.json");
    writeFileSync(stateFile, JSON.stringify({ version: 1, credentials: {}, nextScheduleId: 1, schedules: [], sessions: {}, tokens: {} }));
    await expect(Sandbox.start({ stateFile })).rejects.toThrow(/has sessions that are not a list/);
  });

  it("keeps a session's time scale: a restart with another scale does not bend it", async () => {
    const stateFile = tempPath("scale.json");
    const first = await world({ stateFile, sessionTimeScale: 10 });
    const [id] = await run(first, body([6]));
    await first.sandbox.stop();
    const second = await world({ stateFile, sessionTimeScale: 1 }, first.now());
    second.advance(3_200);
    expect((await session(second, id!)).sessionStatus).toBe(S.Passed);
  });
});

describe("CLI --session-time-scale", () => {
  const cli = useSandboxCli();

  it("runs sessions that many times faster (100: a 0.32 s session)", async () => {
    const { info, nextLine, stop } = await cli.start(["--session-time-scale", "100"]);
    const described: string[] = [];
    for (let i = 0; i < 6; i++) described.push(await nextLine());
    expect(described.join("\n")).toMatch(/sessions: .*run-immy-service.*\(time scale 100\)/);
    const token = await tokenFor(info);
    const started = Date.now();
    const id = (await api(info.baseUrl, token, "POST", RUN, body([6]))).json.sessionsStarted[0].sessionId;
    let status = -1;
    while (status !== S.Passed && Date.now() - started < 5_000) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await api(info.baseUrl, token, "GET", `${SESSIONS}/${id}`)).json.sessionStatus;
    }
    expect(status).toBe(S.Passed);
    expect(Date.now() - started).toBeGreaterThanOrEqual(320);
    expect(await stop()).toBe(0);
  });

  it("refuses a scale that is not a number > 0 with exit code 2", async () => {
    for (const value of ["0", "fast"]) {
      const { exit, stderr } = cli.launch(["--session-time-scale", value]);
      expect(await exit).toBe(2);
      expect(stderr()).toMatch(/--session-time-scale/);
    }
  });
});
