/**
 * The blast radius at preview as a pull request's `pulumi preview` meets it, through the engine harness and the
 * real dynamic-provider host: a new run says where it would start (in the stack's outputs when the program exports
 * `plannedTargets`, and as the host's line the CLI lists under "Diagnostics:") and writes nothing; after `up`, more
 * computers in the deployment's reach leave the run "same"; new triggers replace it, and the replacement says
 * where it would start now. Provider-level cases: test/host/run-preview*.test.ts.
 */
import { describe, expect, it } from "vitest";
import { ops, opSet, sdk, useEngineTests } from "../helpers/engine-programs";
import { CONTOSO, CONTOSO_7ZIP, SIX, printed } from "../helpers/run-preview";
import { TARGET_PREVIEW, writeRequests } from "../helpers/scenario";

const { ctx, newEngine, starts } = useEngineTests("run-preview-scenario-");

/**
 * A run of a deployment ImmyBot already has (by id) that exports what the preview says of it. Detection only, and
 * the offline laptop waits for its agent: no session fails, however slowly the step runs.
 */
const rollout = (deploymentId: string, triggers: string[]) => () => {
  const { MaintenanceSession } = sdk();
  const run = new MaintenanceSession("rollout", { deploymentId, triggers, waitFor: "none", detectionOnly: true, offlineBehavior: "ApplyOnConnect" });
  return { blastRadius: run.plannedTargets };
};

const EIGHT = `8 computers: ${CONTOSO.slice(0, 5).join(", ")} and 3 more`;

/** The tests run in order on one stack (five operations in all: on a loaded machine, a minute each test). */
describe("a MaintenanceSession in a pull request's preview", () => {
  let id: string;
  let engine: ReturnType<typeof newEngine>;

  it("says where a new run would start, writes nothing, and up starts it there", async () => {
    id = String(ctx.sandbox.createDeployment(CONTOSO_7ZIP).id);
    engine = newEngine();
    ctx.sandbox.clearRequests();
    const preview = await engine.preview(rollout(id, ["release-1"]));
    expect(ops(preview)).toEqual(["create rollout"]);
    expect(preview.outputs.blastRadius).toBe(SIX);
    await printed(preview.host!, `immybot: MaintenanceSession of deployment ${id}: a new run would start on ${SIX}\n`);
    expect(writeRequests(ctx.sandbox)).toEqual([]);

    const up = await engine.up(rollout(id, ["release-1"]));
    expect(starts()).toBe(1);
    expect(up.outputs.blastRadius).toBe(SIX);
    expect(engine.resource("rollout")!.outputs.targets).toHaveLength(6);
  }, 60_000);

  it("leaves the run as it is when more computers come in reach, and shows them for the replacement new triggers make", async () => {
    // Contoso Labs' computers come under the deployment: the run that started stays as it is.
    ctx.sandbox.editDeployment(Number(id), { propagateToChildTenants: true });
    ctx.sandbox.clearRequests();
    const same = await engine.preview(rollout(id, ["release-1"]));
    expect(ops(same)).toEqual(["same rollout"]);
    expect(same.outputs.blastRadius).toBe(SIX);
    expect(ctx.sandbox.requests.filter((r) => r.path === TARGET_PREVIEW)).toEqual([]);

    // New triggers: the replacement's check (without olds) says where the new run would start.
    const replace = await engine.preview(rollout(id, ["release-2"]));
    expect(opSet(replace)).toEqual(["delete-replaced rollout", "replace rollout"]);
    expect(replace.outputs.blastRadius).toBe(EIGHT);
    await printed(replace.host!, `a new run would start on ${EIGHT}\n`);
    expect(writeRequests(ctx.sandbox)).toEqual([]);
  }, 60_000);
});
