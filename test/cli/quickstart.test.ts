/**
 * examples/quickstart with the real Pulumi CLI (up, refresh with no changes, destroy) against a sandbox, run
 * exactly as `npm start` runs it. Needs `pulumi` on PATH; without it the test is skipped and says why (the CLI
 * downloads its binary on install, which this project's CI machine cannot do).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { afterAll, describe, expect, it } from "vitest";
import { Sandbox } from "../../sandbox/server";

const require = createRequire(__filename);
// Built code, like `npm start` runs it.
const quickstart = require("../../dist/scripts/quickstart.js") as typeof import("../../scripts/quickstart");
const cli = quickstart.hasPulumiCli();
const why = cli ? "" : " (skipped: no `pulumi` CLI on PATH; install it to run this test, see README)";

describe("the quickstart with the real Pulumi CLI", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it.skipIf(!cli)(`goes up, refreshes without changes, and is destroyed${why}`, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "immybot-cli-"));
    dirs.push(stateDir);
    quickstart.linkPackage();
    const sandbox = await Sandbox.start({ port: 0, sessionTimeScale: quickstart.QUICKSTART_SESSION_TIME_SCALE });
    try {
      const env = quickstart.stackEnv(stateDir, sandbox.info);
      const run = (...args: string[]) => {
        const r = quickstart.pulumi([...args, "--non-interactive"], env, { capture: true });
        expect(r.status, `pulumi ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`).toBe(0);
        return r.stdout;
      };
      run("stack", "select", "--create", "cli-test");
      run("up", "--yes", "--skip-preview");
      const outputs = JSON.parse(run("stack", "output", "--json"));
      expect(outputs).toMatchObject({ runResult: "Succeeded", runStatusCounts: { Passed: 1 } });
      expect(sandbox.schedules()).toHaveLength(1);
      expect(sandbox.deployments()).toHaveLength(1);
      expect(sandbox.sessions()).toHaveLength(1);

      run("refresh", "--yes", "--expect-no-changes");
      run("preview", "--expect-no-changes");
      sandbox.clearRequests();
      run("up", "--yes", "--expect-no-changes");
      expect(sandbox.requests.filter((r) => r.method !== "GET" && r.path.startsWith("/api/"))).toEqual([]);

      run("destroy", "--yes");
      expect(sandbox.schedules()).toEqual([]);
      expect(sandbox.deployments()).toEqual([]);
      run("stack", "rm", "--yes", "cli-test");
    } finally {
      await sandbox.stop();
    }
  }, 300_000);
});
