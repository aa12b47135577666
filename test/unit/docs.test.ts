/**
 * The configuration page's settings table (docs/configuration.md). That every generated block and page is up to
 * date (driven by TypeScript, slow) is checked in test/types/generated.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { settingDefaults, settingKeys } from "../../provider/client/settings";

const page = readFileSync(join(__dirname, "../../docs/configuration.md"), "utf8");
const start = page.indexOf("## Settings");
const section = page.slice(start, page.indexOf("\n## ", start + 1));
const rows = [...section.matchAll(/^\| `immybot:(\w+)`[^|]*\| `(IMMYBOT_\w+)` \| ([^|]*) \| ([^|]*) \|$/gm)];

it("docs/configuration.md lists every provider setting with its environment variable, and nothing else", () => {
  expect(start).toBeGreaterThanOrEqual(0);
  const settings = Object.entries(settingKeys).map(([key, spec]) => [key, spec.env]);
  expect(rows.map((m) => [m[1], m[2]]).sort()).toEqual(settings.sort());
});

it("gives each setting's default and says what it is for", () => {
  expect(rows.length).toBe(Object.keys(settingKeys).length);
  for (const [, key, , def, what] of rows) {
    const expected = (settingDefaults as Record<string, unknown>)[key!];
    expect(def!.trim(), key).toBe(expected === undefined ? "" : `\`${String(expected)}\``);
    expect(what!.trim().length, key).toBeGreaterThan(20);
  }
});
