/**
 * At most once, through whole `pulumi up`s (the engine harness: a fresh provider host per operation, the engine's
 * order): a maintenance run whose sessions ImmyBot's background job makes only after the step's timeout, and a
 * schedule whose POST commits after the provider stopped looking. Each time the first `up` fails and says what to
 * do; doing it, the next `up` converges with exactly one run (one session per computer) or one schedule in ImmyBot,
 * the state true, and the `up` after that writes nothing.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Engine, EngineError, type RunResult } from "../helpers/engine";
import { REPO } from "../helpers/host";
import { useScenario, writeRequests } from "../helpers/scenario";
import { useTempDir } from "../helpers/temp-dir";

const require = createRequire(__filename);
const ctx = useScenario();
const tmp = useTempDir("at-most-once-scenario-");
const sdk = () => require(join(REPO, "dist/sdk/index.js"));
const START = "/api/v1/run-immy-service-new";

let stacks = 0;
/** The client gives up on an answer after 1 s, so a create looks 2 s for what its POST made. */
const newEngine = () =>
  new Engine({ hostConfig: { ...ctx.hostConfig, "immybot:requestTimeoutMs": "1000" }, stateFile: tmp(`stack-${++stacks}.json`), project: "at-most-once", env: ctx.env });
const ops = (r: RunResult) => r.steps.map((s) => `${s.op} ${s.name}`).sort();
const starts = () => ctx.sandbox.requests.filter((r) => r.method === "POST" && r.path === START).length;

async function failedUp(engine: Engine, program: () => void): Promise<EngineError> {
  const e = await engine.up(program).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EngineError);
  return e as EngineError;
}

async function expectNothingToWrite(engine: Engine, program: () => void): Promise<void> {
  ctx.sandbox.clearRequests();
  const again = await engine.up(program);
  expect(again.steps.length).toBeGreaterThan(0);
  expect(again.steps.every((s) => s.op === "same")).toBe(true);
  expect(writeRequests(ctx.sandbox)).toEqual([]);
}

describe("a maintenance run whose sessions come after the step's timeout", () => {
  it("the first up fails keeping the run; the next finds its sessions without a second start; then nothing to do", async () => {
    const program = () => {
      const { Deployment, MaintenanceSession } = sdk();
      const deployment = new Deployment("7zip-fabrikam", { software: { id: "303", desiredState: "LatestVersion" }, targetType: "AllForTenant", tenantId: 4 });
      new MaintenanceSession("run", { deployment, computers: [13], waitFor: "started", timeout: "3s", triggers: ["slow-job"] });
    };
    const engine = newEngine();
    ctx.sandbox.clearRequests();
    ctx.sandbox.setSessionEnqueueDelay(6_000); // the step gives up after 3 s; the next up begins after that
    let failed: EngineError;
    try {
      failed = await failedUp(engine, program);
    } finally {
      ctx.sandbox.setSessionEnqueueDelay(200);
    }
    expect(failed.errors.join("\n")).toMatch(/run: None of the sessions of maintenance run .* has appeared in ImmyBot within 3s.*never starts a second run/);
    const kept = engine.resource("run")!;
    expect(kept.initErrors?.length).toBe(1);
    expect(starts()).toBe(1);

    const next = await engine.up(program);
    expect(ops(next)).toEqual(["same 7zip-fabrikam", "update run"]);
    expect(starts()).toBe(1);
    const sessions = ctx.sandbox.sessions().filter((s) => (s.sessionJobArgs as { sessionGroupId?: string }).sessionGroupId === kept.id);
    expect(sessions.map((s) => s.computerId)).toEqual([13]);
    expect(engine.resource("run")).toMatchObject({ id: kept.id, outputs: { sessionIds: [sessions[0]!.id] } });
    expect(engine.resource("run")!.initErrors).toBeUndefined();

    await expectNothingToWrite(engine, program);
    await engine.destroy();
  }, 60_000);
});

describe("a schedule whose POST commits after the provider stopped looking", () => {
  it("the first up fails and says to check ImmyBot; with adoptId set to what it finds, the next up takes it; then nothing to do", async () => {
    const args = { targetType: "AllForTenant", tenantId: 4, dayOfWeek: "Tuesday", detectionTime: "07:15" };
    const program = (adoptId?: string) => () => {
      const { Schedule } = sdk();
      new Schedule("weekly", { ...args, ...(adoptId ? { adoptId } : {}) });
    };
    const engine = newEngine();
    ctx.sandbox.clearRequests();
    ctx.sandbox.faults.script({ method: "POST", path: "/api/v1/schedules", fault: "late-commit", delayMs: 6_000 });
    const failed = await failedUp(engine, program());
    expect(failed.errors.join("\n")).toMatch(/weekly: Creating the schedule got no clear answer.*not sent again.*Check ImmyBot's schedules of tenant 4.*adoptId/);
    expect(engine.resource("weekly")).toBeUndefined();

    // The user looks in ImmyBot, as the message says: the schedule did arrive.
    const arrived = () => ctx.sandbox.schedules().filter((s) => s.tenantId === 4 && s.time === "07:15");
    const deadline = Date.now() + 30_000;
    while (arrived().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(arrived()).toHaveLength(1);
    const id = String(arrived()[0]!.id);

    const adopted = await engine.up(program(id));
    expect(ops(adopted)).toEqual(["create weekly"]);
    expect(engine.resource("weekly")!.id).toBe(id);
    expect(ctx.sandbox.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/schedules")).toHaveLength(1);
    expect(arrived()).toHaveLength(1);

    await expectNothingToWrite(engine, program(id));
    await engine.destroy();
    expect(arrived()).toHaveLength(0);
  }, 60_000);
});
