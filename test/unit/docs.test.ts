/** The README's configuration table. That the generated docs are up to date (driven by TypeScript, slow) is checked in test/types/generated.test.ts. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { settingKeys } from "../../provider/client/settings";

it("the README's configuration table lists every provider setting with its environment variable, and nothing else", () => {
  const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("\n## ", readme.indexOf("## Configuration") + 1));
  const rows = [...section.matchAll(/^\| `immybot:(\w+)`[^|]*\| `(IMMYBOT_\w+)` \|/gm)].map((m) => [m[1], m[2]]);
  const settings = Object.entries(settingKeys).map(([key, spec]) => [key, spec.env]);
  expect(rows.sort()).toEqual(settings.sort());
});
