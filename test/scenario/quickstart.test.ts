/**
 * examples/quickstart, deployed as `pulumi up` would, through the engine harness (test/helpers/engine.ts) and Pulumi's
 * real dynamic-provider host against a sandbox: preview, up, a second up that writes nothing, drift made in the
 * sandbox found by refresh and put back by up, and destroy. The tests run in order on one stack.
 */
import { join } from "node:path";
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { DeploymentResponse, ScheduleResponse } from "../../sandbox/server";
import { Engine } from "../helpers/engine";
import { REPO } from "../helpers/host";
import { useScenario, writeRequests } from "../helpers/scenario";
import { useTempDir } from "../helpers/temp-dir";

const PROGRAM = join(REPO, "examples/quickstart/index.ts");
const ctx = useScenario();
const tmp = useTempDir("quickstart-scenario-");

const SCHEDULE = "weekly-maintenance";
const DEPLOYMENT = "7zip-latest";
const SESSION = "7zip-now";

let engine: Engine;
let before: { schedules: ScheduleResponse[]; deployments: DeploymentResponse[] };
const engineFor = () => new Engine({ hostConfig: ctx.hostConfig, stateFile: tmp("stack.json"), stack: "dev", env: ctx.env });
const idOf = (name: string) => Number(engine.resource(name)!.id);
/**
 * The schedule and the deployment do not depend on each other: the engine runs their steps in parallel, so they
 * come in either order; the run depends on the deployment and comes last.
 */
const expectDependencyOrder = (xs: string[], [schedule, deployment, session]: string[]) => {
  expect(xs.slice(0, 2).sort()).toEqual([schedule, deployment].sort());
  expect(xs[2]).toBe(session);
};

beforeAll(() => {
  engine = engineFor();
  // Something that exists before the stack: the quickstart must leave it alone.
  ctx.sandbox.createSchedule({ targetType: "All", targetCategory: 0, time: "03:00", offlineBehavior: 1 });
  ctx.sandbox.createDeployment({ maintenanceType: 0, maintenanceIdentifier: "118", desiredSoftwareState: 5, targetType: 21, targetCategory: 0, tenantId: 3, targetEnforcement: 1, softwareProviderType: 3 });
  before = { schedules: ctx.sandbox.schedules(), deployments: ctx.sandbox.deployments() };
});

describe("quickstart through the engine harness", () => {
  it("preview plans three creates and writes nothing, to ImmyBot or to the state", async () => {
    ctx.sandbox.clearRequests();
    const { steps } = await engine.preview(PROGRAM);
    expectDependencyOrder(steps.map((s) => `${s.op} ${s.name}`), [`create ${SCHEDULE}`, `create ${DEPLOYMENT}`, `create ${SESSION}`]);
    expect(writeRequests(ctx.sandbox)).toEqual([]);
    expect(existsSync(tmp("stack.json"))).toBe(false);
  });

  it("up creates the schedule, the deployment and a run that passes, and exports their outputs", async () => {
    ctx.sandbox.clearRequests();
    const { steps, outputs } = await engine.up(PROGRAM);
    expectDependencyOrder(steps.map((s) => `${s.op} ${s.name}`), [`create ${SCHEDULE}`, `create ${DEPLOYMENT}`, `create ${SESSION}`]);
    expectDependencyOrder(writeRequests(ctx.sandbox), ["POST /api/v1/schedules", "POST /api/v1/target-assignments", "POST /api/v1/run-immy-service-new"]);

    const contoso = ctx.sandbox.seed().tenants!.find((t) => t.name === "Contoso")!;
    const workstation = ctx.sandbox.seed().computers!.find((c) => c.name === "CONTOSO-WS001")!;
    expect(ctx.sandbox.schedule(idOf(SCHEDULE))).toMatchObject({ targetType: 21, tenantId: contoso.id, day: 6, time: "20:00", maintenanceTime: "22:00", timeZoneInfoId: "Europe/Berlin" });
    expect(ctx.sandbox.deployment(idOf(DEPLOYMENT))).toMatchObject({ maintenanceIdentifier: "303", tenantId: contoso.id });
    const runs = ctx.sandbox.sessions().filter((s) => (s.sessionJobArgs as { sessionGroupId?: string }).sessionGroupId === engine.resource(SESSION)!.id);
    expect(runs.map((s) => [s.computerId, s.sessionStatus])).toEqual([[workstation.id, 0]]); // 0: Passed
    expect(ctx.sandbox.schedules()).toHaveLength(before.schedules.length + 1);

    expect(outputs).toMatchObject({
      tenantId: contoso.id,
      scheduleId: engine.resource(SCHEDULE)!.id,
      deploymentId: engine.resource(DEPLOYMENT)!.id,
      runResult: "Succeeded",
      runStatusCounts: { Passed: 1 },
      runSessionIds: runs.map((s) => s.id),
    });
    expect(outputs.nextOccurrence).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The state keeps each resource after what it depends on.
    expectDependencyOrder(engine.resources.map((r) => r.urn.split("::").pop()!), [SCHEDULE, DEPLOYMENT, SESSION]);
    expect(engine.resource(SESSION)!.dependencies).toEqual([engine.resource(DEPLOYMENT)!.urn]);
  });

  it("a second up, from the state file alone (a new engine), sends no write request", async () => {
    engine = engineFor();
    expectDependencyOrder(engine.resources.map((r) => r.id), [String(idOf(SCHEDULE)), String(idOf(DEPLOYMENT)), engine.resource(SESSION)!.id]);
    ctx.sandbox.clearRequests();
    const { steps } = await engine.up(PROGRAM);
    expect(steps.map((s) => s.op)).toEqual(["same", "same", "same"]);
    expect(writeRequests(ctx.sandbox)).toEqual([]);
  });

  it("refresh finds a schedule and a deployment changed in ImmyBot by hand, and the next up puts them back", async () => {
    ctx.sandbox.editSchedule(idOf(SCHEDULE), { time: "18:30" });
    ctx.sandbox.editDeployment(idOf(DEPLOYMENT), { excluded: true });
    ctx.sandbox.clearRequests();

    const refreshed = await engine.refresh();
    expect(refreshed.steps.map((s) => s.op)).toEqual(["refresh", "refresh", "refresh"]);
    expect(writeRequests(ctx.sandbox)).toEqual([]);
    expect(engine.resource(SCHEDULE)!.outputs).toMatchObject({ detectionTime: "18:30" });
    expect(engine.resource(DEPLOYMENT)!.outputs).toMatchObject({ disabled: true });

    const plan = await engine.preview(PROGRAM);
    expect(plan.steps.map((s) => `${s.op} ${s.name}`)).toEqual([`update ${SCHEDULE}`, `update ${DEPLOYMENT}`, `same ${SESSION}`]);
    expect(writeRequests(ctx.sandbox)).toEqual([]);

    const { steps } = await engine.up(PROGRAM);
    expect(steps.map((s) => `${s.op} ${s.name}`)).toEqual([`update ${SCHEDULE}`, `update ${DEPLOYMENT}`, `same ${SESSION}`]);
    expect(writeRequests(ctx.sandbox)).toEqual([`PUT /api/v1/schedules/${idOf(SCHEDULE)}`, `PUT /api/v1/target-assignments/${idOf(DEPLOYMENT)}`]);
    expect(ctx.sandbox.schedule(idOf(SCHEDULE))).toMatchObject({ time: "20:00" });
    expect(ctx.sandbox.deployment(idOf(DEPLOYMENT))).toMatchObject({ excluded: false });

    ctx.sandbox.clearRequests();
    expect((await engine.up(PROGRAM)).steps.map((s) => s.op)).toEqual(["same", "same", "same"]);
    expect(writeRequests(ctx.sandbox)).toEqual([]);
  });

  it("destroy leaves the schedules and deployments as they were before the first up (the finished run stays, as runs do)", async () => {
    const sessionsBefore = ctx.sandbox.sessions();
    ctx.sandbox.clearRequests();
    const { steps } = await engine.destroy();
    // The run goes before the deployment it depends on; the schedule depends on nothing, so it goes with the run.
    const deleted = steps.map((s) => `${s.op} ${s.name}`);
    expect([...deleted].sort()).toEqual([`delete ${DEPLOYMENT}`, `delete ${SESSION}`, `delete ${SCHEDULE}`].sort());
    expect(deleted.indexOf(`delete ${SESSION}`)).toBeLessThan(deleted.indexOf(`delete ${DEPLOYMENT}`));
    // A finished run is not cancelled; deleting it only forgets it.
    expect(writeRequests(ctx.sandbox).sort()).toEqual([`DELETE /api/v1/schedules/${before.schedules.length + 1}`, `DELETE /api/v1/target-assignments/${before.deployments.length + 1}`]);
    expect(ctx.clock.quiet(), "the sandbox's clock passed a 5-minute mark: next occurrences moved on").toBe(true);
    expect(ctx.sandbox.schedules()).toEqual(before.schedules);
    expect(ctx.sandbox.deployments()).toEqual(before.deployments);
    expect(ctx.sandbox.sessions()).toEqual(sessionsBefore);
    expect(engine.resources).toEqual([]);
    expect(engineFor().resources).toEqual([]);
  });
});
