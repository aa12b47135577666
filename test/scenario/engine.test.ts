/**
 * The engine harness itself (test/helpers/engine.ts), with small programs written here against the built SDK: the
 * engine's answers to a replace, a delete-before-replace (the dependents it takes along; the program's option
 * against the provider's answer), a removed resource, a check failure, a program error, a partial failure
 * ("continue awaiting" on the next up; in a refresh), a resource deleted out of band, a `.get`, and secrets
 * nested in arguments and stack outputs.
 */
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Engine, EngineError, type EngineOptions } from "../helpers/engine";
import { HostError, REPO } from "../helpers/host";
import { SECRET_SIG, SIG_KEY } from "../../provider/secrets";
import { useScenario, writeRequests } from "../helpers/scenario";
import { useTempDir } from "../helpers/temp-dir";

const require = createRequire(__filename);
const ctx = useScenario();
const tmp = useTempDir("engine-scenario-");
// The SDK as a program loads it (Node's require of the built code: vite-transformed code cannot be serialized).
const sdk = () => require(join(REPO, "dist/sdk/index.js"));
const pulumi = require("@pulumi/pulumi");

let stacks = 0;
const newEngine = (options: Partial<EngineOptions> = {}) =>
  new Engine({ hostConfig: ctx.hostConfig, stateFile: tmp(`stack-${++stacks}.json`), project: "engine-test", env: ctx.env, ...options });
const ops = (r: { steps: { op: string; name: string }[] }) => r.steps.map((s) => `${s.op} ${s.name}`);
/** The steps without their order (independent resources register in the order the SDK resolves their inputs). */
const opSet = (r: { steps: { op: string; name: string }[] }) => ops(r).sort();
const starts = () => ctx.sandbox.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/run-immy-service-new").length;

/** 7-Zip on Contoso, a weekly schedule, and a run on one workstation; `triggers` and `withRun` vary. */
function program(opts: { triggers?: string[]; withRun?: boolean; detectionTime?: string; computers?: number[]; timeout?: string; offlineBehavior?: string; deleteBeforeReplace?: boolean } = {}) {
  return () => {
    const { Deployment, MaintenanceSession, Schedule } = sdk();
    const schedule = new Schedule("weekly", { targetType: "AllForTenant", tenantId: 2, dayOfWeek: "Sunday", detectionTime: opts.detectionTime ?? "02:00" });
    const deployment = new Deployment("7zip", { software: { id: "303", desiredState: "LatestVersion" }, targetType: "AllForTenant", tenantId: 2 });
    if (opts.withRun ?? true) {
      new MaintenanceSession("run", { deployment, computers: opts.computers ?? [6], triggers: opts.triggers ?? ["1"], timeout: opts.timeout, offlineBehavior: opts.offlineBehavior }, { deleteBeforeReplace: opts.deleteBeforeReplace });
    }
    return { scheduleId: schedule.id, deploymentId: deployment.id };
  };
}

describe("the engine harness", () => {
  it("replaces a run when its triggers change: the new run first, the old one deleted after the program", async () => {
    const engine = newEngine();
    await engine.up(program());
    const first = engine.resource("run")!.id;

    ctx.sandbox.clearRequests();
    expect(opSet(await engine.preview(program({ triggers: ["2"] })))).toEqual(["delete-replaced run", "replace run", "same 7zip", "same weekly"]);
    expect(writeRequests(ctx.sandbox)).toEqual([]);

    const r = await engine.up(program({ triggers: ["2"] }));
    expect(ops(r).slice(2)).toEqual(["replace run", "delete-replaced run"]);
    expect(opSet(r)).toEqual(["delete-replaced run", "replace run", "same 7zip", "same weekly"]);
    expect(r.steps[2]!.detail).toContain("triggers");
    expect(starts()).toBe(1);
    const second = engine.resource("run")!.id;
    expect(second).not.toBe(first);
    expect(engine.resources.map((x) => x.id)).not.toContain(first);
    expect(JSON.parse(readFileSync(tmp(`stack-${stacks}.json`), "utf8")).resources).toHaveLength(3);

    // With deleteBeforeReplace, the old one goes first.
    const third = await engine.up(program({ triggers: ["3"], deleteBeforeReplace: true }));
    expect(ops(third).slice(2)).toEqual(["delete-replaced run", "replace run"]);
    expect(engine.resource("run")!.id).not.toBe(second);
    expect(engine.resource("run")!.deleteBeforeReplace).toBe(true);
    await engine.destroy();
  });

  it("deletes what the program no longer declares, dependents first, and nothing else", async () => {
    const engine = newEngine();
    await engine.up(program());
    const scheduleId = Number(engine.resource("weekly")!.id);
    ctx.sandbox.clearRequests();
    const r = await engine.up(() => {
      const { Schedule } = sdk();
      new Schedule("weekly", { targetType: "AllForTenant", tenantId: 2, dayOfWeek: "Sunday", detectionTime: "02:00" });
    });
    expect(ops(r)).toEqual(["same weekly", "delete run", "delete 7zip"]); // the run depends on the deployment
    expect(writeRequests(ctx.sandbox)).toEqual([expect.stringMatching(/^DELETE \/api\/v1\/target-assignments\/\d+$/)]);
    expect(engine.resources.map((x) => x.urn.split("::").pop())).toEqual(["weekly"]);
    expect(ctx.sandbox.schedule(scheduleId)).toBeDefined();
    await engine.destroy();
  });

  it("stops at a check failure with every failure of the resource, before any write, and deletes nothing", async () => {
    const engine = newEngine();
    await engine.up(program({ withRun: false }));
    const state = engine.resources;
    ctx.sandbox.clearRequests();
    const e = await engine
      .up(() => {
        const { Schedule } = sdk();
        new Schedule("weekly", { targetType: "Computer", dayOfWeek: "Someday", detectionTime: "25:00" });
      })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EngineError);
    const message = (e as EngineError).message;
    expect(message).toMatch(/^weekly: /);
    expect(message).toMatch(/dayOfWeek/);
    expect(message).toMatch(/detectionTime/);
    expect(message).toMatch(/target/);
    expect(writeRequests(ctx.sandbox)).toEqual([]);
    expect(engine.resources).toEqual(state); // 7zip was not registered, but an up that failed deletes nothing
    await engine.destroy();
  });

  it("reports a program that throws, and changes nothing", async () => {
    const engine = newEngine();
    await engine.up(program({ withRun: false }));
    const state = engine.resources;
    ctx.sandbox.clearRequests();
    await expect(
      engine.up(() => {
        throw new Error("policy/tenants/contoso.yaml: schedules[0].detectionTime: not a time of day");
      }),
    ).rejects.toThrow(/contoso\.yaml: schedules\[0\]\.detectionTime/);
    expect(writeRequests(ctx.sandbox)).toEqual([]);
    expect(engine.resources).toEqual(state);
    await engine.destroy();
  });

  it("keeps a partly failed run in the state, and the next up with the same program continues awaiting it (update, no new run)", async () => {
    const engine = newEngine();
    // CONTOSO-LT014 (7) is offline: the run times out with its session pending.
    const offline = program({ computers: [7], timeout: "1s", offlineBehavior: "ApplyOnConnect" });
    ctx.sandbox.clearRequests();
    await expect(engine.up(offline)).rejects.toThrow(/run: .*Timed out after 1s/s);
    const run = engine.resource("run")!;
    expect(run.initErrors?.length).toBeGreaterThan(0);
    expect(run.outputs).toMatchObject({ result: "InProgress" });
    expect(starts()).toBe(1);

    ctx.sandbox.setComputerOnline(7, true);
    try {
      // Let the session finish before the next up (its 1 s timeout is for the first wait only).
      const ids = run.outputs.sessionIds as number[];
      while (ids.some((id) => ctx.sandbox.session(id)!.sessionStatus !== 0)) await new Promise((r) => setTimeout(r, 100));
      expect(opSet(await engine.preview(offline))).toEqual(["same 7zip", "same weekly", "update run"]);
      const r = await engine.up(offline);
      expect(opSet(r)).toEqual(["same 7zip", "same weekly", "update run"]);
      expect(starts()).toBe(1);
      expect(engine.resource("run")).toMatchObject({ id: run.id, outputs: { result: "Succeeded" } });
      expect(engine.resource("run")!.initErrors).toBeUndefined();
    } finally {
      ctx.sandbox.setComputerOnline(7, false);
    }
    await engine.destroy();
  });

  it("refresh drops a schedule deleted by hand, and the next up creates it again", async () => {
    const engine = newEngine();
    await engine.up(program({ withRun: false }));
    ctx.sandbox.deleteSchedule(Number(engine.resource("weekly")!.id));
    expect(opSet(await engine.refresh())).toEqual(["discard weekly", "refresh 7zip"]);
    expect(engine.resource("weekly")).toBeUndefined();
    ctx.sandbox.clearRequests();
    expect(opSet(await engine.up(program({ withRun: false })))).toEqual(["create weekly", "same 7zip"]);
    expect(writeRequests(ctx.sandbox)).toEqual(["POST /api/v1/schedules"]);
    await engine.destroy();
  });

  it("reads a resource got with .get, refreshes it, and never deletes it", async () => {
    const existing = ctx.sandbox.createSchedule({ targetType: "All", targetCategory: 0, time: "04:00", offlineBehavior: 1 });
    const engine = newEngine();
    const r = await engine.up(() => {
      const { Schedule } = sdk();
      return { target: Schedule.get("existing", String(existing.id)).targetType };
    });
    expect(ops(r)).toEqual(["read existing"]);
    expect(r.outputs).toEqual({ target: "All" });
    expect(engine.resource("existing")).toMatchObject({ id: String(existing.id), external: true });
    ctx.sandbox.clearRequests();
    expect(ops(await engine.destroy())).toEqual(["discard existing"]);
    expect(writeRequests(ctx.sandbox)).toEqual([]);
    expect(ctx.sandbox.schedule(existing.id)).toBeDefined();
  });

  it("deletes a delete-before-replace run's dependents first, those its replacement replaces, and creates them anew after it", async () => {
    const engine = newEngine();
    // second's triggers hold first's id, third's second's; weekly depends on first by dependsOn only.
    const chain = (trigger: string) => () => {
      const { Deployment, MaintenanceSession, Schedule } = sdk();
      const deployment = new Deployment("7zip", { software: { id: "303", desiredState: "LatestVersion" }, targetType: "AllForTenant", tenantId: 2 });
      const first = new MaintenanceSession("first", { deployment, computers: [6], triggers: [trigger] }, { deleteBeforeReplace: true });
      const second = new MaintenanceSession("second", { deployment, computers: [6], triggers: [first.id] });
      new MaintenanceSession("third", { deployment, computers: [6], triggers: [second.id] });
      new Schedule("weekly", { targetType: "AllForTenant", tenantId: 2, dayOfWeek: "Sunday", detectionTime: "02:00" }, { dependsOn: [first] });
    };
    await engine.up(chain("1"));
    const before = Object.fromEntries(["first", "second", "third", "weekly"].map((n) => [n, engine.resource(n)!.id]));
    expect(engine.resource("second")!.propertyDependencies?.triggers).toEqual([engine.resource("first")!.urn]);

    const changes = (r: { steps: { op: string; name: string }[] }) => ops(r).filter((x) => !x.startsWith("same "));
    ctx.sandbox.clearRequests();
    const plan = await engine.preview(chain("2"));
    expect(changes(plan)).toEqual(["delete-replaced third", "delete-replaced second", "delete-replaced first", "replace first", "replace second", "replace third"]);
    expect(opSet(plan).filter((x) => x.startsWith("same "))).toEqual(["same 7zip", "same weekly"]);
    expect(writeRequests(ctx.sandbox)).toEqual([]);

    const r = await engine.up(chain("2"));
    expect(changes(r)).toEqual(["delete-replaced third", "delete-replaced second", "delete-replaced first", "replace first", "replace second", "replace third"]);
    expect(opSet(r).filter((x) => x.startsWith("same "))).toEqual(["same 7zip", "same weekly"]);
    expect(r.steps.find((x) => x.op === "replace" && x.name === "second")!.detail).toEqual(["triggers"]);
    for (const n of ["first", "second", "third"]) expect(engine.resource(n)!.id).not.toBe(before[n]);
    expect(engine.resource("weekly")!.id).toBe(before.weekly);
    expect(engine.resources.filter((x) => x.delete)).toEqual([]);
    expect(starts()).toBe(3);
    await engine.destroy();
  }, 90_000); // six runs: over 20 s on a loaded machine

  it("follows the provider asking for delete-before-replace when the program leaves the option unset, and the program's deleteBeforeReplace: false over it", async () => {
    // pulumi-immybot's provider never asks for it: a wrapper of it that does, loaded by the host through the SDK's shim.
    const { shimFor } = require(join(REPO, "dist/sdk/shim.js"));
    const { propsFor } = require(join(REPO, "dist/sdk/resource.js"));
    const { outputKeys } = require(join(REPO, "dist/provider/maintenance-session.js"));
    const deleteFirst = shimFor("MaintenanceSession", join(REPO, "test/fixtures/engine/delete-first-provider.cjs"));
    const run = (trigger: string, opts: object) => () => {
      const { Deployment } = sdk();
      const deployment = new Deployment("7zip", { software: { id: "303", desiredState: "LatestVersion" }, targetType: "AllForTenant", tenantId: 2 });
      const args = { deploymentId: deployment.id, computers: [6], triggers: [trigger] };
      new pulumi.dynamic.Resource(deleteFirst, "run", propsFor(args, outputKeys), opts, "immybot", "MaintenanceSession");
    };
    const engine = newEngine();
    ctx.sandbox.clearRequests();
    await engine.up(run("1", {}));
    expect(ops(await engine.up(run("2", {})))).toEqual(["same 7zip", "delete-replaced run", "replace run"]);
    expect(ops(await engine.up(run("3", { deleteBeforeReplace: false })))).toEqual(["same 7zip", "replace run", "delete-replaced run"]);
    expect(ops(await engine.up(run("4", { deleteBeforeReplace: true })))).toEqual(["same 7zip", "delete-replaced run", "replace run"]);
    expect(starts()).toBe(4);
    await engine.destroy();
  }, 90_000); // four runs

  it("keeps a refresh that reads resources as partly failed successful: each kept as read with its reasons as init errors (or dropped without an id), a warning each, and the next up updates it", async () => {
    // Pulumi's dynamic-provider host never answers Read with ErrorResourceInitFailed (its read passes errors on as
    // they are), so this stands in for a provider that does: the host's answer, turned into a partial failure.
    const unhealthy = new Map<string, { id?: string; reason: string }>();
    const engine = newEngine({
      onHost: (host) => {
        const read = host.read.bind(host);
        host.read = async (urn, id, props, inputs) => {
          const answer = await read(urn, id, props, inputs);
          const failure = unhealthy.get(urn.slice(urn.lastIndexOf("::") + 2));
          if (!failure) return answer;
          throw new HostError(failure.reason, { id: failure.id ?? answer.id, properties: answer.properties, reasons: [failure.reason] });
        };
      },
    });
    await engine.up(program({ withRun: false }));
    const [weekly, deployment] = [engine.resource("weekly")!, engine.resource("7zip")!];
    unhealthy.set("weekly", { reason: "the schedule's target is offline" });
    unhealthy.set("7zip", { id: "", reason: "the deployment is gone" });
    const r = await engine.refresh();
    expect(opSet(r)).toEqual(["discard 7zip", "refresh weekly"]);
    expect([...r.warnings].sort()).toEqual([
      "7zip: Refreshed resource is in an unhealthy state:\n* the deployment is gone",
      "weekly: Refreshed resource is in an unhealthy state:\n* the schedule's target is offline",
    ]);
    expect(engine.resource("weekly")).toMatchObject({ id: weekly.id, outputs: { detectionTime: "02:00" }, initErrors: ["the schedule's target is offline"] });
    expect(engine.resource("7zip")).toBeUndefined();

    unhealthy.clear();
    ctx.sandbox.deleteDeployment(Number(deployment.id)); // gone, as the provider said
    expect(opSet(await engine.up(program({ withRun: false })))).toEqual(["create 7zip", "update weekly"]);
    expect(engine.resource("weekly")).toMatchObject({ id: weekly.id });
    expect(engine.resource("weekly")!.initErrors).toBeUndefined();
    await engine.destroy();
  });

  it("keeps a secret nested in an argument secret where it is: alone in an object, the whole list holding it, and encrypted in the state", async () => {
    const TRIGGER = "trigger-secret-Qm73Xv";
    const NOTE = "stack-output-secret-Lp58Zr";
    const sealed = { [SIG_KEY]: SECRET_SIG, ciphertext: expect.stringMatching(/^v1:/) };
    const engine = newEngine();
    const r = await engine.up(() => {
      const { Deployment, MaintenanceSession } = sdk();
      const deployment = new Deployment("7zip", { software: { id: pulumi.secret("303"), desiredState: "LatestVersion" }, targetType: "AllForTenant", tenantId: 2 });
      new MaintenanceSession("run", { deployment, computers: [6], triggers: ["plain", pulumi.secret(TRIGGER)] });
      return { deployment: { id: deployment.id, note: pulumi.secret(NOTE) } };
    });
    const file = readFileSync(tmp(`stack-${stacks}.json`), "utf8");
    expect(file).not.toContain(TRIGGER);
    expect(file).not.toContain(NOTE);

    // In an object, the secret alone: its sibling stays plain, in the checked inputs and in the provider's answer.
    const d = engine.resource("7zip")!;
    expect(d.inputs.software).toEqual({ id: sealed, desiredState: "LatestVersion", scope: "Global" });
    expect(d.outputs.software).toMatchObject({ id: sealed, desiredState: "LatestVersion" });
    expect(engine.reveal(d.outputs.software)).toMatchObject({ id: "303" });
    // A list holding a secret is secret whole.
    const run = engine.resource("run")!;
    expect(run.inputs.triggers).toEqual(sealed);
    expect(run.outputs.triggers).toEqual(sealed);
    expect(engine.reveal(run.outputs.triggers)).toEqual(["plain", TRIGGER]);
    // Stack outputs keep the program's positions.
    expect(r.outputs).toEqual({ deployment: { id: d.id, note: sealed } });
    expect(engine.reveal(engine.outputs)).toEqual({ deployment: { id: d.id, note: NOTE } });
    await engine.destroy();
  });
});
