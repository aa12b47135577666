import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { expect, it } from "vitest";

/** The example workflow is not run here; this checks it says what the README promises. */
it("examples/github-actions: preview with a PR comment, up on main, nightly drift check that fails on changes, nightly session review", () => {
  const wf = parse(readFileSync(join(__dirname, "../../examples/github-actions/immybot-policy.yml"), "utf8"));
  expect(Object.keys(wf.on).sort()).toEqual(["pull_request", "push", "schedule", "workflow_dispatch"]);
  expect(wf.on.push.branches).toEqual(["main"]);
  const step = (job: string) => wf.jobs[job].steps.find((s: { uses?: string }) => s.uses?.startsWith("pulumi/actions@")).with;
  expect(wf.jobs.preview.if).toContain("pull_request");
  expect(step("preview")).toMatchObject({ command: "preview", "comment-on-pr": true });
  expect(wf.jobs.up.if).toContain("push");
  expect(step("up")).toMatchObject({ command: "up" });
  expect(wf.jobs.drift.if).toContain("schedule");
  expect(step("drift")).toMatchObject({ command: "preview", refresh: true, "expect-no-changes": true });
  expect(wf.jobs.review.if).toContain("schedule");
  const runs = (wf.jobs.review.steps as { run?: string }[]).flatMap((s) => s.run ?? []);
  expect(runs).toEqual([
    "npm ci",
    'npx pulumi-immybot sessions --since 7d --format markdown >> "$GITHUB_STEP_SUMMARY"',
    "npx pulumi-immybot sessions --since 1d --fail-on Failed",
  ]);
  expect(Object.keys(wf.jobs).sort()).toEqual(["drift", "preview", "review", "up"]);
  for (const job of Object.values(wf.jobs) as { steps: { run?: string }[] }[]) expect(job.steps.some((s) => s.run === "npm ci")).toBe(true);
  expect(wf.env.IMMYBOT_CLIENT_SECRET).toBe("${{ secrets.IMMYBOT_CLIENT_SECRET }}");
});
