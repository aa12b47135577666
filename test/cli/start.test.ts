/**
 * `npm start` finds out that the Pulumi CLI is missing before it compiles anything: its first step is the plain
 * JavaScript check scripts/pulumi-cli.cjs, which says how to install the CLI and stops. The machine's own `pulumi`
 * (if any) is kept off PATH: the commands run with a PATH of node, npm and sh only, or with a stand-in `pulumi`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempDir } from "../helpers/temp-dir";

const REPO = resolve(__dirname, "../..");
const PREFLIGHT = join(REPO, "scripts/pulumi-cli.cjs");
const { MISSING_CLI } = createRequire(__filename)(PREFLIGHT) as { MISSING_CLI: string };
const tmp = useTempDir("immybot-start-");

/** A directory holding only `node`, `npm` and `sh` (npm runs scripts with it), and `pulumi` when given a script for it: for PATH. */
function binDir(name: string, pulumi?: string): string {
  const dir = tmp(name);
  mkdirSync(dir);
  symlinkSync(process.execPath, join(dir, "node"));
  const npmCli = process.env.npm_execpath ?? realpathSync(execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim());
  symlinkSync(npmCli, join(dir, "npm"));
  symlinkSync(realpathSync(execFileSync("sh", ["-c", "command -v sh"], { encoding: "utf8" }).trim()), join(dir, "sh"));
  if (pulumi !== undefined) {
    writeFileSync(join(dir, "pulumi"), `#!/bin/sh\n${pulumi}\n`);
    chmodSync(join(dir, "pulumi"), 0o755);
  }
  return dir;
}

function run(command: string, args: string[], path: string) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const r = spawnSync(command, args, { cwd: REPO, env: { ...env, PATH: path, NO_UPDATE_NOTIFIER: "1" }, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm start without the Pulumi CLI", () => {
  it("checks for the CLI first, in plain JavaScript, and builds only after it", () => {
    const scripts = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const steps = scripts.start!.split("&&").map((s) => s.trim());
    expect(steps[0]).toBe("node scripts/pulumi-cli.cjs");
    expect(steps.findIndex((s) => s.startsWith("npm run build"))).toBeGreaterThan(0);
  });

  it("says how to install the CLI and stops with exit 1", () => {
    const bin = binDir("without");
    const r = run(join(bin, "npm"), ["start"], bin);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(MISSING_CLI);
    expect(r.stderr).toContain("https://www.pulumi.com/docs/install/");
  }, 120_000);

  it("goes on when `pulumi version` works (a stand-in CLI), and stops when it fails", () => {
    const ok = run(process.execPath, [PREFLIGHT], binDir("with", "exit 0"));
    expect(ok).toMatchObject({ code: 0, stdout: "", stderr: "" });
    const broken = run(process.execPath, [PREFLIGHT], binDir("broken", "exit 3"));
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(MISSING_CLI);
  });
});
