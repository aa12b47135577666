/**
 * A policy repository of 200 objects (4 tenants x 25 schedules + 25 deployments) deployed through the engine
 * harness (a fresh provider host per operation, the engine's order) while the sandbox spoils about a fifth of all
 * requests, the token endpoint's included: 429 with Retry-After, 503, connections reset before the request is
 * handled, slow answers that outlast the client's timeout (the write committed), writes that commit after the
 * client gave up, and connections dropped after the write was committed. A create whose failure leaves open whether
 * ImmyBot took it (a 503, a reset) is stopped, not sent again, so the CI job runs `pulumi up` again, as the message
 * says, until it succeeds. Afterwards every object exists exactly once, the state matches the sandbox and a further
 * `up` (faults still on) changes nothing. The run killed halfway is in faults-interrupted.test.ts.
 */
import { beforeAll, afterAll, describe, expect, it } from "vitest";
import type { Engine } from "../helpers/engine";
import { FAULTS, OBJECTS, PROGRAM, TENANTS, engineFor, expectExactlyOnce, expectStateMatchesSandbox, ops, sandbox, upUntilDone, useFaultScenario, useSandbox, writePolicy } from "../helpers/fault-scenario";
import { writeRequests } from "../helpers/scenario";

const tmp = useFaultScenario("faults-scenario-");

describe("up of 200 objects while a fifth of the requests fail", () => {
  useSandbox();
  let engine: Engine;
  const dir = () => tmp("all-tenants");

  beforeAll(() => {
    writePolicy(dir(), TENANTS);
    engine = engineFor("faults", dir());
  });
  afterAll(() => {
    sandbox.faults.clear();
  });

  it("creates every object exactly once, and the state matches the sandbox", async () => {
    sandbox.clearRequests();
    sandbox.faults.set(FAULTS);
    const { run, stopped, hosts } = await upUntilDone(engine);
    expect(ops(run).create).toBeGreaterThan(0);

    const requests = sandbox.requests;
    const faulted = requests.filter((r) => r.fault);
    const kinds = new Set(faulted.map((r) => r.fault));
    // The faults really happened, about one request in five, and of every kind, writes included.
    expect(faulted.length / requests.length).toBeGreaterThan(0.12);
    expect([...kinds].sort()).toEqual(["429", "503", "late-commit", "reset", "reset-after-commit", "slow"]);
    const lostWrites = faulted.filter((r) => r.method === "POST" && r.path.startsWith("/api/") && ["reset-after-commit", "slow", "late-commit"].includes(r.fault!));
    expect(lostWrites.length).toBeGreaterThan(0);
    // A write whose answer was lost was found in ImmyBot, not made again (the up's own host says so) ...
    expect(hosts.join("\n")).toMatch(/the answer to creating (schedule|deployment) \d+ was lost; found it in ImmyBot/);
    // ... and one whose failure left it open (a 503, a reset before ImmyBot read it) stopped, unsent, for the next up.
    expect(stopped.length).toBeGreaterThan(0);
    expect(faulted.filter((r) => r.method === "POST" && ["503", "reset"].includes(r.fault!)).length).toBeGreaterThan(0);

    expectExactlyOnce(engine, TENANTS);
    await expectStateMatchesSandbox(engine);
  }, 120_000);

  it("a second up, faults still on, changes nothing and writes nothing", async () => {
    sandbox.clearRequests();
    const run = await engine.up(PROGRAM);
    expect(ops(run)).toEqual({ same: OBJECTS });
    expect(writeRequests(sandbox)).toEqual([]);
    expectExactlyOnce(engine, TENANTS);
  });
});

