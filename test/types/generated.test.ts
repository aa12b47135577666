/**
 * The committed generated files match the documented TypeScript interfaces they are generated from (each check
 * builds a TypeScript program through typescript-json-schema, a few seconds of CPU each).
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";

const REPO = join(__dirname, "../..");
/** Each check is CPU-bound (about 5 s on an idle 2-core machine): a loaded machine gets more time, not a failure. */
const CPU_BOUND_TIMEOUT_MS = 90_000;

it("the generated JSON Schema and README tables match the documented interfaces (npm run docs)", () => {
  // Exits 1 with the stale files named when someone changed a field's TSDoc without `npm run docs`.
  const out = execFileSync(process.execPath, [join(REPO, "scripts/gen-docs.mjs"), "--check"], { encoding: "utf8" });
  expect(out).toContain("docs up to date");
}, CPU_BOUND_TIMEOUT_MS);

it("the committed policy schema matches the documented interfaces (npm run schema)", () => {
  // Exits 1 naming the file when someone changed the policy format or its TSDoc without `npm run schema`.
  const out = execFileSync(process.execPath, [join(REPO, "scripts/gen-policy-schema.mjs"), "--check"], { encoding: "utf8" });
  expect(out).toContain("policy schema up to date");
}, CPU_BOUND_TIMEOUT_MS);
