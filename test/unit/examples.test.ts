import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";

const REPO = resolve(__dirname, "../..");

it.each(["quickstart", "policy-repo"])("examples/%s typechecks against the built SDK, as a user's program would import it", (example) => {
  const dir = join(REPO, "examples", example);
  const link = join(dir, "node_modules", "pulumi-immybot"); // what `npm start` creates (git-ignored)
  if (!existsSync(link)) {
    mkdirSync(join(dir, "node_modules"), { recursive: true });
    try {
      symlinkSync(REPO, link, "dir");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e; // another test file linked it meanwhile
    }
  }
  const tsc = createRequire(__filename).resolve("typescript/bin/tsc");
  // Throws (failing the test) with tsc's diagnostics when an argument name or type in the example is wrong.
  const out = execFileSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json"), "--noEmit"], { encoding: "utf8" });
  expect(out).toBe("");
});
