#!/usr/bin/env node
// `npm start`'s first step: is the Pulumi CLI installed? Plain JavaScript, so it runs before anything is compiled and
// a missing CLI is reported at once (the build that follows takes half a minute). scripts/quickstart.ts uses the
// same check and message when the quickstart runs.
const { spawnSync } = require("node:child_process");

/** True when `pulumi version` runs. */
function hasPulumiCli() {
  return spawnSync("pulumi", ["version"], { encoding: "utf8" }).status === 0;
}

const MISSING_CLI = [
  "npm start runs examples/quickstart with the Pulumi CLI, which is not installed here.",
  "Install the Pulumi CLI (https://www.pulumi.com/docs/install/): `curl -fsSL https://get.pulumi.com | sh`, or `brew install pulumi/tap/pulumi`.",
  "Then run `npm start` again. Everything else works without it: `npm test` drives Pulumi's own provider host directly,",
  "and `npm run sandbox` starts the ImmyBot API emulator on its own.",
].join("\n");

module.exports = { hasPulumiCli, MISSING_CLI };

if (require.main === module && !hasPulumiCli()) {
  console.error(MISSING_CLI);
  process.exit(1);
}
