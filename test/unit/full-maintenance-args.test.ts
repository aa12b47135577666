/**
 * A full maintenance (`fullMaintenance: true`, the UI's Run Maintenance) without a network: which argument
 * combinations check accepts and how it names the field and the fix of the others, the diff (state written before
 * the argument existed starts no new run), the start request body (no item, no deployment; checked against the
 * spec) and the outputs of a run without a single item.
 */
import { describe, expect, it, vi } from "vitest";
import { check, diff, model, runOutputs, sessionFromWire, toWire, type MaintenanceSessionInputs } from "../../provider/maintenance-session";
import { parseInputs, UNKNOWN } from "../../provider/check";
import { RebootPreference } from "../../provider/models/enums";
import type { RunTarget } from "../../provider/session-runs";
import { SpecValidator, loadSpec } from "../helpers/openapi";
import { sessionWire } from "../helpers/session-wire";

// No HTTP here: the only way provider code reaches ImmyBot is the context's client, which fails in this file.
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

const full = { fullMaintenance: true, computers: [8, 6] };
const GROUP = "0f8fad5b-d9cb-469f-a165-70867728950e";
const computers: RunTarget[] = [
  { kind: "computer", id: 6 },
  { kind: "computer", id: 8 },
];

function inputs(args: Record<string, unknown>): MaintenanceSessionInputs {
  const parsed = parseInputs(model, args);
  expect(parsed.failures).toEqual([]);
  return parsed.value!;
}

async function failuresOf(args: Record<string, unknown>) {
  return (await check({}, args)).failures ?? [];
}

describe("full maintenance: check", () => {
  it("accepts a full maintenance on computers, tenants or persons, without a deployment", async () => {
    const r = await check({}, { ...full, rebootPreference: "Force" });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({ fullMaintenance: true, computers: [6, 8], rebootPreference: "Force" });
    expect(r.inputs).not.toHaveProperty("deploymentId");
    expect(await failuresOf({ fullMaintenance: true, tenants: [2] })).toEqual([]);
    expect(await failuresOf({ fullMaintenance: true, persons: [5] })).toEqual([]);
  });

  it("takes the guide's three reboot options by their names", async () => {
    for (const name of ["Suppress", "Normal", "Force"] as const) {
      expect(await failuresOf({ ...full, rebootPreference: name }), name).toEqual([]);
    }
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    [
      "a full maintenance with a deployment",
      { ...full, deploymentId: "12" },
      "deploymentId",
      /^is not used with fullMaintenance: true, which runs every deployment that applies to the computers: remove deploymentId, or remove fullMaintenance to run only deployment 12$/,
    ],
    ["a full maintenance without targets", { fullMaintenance: true }, "computers", /^a full maintenance needs its targets, as there is no deployment to take them from: give computers by id \(e\.g\. \[6, 8\]\), or tenants or persons$/],
    ["a run with neither a deployment nor fullMaintenance", { computers: [6] }, "deploymentId", /^is required: give the deployment to run .*, or set fullMaintenance: true with computers to run every deployment that applies to them \(UI: Run Maintenance\)$/],
    ["fullMaintenance false without a deployment", { fullMaintenance: false, computers: [6] }, "deploymentId", /^is required: .*set fullMaintenance: true/],
    ["fullMaintenance as text", { ...full, fullMaintenance: "true" }, "fullMaintenance", /must be a boolean; got "true"; write true without quotes/],
    ["a full maintenance on computers and tenants", { ...full, tenants: [2] }, "tenants", /^a run targets one kind: give computers or tenants, not both$/],
  ];
  it.each(bad)("rejects %s, naming the field and the fix", async (_name, args, property, reason) => {
    const before = reached.client;
    const failures = await failuresOf(args);
    expect(failures.map((f) => f.property), JSON.stringify(failures)).toEqual([property]);
    expect(failures[0]!.reason).toMatch(reason);
    expect(reached.client).toBe(before);
  });

  it("does not judge what is unknown at preview", async () => {
    expect(await failuresOf({ fullMaintenance: UNKNOWN, computers: [6] })).toEqual([]);
    expect(await failuresOf({ fullMaintenance: true, deploymentId: UNKNOWN, computers: [6] })).toEqual([]);
    expect(await failuresOf({ fullMaintenance: true, computers: UNKNOWN })).toEqual([]);
    expect(await failuresOf({ deploymentId: UNKNOWN, computers: [6] })).toEqual([]);
  });
});

describe("full maintenance: diff", () => {
  const none = { changes: false, replaces: [], deleteBeforeReplace: false };

  it("starts no new run for a deployment's run recorded before fullMaintenance existed", async () => {
    const news = (await check({}, { deploymentId: "12", computers: [6] })).inputs;
    const { fullMaintenance: _absent, ...olderState } = news;
    expect(news.fullMaintenance).toBe(false);
    expect(await diff(GROUP, { ...olderState, sessionIds: [1] }, news)).toEqual(none);
  });

  it("replaces when a run turns into a full maintenance or back (a new run)", async () => {
    const deploymentRun = (await check({}, { deploymentId: "12", computers: [6] })).inputs;
    const fullRun = (await check({}, { fullMaintenance: true, computers: [6] })).inputs;
    expect(await diff(GROUP, deploymentRun, fullRun)).toEqual({ changes: true, replaces: ["deploymentId", "fullMaintenance"], deleteBeforeReplace: false });
    expect(await diff(GROUP, fullRun, deploymentRun)).toEqual({ changes: true, replaces: ["deploymentId", "fullMaintenance"], deleteBeforeReplace: false });
    expect(await diff(GROUP, fullRun, fullRun)).toEqual(none);
  });
});

describe("full maintenance: the start request", () => {
  it("names no item and no deployment, so that ImmyBot runs every deployment that applies", () => {
    const body = toWire(inputs(full), undefined, computers, GROUP);
    expect(body).toMatchObject({ computers: [{ computerId: 6 }, { computerId: 8 }], tenants: null, persons: null, fullMaintenance: true, deploymentId: null, licenseId: null, useWinningDeployment: false, sessionGroupId: GROUP });
    expect(body).not.toHaveProperty("maintenanceParams");
    expect(body).not.toHaveProperty("deploymentType");
    expect(Object.values(body)).not.toContain(undefined);
  });

  it("sends the guide's reboot options as the spec's integers (Force is -1)", () => {
    const sent = (["Suppress", "Normal", "Force"] as const).map((name) => toWire(inputs({ ...full, rebootPreference: name }), undefined, computers, GROUP).rebootPreference);
    expect(sent).toEqual([1, 0, -1]);
    expect(sent).toEqual(["Suppress", "Normal", "Force"].map((n) => RebootPreference.toInt(n as "Force")));
  });

  it("matches the spec's RunImmyServiceRequestBody, with options and on tenants", () => {
    const validator = new SpecValidator(loadSpec(), { versionAsText: true });
    const bodies = [
      toWire(inputs({ ...full, detectionOnly: true, executionTime: "22:00", timeZone: "Europe/Berlin", offlineBehavior: "ApplyOnConnect" }), undefined, computers, GROUP),
      toWire(inputs({ fullMaintenance: true, tenants: [2] }), undefined, [{ kind: "tenant", id: 2 }], GROUP),
    ];
    expect(bodies.map((b) => b.fullMaintenance)).toEqual([true, true]);
    for (const body of bodies) expect(validator.validateRequest("POST", "/api/v1/run-immy-service-new", body).errors).toEqual([]);
  });
});

describe("full maintenance: outputs", () => {
  it("names no single item, and lists each session's actions", () => {
    const action = (id: number, name: string) => ({ id, maintenanceDisplayName: name, actionType: 1, status: 4, result: 1, resultReasonMessage: null, detectedVersionString: null, desiredVersionString: null });
    const session = sessionFromWire(sessionWire(41, 0, { computerId: 6, computerName: "PC-6", maintenanceActions: [action(1, "7-Zip"), action(2, "Google Chrome")] }), null, true);
    const run = { sessionGroupId: GROUP, startedAt: "2026-11-20T09:59:00Z", maintenanceType: null, maintenanceIdentifier: null, targets: computers.slice(0, 1) };
    const outs = runOutputs(inputs({ fullMaintenance: true, computers: [6] }), run, [session]);
    expect(outs).toMatchObject({ fullMaintenance: true, maintenanceType: null, maintenanceIdentifier: null, result: "Succeeded", sessionIds: [41] });
    expect(outs.sessions[0]!.actions.map((a) => a.item)).toEqual(["7-Zip", "Google Chrome"]);
  });
});
