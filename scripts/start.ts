/**
 * `npm start`: the quickstart against a local sandbox. Starts the sandbox, then runs examples/quickstart with the
 * Pulumi CLI on a local file backend (no Pulumi Cloud account; a generated passphrase), prints the outputs and
 * where the sandbox runs. Without the CLI it says how to install it and stops (exit code 1, no stack trace).
 */
import { join } from "node:path";
import { Sandbox } from "../sandbox/server";
import { MISSING_CLI, QUICKSTART_SESSION_TIME_SCALE, REPO, hasPulumiCli, linkPackage, pulumi, stackEnv } from "./quickstart";

async function main(): Promise<number> {
  // `npm start` checked already (scripts/pulumi-cli.cjs, before the build); this is for `node dist/scripts/start.js`.
  if (!hasPulumiCli()) {
    console.error(MISSING_CLI);
    return 1;
  }
  const stateDir = join(REPO, ".pulumi-state");
  linkPackage();
  const sandbox = await Sandbox.start({ port: 0, stateFile: join(stateDir, "sandbox.json"), sessionTimeScale: QUICKSTART_SESSION_TIME_SCALE });
  try {
    console.log(`ImmyBot sandbox: ${sandbox.info.baseUrl}`);
    const env = stackEnv(stateDir, sandbox.info);
    if (pulumi(["stack", "select", "--create", "dev"], env).status !== 0) return 1;
    if (pulumi(["up", "--yes", "--skip-preview"], env).status !== 0) return 1;
    pulumi(["stack", "output"], env);
    console.log(`\nThe sandbox ran at ${sandbox.info.baseUrl}; its state is in ${join(stateDir, "sandbox.json")}.`);
    console.log("Run `npm start` again and nothing changes: the sandbox keeps its state, and so does the stack.");
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
