/**
 * The engine harness doing what Pulumi's engine does, with small programs against the built SDK: a
 * delete-before-replace (the dependents it takes along; the program's option against the provider's answer), a
 * refresh that reads resources as partly failed, and secrets nested in arguments and stack outputs. The basics:
 * engine.test.ts.
 */
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HostError, REPO } from "../helpers/host";
import { SECRET_SIG, SIG_KEY } from "../../provider/secrets";
import { writeRequests } from "../helpers/scenario";
import { opSet, ops, program, sdk, useEngineTests } from "../helpers/engine-programs";

const require = createRequire(__filename);
const pulumi = require("@pulumi/pulumi");
const { ctx, newEngine, stateFile, starts } = useEngineTests("engine-behaviours-");

describe("the engine harness, as the engine does it", () => {
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
    const file = readFileSync(stateFile(), "utf8");
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
