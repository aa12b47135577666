/**
 * The committed generated files match the code they are generated from (each run builds TypeScript programs, a few
 * seconds of CPU): the reference docs (README.md and docs/: tables, summaries, error codes, settings, the command's
 * help, a page per resource and function) and the policy schema.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { useTempDir } from "../helpers/temp-dir";

const REPO = join(__dirname, "../..");
/** Each check is CPU-bound (about 10 s on an idle 2-core machine): a loaded machine gets more time, not a failure. */
const CPU_BOUND_TIMEOUT_MS = 180_000;
const GEN = join(REPO, "scripts/gen-docs.mjs");
const tmp = useTempDir("immybot-docs-");

// gen-docs takes some 13 s of CPU: one --check and one run cover both the committed docs and the failure paths.
it("the committed docs match the code (npm run docs): in a copy, --check names exactly an edited table and a missing page, and an unknown block; a run puts the first two right and keeps the prose", () => {
  const root = tmp("copy");
  mkdirSync(root, { recursive: true });
  cpSync(join(REPO, "README.md"), join(root, "README.md"));
  cpSync(join(REPO, "docs"), join(root, "docs"), { recursive: true });
  const schedule = join(root, "docs/resources/schedule.md");
  const original = readFileSync(schedule, "utf8");
  expect(original).toContain("| `timeZone` |");
  writeFileSync(schedule, original.replace("| `timeZone` |", "| `timezone` |") + "\nProse of my own.\n");
  rmSync(join(root, "docs/functions/get-tag.md"));
  const troubleshooting = join(root, "docs/troubleshooting.md");
  const unknown = "<!-- BEGIN GENERATED:getNothing (scripts/gen-docs.mjs; do not edit) -->\nx\n<!-- END GENERATED:getNothing -->\n";
  writeFileSync(troubleshooting, readFileSync(troubleshooting, "utf8") + unknown);

  const checked = spawnSync(process.execPath, [GEN, "--check", "--docs-root", root], { encoding: "utf8" });
  expect(checked.status, checked.stdout).toBe(1);
  // Exactly the two pages changed here: every other page of the copy, the committed docs, is up to date (when someone
  // changed a field's TSDoc, an error code or a setting without `npm run docs`, that page is named here too).
  const stale = /Generated docs are stale: (.*)\. Run `npm run docs`\./.exec(checked.stderr)?.[1]?.split(", ");
  expect(stale?.map((f) => f.replace(/^.*?(docs\/)/, "$1")).sort()).toEqual(["docs/functions/get-tag.md", "docs/resources/schedule.md"]);
  expect(checked.stderr).toContain("docs/troubleshooting.md: the generated block getNothing is not one the generator makes");
  expect(existsSync(join(root, "docs/functions/get-tag.md")), "--check wrote a file").toBe(false);

  writeFileSync(troubleshooting, readFileSync(troubleshooting, "utf8").replace(unknown, ""));
  const written = spawnSync(process.execPath, [GEN, "--docs-root", root], { encoding: "utf8" });
  expect(written.status, written.stderr).toBe(0);
  expect(readFileSync(schedule, "utf8")).toBe(`${original}\nProse of my own.\n`);
  // The page made anew holds the same generated blocks as the committed page.
  const blocks = (text: string) => text.match(/<!-- BEGIN GENERATED:[\s\S]*?<!-- END GENERATED:[^>]*-->/g);
  const made = blocks(readFileSync(join(root, "docs/functions/get-tag.md"), "utf8"));
  expect(made?.length).toBe(3);
  expect(made).toEqual(blocks(readFileSync(join(REPO, "docs/functions/get-tag.md"), "utf8")));
}, CPU_BOUND_TIMEOUT_MS);

it("the committed policy schema matches the documented interfaces (npm run schema)", () => {
  // Exits 1 naming the file when someone changed the policy format or its TSDoc without `npm run schema`.
  const out = execFileSync(process.execPath, [join(REPO, "scripts/gen-policy-schema.mjs"), "--check"], { encoding: "utf8" });
  expect(out).toContain("policy schema up to date");
}, CPU_BOUND_TIMEOUT_MS);
