/**
 * The exact bytes the provider sends, against ImmyBot's OpenAPI spec. Schedule, Deployment (with notes) and
 * Tag (create, update, delete), MaintenanceSession (explicit computers, the deployment's targets through target-preview, a full maintenance
 * without a deployment, and a delete that cancels) go through Pulumi's real dynamic-provider host against a strict sandbox (enums as integers only, as
 * the spec types them), which records every request body as it received it. Each body must validate against its
 * operation's requestBody schema, and every (method, path) the provider called must be an operation of the spec.
 *
 * The bulk cancel (POST /maintenance-sessions/cancel) is only sent when GET /{id}/cancel answers 404 or 405,
 * which the sandbox never does; test/integration/session-runs.test.ts checks that body against the spec.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox, type RequestLogEntry } from "../../sandbox/server";
import { ProviderHost, serializedProvider, urnFor } from "../helpers/host";
import { SpecValidator } from "../helpers/openapi";

// SemanticVersion: ImmyBot binds the version as text, the spec's object has only read-only members (API notes §3.8).
const spec = new SpecValidator(undefined, { versionAsText: true });

/** Every operation the provider sends a body to, as "METHOD template". */
const BODY_ROUTES = [
  "POST /api/v1/schedules",
  "PUT /api/v1/schedules/{scheduleId}",
  "POST /api/v1/target-assignments",
  "PUT /api/v1/target-assignments/{id}",
  "POST /api/v1/target-assignments/{id}/notes",
  "POST /api/v1/target-assignments/target-preview",
  "POST /api/v1/run-immy-service-new",
  "POST /api/v1/tags",
  "POST /api/v1/tags/{tagId}",
  "POST /api/v1/computers/add-tags",
  "POST /api/v1/computers/remove-tags",
  "POST /api/v1/tenants/add-tags",
  "POST /api/v1/tenants/remove-tags",
];

let sandbox: Sandbox;
let host: ProviderHost;
const providers: Record<string, string> = {};

beforeAll(async () => {
  // Strict, as the spec: a name where an integer belongs is a 400.
  sandbox = await Sandbox.start({ port: 0, recordBodies: true, sessionTimeScale: 20, sessionEnqueueDelayMs: 300 });
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  host = await ProviderHost.start();
  for (const kind of ["Schedule", "Deployment", "MaintenanceSession", "MaintenanceRollout", "Tag", "TagMembership"]) providers[kind] = await serializedProvider(kind);
  await host.configure({ "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret });
});

afterAll(async () => {
  await host?.stop();
  await sandbox?.stop();
});

/** Check (as the engine does) and create; returns the urn, id, checked inputs and outputs. */
async function create(kind: string, name: string, args: Record<string, unknown>) {
  const urn = urnFor(kind, name);
  const checked = await host.check(urn, {}, { ...args, __provider: providers[kind] });
  expect(checked.failures).toEqual([]);
  const created = await host.create(urn, checked.inputs);
  return { urn, id: created.id, inputs: checked.inputs, properties: created.properties };
}

/** Check the new arguments against the old inputs, then update in place. */
async function update(kind: string, r: Awaited<ReturnType<typeof create>>, args: Record<string, unknown>) {
  const checked = await host.check(r.urn, r.inputs, { ...args, __provider: providers[kind] });
  expect(checked.failures).toEqual([]);
  const diff = await host.diff(r.urn, r.id, r.properties, checked.inputs);
  expect(diff).toMatchObject({ changes: "some", replaces: [] });
  const updated = await host.update(r.urn, r.id, r.properties, checked.inputs);
  return { ...r, inputs: checked.inputs, properties: updated.properties };
}

describe("request bodies the provider sends", () => {
  let api: RequestLogEntry[];

  beforeAll(async () => {
    sandbox.clearRequests();
    // Deployment with notes: create, update (a pinned version, other enums, new notes).
    const deployment = await create("Deployment", "chrome", {
      software: { id: "303", desiredState: "LatestVersion" },
      targetType: "AllForTenant",
      tenantId: 2,
      targetGroupFilter: "Workstations",
      enforcement: "Optional",
      notes: "managed by Pulumi",
    });
    const pinned = await update("Deployment", deployment, {
      software: { id: "303", desiredState: "ThisVersion", version: "24.08" },
      targetType: "AllForTenant",
      tenantId: 2,
      enforcement: "Adhoc",
      notes: "pinned for the ERP upgrade",
    });
    // A task deployment on a tenant whose computers the session below reaches through target-preview.
    const labs = await create("Deployment", "labs-task", { task: { id: "12", scope: "Global", mode: "Audit" }, targetType: "AllForTenant", tenantId: 3, targetGroupFilter: "All" });

    // Schedule: create with RebootPreference Force (-1), update, delete.
    const schedule = await create("Schedule", "weekly", {
      targetType: "Tag",
      target: "2",
      tenantId: 2,
      dayOfWeek: "Saturday",
      detectionTime: "20:00",
      executionTime: "22:00",
      timeZone: "Europe/Berlin",
      rebootPreference: "Force",
      promptTimeoutAction: "FailSession",
      offlineBehavior: "ApplyOnConnect",
      targetGroupFilter: "Servers",
    });
    const moved = await update("Schedule", schedule, {
      targetType: "AllForTenant",
      tenantId: 2,
      cronExpression: "0 22 * * 6",
      maintenanceType: "GlobalSoftware",
      maintenanceIdentifier: "303",
      rebootPreference: "Prompt",
      targetCategory: "Computer",
    });
    await host.delete(moved.urn, moved.id, moved.properties);

    // MaintenanceSession: explicit computers, then the deployment's own targets (target-preview).
    const explicit = await create("MaintenanceSession", "explicit", { deploymentId: pinned.id, computers: [6], rebootPreference: "Suppress", detectionOnly: true });
    expect(explicit.properties).toMatchObject({ result: "Succeeded" });
    const previewed = await create("MaintenanceSession", "previewed", { deploymentId: labs.id, offlineBehavior: "ApplyOnConnect", promptTimeoutAction: "Suppress" });
    expect((previewed.properties.sessions as { computerId: number }[]).map((s) => s.computerId)).toEqual([9, 10]);
    // Delete cancels a session still running: FAB-WS101 never finishes in the sandbox.
    const hanging = await create("MaintenanceSession", "hanging", { deploymentId: deployment.id, computers: [12], waitFor: "started", timeout: "30s" });
    expect(hanging.properties).toMatchObject({ result: "InProgress" });
    await host.delete(hanging.urn, hanging.id, hanging.properties);
    // A full maintenance (UI: Run Maintenance) with Force Reboot: no item and no deployment; the labs task applies.
    const full = await create("MaintenanceSession", "run-maintenance", { fullMaintenance: true, computers: [9], rebootPreference: "Force" });
    expect(full.properties).toMatchObject({ result: "Succeeded", maintenanceType: null });
    expect((full.properties.sessions as { actions: unknown[] }[]).map((x) => x.actions.length)).toEqual([1]);

    // Tag: create, update (ImmyBot's POST /tags/{tagId}), delete.
    const tag = await create("Tag", "canary", { name: "Ring 0", description: "first", color: "#f59e0b" });
    const renamed = await update("Tag", tag, { name: "Ring zero" });
    // TagMembership: add to computers and a tenant, then remove from both; delete removes the rest.
    const members = await create("TagMembership", "ring0", { tagId: renamed.id, computers: [6, 7], tenants: [3] });
    const fewer = await update("TagMembership", members, { tagId: renamed.id, computers: [6] });
    await host.delete(fewer.urn, fewer.id, fewer.properties);
    await host.delete(renamed.urn, renamed.id, renamed.properties);

    // MaintenanceRollout: a tag's computers (target preview of type Tag), then the rest of the deployment's, in batches.
    const rollout = await create("MaintenanceRollout", "rings", { deploymentId: labs.id, rings: [{ name: "canary", tag: "1", maxConcurrent: 2 }, { name: "rest", fraction: 1 }] });
    expect((rollout.properties.ringResults as { computers: number[] }[]).map((r) => r.computers)).toEqual([[1, 6, 10], [9]]);

    for (const r of [labs, pinned]) await host.delete(r.urn, r.id, r.properties);
    api = sandbox.requests.filter((r) => r.path.startsWith("/api/"));
  }, 120_000);

  it("calls only operations the spec has, and ImmyBot answered each (no 4xx, no 5xx)", () => {
    expect(api.length).toBeGreaterThan(20);
    const unknown = api.filter((r) => spec.templateOf(r.method, r.path) === undefined).map((r) => `${r.method} ${r.path}`);
    expect(unknown).toEqual([]);
    expect(api.filter((r) => r.status === null || r.status >= 400).map((r) => `${r.method} ${r.path} -> ${r.status}`)).toEqual([]);
  });

  it("sends a body on exactly the routes that take one, and each body validates against the operation's requestBody schema", () => {
    const withBody = api.filter((r) => r.method === "POST" || r.method === "PUT");
    const byRoute = new Map<string, string[]>();
    for (const r of withBody) {
      const route = `${r.method} ${spec.templateOf(r.method, r.path)}`;
      byRoute.set(route, [...(byRoute.get(route) ?? []), r.body ?? ""]);
    }
    expect([...byRoute.keys()].sort()).toEqual([...BODY_ROUTES].sort());
    for (const route of BODY_ROUTES) {
      const bodies = byRoute.get(route)!;
      expect(bodies.length, route).toBeGreaterThan(0);
      const [method, template] = route.split(" ") as [string, string];
      for (const text of bodies) {
        expect(text, route).not.toBe("");
        expect(spec.validateRequest(method, template, JSON.parse(text)).errors, `${route}: ${text}`).toEqual([]);
      }
    }
  });

  it("sends every enum as its integer, Force as -1", () => {
    const bodies = (route: string) =>
      api.filter((r) => `${r.method} ${spec.templateOf(r.method, r.path)}` === route).map((r) => JSON.parse(r.body!) as Record<string, any>);
    const [createdSchedule] = bodies("POST /api/v1/schedules");
    expect(createdSchedule).toMatchObject({ targetType: 30, targetGroupFilter: 1, rebootPreference: -1, promptTimeoutAction: 2, offlineBehavior: 2, day: 6, maintenanceType: 0 });
    expect(bodies("PUT /api/v1/schedules/{scheduleId}")[0]).toMatchObject({ targetType: 21, targetCategory: 0, rebootPreference: 2, maintenanceType: 0, maintenanceIdentifier: "303", day: null });
    expect(bodies("POST /api/v1/target-assignments").map((b) => [b.maintenanceType, b.desiredSoftwareState, b.maintenanceTaskMode, b.targetEnforcement, b.softwareProviderType])).toEqual([
      [0, 5, 0, 2, 3],
      [6, 6, 1, 1, 3],
    ]);
    expect(bodies("PUT /api/v1/target-assignments/{id}")[0]).toMatchObject({ desiredSoftwareState: 3, softwareSemanticVersion: "24.08", targetEnforcement: 3 });
    // The same target twice: the check says where the run would start (run-preview.ts), and the create resolves it again.
    const target = expect.objectContaining({ targetType: 21, targetGroupFilter: 0, tenantId: 3 });
    // The rollout: the deployment's target (for its fraction ring), then its tag ring's (a target of type Tag, any tenant).
    const tag = expect.objectContaining({ targetType: 30, target: "1", tenantId: null, targetGroupFilter: 0 });
    expect(bodies("POST /api/v1/target-assignments/target-preview")).toEqual([target, target, target, tag]);
    const starts = bodies("POST /api/v1/run-immy-service-new");
    expect(starts).toHaveLength(7);
    expect(starts.slice(4).map((b) => b.computers.map((c: { computerId: number }) => c.computerId))).toEqual([[1, 6], [10], [9]]);
    expect(starts[6]).toMatchObject({ maintenanceParams: { maintenanceType: 6, maintenanceTaskMode: 1 } });
    expect(starts[0]).toMatchObject({ deploymentType: 1, rebootPreference: 1, offlineBehavior: 1, maintenanceParams: { maintenanceType: 0, desiredSoftwareState: 3, semanticVersion: "24.08", softwareProviderType: 3 } });
    expect(starts[1]).toMatchObject({ computers: [{ computerId: 9 }, { computerId: 10 }], offlineBehavior: 2, maintenanceParams: { maintenanceType: 6, maintenanceTaskMode: 1 } });
    expect(starts[3]).toMatchObject({ computers: [{ computerId: 9 }], fullMaintenance: true, deploymentId: null, rebootPreference: -1 });
    expect(starts[3]).not.toHaveProperty("maintenanceParams");
  });

  it("deletes with a DELETE per object and cancels a running session with GET /{id}/cancel", () => {
    const routes = new Set(api.map((r) => `${r.method} ${spec.templateOf(r.method, r.path)}`));
    for (const route of ["DELETE /api/v1/schedules/{scheduleId}", "DELETE /api/v1/target-assignments/{id}", "GET /api/v1/maintenance-sessions/{sessionId}/cancel", "DELETE /api/v1/tags/{tagId}"]) {
      expect(routes, route).toContain(route);
    }
  });
});
