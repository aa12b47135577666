/**
 * The engine harness itself (test/helpers/engine.ts), with small programs written here against the built SDK: the
 * engine's answers to a replace, a removed resource, a check failure, a program error, a partial failure ("continue
 * awaiting" on the next up), a resource deleted out of band and a `.get`. Delete-before-replace, unhealthy refreshes
 * and nested secrets: engine-behaviours.test.ts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EngineError } from "../helpers/engine";
import { writeRequests } from "../helpers/scenario";
import { opSet, ops, program, sdk, useEngineTests } from "../helpers/engine-programs";

const { ctx, newEngine, stateFile, starts } = useEngineTests("engine-scenario-");

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
    expect(JSON.parse(readFileSync(stateFile(), "utf8")).resources).toHaveLength(3);

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
});
