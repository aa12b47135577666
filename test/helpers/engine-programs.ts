/**
 * What the engine harness's own tests share (test/scenario/engine*.test.ts): the built SDK as a program loads it
 * (Node's require of the built code: vite-transformed code cannot be serialized), a fresh engine per stack on the
 * scenario sandbox, step lists, and the small program they vary.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { Engine, type EngineOptions } from "./engine";
import { REPO } from "./host";
import { useScenario, type ScenarioContext } from "./scenario";
import { useTempDir } from "./temp-dir";

const nodeRequire = createRequire(__filename);

export const sdk = () => nodeRequire(join(REPO, "dist/sdk/index.js"));

type Steps = { steps: { op: string; name: string }[] };
export const ops = (r: Steps) => r.steps.map((s) => `${s.op} ${s.name}`);
/** The steps without their order (independent resources register in the order the SDK resolves their inputs). */
export const opSet = (r: Steps) => ops(r).sort();

export interface EngineTests {
  ctx: ScenarioContext;
  /** A new engine on a stack of its own (its state file: `stateFile()`). */
  newEngine(options?: Partial<EngineOptions>): Engine;
  /** The state file of the last engine made. */
  stateFile(): string;
  /** Maintenance runs started since the sandbox's log was last cleared. */
  starts(): number;
}

/** Registers the hooks (a scenario sandbox, a temp directory); call once per test file, at its top level. */
export function useEngineTests(prefix: string): EngineTests {
  const ctx = useScenario();
  const tmp = useTempDir(prefix);
  let stacks = 0;
  return {
    ctx,
    newEngine: (options = {}) =>
      new Engine({ hostConfig: ctx.hostConfig, stateFile: tmp(`stack-${++stacks}.json`), project: "engine-test", env: ctx.env, ...options }),
    stateFile: () => tmp(`stack-${stacks}.json`),
    starts: () => ctx.sandbox.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/run-immy-service-new").length,
  };
}

/** 7-Zip on Contoso, a weekly schedule, and a run on one workstation; `triggers` and `withRun` vary. */
export function program(opts: { triggers?: string[]; withRun?: boolean; detectionTime?: string; computers?: number[]; timeout?: string; offlineBehavior?: string; deleteBeforeReplace?: boolean } = {}) {
  return () => {
    const { Deployment, MaintenanceSession, Schedule } = sdk();
    const schedule = new Schedule("weekly", { targetType: "AllForTenant", tenantId: 2, dayOfWeek: "Sunday", detectionTime: opts.detectionTime ?? "02:00" });
    const deployment = new Deployment("7zip", { software: { id: "303", desiredState: "LatestVersion" }, targetType: "AllForTenant", tenantId: 2 });
    if (opts.withRun ?? true) {
      new MaintenanceSession("run", { deployment, computers: opts.computers ?? [6], triggers: opts.triggers ?? ["1"], timeout: opts.timeout, offlineBehavior: opts.offlineBehavior }, { deleteBeforeReplace: opts.deleteBeforeReplace });
    }
    return { scheduleId: schedule.id, deploymentId: deployment.id };
  };
}
