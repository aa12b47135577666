/**
 * scripts/summary.mjs, CI's last word: on the JSON results of a real vitest run over probe files, only the Pulumi
 * CLI test may be skipped; any other skip (it.skip, it.todo, tests skipped because a beforeAll hook failed) is
 * named and counted as failed, as is a file that fails outside its tests; the last line is always the counts.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempDir } from "../helpers/temp-dir";

const REPO = join(__dirname, "../..");
const VITEST = join(REPO, "node_modules/vitest/vitest.mjs");
const SUMMARY = join(REPO, "scripts/summary.mjs");
const CLI_TITLE = "goes up (skipped: no `pulumi` CLI on PATH; install it to run this test, see README)";

const tmp = useTempDir("summary-");

/** Runs vitest (globals, no config) over `files` in a fresh directory, then the summary there. */
function summarize(name: string, files: Record<string, string>): { status: number | null; lines: string[] } {
  const root = tmp(name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const run = spawnSync(process.execPath, [VITEST, "run", "--root", root, "--globals", "--reporter=json", "--outputFile=results.json"], { cwd: root, encoding: "utf8" });
  expect(run.error).toBeUndefined();
  const summary = spawnSync(process.execPath, [SUMMARY, "results.json"], { cwd: root, encoding: "utf8" });
  return { status: summary.status, lines: summary.stdout.trim().split("\n") };
}

const cliSkipped = `describe("the quickstart with the real Pulumi CLI", () => { it.skip(${JSON.stringify(CLI_TITLE)}, () => undefined); });\n`;

describe("scripts/summary.mjs", () => {
  it("passes a run whose only skip is the Pulumi CLI test", () => {
    const { status, lines } = summarize("green", { "test/cli/quickstart.test.ts": cliSkipped, "test/a.test.ts": 'it("adds", () => expect(1 + 1).toBe(2));\n' });
    expect(lines).toEqual(["1 passed, 0 failed, 1 skipped"]);
    expect(status).toBe(0);
  });

  it("names every other skip and counts it failed: it.skip, it.todo, tests a failed beforeAll skipped; and files failing outside their tests", () => {
    const { status, lines } = summarize("red", {
      "test/cli/quickstart.test.ts": cliSkipped,
      "test/hook.test.ts": 'describe("hooked", () => { beforeAll(() => { throw new Error("no sandbox"); }); it("runs", () => expect(1).toBe(1)); });\n',
      "test/skips.test.ts": 'it("passes", () => expect(1).toBe(1)); it.skip("later", () => undefined); it.todo("someday");\n',
      "test/import.test.ts": 'throw new Error("cannot load"); it("never", () => undefined);\n',
      "test/after.test.ts": 'describe("cleanup", () => { afterAll(() => { throw new Error("stuck"); }); it("runs", () => expect(1).toBe(1)); });\n',
    });
    expect(status).toBe(1);
    expect(lines.at(-1)).toBe("2 passed, 5 failed, 1 skipped");
    expect(lines.slice(0, -1).sort()).toEqual([
      "summary: test/after.test.ts failed outside its tests (an afterAll hook?): see vitest's output above",
      "summary: test/import.test.ts failed outside its tests: cannot load",
      "summary: unexpected skip, counted as failed: test/hook.test.ts > hooked > runs (it.skip, a skipIf, or a failed beforeAll hook: see vitest's output above)",
      "summary: unexpected skip, counted as failed: test/skips.test.ts > later (it.skip or a skipIf)",
      "summary: unexpected skip, counted as failed: test/skips.test.ts > someday (it.todo)",
    ]);
  });

  it("fails when the results are missing or no test passed", () => {
    const missing = spawnSync(process.execPath, [SUMMARY, tmp("none.json")], { encoding: "utf8" });
    expect(missing.status).toBe(1);
    expect(missing.stdout.trim().split("\n").at(-1)).toBe("0 passed, 1 failed, 0 skipped");
    const { status, lines } = summarize("empty", { "test/cli/quickstart.test.ts": cliSkipped });
    expect(lines).toEqual(["summary: no test passed", "0 passed, 0 failed, 1 skipped"]);
    expect(status).toBe(1);
  });
});
