/**
 * MaintenanceSession without a network: argument checks and their messages, the diff (every argument replaces,
 * outputs never do), the start request body (checked against the spec), the outputs built from session answers,
 * the failure message of a step, and durations.
 */
import { describe, expect, it, vi } from "vitest";
import {
  check,
  diff,
  durationMs,
  failureMessage,
  model,
  outputKeys,
  runOutputs,
  sessionFromWire,
  toWire,
  type MaintenanceSessionInputs,
  type MaintenanceSessionOutputs,
  type SessionResult,
} from "../../provider/maintenance-session";
import { parseInputs, UNKNOWN } from "../../provider/check";
import { decodeRunDeployment, type RunDeployment } from "../../provider/deployment-wire";
import { formatDuration, type RunTarget, type Wire } from "../../provider/session-runs";
import { SpecValidator, loadSpec } from "../helpers/openapi";
import { deploymentWire, sessionWire } from "../helpers/session-wire";

// This file makes no HTTP request: the only way provider code reaches ImmyBot is the context's client, which fails here.
const reached = vi.hoisted(() => ({ client: 0 }));
vi.mock("../../provider/context", () => ({
  client: () => {
    reached.client++;
    throw new Error("unit tests must not reach ImmyBot");
  },
  settings: () => {
    reached.client++;
    throw new Error("unit tests must not read settings");
  },
  configure: () => undefined,
}));

const minimal = { deploymentId: "12", computers: [6, 8] };
const GROUP = "7c9e6679-7425-40de-944b-e07fc1f0b2ab";

async function failuresOf(inputs: Record<string, unknown>) {
  return (await check({}, inputs)).failures ?? [];
}

function inputs(args: Record<string, unknown> = {}): MaintenanceSessionInputs {
  const parsed = parseInputs(model, { ...minimal, ...args });
  expect(parsed.failures).toEqual([]);
  return parsed.value!;
}

/** A session as ImmyBot answers it, detection passed. */
const wireSession = (id: number, sessionStatus: number, extra: Wire = {}): Wire =>
  sessionWire(id, sessionStatus, { onboardingStageStatus: 0, detectionStageStatus: 0, resolutionStageStatus: 0, inventoryStageStatus: 0, ...extra });

/** A software deployment as `GET /target-assignments/12` answers it (integer enums), decoded as a run reads it. */
const softwareDeployment: RunDeployment = decodeRunDeployment(deploymentWire());

const run = { sessionGroupId: GROUP, startedAt: "2026-11-20T09:59:00Z", maintenanceType: "GlobalSoftware" as const, maintenanceIdentifier: "303", targets: [{ kind: "computer" as const, id: 6 }] };

function outputsOf(v: MaintenanceSessionInputs, sessions: SessionResult[]): MaintenanceSessionOutputs {
  return runOutputs(v, run, sessions);
}

/** Session results for computers PC-<id>, by status name. */
function sessionsWith(...specs: [id: number, status: number, lastLog?: string][]): SessionResult[] {
  return specs.map(([id, status, lastLog]) => sessionFromWire(wireSession(id, status, { computerId: id - 100, computerName: `PC-${id - 100}` }), lastLog ?? null, true));
}

describe("MaintenanceSession check", () => {
  it("accepts a minimal run and fills every default", async () => {
    const r = await check({}, minimal);
    expect(r.failures).toEqual([]);
    expect(r.inputs).toEqual({
      deploymentId: "12",
      fullMaintenance: false,
      computers: [6, 8],
      detectionOnly: false,
      waitFor: "completed",
      timeout: "1h",
      failOnPartialPassed: false,
      failOnPostponed: false,
      rebootPreference: "Normal",
      promptTimeoutAction: "Reboot",
      promptTimeoutMinutes: 60,
      autoConsentToReboots: false,
      suppressRebootsDuringBusinessHours: false,
      offlineBehavior: "Skip",
      sendDetectionEmail: false,
      sendDetectionEmailWhenAllActionsAreCompliant: false,
      sendFollowUpEmail: false,
      sendFollowUpOnlyIfActionNeeded: false,
      showRunNowButton: false,
      showPostponeButton: false,
      showMaintenanceActions: false,
      useComputersTimezoneForExecution: false,
      scheduleExecutionAfterActiveHours: false,
    });
  });

  it("sorts target ids and drops repeats, so their order never starts a new run", async () => {
    expect((await check({}, { ...minimal, computers: [8, 6, 6] })).inputs.computers).toEqual([6, 8]);
    expect((await check({}, { deploymentId: "12", tenants: [9, 2, 9] })).inputs.tenants).toEqual([2, 9]);
    expect((await check({}, { deploymentId: "12", persons: [77, 5] })).inputs.persons).toEqual([5, 77]);
  });

  it("writes the timeout in its shortest form", async () => {
    for (const [given, canonical] of [
      ["90m", "1h30m"],
      ["3600s", "1h"],
      ["1h30m", "1h30m"],
      ["0h45m0s", "45m"],
      ["86400s", "24h"],
      [" 45m ", "45m"],
      ["1s", "1s"],
    ]) {
      const r = await check({}, { ...minimal, timeout: given });
      expect(r.failures, given).toEqual([]);
      expect(r.inputs.timeout, given).toBe(canonical);
    }
  });

  it("accepts every option and an execution time with its zone", async () => {
    const r = await check({}, {
      ...minimal,
      executionTime: "22:00",
      timeZone: "Europe/Berlin",
      detectionOnly: true,
      rebootPreference: "Force",
      offlineBehavior: "ApplyOnConnect",
      sendFollowUpEmail: true,
      sendFollowUpOnlyIfActionNeeded: true,
      triggers: ["r1", 2, { at: "2026-11-20" }, null, [true]],
      waitFor: "started",
      failOnPartialPassed: true,
      failOnPostponed: true,
    });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({ executionTime: "22:00", timeZone: "Europe/Berlin", rebootPreference: "Force", triggers: ["r1", 2, { at: "2026-11-20" }, null, [true]], waitFor: "started" });
  });

  it("runs on every targeted computer when no target list is given", async () => {
    const r = await check({}, { deploymentId: "12" });
    expect(r.failures).toEqual([]);
    expect(r.inputs).not.toHaveProperty("computers");
    expect(r.inputs).not.toHaveProperty("tenants");
    expect(r.inputs).not.toHaveProperty("persons");
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ["a deployment id that is not a number", { deploymentId: "abc" }, "deploymentId", /"abc" is not a deployment id \(a positive whole number as a string, e\.g\. "42"\)/],
    ["a deployment id given as a number", { deploymentId: 42 }, "deploymentId", /must be a string; got 42; write it in quotes, e\.g\. "42"/],
    ["a deployment id of zero", { deploymentId: "0" }, "deploymentId", /not a deployment id/],
    ["an empty computer list", { computers: [] }, "computers", /lists no computer; give at least one id, or leave it out/],
    ["computer id 0", { computers: [0] }, "computers[0]", /0 is not a computer id \(a positive whole number\)/],
    ["a negative computer id", { computers: [6, -3] }, "computers[1]", /-3 is not a computer id/],
    ["a fractional computer id", { computers: [1.5] }, "computers[0]", /1\.5 is not a computer id \(a positive whole number\)/],
    ["a computer name instead of an id", { computers: ["PC-6"] }, "computers[0]", /"PC-6" is not a computer id: give the computer's id \(a positive whole number\), not its name \(getComputer\(\{ name \}\)\.id\)/],
    ["an empty tenant list", { computers: undefined, tenants: [] }, "tenants", /lists no tenant/],
    ["computers and tenants together", { tenants: [2] }, "tenants", /a run targets one kind: give computers or tenants, not both/],
    ["tenants and persons together", { computers: undefined, tenants: [2], persons: [5] }, "persons", /give tenants or persons, not both/],
    ["a time zone without an execution time", { timeZone: "Europe/Berlin" }, "timeZone", /set executionTime \(e\.g\. "22:00"\), or remove timeZone/],
    ["an execution time of 25:00", { executionTime: "25:00" }, "executionTime", /"25:00" is not HH:mm \(24-hour, e\.g\. "22:00"\)/],
    ["an execution time with seconds", { executionTime: "22:00:00" }, "executionTime", /not HH:mm/],
    ["an unknown time zone", { executionTime: "22:00", timeZone: "Mars/Base" }, "timeZone", /"Mars\/Base" is not an IANA time zone id \(e\.g\. "Europe\/Berlin"/],
    ["a timeout that is no duration", { timeout: "forever" }, "timeout", /"forever" is not a duration between "1s" and "24h" \(e\.g\. "45m", "1h30m", "90s"\)/],
    ["a timeout of zero", { timeout: "0s" }, "timeout", /"0s" is not a duration between "1s" and "24h"/],
    ["a timeout over a day", { timeout: "25h" }, "timeout", /"25h" is not a duration between "1s" and "24h"/],
    ["a timeout just over a day", { timeout: "24h0m1s" }, "timeout", /between "1s" and "24h"/],
    ["an empty timeout", { timeout: "" }, "timeout", /"" is not a duration between "1s" and "24h"/],
    ["a timeout in days", { timeout: "1d" }, "timeout", /e\.g\. "45m"/],
    ["a timeout as a number", { timeout: 3600 }, "timeout", /must be a string; got 3600; "3600" is not a duration between "1s" and "24h"/],
    ["an unknown waitFor", { waitFor: "done" }, "waitFor", /must be "none", "started" or "completed"; got "done"/],
    ["a misspelt waitFor", { waitFor: "complete" }, "waitFor", /got "complete"; did you mean "completed"\?$/],
    ["failOnPartialPassed with waitFor none", { waitFor: "none", failOnPartialPassed: true }, "failOnPartialPassed", /has no effect with waitFor "none".*: set waitFor "completed", or remove failOnPartialPassed/],
    ["failOnPostponed with waitFor none", { waitFor: "none", failOnPostponed: true }, "failOnPostponed", /set waitFor "completed", or remove failOnPostponed/],
    ["a tenant id as text", { computers: undefined, tenants: ["2"] }, "tenants[0]", /must be a number; got "2"; write 2 without quotes/],
    ["a typo in triggers", { trigger: ["r1"] }, "trigger", /is not a known property; did you mean "triggers"\?/],
    ["triggers that are not a list", { triggers: "r1" }, "triggers", /must be an array; got "r1"; write it as a list, e\.g\. \["r1"\]/],
    ["one computer id without a list", { computers: 6 }, "computers", /must be an array; got 6; write it as a list, e\.g\. \[6\]/],
    ["a follow-up filter without follow-up e-mail", { sendFollowUpOnlyIfActionNeeded: true }, "sendFollowUpOnlyIfActionNeeded", /needs sendFollowUpEmail: true; set it, or remove/],
    ["a detection filter without detection e-mail", { sendDetectionEmailWhenAllActionsAreCompliant: true }, "sendDetectionEmailWhenAllActionsAreCompliant", /needs sendDetectionEmail: true/],
    ["an unknown reboot preference", { rebootPreference: "Always" }, "rebootPreference", /must be one of "Normal", "Suppress", "Prompt", "Force"; got "Always"/],
    ["an integer offline behaviour", { offlineBehavior: 2 }, "offlineBehavior", /must be one of "Skip", "ApplyOnConnect"; got 2; give the name: 2 is ImmyBot's number for "ApplyOnConnect"/],
    ["a prompt timeout over a day", { promptTimeoutMinutes: 1441 }, "promptTimeoutMinutes", /^must be at most 1440; got 1441$/],
    ["a missing deployment id", { deploymentId: undefined }, "deploymentId", /is required/],
    ["triggers nested 5000 levels deep", { triggers: [Array.from({ length: 5000 }).reduce<unknown>((v) => [v], "r1")] }, "triggers", /^is nested more than 32 levels deep; no ImmyBot argument needs that: flatten the value$/],
    ["a __proto__ key inside triggers", { triggers: [JSON.parse('{"release":"r1","__proto__":{"x":1}}')] }, "triggers[0].__proto__", /^cannot be used as a key: JavaScript drops a key named "__proto__"/],
    ["a property named valueOf", { valueOf: 1 }, "valueOf", /^is not a known property: remove it$/],
    ["a deployment id above int32", { deploymentId: "2147483648" }, "deploymentId", /^"2147483648" is not a deployment id: ImmyBot ids are at most 2147483647$/],
    ["a computer id above int32", { computers: [6, 2147483648] }, "computers[1]", /^2147483648 is not a computer id: ImmyBot ids are at most 2147483647$/],
    ["a person id above int32", { computers: undefined, persons: [1e12] }, "persons[0]", /^1000000000000 is not a person id: ImmyBot ids are at most 2147483647$/],
  ];
  it.each(bad)("rejects %s, naming the field and the fix", async (_name, patch, property, reason) => {
    const failures = await failuresOf({ ...minimal, ...patch });
    const hit = failures.find((f) => f.property === property);
    expect(hit, JSON.stringify(failures)).toBeDefined();
    expect(hit!.reason).toMatch(reason);
  });

  it("reports every problem of one check at once", async () => {
    const failures = await failuresOf({ deploymentId: "abc", computers: [], tenants: [2], timeout: "forever", waitFor: "done", timeZone: "UTC", rebootPreference: "Always", trigger: [1] });
    expect(failures.map((f) => f.property).sort()).toEqual(["computers", "deploymentId", "rebootPreference", "timeZone", "timeout", "trigger", "waitFor"]);
    // The cross-field rules still judge the fields that parsed (timeZone without executionTime) next to the bad ones.
    const both = await failuresOf({ ...minimal, tenants: [2], timeout: "25h" });
    expect(both.map((f) => f.property).sort()).toEqual(["tenants", "timeout"]);
  });

  it("accepts values unknown at preview without judging them", async () => {
    const unknownDeployment = await check({}, { ...minimal, deploymentId: UNKNOWN });
    expect(unknownDeployment.failures).toEqual([]);
    expect(unknownDeployment.inputs).toMatchObject({ deploymentId: UNKNOWN, computers: [6, 8], timeout: "1h" });

    const unknownTrigger = await check({}, { ...minimal, triggers: ["release-7", UNKNOWN] });
    expect(unknownTrigger.failures).toEqual([]);
    expect(unknownTrigger.inputs.triggers).toEqual(["release-7", UNKNOWN]);

    const nested = await check({}, { ...minimal, triggers: [{ updatedAt: UNKNOWN }] });
    expect(nested.failures).toEqual([]);
    expect(nested.inputs.triggers).toEqual([{ updatedAt: UNKNOWN }]);

    // The rule that reads an unknown value is skipped; a known bad value next to it is still reported.
    expect(await failuresOf({ ...minimal, executionTime: UNKNOWN, timeZone: "Europe/Berlin" })).toEqual([]);
    expect((await failuresOf({ ...minimal, deploymentId: UNKNOWN, timeout: "forever" })).map((f) => f.property)).toEqual(["timeout"]);
  });

  it("accepts triggers nested 32 levels deep, with keys named like Object.prototype's members", async () => {
    const trigger = { constructor: "r1", toString: Array.from({ length: 30 }).reduce<unknown>((v) => [v], 1) };
    const r = await check({}, { ...minimal, triggers: [trigger] });
    expect(r.failures).toEqual([]);
    expect(r.inputs.triggers).toEqual([trigger]);
  });

  it("writes the time zone as IANA spells it, and a state holding it as typed does not diff", async () => {
    const r = await check({}, { ...minimal, executionTime: "22:00", timeZone: "america/new_york" });
    expect(r.failures).toEqual([]);
    expect(r.inputs.timeZone).toBe("America/New_York");
    expect(toWire(parseInputs(model, r.inputs).value!, softwareDeployment, [], "g").timeZoneInfoId).toBe("America/New_York");
    expect(await diff(GROUP, { ...r.inputs, timeZone: "america/new_york" }, r.inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("leaves out null values and the engine's __provider", async () => {
    const r = await check({}, { ...minimal, timeZone: null, triggers: null, __provider: "exports.handler = ..." });
    expect(r.failures).toEqual([]);
    expect(r.inputs).not.toHaveProperty("__provider");
    expect(r.inputs).not.toHaveProperty("timeZone");
    expect(r.inputs).not.toHaveProperty("triggers");
  });

  it("is pure: it needs no settings and makes no request", async () => {
    const before = reached.client;
    await check({}, minimal);
    await check({}, { ...minimal, deploymentId: "999999", computers: [123456] });
    await check({}, { deploymentId: "abc" });
    expect(reached.client).toBe(before);
  });
});

describe("MaintenanceSession diff", () => {
  const checked = parseInputs(model, { ...minimal, triggers: ["r1"] }).inputs;
  const v = inputs({ triggers: ["r1"] });
  const state: Record<string, unknown> = { ...outputsOf(v, sessionsWith([106, 0], [108, 1])), __provider: "old code" };
  const none = { changes: false, replaces: [], deleteBeforeReplace: false };

  it("finds no change when nothing changed", async () => {
    expect(await diff(GROUP, state, checked)).toEqual(none);
    expect(await diff(GROUP, state, { ...checked, __provider: "new code" })).toEqual(none);
  });

  it("replaces when triggers change (a new run)", async () => {
    expect(await diff(GROUP, state, { ...checked, triggers: ["r2"] })).toEqual({ changes: true, replaces: ["triggers"], deleteBeforeReplace: false });
    expect(await diff(GROUP, state, { ...checked, triggers: ["r1", "r2"] })).toMatchObject({ changes: true, replaces: ["triggers"] });
    const { triggers: _t, ...withoutTriggers } = checked;
    expect(await diff(GROUP, state, withoutTriggers)).toMatchObject({ changes: true, replaces: ["triggers"] });
  });

  it("ignores the order and repeats of computer ids", async () => {
    const reordered = (await check({}, { ...minimal, computers: [8, 6, 6], triggers: ["r1"] })).inputs;
    expect(await diff(GROUP, state, reordered)).toEqual(none);
    // State written in another order (by hand or an older version) is canonicalised before the comparison.
    expect(await diff(GROUP, { ...state, computers: [8, 6] }, checked)).toEqual(none);
  });

  it("replaces for any other argument", async () => {
    for (const [key, value] of [
      ["rebootPreference", "Force"],
      ["timeout", "2h"],
      ["waitFor", "none"],
      ["detectionOnly", true],
      ["deploymentId", "13"],
      ["computers", [6, 9]],
      ["executionTime", "22:00"],
      ["failOnPartialPassed", true],
      ["offlineBehavior", "ApplyOnConnect"],
    ] as const) {
      expect(await diff(GROUP, state, { ...checked, [key]: value }), key).toEqual({ changes: true, replaces: [key], deleteBeforeReplace: false });
    }
  });

  it("never diffs outputs", async () => {
    const drifted = {
      ...state,
      sessions: [],
      result: "Failed",
      statusCounts: { Failed: 9 },
      sessionIds: [1, 2, 3],
      startedAt: "2031-01-01T00:00:00Z",
      finishedAt: "2031-01-01T01:00:00Z",
      durationSeconds: 3600,
      sessionGroupId: "another",
      maintenanceType: "LocalSoftware",
      maintenanceIdentifier: "1",
    };
    expect(await diff(GROUP, drifted, checked)).toEqual(none);
  });

  it("does not diff state written in a longer form of the same timeout", async () => {
    const r = (await check({}, { ...minimal, triggers: ["r1"], timeout: "90m" })).inputs;
    expect(await diff(GROUP, { ...state, timeout: "90m" }, r)).toEqual(none);
  });

  it("replaces when the deployment id is unknown at preview", async () => {
    expect(await diff(GROUP, state, { ...checked, deploymentId: UNKNOWN })).toEqual({ changes: true, replaces: ["deploymentId"], deleteBeforeReplace: false });
    expect(await diff(GROUP, state, { ...checked, triggers: [UNKNOWN] })).toMatchObject({ changes: true, replaces: ["triggers"] });
  });
});

describe("MaintenanceSession start request", () => {
  const taskDeployment: RunDeployment = {
    ...softwareDeployment,
    databaseType: 0,
    maintenanceType: 6,
    maintenanceIdentifier: "7",
    desiredSoftwareState: 0,
    maintenanceTaskMode: 1,
    taskParameterValues: { Port: { value: 443, allowOverride: true, requiresOverride: null }, Mode: { value: "strict", allowOverride: false, requiresOverride: null } },
    licenseId: 4,
  };
  const computers: RunTarget[] = [
    { kind: "computer", id: 6 },
    { kind: "computer", id: 8 },
  ];

  it("sends one target list, the deployment's item and every option", () => {
    const body = toWire(inputs(), softwareDeployment, computers, GROUP);
    expect(body.computers).toEqual([{ computerId: 6 }, { computerId: 8 }]);
    expect(body.tenants).toBeNull();
    expect(body.persons).toBeNull();
    expect(body).toMatchObject({
      deploymentId: 12,
      deploymentType: 1,
      useWinningDeployment: false,
      sessionGroupId: GROUP,
      fullMaintenance: false,
      detectionOnly: false,
      resolutionOnly: false,
      inventoryOnly: false,
      cacheOnly: false,
      rebootPreference: 0,
      promptTimeoutAction: 0,
      promptTimeoutMinutes: 60,
      offlineBehavior: 1,
      sendFollowUpEmail: false,
      updateTime: null,
      timeZoneInfoId: null,
      licenseId: null,
      skipBackgroundJob: false,
    });
    expect(body.maintenanceParams).toEqual({
      maintenanceType: 0,
      maintenanceIdentifier: "303",
      desiredSoftwareState: 5,
      maintenanceTaskMode: 0,
      softwareProviderType: 3,
      taskParameterValues: null,
      providerLinkIdForMaintenanceItem: null,
      repair: false,
    });
    expect(typeof body.deploymentId).toBe("number");
    expect(Object.values(body)).not.toContain(undefined);
  });

  it("mirrors a task deployment: its parameters, mode, scope and license", () => {
    const body = toWire(inputs({ detectionOnly: true, rebootPreference: "Suppress" }), taskDeployment, computers, GROUP);
    expect(body).toMatchObject({ deploymentType: 0, detectionOnly: true, rebootPreference: 1, licenseId: 4 });
    expect(body.maintenanceParams).toMatchObject({ maintenanceType: 6, maintenanceIdentifier: "7", maintenanceTaskMode: 1, taskParameterValues: taskDeployment.taskParameterValues });
    expect(body.maintenanceParams).not.toHaveProperty("semanticVersion");
  });

  it("pins the deployment's version when it has one", () => {
    const body = toWire(inputs(), { ...softwareDeployment, desiredSoftwareState: 3, softwareSemanticVersionString: "23.1.0" }, computers, GROUP);
    expect(body.maintenanceParams).toMatchObject({ desiredSoftwareState: 3, semanticVersion: "23.1.0" });
  });

  it("sends integers even when the deployment's answer gives its enums by name (any case)", () => {
    const named = { ...softwareDeployment, databaseType: "local", maintenanceType: "GlobalSoftware", desiredSoftwareState: "latestVersion", maintenanceTaskMode: "Enforce", softwareProviderType: "INHERENT" };
    const body = toWire(inputs(), decodeRunDeployment(named), computers, GROUP);
    expect(body.deploymentType).toBe(1);
    expect(body.maintenanceParams).toMatchObject({ maintenanceType: 0, desiredSoftwareState: 5, maintenanceTaskMode: 0, softwareProviderType: 3 });
    const at = { method: "GET", path: "/api/v1/target-assignments/12" };
    expect(() => decodeRunDeployment({ ...named, desiredSoftwareState: "Newest" }, at)).toThrow(
      'ImmyBot GET /api/v1/target-assignments/12 answered a deployment whose desiredSoftwareState is "Newest" (neither an integer nor a name of DesiredSoftwareState).',
    );
  });

  it("refuses a deployment answer without a field the run sends, naming the route and the field", () => {
    const { databaseType: _d, ...without } = softwareDeployment;
    const at = { method: "GET", path: "/api/v1/target-assignments/12" };
    expect(() => decodeRunDeployment(without, at)).toThrow(expect.objectContaining({ code: "IMMYBOT_UNEXPECTED_RESPONSE", path: at.path }));
    expect(() => decodeRunDeployment(without, at)).toThrow("ImmyBot GET /api/v1/target-assignments/12 answered a deployment without databaseType.");
  });

  it("sends the tenant or person list alone", () => {
    const tenants = toWire(inputs({ computers: undefined, tenants: [2] }), softwareDeployment, [{ kind: "tenant", id: 2 }], GROUP);
    expect([tenants.computers, tenants.tenants, tenants.persons]).toEqual([null, [{ tenantId: 2 }], null]);
    const persons = toWire(inputs({ computers: undefined, persons: [5, 77] }), softwareDeployment, [{ kind: "person", id: 5 }, { kind: "person", id: 77 }], GROUP);
    expect([persons.computers, persons.tenants, persons.persons]).toEqual([null, null, [{ personId: 5 }, { personId: 77 }]]);
  });

  it("sends the execution time with its zone, UTC when none is given", () => {
    expect(toWire(inputs({ executionTime: "22:00", timeZone: "Europe/Berlin" }), softwareDeployment, computers, GROUP)).toMatchObject({ updateTime: "22:00", timeZoneInfoId: "Europe/Berlin" });
    expect(toWire(inputs({ executionTime: "06:30" }), softwareDeployment, computers, GROUP)).toMatchObject({ updateTime: "06:30", timeZoneInfoId: "UTC" });
  });

  const spec = loadSpec();
  const cases: [Record<string, unknown>, RunDeployment, RunTarget[]][] = [
    [{}, softwareDeployment, computers],
    [{ executionTime: "22:00", timeZone: "Europe/Berlin", detectionOnly: true, rebootPreference: "Force", offlineBehavior: "ApplyOnConnect" }, taskDeployment, computers],
    [{ computers: undefined, tenants: [2] }, { ...softwareDeployment, desiredSoftwareState: 3, softwareSemanticVersionString: "23.1.0" }, [{ kind: "tenant", id: 2 }]],
    [{ computers: undefined, persons: [5] }, softwareDeployment, [{ kind: "person", id: 5 }]],
  ];

  it(
    "matches the spec's RunImmyServiceRequestBody",
    () => {
      expect(spec.components?.schemas?.RunImmyServiceRequestBody, "test/fixtures/immybot-openapi.subset.json lacks RunImmyServiceRequestBody").toBeDefined();
      // The spec types semanticVersion as a read-only object; ImmyBot reads it as a version string (API notes §3.8).
      const validator = new SpecValidator(spec, { versionAsText: true });
      const documented = Object.keys((spec.components!.schemas!.RunImmyServiceRequestBody as { properties: object }).properties);
      for (const [args, deployment, targets] of cases) {
        const body = toWire(inputs(args), deployment, targets, GROUP);
        expect(Object.keys(body).filter((k) => !documented.includes(k)), JSON.stringify(args)).toEqual([]);
        expect(validator.validateRequest("POST", "/api/v1/run-immy-service-new", JSON.parse(JSON.stringify(body))).errors, JSON.stringify(args)).toEqual([]);
      }
    },
  );
});

describe("MaintenanceSession outputs", () => {
  it("maps a session answer with integer enums to names", () => {
    const w = wireSession(101, 2, {
      onboardingStageStatus: 1,
      detectionStageStatus: 0,
      executionStageStatus: 2,
      agentUpdatesStageStatus: 4,
      resolutionStageStatus: 6,
      inventoryStageStatus: 8,
      scheduledExecutionDate: "2026-11-20T21:00:00Z",
    });
    const s = sessionFromWire(w, "Installer exited with code 1603", true);
    expect(s).toMatchObject({
      id: 101,
      status: "Failed",
      stages: { onboarding: "Running", detection: "Passed", execution: "Failed", agentUpdates: "Cancelled", resolution: "Pending", inventory: "PendingConnectivity" },
      computerId: 6,
      computerName: "PC-6",
      tenantId: 2,
      tenantName: "Contoso",
      personId: null,
      createdAt: "2026-11-20T10:00:00Z",
      updatedAt: "2026-11-20T10:05:30Z",
      scheduledExecutionAt: "2026-11-20T21:00:00Z",
      lastLog: "Installer exited with code 1603",
      startedByThisRun: true,
    });
  });

  it("maps every session status integer", () => {
    const names = ["Passed", "Running", "Failed", "Created", "Cancelled", "Postponed", "Pending", "PartialPassed", "PendingConnectivity", "Missed", "MaxTrackedDevicesPerMonthExceeded", "PendingPreflight", "PendingEphemeralAgentConnection", "MaintenanceForTrackableDevicesNotAllowed"];
    expect(names.map((_, i) => sessionFromWire(wireSession(1, i), null, true).status)).toEqual(names);
  });

  it("keeps a status it does not know as its number", () => {
    const s = sessionFromWire(wireSession(101, 99, { detectionStageStatus: 42 }), null, false);
    expect(s.status).toBe("99");
    expect(s.stages.detection).toBe("42");
    expect(s.finishedAt).toBeNull();
    expect(s.startedByThisRun).toBe(false);
  });

  it("refuses an answer without a stage status or with a mistyped field, naming the route and each field", () => {
    const { onboardingStageStatus: _o, ...w } = wireSession(101, 1);
    const at = { method: "GET", path: "/api/v1/maintenance-sessions/101" };
    expect(() => sessionFromWire(w, null, true, at)).toThrow("ImmyBot GET /api/v1/maintenance-sessions/101 answered a maintenance session without onboardingStageStatus.");
    expect(() => sessionFromWire({ ...w, onboardingStageStatus: 3, computerId: "6", sessionStatus: 1.5 }, null, true, at)).toThrow(
      "answered a maintenance session whose sessionStatus is 1.5 (expected one of ImmyBot's SessionStatus integers or names), whose computerId is \"6\" (expected an integer or null).",
    );
  });

  it("has finishedAt and durationSeconds only for terminal statuses", () => {
    for (const status of [0, 2, 4, 5, 7, 9, 10, 13]) {
      const s = sessionFromWire(wireSession(101, status), null, true);
      expect(s.finishedAt, `status ${status}`).toBe("2026-11-20T10:05:30Z");
      expect(s.durationSeconds, `status ${status}`).toBe(330);
    }
    for (const status of [1, 3, 6, 8, 11, 12]) {
      const s = sessionFromWire(wireSession(101, status), null, true);
      expect(s.finishedAt, `status ${status}`).toBeNull();
      expect(s.durationSeconds, `status ${status}`).toBeNull();
    }
    expect(sessionFromWire(wireSession(101, 0, { createdDateUTC: null }), null, true).durationSeconds).toBeNull();
  });

  it("maps maintenance actions", () => {
    const s = sessionFromWire(
      wireSession(101, 2, {
        maintenanceActions: [
          { id: 501, maintenanceIdentifier: "303", maintenanceDisplayName: "7-Zip", actionType: 2, status: 4, result: 2, resultReasonMessage: "exit code 1603", detectedVersionString: "19.0", desiredVersionString: "23.1", assignmentId: 42, assignmentType: 1 },
          { id: 502, maintenanceIdentifier: "7", maintenanceDisplayName: "", actionType: 8, status: 2, result: 0, resultReasonMessage: null, detectedVersionString: null, desiredVersionString: null },
        ],
      }),
      null,
      true,
    );
    expect(s.actions).toEqual([
      { id: 501, item: "7-Zip", actionType: "Update", status: "Complete", result: "Failed", reason: "exit code 1603", detectedVersion: "19.0", desiredVersion: "23.1", deploymentId: 42, deploymentType: "Local" },
      { id: 502, item: null, actionType: "TaskEnforce", status: "PerformingAction", result: "Pending", reason: null, detectedVersion: null, desiredVersion: null, deploymentId: null, deploymentType: null },
    ]);
    expect(sessionFromWire(wireSession(101, 1, { maintenanceActions: null }), null, true).actions).toEqual([]);
  });

  it("reads a tenant session", () => {
    const s = sessionFromWire(wireSession(301, 1, { computerId: null, computerName: null, tenantId: 2, tenantName: "Contoso" }), null, true);
    expect(s).toMatchObject({ computerId: null, computerName: null, tenantId: 2, tenantName: "Contoso" });
  });

  it("sums a run up: Succeeded when every session finished without a failure", () => {
    const outs = outputsOf(inputs(), [
      sessionFromWire(wireSession(106, 0), null, true),
      sessionFromWire(wireSession(108, 0, { computerId: 8, computerName: "PC-8", updatedDateUTC: "2026-11-20T10:07:00Z" }), null, true),
    ]);
    expect(outs).toMatchObject({
      result: "Succeeded",
      sessionIds: [106, 108],
      statusCounts: { Passed: 2 },
      sessionGroupId: GROUP,
      startedAt: "2026-11-20T09:59:00Z",
      finishedAt: "2026-11-20T10:07:00Z",
      durationSeconds: 480,
      maintenanceType: "GlobalSoftware",
      maintenanceIdentifier: "303",
      deploymentId: "12",
      computers: [6, 8],
    });
  });

  it("is InProgress while a session runs, and Failed as soon as one failed", () => {
    const running = outputsOf(inputs(), sessionsWith([106, 0], [108, 1]));
    expect(running).toMatchObject({ result: "InProgress", finishedAt: null, durationSeconds: null, statusCounts: { Passed: 1, Running: 1 } });
    expect(outputsOf(inputs(), sessionsWith([106, 2], [108, 1])).result).toBe("Failed");
    expect(outputsOf(inputs(), []).result).toBe("InProgress");
  });

  it("fails PartialPassed only with failOnPartialPassed, Postponed only with failOnPostponed", () => {
    expect(outputsOf(inputs(), sessionsWith([106, 7])).result).toBe("Succeeded");
    expect(outputsOf(inputs({ failOnPartialPassed: true }), sessionsWith([106, 7])).result).toBe("Failed");
    expect(outputsOf(inputs({ failOnPostponed: true }), sessionsWith([106, 7])).result).toBe("Succeeded");
    expect(outputsOf(inputs(), sessionsWith([106, 5])).result).toBe("Succeeded");
    expect(outputsOf(inputs({ failOnPostponed: true }), sessionsWith([106, 5])).result).toBe("Failed");
    expect(outputsOf(inputs({ failOnPartialPassed: true }), sessionsWith([106, 5])).result).toBe("Succeeded");
  });

  it("always fails Cancelled, Missed and the licensing statuses", () => {
    for (const status of [4, 9, 10, 13]) {
      expect(outputsOf(inputs(), sessionsWith([106, 0], [108, status])).result, `status ${status}`).toBe("Failed");
    }
  });

  it("counts statuses in the enum's order", () => {
    const outs = outputsOf(inputs(), sessionsWith([101, 8], [102, 0], [103, 2], [104, 0], [105, 1]));
    expect(Object.entries(outs.statusCounts)).toEqual([
      ["Passed", 2],
      ["Running", 1],
      ["Failed", 1],
      ["PendingConnectivity", 1],
    ]);
  });

  it("holds only the documented outputs, as the lifecycle builds them (with its run state)", () => {
    // The lifecycle passes its RunState, which also carries the ids of sessions it did not start.
    const runState = { ...run, notOurs: new Set([108]) };
    const outs = runOutputs(inputs({ triggers: ["r1"] }), runState, sessionsWith([106, 0], [108, 1]));
    const extra = Object.keys(outs).filter((k) => !outputKeys.includes(k));
    expect(extra).toEqual([]);
    // Plain JSON for the engine.
    expect(JSON.parse(JSON.stringify(outs))).toEqual(outs);
  });
});

describe("MaintenanceSession failure message", () => {
  it("says nothing when every session passed", () => {
    const v = inputs();
    expect(failureMessage(v, outputsOf(v, sessionsWith([106, 0], [108, 0])), false)).toBeUndefined();
    expect(failureMessage(v, outputsOf(v, sessionsWith([106, 0], [108, 0])), true)).toBeUndefined();
    expect(failureMessage(v, outputsOf(v, sessionsWith([106, 0], [108, 7], [109, 5])), false)).toBeUndefined();
  });

  it("lists each failed computer with its last log line, and the session ids", () => {
    const v = inputs();
    const outs = outputsOf(v, sessionsWith([106, 0], [108, 2, "Installer exited with code 1603"], [109, 4, "Cancelled by j.doe"], [110, 1]));
    const message = failureMessage(v, outs, false)!;
    expect(message).toContain("2 of 4 maintenance sessions failed (Passed 1, Running 1, Failed 1, Cancelled 1):");
    expect(message).toContain("  - PC-8 (session 108): Failed – Installer exited with code 1603");
    expect(message).toContain("  - PC-9 (session 109): Cancelled – Cancelled by j.doe");
    expect(message).not.toContain("PC-6");
    expect(message).not.toContain("PC-10");
    expect(message).toContain("The session ids (106, 108, 109, 110) are kept in the state");
    expect(message).toContain("change `triggers`");
  });

  it("names tenant and person sessions, and leaves out a missing log line", () => {
    const v = inputs({ computers: undefined, tenants: [2] });
    const tenant = sessionFromWire(wireSession(301, 2, { computerId: null, computerName: null, tenantName: "Contoso" }), null, true);
    const person = sessionFromWire(wireSession(302, 2, { computerId: null, computerName: null, tenantName: null, personId: 77 }), null, true);
    const message = failureMessage(v, outputsOf(v, [tenant, person]), false)!;
    expect(message).toContain("  - tenant Contoso (session 301): Failed\n");
    expect(message).toContain("  - person 77 (session 302): Failed\n");
  });

  it("fails PartialPassed sessions with failOnPartialPassed", () => {
    const v = inputs({ failOnPartialPassed: true });
    expect(failureMessage(v, outputsOf(v, sessionsWith([106, 0], [108, 7, "1 of 3 actions failed"])), false)).toContain("  - PC-8 (session 108): PartialPassed – 1 of 3 actions failed");
  });

  it("after a timeout lists the unfinished sessions and says they keep running", () => {
    const v = inputs({ timeout: "45m" });
    const outs = outputsOf(v, sessionsWith([106, 0], [108, 8, "Waiting for the computer to come online"], [109, 1, "Installing 7-Zip"]));
    const message = failureMessage(v, outs, true)!;
    expect(message).toContain("Timed out after 45m waiting for 2 of 3 sessions to finish (Passed 1, Running 1, PendingConnectivity 1); they keep running in ImmyBot:");
    expect(message).toContain("  - PC-8 (session 108): PendingConnectivity – Waiting for the computer to come online");
    expect(message).toContain("  - PC-9 (session 109): Running – Installing 7-Zip");
    expect(message).not.toContain("PC-6");
    expect(message).toContain("The session ids (106, 108, 109)");
    // Without a timeout, unfinished sessions are no failure (waitFor "completed" returns only when all finished).
    expect(failureMessage(v, outs, false)).toBeUndefined();
  });

  it("after a timeout with waitFor started, lists only the sessions still Created", () => {
    const v = inputs({ waitFor: "started", timeout: "10m" });
    const outs = outputsOf(v, sessionsWith([106, 1], [108, 3], [109, 6]));
    const message = failureMessage(v, outs, true)!;
    expect(message).toContain("Timed out after 10m waiting for 1 of 3 sessions to start");
    expect(message).toContain("  - PC-8 (session 108): Created");
    expect(message).not.toContain("PC-6");
    expect(message).not.toContain("PC-9");
  });

  it("reports failures and a timeout together", () => {
    const v = inputs();
    const message = failureMessage(v, outputsOf(v, sessionsWith([106, 2, "boom"], [108, 1])), true)!;
    const lines = message.split("\n");
    expect(lines[0]).toBe("1 of 2 maintenance sessions failed (Running 1, Failed 1):");
    expect(lines[1]).toBe("  - PC-6 (session 106): Failed – boom");
    expect(lines[2]).toBe("Timed out after 1h waiting for 1 of 2 sessions to finish; they keep running in ImmyBot:");
    expect(lines[3]).toBe("  - PC-8 (session 108): Running");
  });
});

describe("durations", () => {
  it("durationMs reads Go-style h, m and s in that order", () => {
    expect(durationMs("1h30m")).toBe(5_400_000);
    expect(durationMs("45m")).toBe(2_700_000);
    expect(durationMs("90s")).toBe(90_000);
    expect(durationMs("1h0m1s")).toBe(3_601_000);
    expect(durationMs("2h15s")).toBe(7_215_000);
    expect(durationMs("100h")).toBe(360_000_000);
    expect(durationMs("0s")).toBe(0);
    for (const bad of ["", "1m1h", "1.5h", "1d", "1h 30m", " 1h", "-1h", "h", "1H", "90", "1m30", "1hm"]) {
      expect(durationMs(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it("formatDuration writes whole seconds in the shortest form", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(499)).toBe("0s");
    expect(formatDuration(500)).toBe("1s");
    expect(formatDuration(59_499)).toBe("59s");
    expect(formatDuration(59_500)).toBe("1m");
    expect(formatDuration(60_000)).toBe("1m");
    expect(formatDuration(3_600_000)).toBe("1h");
    expect(formatDuration(3_601_000)).toBe("1h1s");
    expect(formatDuration(3_660_000)).toBe("1h1m");
    expect(formatDuration(5_400_000)).toBe("1h30m");
    expect(formatDuration(86_400_000)).toBe("24h");
    expect(formatDuration(90_061_000)).toBe("25h1m1s");
  });

  it("formatDuration and durationMs round-trip", () => {
    for (const ms of [1_000, 59_000, 61_000, 3_599_000, 3_600_000, 5_400_000, 86_399_000, 86_400_000]) {
      expect(durationMs(formatDuration(ms)), String(ms)).toBe(ms);
    }
  });
});
