/**
 * Whose object is it? Through the engine harness (a fresh provider host per operation, the engine's order), the
 * cases where an object with exactly a create's arguments already exists in ImmyBot and belongs to someone else:
 * a resource renamed without an alias (Pulumi creates the new name, then deletes the old one), two stacks declaring
 * the same schedule, and two resources of one stack with identical arguments. By default every resource gets an
 * object of its own and none is ever deleted from under another; `adoptLeftovers` (opt-in) takes a leftover over,
 * and then a rename keeps the one object. Each case ends with ImmyBot true to the state and a second `up` that
 * writes nothing.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Engine, type RunResult } from "../helpers/engine";
import { REPO } from "../helpers/host";
import { useScenario, writeRequests } from "../helpers/scenario";
import { useTempDir } from "../helpers/temp-dir";

const require = createRequire(__filename);
const ctx = useScenario();
const tmp = useTempDir("ownership-scenario-");
const sdk = () => require(join(REPO, "dist/sdk/index.js"));

let stacks = 0;
function newEngine(extraConfig: Record<string, string> = {}, stack = `stack-${++stacks}`): Engine {
  return new Engine({ hostConfig: { ...ctx.hostConfig, ...extraConfig }, stateFile: tmp(`${stack}.json`), stack, project: "ownership-test", env: ctx.env });
}

const ops = (r: RunResult) => r.steps.map((s) => `${s.op} ${s.name}`).sort();
/** Schedules of Fabrikam (4) at this detection time: each case uses a time of its own. */
const schedulesAt = (time: string) => ctx.sandbox.schedules().filter((s) => s.tenantId === 4 && s.time === time);
const ids = (time: string) => schedulesAt(time).map((s) => String(s.id)).sort();

/** One or more weekly schedules with the same arguments, under the given names. */
function schedules(time: string, ...names: string[]) {
  return () => {
    const { Schedule } = sdk();
    for (const name of names) new Schedule(name, { targetType: "AllForTenant", tenantId: 4, dayOfWeek: "Monday", detectionTime: time });
  };
}

async function expectNothingToWrite(engine: Engine, program: () => void, names: string[]): Promise<void> {
  ctx.sandbox.clearRequests();
  const again = await engine.up(program);
  expect(ops(again)).toEqual(names.map((n) => `same ${n}`).sort());
  expect(writeRequests(ctx.sandbox)).toEqual([]);
  const refreshed = await engine.refresh();
  expect(refreshed.steps.map((s) => s.op)).toEqual(names.map(() => "refresh"));
}

describe("a resource renamed without an alias", () => {
  it("by default: the new name gets a new schedule, the old one is deleted; one schedule in ImmyBot, the state's", async () => {
    const engine = newEngine();
    await engine.up(schedules("05:00", "weekly"));
    const [old] = ids("05:00");
    const renamed = await engine.up(schedules("05:00", "weekly-renamed"));
    expect(ops(renamed)).toEqual(["create weekly-renamed", "delete weekly"]);
    expect(ids("05:00")).toEqual([engine.resource("weekly-renamed")!.id]);
    expect(ids("05:00")).not.toContain(old);
    await expectNothingToWrite(engine, schedules("05:00", "weekly-renamed"), ["weekly-renamed"]);
  });

  it("with adoptLeftovers: the new name takes the old schedule over, and the old name's delete leaves it in ImmyBot", async () => {
    const engine = newEngine({ "immybot:adoptLeftovers": "true" });
    await engine.up(schedules("05:30", "weekly"));
    const [old] = ids("05:30");
    ctx.sandbox.clearRequests();
    const renamed = await engine.up(schedules("05:30", "weekly-renamed"));
    expect(ops(renamed)).toEqual(["create weekly-renamed", "delete weekly"]);
    expect(writeRequests(ctx.sandbox)).toEqual([]); // no POST, no DELETE
    expect(renamed.host?.logs.stdout).toContain(`took over schedule ${old}`);
    expect(renamed.host?.logs.stdout).toContain(`left schedule ${old} in ImmyBot`);
    expect(ids("05:30")).toEqual([old]);
    expect(engine.resource("weekly-renamed")!.id).toBe(old);
    await expectNothingToWrite(engine, schedules("05:30", "weekly-renamed"), ["weekly-renamed"]);
  });
});

describe("two stacks that declare the same schedule", () => {
  it("each gets a schedule of its own, and destroying one leaves the other's", async () => {
    const first = newEngine();
    const second = newEngine();
    await first.up(schedules("06:00", "weekly"));
    const mine = first.resource("weekly")!.id;
    const theirs = await second.up(schedules("06:00", "weekly"));
    expect(ops(theirs)).toEqual(["create weekly"]);
    expect(second.resource("weekly")!.id).not.toBe(mine);
    // Said on the output, in case it was a leftover: the id and the fix.
    expect(theirs.host?.logs.stdout).toContain(`already holds schedule ${mine}`);
    expect(ids("06:00")).toEqual([mine, second.resource("weekly")!.id].sort());

    await second.destroy();
    expect(ids("06:00")).toEqual([mine]);
    await expectNothingToWrite(first, schedules("06:00", "weekly"), ["weekly"]);
  });
});

describe("two resources of one stack with identical arguments", () => {
  it("the one added later gets a schedule of its own, whichever registers first", async () => {
    const engine = newEngine();
    await engine.up(schedules("06:30", "a"));
    const a = engine.resource("a")!.id;
    // "b" registers before "a": its create may run before a's diff has claimed a's schedule.
    const added = await engine.up(schedules("06:30", "b", "a"));
    expect(ops(added)).toEqual(["create b", "same a"]);
    expect(engine.resource("a")!.id).toBe(a);
    expect(engine.resource("b")!.id).not.toBe(a);
    expect(ids("06:30")).toEqual([a, engine.resource("b")!.id].sort());
    await expectNothingToWrite(engine, schedules("06:30", "b", "a"), ["a", "b"]);
  });
});
