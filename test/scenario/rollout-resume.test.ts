/**
 * A MaintenanceRollout whose `pulumi up` is killed (its provider host gets SIGKILL, as a cancelled CI job) while
 * ring 2's first batch is running: the state never heard of it. The next `up`, given `adoptId` from the line the
 * killed run printed, finds the batches that run started (their session group ids are derived from the rollout's
 * id), follows them, starts each batch that was never started exactly once, and a further `up` writes nothing.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Engine, EngineError } from "../helpers/engine";
import { REPO } from "../helpers/host";
import { useScenario, writeRequests } from "../helpers/scenario";
import { useTempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";

const require = createRequire(__filename);
const ctx = useScenario({ recordBodies: true });
const tmp = useTempDir("rollout-resume-");
const sdk = () => require(join(REPO, "dist/sdk/index.js"));
const START = "/api/v1/run-immy-service-new";
/** SessionStatus integers of a session still in progress. */
const IN_PROGRESS = new Set([1, 3, 6, 8, 11, 12]);

const starts = () => ctx.sandbox.requests.filter((r) => r.method === "POST" && r.path === START).map((r) => JSON.parse(r.body!) as { sessionGroupId: string; computers: { computerId: number }[] });
const groupOf = (s: { sessionJobArgs?: unknown }) => (s.sessionJobArgs as { sessionGroupId?: string } | undefined)?.sessionGroupId;

describe("a rollout whose up was killed in ring 2", () => {
  it("is resumed with adoptId: no batch started twice, ring 1 not repeated, then nothing to do", async () => {
    // Ring 2 runs one computer at a time: its second batch is the one the killed run never reached.
    const program = (adoptId?: string) => () => {
      const { MaintenanceRollout } = sdk();
      new MaintenanceRollout("rollout", {
        fullMaintenance: true,
        timeout: "30s",
        rings: [{ name: "canary", computers: [6] }, { name: "pilot", computers: [3, 4], maxConcurrent: 1 }, { name: "broad", computers: [9] }],
        ...(adoptId ? { adoptId } : {}),
      });
    };
    ctx.sandbox.clearRequests();
    const killed = new Engine({ hostConfig: ctx.hostConfig, stateFile: tmp("stack.json"), project: "rollout-resume", env: ctx.env });
    const running = killed.up(program()).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Ring 2's first batch is running: its start was sent and its session is in progress.
    await until(() => {
      const second = starts()[1];
      return second !== undefined && ctx.sandbox.sessions().some((s) => groupOf(s) === second.sessionGroupId && IN_PROGRESS.has(s.sessionStatus as number));
    }, 90_000);
    const host = killed.currentHost!;
    await host.kill();
    expect(await running).toBeInstanceOf(EngineError);
    expect(killed.resource("rollout")).toBeUndefined(); // the state never heard of the rollout
    const before = starts();
    expect(before.map((s) => s.computers.map((c) => c.computerId))).toEqual([[6], [3]]);
    const line = /immybot: rollout ([0-9a-f-]{36}) starting; if this up is cancelled before it ends, set adoptId: "([0-9a-f-]{36})" on this rollout/.exec(host.logs.stdout);
    expect(line, host.logs.stdout).not.toBeNull();
    const R = line![1]!;
    expect(line![2]).toBe(R);

    const engine = new Engine({ hostConfig: ctx.hostConfig, stateFile: tmp("stack.json"), project: "rollout-resume", env: ctx.env });
    const resumed = await engine.up(program(R));
    const rollout = engine.resource("rollout")!;
    expect(rollout.id).toBe(R);
    expect(rollout.outputs).toMatchObject({ rolloutId: R, result: "Succeeded", adoptId: R });
    const rings = rollout.outputs.ringResults as { name: string; status: string; batches: { sessionGroupId: string; sessionIds: number[] }[] }[];
    expect(rings.map((r) => [r.name, r.status, r.batches.length])).toEqual([
      ["canary", "Passed", 1],
      ["pilot", "Passed", 2],
      ["broad", "Passed", 1],
    ]);
    // Each batch's start was sent exactly once over both runs: ring 1 and ring 2's first batch by the killed run.
    const all = starts();
    expect(all.map((s) => s.computers.map((c) => c.computerId))).toEqual([[6], [3], [4], [9]]);
    const groups = rings.flatMap((r) => r.batches.map((b) => b.sessionGroupId));
    expect(all.map((s) => s.sessionGroupId)).toEqual(groups);
    expect(new Set(groups).size).toBe(4);
    for (const gid of groups) expect(ctx.sandbox.sessions().filter((s) => groupOf(s) === gid)).toHaveLength(1);
    expect(resumed.host!.logs.stdout.match(/found the interrupted run's sessions; following them, starting nothing/g)).toHaveLength(2);

    ctx.sandbox.clearRequests();
    await engine.up(program(R));
    expect(writeRequests(ctx.sandbox)).toEqual([]);
    expect(engine.resource("rollout")!.id).toBe(R);
  }, 240_000);
});
