import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";

it("the generated JSON Schema and README tables match the documented interfaces", () => {
  // Exits 1 with the stale files named when someone changed a field's TSDoc without `npm run docs`.
  const out = execFileSync(process.execPath, [join(__dirname, "../../scripts/gen-docs.mjs"), "--check"], { encoding: "utf8" });
  expect(out).toContain("docs up to date");
});
