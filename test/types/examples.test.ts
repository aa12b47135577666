import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";

const REPO = resolve(__dirname, "../..");

it.each(["quickstart", "policy-repo", "policy-pack"])("examples/%s typechecks against the built SDK, as a user's program would import it", (example) => {
  const dir = join(REPO, "examples", example);
  // What `npm start` does (git-ignored): the example imports this checkout as an installed package.
  (createRequire(__filename)(join(REPO, "dist/scripts/quickstart.js")) as typeof import("../../scripts/quickstart")).linkPackage(dir);
  const tsc = createRequire(__filename).resolve("typescript/bin/tsc");
  // Throws (failing the test) with tsc's diagnostics when an argument name or type in the example is wrong.
  const out = execFileSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json"), "--noEmit"], { encoding: "utf8" });
  expect(out).toBe("");
}, 90_000); // tsc is CPU-bound (about 2 s per example on an idle 2-core machine): a loaded machine gets more time
