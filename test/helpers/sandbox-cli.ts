/**
 * The sandbox's CLI (`pulumi-immybot sandbox`, built: `dist/cli/index.js sandbox`) as a child process in tests: the compiled CLI is what users run, so the
 * tests start it with `node` rather than through ts-node. dist/ is built first when it is missing or older than a
 * sandbox source, every child still running after a test is killed, and the first stdout line (the connection
 * details as one JSON line) is read for the caller.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, beforeAll, expect } from "vitest";
import type { SandboxInfo } from "../../sandbox/server";

const REPO = resolve(__dirname, "../..");
const CLI = join(REPO, "dist/cli/index.js");
const SOURCES = join(REPO, "sandbox");

/** A running (or exited) CLI process. */
export interface CliProcess {
  child: ChildProcess;
  /** The exit code; null when a signal ended it. */
  exit: Promise<number | null>;
  /** The next stdout line; fails the test when stdout has ended. */
  nextLine: () => Promise<string>;
  /** All stderr so far. */
  stderr: () => string;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
}

/** A CLI process whose first line (the connection details) has been read. */
export interface StartedCli extends CliProcess {
  info: SandboxInfo;
}

export interface SandboxCli {
  /** Spawns the CLI and reads nothing: for runs that are meant to fail, or that read stdout themselves. */
  launch(args: string[]): CliProcess;
  /** Spawns the CLI and waits for its connection details. */
  start(args: string[]): Promise<StartedCli>;
}

/**
 * Registers the hooks of a `describe` block that runs the CLI: builds dist/ when it is stale (`npm test` builds
 * first anyway; a direct `vitest run` of one file must not test old code) and kills leftover children after each
 * test, so a failing test does not leave a server running.
 */
export function useSandboxCli(): SandboxCli {
  const children: ChildProcess[] = [];

  beforeAll(() => {
    if (!isStale()) return;
    try {
      execFileSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: REPO, stdio: "pipe" });
    } catch {
      // tsc still emits when another part of the tree has type errors; what matters is that the CLI exists.
    }
    expect(existsSync(CLI)).toBe(true);
  }, 120_000);

  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  });

  function launch(args: string[]): CliProcess {
    // stdin is a pipe so that a test can close it (--exit-on-stdin-close); the CLI reads it only with that flag.
    const child = spawn(process.execPath, [CLI, "sandbox", ...args], { cwd: REPO, stdio: ["pipe", "pipe", "pipe"] });
    children.push(child);
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    // Read from the start, so that no line is lost before the test asks for it.
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    return {
      child,
      exit,
      nextLine: async () => {
        const next = await lines.next();
        expect(next.done).toBeFalsy();
        return next.value as string;
      },
      stderr: () => stderr,
      stop: () => {
        child.kill("SIGTERM");
        return exit;
      },
    };
  }

  async function start(args: string[]): Promise<StartedCli> {
    const cli = launch(args);
    return { ...cli, info: JSON.parse(await cli.nextLine()) as SandboxInfo };
  }

  return { launch, start };
}

/** The CLI is missing, or older than a sandbox source (the built-in seed JSON included). */
function isStale(): boolean {
  const sources = [SOURCES, join(REPO, "cli")].flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith(".ts") || f.endsWith(".json")).map((f) => join(dir, f)));
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  return !existsSync(CLI) || statSync(CLI).mtimeMs < newest;
}
