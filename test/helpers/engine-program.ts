/**
 * The engine harness's program side (test/helpers/engine.ts): loading a program (a function, or a module with its
 * Pulumi.yaml) and running it with its environment, as the Node language host would.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve, sep } from "node:path";
import { REPO } from "./host";

const nodeRequire = createRequire(__filename);

/** A function declaring resources (its return value: the stack outputs), or the path of a program module. */
export type Program = (() => unknown) | string;

/** The program as a function, with the project name and directory of a module program. */
export function loadProgram(program: Program): { fn: () => unknown; project?: string; cwd?: string } {
  if (typeof program === "function") return { fn: program };
  const file = nodeRequire.resolve(resolve(program));
  const dir = dirname(file);
  linkPackage(dir);
  if (file.endsWith(".ts")) registerTsNode();
  const sdkPulumi = nodeRequire.resolve("@pulumi/pulumi", { paths: [dir] });
  if (sdkPulumi !== nodeRequire.resolve("@pulumi/pulumi")) {
    throw new Error(`${dir} resolves @pulumi/pulumi to ${sdkPulumi}, not the harness's copy: mocks would not apply`);
  }
  const yaml = join(findProjectDir(dir), "Pulumi.yaml");
  const project = existsSync(yaml) ? /^name:\s*(\S+)/m.exec(readFileSync(yaml, "utf8"))?.[1] : undefined;
  return {
    project,
    cwd: findProjectDir(dir),
    fn: async () => {
      // A fresh load of the program's own files each run (the SDK and its packages stay loaded: one @pulumi/pulumi).
      for (const k of Object.keys(nodeRequire.cache)) {
        if (k.startsWith(dir + sep) && !k.includes(`${sep}node_modules${sep}`)) delete nodeRequire.cache[k];
      }
      const exported = nodeRequire(file);
      // As the Node language host does: a default-exported function is called, its result is the stack outputs.
      const main = typeof exported === "function" ? exported : typeof exported?.default === "function" ? exported.default : undefined;
      return main ? await main() : exported;
    },
  };
}

function findProjectDir(dir: string): string {
  for (let d = dir; d !== dirname(d); d = dirname(d)) if (existsSync(join(d, "Pulumi.yaml"))) return d;
  return dir;
}

/** `pulumi-immybot` resolves from an example to this checkout, as `npm start` links it (node_modules is ignored). */
function linkPackage(dir: string): void {
  const project = findProjectDir(dir);
  if (!project.startsWith(join(REPO, "examples") + sep)) return;
  (nodeRequire(join(REPO, "dist/scripts/quickstart.js")) as typeof import("../../scripts/quickstart")).linkPackage(project);
}

let tsNodeRegistered = false;
function registerTsNode(): void {
  if (tsNodeRegistered) return;
  nodeRequire("ts-node").register({
    transpileOnly: true,
    skipProject: true,
    compilerOptions: { module: "commonjs", target: "ES2022", moduleResolution: "node", esModuleInterop: true },
  });
  tsNodeRegistered = true;
}

/**
 * Runs `body` with the program's environment variables and working directory, and with unhandled rejections
 * reported as program errors (the Node language host logs them as errors; the test runner would fail the file).
 */
export async function withProgramEnvironment(opts: { env: Record<string, string>; cwd?: string; onRejection: (reason: unknown) => void }, body: () => Promise<void>): Promise<void> {
  const savedEnv = Object.fromEntries(Object.keys(opts.env).map((k) => [k, process.env[k]]));
  const savedCwd = process.cwd();
  const listeners = process.listeners("unhandledRejection");
  const onRejection = opts.onRejection;
  Object.assign(process.env, opts.env);
  if (opts.cwd) process.chdir(opts.cwd);
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", onRejection);
  try {
    await body();
    // Rejections of outputs nobody awaited surface after the microtasks; give them a turn of the event loop.
    await new Promise((r) => setTimeout(r, 10));
  } finally {
    process.removeListener("unhandledRejection", onRejection);
    for (const l of listeners) process.on("unhandledRejection", l as (...args: unknown[]) => void);
    if (opts.cwd) process.chdir(savedCwd);
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

