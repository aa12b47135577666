/**
 * The blast radius at preview as a pull request's `pulumi preview` meets it, through the engine harness and the
 * real dynamic-provider host: a new run says where it would start (in the stack's outputs when the program exports
 * `plannedTargets`, and as the host's line the CLI lists under "Diagnostics:") and writes nothing; after `up`, more
 * computers in the deployment's reach leave the run "same"; new triggers replace it, and the replacement says
 * where it would start now. Provider-level cases: test/host/run-preview*.test.ts.
 */
import { describe, expect, it } from "vitest";
import { ops, opSet, sdk, useEngineTests } from "../helpers/engine-programs";
import { CONTOSO, CONTOSO_7ZIP, SIX } from "../helpers/run-preview";
import { TARGET_PREVIEW, writeRequests } from "../helpers/scenario";

const { ctx, newEngine, starts } = useEngineTests("run-preview-scenario-");

/** A run of a deployment ImmyBot already has (by id) that exports what the preview says of it. */
const rollout = (deploymentId: string, triggers: string[]) => () => {
  const { MaintenanceSession } = sdk();
  const run = new MaintenanceSession("rollout", { deploymentId, triggers, waitFor: "none", offlineBehavior: "ApplyOnConnect" });
  return { blastRadius: run.plannedTargets };
};

describe("a MaintenanceSession in a pull request's preview", () => {
  it("says where a new run would start, and only a new run", async () => {
    const id = String(ctx.sandbox.createDeployment(CONTOSO_7ZIP).id);
    const engine = newEngine();
    ctx.sandbox.clearRequests();
    const preview = await engine.preview(rollout(id, ["release-1"]));
    expect(ops(preview)).toEqual(["create rollout"]);
    expect(preview.outputs.blastRadius).toBe(SIX);
    expect(preview.host?.logs.stdout).toContain(`immybot: MaintenanceSession of deployment ${id}: a new run would start on ${SIX}\n`);
    expect(writeRequests(ctx.sandbox)).toEqual([]);

    const up = await engine.up(rollout(id, ["release-1"]));
    expect(starts()).toBe(1);
    expect(up.outputs.blastRadius).toBe(SIX);

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
    expect(replace.outputs.blastRadius).toBe(`8 computers: ${CONTOSO.slice(0, 5).join(", ")} and 3 more`);
    expect(writeRequests(ctx.sandbox)).toEqual([]);
    await engine.destroy();
  });
});
