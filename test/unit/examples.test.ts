import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";

const REPO = resolve(__dirname, "../..");

it("examples/quickstart typechecks against the built SDK, as a user's program would import it", () => {
  const dir = join(REPO, "examples/quickstart");
  const link = join(dir, "node_modules", "pulumi-immybot"); // what `npm start` creates (git-ignored)
  if (!existsSync(link)) {
    mkdirSync(join(dir, "node_modules"), { recursive: true });
    symlinkSync(REPO, link, "dir");
  }
  const tsc = createRequire(__filename).resolve("typescript/bin/tsc");
  // Throws (failing the test) with tsc's diagnostics when an argument name or type in the example is wrong.
  const out = execFileSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json"), "--noEmit"], { encoding: "utf8" });
  expect(out).toBe("");
});
