/**
 * `npm start`: the quickstart against a local sandbox. Starts the sandbox, then runs examples/quickstart with the
 * Pulumi CLI on a local file backend (no Pulumi Cloud account; a generated passphrase), prints the outputs and
 * where the sandbox runs. Without the CLI it says how to install it and stops (exit code 1, no stack trace).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Sandbox } from "../sandbox/server";

const REPO = resolve(__dirname, "../..");
const EXAMPLE = join(REPO, "examples/quickstart");

function hasPulumiCli(): boolean {
  const r = spawnSync("pulumi", ["version"], { encoding: "utf8" });
  return r.status === 0;
}

function pulumi(args: string[], env: NodeJS.ProcessEnv): number {
  const r = spawnSync("pulumi", args, { cwd: EXAMPLE, env, stdio: "inherit" });
  return r.status ?? 1;
}

/** The local stack's passphrase: generated once and kept beside the state, so the next run can read it. */
function passphrase(stateDir: string): string {
  const file = join(stateDir, "passphrase");
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString("hex"), { mode: 0o600 });
  return readFileSync(file, "utf8").trim();
}

async function main(): Promise<number> {
  if (!hasPulumiCli()) {
    console.error(
      [
        "npm start runs examples/quickstart with the Pulumi CLI, which is not installed here.",
        "Install it (https://www.pulumi.com/docs/install/): `curl -fsSL https://get.pulumi.com | sh`, or `brew install pulumi/tap/pulumi`,",
        "then run `npm start` again. Everything else works without it: `npm test` drives Pulumi's own provider host directly,",
        "and `npm run sandbox` starts the ImmyBot API emulator on its own.",
      ].join("\n"),
    );
    return 1;
  }
  const stateDir = join(REPO, ".pulumi-state");
  mkdirSync(stateDir, { recursive: true });
  // The program imports "pulumi-immybot"; link this checkout where an installed package would be.
  const link = join(EXAMPLE, "node_modules", "pulumi-immybot");
  if (!existsSync(link)) {
    mkdirSync(join(EXAMPLE, "node_modules"), { recursive: true });
    symlinkSync(REPO, link, "dir");
  }
  const sandbox = await Sandbox.start({ port: 0, stateFile: join(stateDir, "sandbox.json") });
  try {
    const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
    console.log(`ImmyBot sandbox: ${baseUrl}`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? passphrase(stateDir),
      IMMYBOT_BASE_URL: baseUrl,
      IMMYBOT_TOKEN_URL: tokenUrl,
      IMMYBOT_CLIENT_ID: clientId,
      IMMYBOT_CLIENT_SECRET: clientSecret,
    };
    if (pulumi(["stack", "select", "--create", "dev"], env) !== 0) return 1;
    if (pulumi(["up", "--yes", "--skip-preview"], env) !== 0) return 1;
    pulumi(["stack", "output"], env);
    console.log(`\nThe sandbox ran at ${baseUrl}; its state is in ${join(stateDir, "sandbox.json")}.`);
    return 0;
  } finally {
    await sandbox.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`npm start failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
