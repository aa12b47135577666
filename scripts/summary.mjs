// Prints "N passed, N failed, N skipped" (always the last line) from vitest's JSON reporter output. Exits 1 when the
// file is missing, when anything failed, or when no test ran (an empty run must not look green).
//
// A skip is never silent: the only test that may be skipped is the real Pulumi CLI's (test/cli/quickstart.test.ts,
// where `pulumi` is not on PATH; its title says so). Any other skipped or todo test (it.skip, skipIf, or a test
// vitest skipped because a beforeAll hook of its file failed) is named on a line of its own and counted as failed.
// A file that failed outside its tests (an import error, a failed hook) counts as one failure when none of its
// tests is already counted; so does a run vitest calls failed without saying where (an unhandled error).
import { readFileSync, existsSync } from "node:fs";
import { relative } from "node:path";

/** The skips that are expected: file (relative to the repository) and a pattern of the test's full name. */
const ALLOWED_SKIPS = [{ file: "test/cli/quickstart.test.ts", name: /\(skipped: no `pulumi` CLI on PATH/ }];

const file = process.argv[2] ?? "test-results.json";
if (!existsSync(file)) {
  console.log(`summary: ${file} not found: vitest did not finish`);
  console.log("0 passed, 1 failed, 0 skipped");
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, "utf8"));
let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
for (const t of r.testResults ?? []) {
  const path = relative(process.cwd(), t.name);
  let counted = 0;
  for (const a of t.assertionResults ?? []) {
    const where = `${path} > ${[...a.ancestorTitles, a.title].join(" > ")}`;
    if (a.status === "passed") passed++;
    else if (a.status === "failed") {
      failed++;
      counted++;
    } else if (ALLOWED_SKIPS.some((s) => s.file === path && s.name.test(a.fullName))) skipped++;
    else {
      failed++;
      counted++;
      const why =
        a.status === "todo" ? "it.todo" : t.status === "failed" ? "it.skip, a skipIf, or a failed beforeAll hook: see vitest's output above" : "it.skip or a skipIf";
      problems.push(`summary: unexpected skip, counted as failed: ${where} (${why})`);
    }
  }
  if (t.status === "failed" && counted === 0) {
    failed++;
    problems.push(`summary: ${path} failed outside its tests${t.message ? `: ${t.message}` : " (an afterAll hook?): see vitest's output above"}`);
  }
}
if (r.success === false && failed === 0) {
  failed++;
  problems.push("summary: vitest reports a failure outside any test file (an unhandled error?): see its output above");
}
if (passed === 0) problems.push("summary: no test passed");
for (const p of problems) console.log(p);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
