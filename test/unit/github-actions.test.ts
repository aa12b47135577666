import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { expect, it } from "vitest";

const REPO = join(__dirname, "../..");
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { name: string; version: string; bin: Record<string, string>; devDependencies: Record<string, string> };

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

it("examples/github-actions: a pull request is linted (best practices) by the installed bin after validate and before the preview", () => {
  const wf = parse(readFileSync(join(__dirname, "../../examples/github-actions/immybot-policy.yml"), "utf8"));
  const steps = wf.jobs.preview.steps as { run?: string; uses?: string }[];
  const lint = steps.findIndex((s) => s.run === "npx pulumi-immybot lint tenants");
  expect(lint).toBeGreaterThan(steps.findIndex((s) => s.run?.startsWith("npx pulumi-immybot validate tenants")));
  expect(lint).toBeLessThan(steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@")));
});

it("examples/github-actions: a pull request is validated by the installed bin before the preview, on the policy repository's directory", () => {
  const wf = parse(readFileSync(join(__dirname, "../../examples/github-actions/immybot-policy.yml"), "utf8"));
  const steps = wf.jobs.preview.steps as { run?: string; uses?: string }[];
  const validate = steps.findIndex((s) => s.run?.startsWith("npx pulumi-immybot validate tenants"));
  expect(validate).toBeGreaterThan(steps.findIndex((s) => s.run === "npm ci"));
  expect(validate).toBeLessThan(steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@")));
  expect(existsSync(join(REPO, "examples/policy-repo/tenants"))).toBe(true);
  expect(Object.keys(pkg.bin)).toEqual(["pulumi-immybot"]);
});

it("examples/policy-repo/package.json installs the package as a user does once it is published, with the tested @pulumi/pulumi", () => {
  const user = JSON.parse(readFileSync(join(REPO, "examples/policy-repo/package.json"), "utf8"));
  expect(user.dependencies).toEqual({ "@pulumi/pulumi": pkg.devDependencies["@pulumi/pulumi"], [pkg.name]: `^${pkg.version}` });
  expect(user.scripts.validate).toBe("pulumi-immybot validate tenants");
});
