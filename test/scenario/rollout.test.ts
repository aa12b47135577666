/**
 * A MaintenanceRollout through whole `pulumi up`s (the engine harness: a fresh provider host per operation): the
 * canary ring fails its gate, the step fails keeping the rollout; the next `up` (unchanged) continues through update
 * and starts nothing; a new trigger starts the failed ring again and never the ring that passed.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Engine, EngineError } from "../helpers/engine";
import { REPO } from "../helpers/host";
import { useScenario } from "../helpers/scenario";
import { useTempDir } from "../helpers/temp-dir";

const require = createRequire(__filename);
const ctx = useScenario({ recordBodies: true });
const tmp = useTempDir("rollout-scenario-");
const sdk = () => require(join(REPO, "dist/sdk/index.js"));
const START = "/api/v1/run-immy-service-new";

/** The computers of each start, in order. */
const startedOn = () =>
  ctx.sandbox.requests
    .filter((r) => r.method === "POST" && r.path === START)
    .map((r) => (JSON.parse(r.body!).computers as { computerId: number }[]).map((c) => c.computerId));

async function failedUp(engine: Engine, program: () => void): Promise<EngineError> {
  const e = await engine.up(program).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EngineError);
  return e as EngineError;
}

describe("a rollout whose canary fails its gate", () => {
  it("fails the up keeping the rollout, resumes from the canary without starting anything, and starts only the canary after a new trigger", async () => {
    const program = (trigger: string) => () => {
      const { Deployment, MaintenanceRollout } = sdk();
      const deployment = new Deployment("7zip-contoso", { software: { id: "303", desiredState: "LatestVersion" }, targetType: "AllForTenant", tenantId: 2 });
      // CONTOSO-LT022 (8) fails its installs.
      new MaintenanceRollout("rollout", { deployment, triggers: [trigger], rings: [{ name: "first", computers: [6] }, { name: "canary", computers: [8] }, { name: "broad", computers: [3] }] });
    };
    const engine = new Engine({ hostConfig: ctx.hostConfig, stateFile: tmp("stack.json"), project: "rollout", env: ctx.env });
    ctx.sandbox.clearRequests();
    const first = await failedUp(engine, program("r1"));
    expect(first.errors.join("\n")).toMatch(/rollout: Ring "canary" \(2 of 3\) failed its gate: 1 of 1 sessions failed.*Ring "broad" was not started/s);
    const kept = engine.resource("rollout")!;
    expect(kept.initErrors?.length).toBe(1);
    expect(kept.outputs).toMatchObject({ result: "Failed", failedRing: "canary" });
    expect(startedOn()).toEqual([[6], [8]]);

    await failedUp(engine, program("r1"));
    expect(startedOn()).toEqual([[6], [8]]);
    expect(engine.resource("rollout")!.id).toBe(kept.id);

    await failedUp(engine, program("r2"));
    expect(startedOn()).toEqual([[6], [8], [8]]);
    expect(engine.resource("rollout")).toMatchObject({ id: kept.id, outputs: { triggers: ["r2"], failedRing: "canary" } });

    await engine.destroy();
    expect(engine.resource("rollout")).toBeUndefined();
  }, 120_000);
});
