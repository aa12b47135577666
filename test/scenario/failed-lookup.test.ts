/**
 * A wrong name fails the preview at once, whatever consumes the lookup, with the debugger on as the language host
 * has it. The program (test/fixtures/failed-lookup/index.ts, TypeScript as a user writes it): the tenant's name
 * feeds getComputerOutput, the computer feeds `computers` of each MaintenanceSession, their ids are stack
 * outputs; a tag lookup feeds a Schedule.
 *
 * Pulumi's Node language host enables the V8 inspector's debugger before it runs a program (cmd/run: v8Hooks, for
 * the closure serializer). The engine harness gets it only lazily, when the first dynamic resource is serialized,
 * after the program's lookups started, so this file turns it on first, exactly as the host does. With it on, the
 * error a lookup re-threw inside an async function made V8 walk every path through the promises depending on it
 * (see `lookup` in sdk/lookups.ts): this preview took 10 to 40 s of CPU to fail with one session, minutes with 50.
 *
 * The cost is measured as the CPU time this process spends in the preview (process.cpuUsage), not as wall-clock
 * time, which on a loaded 2-core machine mostly measures the neighbours; the bound (5 s) is generous: a failing
 * preview takes 0.5 to 1.5 s of CPU here, the walk took ten times that.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Engine, EngineError } from "../helpers/engine";
import { REPO } from "../helpers/host";
import { useScenario } from "../helpers/scenario";
import { useTempDir } from "../helpers/temp-dir";

const nodeRequire = createRequire(__filename);
const DIR = join(REPO, "test/fixtures/failed-lookup");
const PROGRAM = join(DIR, "index.ts");
const ctx = useScenario();
const tmp = useTempDir("failed-lookup-scenario-");

const CPU_BOUND_MS = 5_000;
const NO_TENANT = 'No tenant named "Contso". Close matches: "Contoso" (id 2), "Contoso Labs" (id 3).';
const NO_TAG = 'No tag named "Canry". Close matches: "Canary" (id 1).';

beforeAll(async () => {
  // node_modules/pulumi-immybot -> this checkout, as `npm install` gives a user's project (git-ignored).
  (nodeRequire(join(REPO, "dist/scripts/quickstart.js")) as typeof import("../../scripts/quickstart")).linkPackage(DIR);
  // What the language host does before it loads the program (@pulumi/pulumi/cmd/run/index.js, initializeHooks): an
  // inspector session with Debugger.enable, from the same copy of the SDK the harness runs the program with.
  await nodeRequire("@pulumi/pulumi/runtime/closure/v8Hooks").isInitializedAsync();
});

let runs = 0;
function engineFor(config: { tenant: string; tag?: string; sessions: number }): Engine {
  const { tenant, tag = "Canary", sessions } = config;
  return new Engine({
    hostConfig: ctx.hostConfig,
    stateFile: tmp(`stack-${runs++}.json`),
    env: ctx.env,
    config: { "immybot-failed-lookup:tenant": tenant, "immybot-failed-lookup:tag": tag, "immybot-failed-lookup:sessions": String(sessions) },
  });
}

/** The preview's errors and the CPU time this process spent in it. */
async function failedPreview(config: Parameters<typeof engineFor>[0]): Promise<{ errors: string[]; cpuMs: number }> {
  const engine = engineFor(config);
  const before = process.cpuUsage();
  const error = await engine.preview(PROGRAM).then(
    () => undefined,
    (e: unknown) => e,
  );
  const used = process.cpuUsage(before);
  expect(error).toBeInstanceOf(EngineError);
  return { errors: (error as EngineError).errors, cpuMs: (used.user + used.system) / 1000 };
}

/** The one error about `message`: the message itself, or with the SDK's `error serializing property "x": ` before it. */
function reportedOnce(errors: string[], message: string): void {
  const about = errors.filter((e) => e.includes(message.slice(0, message.indexOf(". "))));
  expect(about).toHaveLength(1);
  expect(about[0]!.replace(/^error serializing property "\w+": /, "")).toBe(message);
}

/** What every failed preview must hold: no stack trace and no secret in what the user sees. */
function plainAndSecretFree(errors: string[]): void {
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) {
    expect(e).not.toMatch(/\n\s+at /);
    expect(e).not.toContain(ctx.env.IMMYBOT_CLIENT_SECRET);
  }
}

describe("a failed lookup, with the debugger on as the language host has it", () => {
  it("with every name right, the program previews a create of each resource (nothing else makes it fail)", async () => {
    const { steps } = await engineFor({ tenant: "Contoso", sessions: 2 }).preview(PROGRAM);
    expect(steps.map((s) => `${s.op} ${s.name}`).sort()).toEqual(["create 7zip-everywhere", "create 7zip-now-0", "create 7zip-now-1", "create canary-nightly"]);
  });

  it("an unknown tenant feeding a computer lookup, a session and the stack outputs fails the preview at once, saying so once", async () => {
    const { errors, cpuMs } = await failedPreview({ tenant: "Contso", sessions: 1 });
    reportedOnce(errors, NO_TENANT);
    plainAndSecretFree(errors);
    expect(cpuMs).toBeLessThan(CPU_BOUND_MS);
  });

  it("the same with 50 sessions depending on it", async () => {
    const { errors, cpuMs } = await failedPreview({ tenant: "Contso", sessions: 50 });
    reportedOnce(errors, NO_TENANT);
    plainAndSecretFree(errors);
    expect(cpuMs).toBeLessThan(CPU_BOUND_MS);
  });

  it("two failed lookups (the tenant, and the tag of a schedule) are each reported once", async () => {
    const { errors, cpuMs } = await failedPreview({ tenant: "Contso", tag: "Canry", sessions: 50 });
    reportedOnce(errors, NO_TENANT);
    reportedOnce(errors, NO_TAG);
    plainAndSecretFree(errors);
    expect(cpuMs).toBeLessThan(CPU_BOUND_MS);
  });
});
