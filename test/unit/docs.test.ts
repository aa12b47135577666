import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { settingKeys } from "../../provider/client/settings";

it("the generated JSON Schema and README tables match the documented interfaces", () => {
  // Exits 1 with the stale files named when someone changed a field's TSDoc without `npm run docs`.
  const out = execFileSync(process.execPath, [join(__dirname, "../../scripts/gen-docs.mjs"), "--check"], { encoding: "utf8" });
  expect(out).toContain("docs up to date");
});

it("the README's configuration table lists every provider setting with its environment variable, and nothing else", () => {
  const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("\n## ", readme.indexOf("## Configuration") + 1));
  const rows = [...section.matchAll(/^\| `immybot:(\w+)`[^|]*\| `(IMMYBOT_\w+)` \|/gm)].map((m) => [m[1], m[2]]);
  const settings = Object.entries(settingKeys).map(([key, spec]) => [key, spec.env]);
  expect(rows.sort()).toEqual(settings.sort());
});
