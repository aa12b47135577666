/**
 * A run of a policy repository killed halfway (the provider host gets SIGKILL while creates are in flight and
 * committed, as a cancelled CI job), with a fifth of all requests failing, started again with `adoptLeftovers`:
 * it converges, taking over what the killed run created but never recorded, every object exactly once, the state
 * matching the sandbox, and a further `up` changes nothing. Helpers: test/helpers/fault-scenario.ts.
 */
import { describe, expect, it } from "vitest";
import { EngineError } from "../helpers/engine";
import { FAULTS, PER_TENANT, PROGRAM, engineFor, expectExactlyOnce, expectStateMatchesSandbox, held, ops, sandbox, tenantIds, until, upUntilDone, useFaultScenario, useSandbox, writePolicy } from "../helpers/fault-scenario";
import { writeRequests } from "../helpers/scenario";

const tmp = useFaultScenario("faults-interrupted-");

describe("a run killed halfway, started again with adoptLeftovers", () => {
  useSandbox();
  const names = ["Contoso", "Fabrikam"];
  const dir = () => tmp("two-tenants");
  const half = (names.length * PER_TENANT * 2) / 2;

  it("converges: every object once, what the killed run created unrecorded is taken over, then nothing to do", async () => {
    // Taking leftovers over is opt-in (it cannot tell them from another stack's objects); every entry here is distinct.
    writePolicy(dir(), names);
    const ids = tenantIds(names);
    const count = () => held(ids).schedules.length + held(ids).deployments.length;
    expect(count()).toBe(0);

    // First run: faults on; once half the objects exist, the next four creates are committed but answered late,
    // and the provider host is killed while they are in flight (a cancelled CI job).
    sandbox.faults.set(FAULTS);
    const killed = engineFor("interrupted", dir());
    const running = killed.up(PROGRAM).then(
      () => undefined,
      (e: unknown) => e,
    );
    await until(() => count() >= half);
    const creates = /^\/api\/v1\/(schedules|target-assignments)$/;
    sandbox.faults.script({ method: "POST", path: creates, fault: "slow", delayMs: 60_000, times: 4 });
    await until(() => sandbox.faults.pending().length === 0);
    const first = killed.currentHost!;
    expect(first).toBeDefined();
    await first.kill();
    const error = await running;
    expect(error).toBeInstanceOf(EngineError);

    const recorded = killed.resources.filter((r) => !r.type.includes("Lookup")).length;
    expect(recorded).toBeLessThan(count()); // objects exist that the state does not know
    expect(count()).toBeLessThan(names.length * PER_TENANT * 2);

    // Second run: a new engine (and so a new host) on the same state file, faults still on.
    try {
      const engine = engineFor("interrupted", dir(), { "immybot:adoptLeftovers": "true" });
      const { run, hosts } = await upUntilDone(engine);
      expect(run.host!.pid).not.toBe(first.pid);
      expect((ops(run).create ?? 0) + (ops(run).same ?? 0)).toBe(names.length * PER_TENANT * 2);
      const takenOver = hosts.join("\n").match(/took over (schedule|deployment) \d+/g) ?? [];
      expect(takenOver.length).toBeGreaterThanOrEqual(4);
      expectExactlyOnce(engine, names);
      await expectStateMatchesSandbox(engine);

      sandbox.clearRequests();
      const again = await engine.up(PROGRAM);
      expect(ops(again)).toEqual({ same: names.length * PER_TENANT * 2 });
      expect(writeRequests(sandbox)).toEqual([]);
    } finally {
      sandbox.faults.clear();
    }
  }, 120_000);
});

