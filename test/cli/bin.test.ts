/**
 * The `pulumi-immybot` command as users run it: the built bin (`dist/cli/index.js`, what package.json's `bin`
 * names) in a child process. Its subcommands have their own tests; this one covers the dispatcher.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const REPO = resolve(__dirname, "../..");
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string; bin: Record<string, string> };
const BIN = join(REPO, pkg.bin["pulumi-immybot"]);

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("pulumi-immybot", () => {
  it("is the package's only bin, and the built file starts with a node shebang", () => {
    expect(Object.keys(pkg.bin)).toEqual(["pulumi-immybot"]);
    expect(readFileSync(BIN, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
  });

  it("--help lists the commands and the exit codes, exit 0", () => {
    const r = run("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: pulumi-immybot <command>/);
    expect(r.stdout).toMatch(/^ {2}sandbox +start the ImmyBot API emulator/m);
    expect(r.stdout).toContain("Exit codes: 0 done; 1 done and found what you asked to fail on; 2 wrong command line; 3 could not finish.");
  });

  it("without a command prints the overview on stderr, exit 2", () => {
    const r = run();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^Usage: pulumi-immybot <command>/);
  });

  it("an unknown command names the nearest one, exit 2", () => {
    const r = run("sandbx");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pulumi-immybot: unknown command "sandbx"; did you mean "sandbox"\?/);
  });

  it("--version prints package.json's version", () => {
    const r = run("--version");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("<command> --help prints that command's usage and starts nothing, exit 0", () => {
    const r = run("sandbox", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: pulumi-immybot sandbox \[options\]/);
    expect(r.stdout).toContain("--exit-on-stdin-close");
  });

  it("a command's usage error is its own exit 2 with its usage", () => {
    const r = run("sandbox", "--port", "many");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port needs a number, got "many"');
    expect(r.stderr).toContain("Usage: pulumi-immybot sandbox");
  });
});
