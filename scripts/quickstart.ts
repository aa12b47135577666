/**
 * Running examples/quickstart with the Pulumi CLI against a sandbox: shared by `npm start` (scripts/start.ts) and the
 * CLI test (test/cli), so both run it exactly the same way.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { SandboxInfo } from "../sandbox/server";

export const REPO = resolve(__dirname, "../..");
export const QUICKSTART = join(REPO, "examples/quickstart");

/** Sessions run this many times faster than real ones in the quickstart's sandbox (a run takes seconds). */
export const QUICKSTART_SESSION_TIME_SCALE = 10;

/** The check `npm start` runs before it builds anything (scripts/pulumi-cli.cjs: plain JavaScript). */
const cliCheck = require(join(REPO, "scripts/pulumi-cli.cjs")) as { hasPulumiCli(): boolean; MISSING_CLI: string };
export const hasPulumiCli = cliCheck.hasPulumiCli;
/** What `npm start` says when the Pulumi CLI is missing, and how to install it. */
export const MISSING_CLI = cliCheck.MISSING_CLI;

/** The program imports "pulumi-immybot": link this checkout where an installed package would be (git-ignored). */
export function linkPackage(exampleDir: string = QUICKSTART): void {
  const link = join(exampleDir, "node_modules", "pulumi-immybot");
  if (existsSync(link)) return;
  mkdirSync(join(exampleDir, "node_modules"), { recursive: true });
  try {
    symlinkSync(REPO, link, "dir");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e; // linked meanwhile by another process (parallel tests)
  }
}

/** The local stack's passphrase: generated once and kept beside the state, so the next run can read it. */
function passphrase(stateDir: string): string {
  const file = join(stateDir, "passphrase");
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString("hex"), { mode: 0o600 });
  return readFileSync(file, "utf8").trim();
}

/** Environment for the CLI: a local file backend in `stateDir` (no Pulumi Cloud account) and the sandbox's credentials. */
export function stackEnv(stateDir: string, sandbox: SandboxInfo): NodeJS.ProcessEnv {
  mkdirSync(stateDir, { recursive: true });
  return {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? passphrase(stateDir),
    IMMYBOT_BASE_URL: sandbox.baseUrl,
    IMMYBOT_TOKEN_URL: sandbox.tokenUrl,
    IMMYBOT_CLIENT_ID: sandbox.clientId,
    IMMYBOT_CLIENT_SECRET: sandbox.clientSecret,
  };
}

/** Runs `pulumi <args>` in the example; output to the terminal unless `capture`. */
export function pulumi(args: string[], env: NodeJS.ProcessEnv, options: { cwd?: string; capture?: boolean } = {}): SpawnSyncReturns<string> {
  return spawnSync("pulumi", args, { cwd: options.cwd ?? QUICKSTART, env, encoding: "utf8", stdio: options.capture ? "pipe" : "inherit" });
}
