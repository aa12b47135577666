/**
 * `pulumi-immybot sessions` as users run it: the built bin (`node dist/cli/index.js sessions ...`; `npm test` builds
 * first) in a child process, with IMMYBOT_* settings only, against a sandbox holding a week of sessions
 * (test/helpers/session-review.ts). Each format (the Markdown's tables and its Mermaid chart number by number), the
 * server-side filters it sends, the exit codes (0, 1 with --fail-on, 2 before any request, 3 when ImmyBot cannot be
 * reached or refuses the credentials) and no secret in anything it prints.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { STATUS_GROUP_MEMBERS } from "../../provider/lookups";
import { useReviewFleet } from "../helpers/session-review";

const REPO = resolve(__dirname, "../..");
const BIN = join(REPO, "dist/cli/index.js");
const fleet = useReviewFleet();
/** The fleet's week, fixed: the bin's own clock is today's, the sandbox's is 2025-06-02. */
const WEEK = ["--since", "2025-05-26T12:00:00Z", "--until", "2025-06-02T12:00:00Z"];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the bin with only `env` (and PATH): no setting leaks in from the machine. Asynchronous: the sandbox runs in this process. */
function sessions(args: string[], env: Record<string, string> = fleet.env()): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, "sessions", ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let [stdout, stderr] = ["", ""];
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** Every secret the sandbox knows (its client secret, every token it issued) is absent from what the bin printed. */
function expectNoSecret(...runs: Run[]): void {
  const secrets = [fleet.env().IMMYBOT_CLIENT_SECRET!, ...fleet.sandbox().issuedTokens()];
  expect(secrets.length).toBeGreaterThan(1);
  for (const r of runs) for (const s of secrets) expect(`${r.stdout}\n${r.stderr}`).not.toContain(s);
}

const dxRequests = () => fleet.sandbox().requests.filter((r) => r.path === "/api/v1/maintenance-sessions/dx");

describe("pulumi-immybot sessions: formats", () => {
  it("table (the default): one row per session, newest first, and the counts", async () => {
    const r = await sessions(WEEK);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("ImmyBot maintenance sessions created 2025-05-26 12:00 to 2025-06-02 12:00 UTC: 15");
    expect(lines[2]).toMatch(/^\s*ID {2}STATUS +CREATED \(UTC\) +TARGET +RUN +STARTED BY +DURATION +LAST LOG$/);
    const rows = lines.slice(3, 18);
    expect(rows.map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual([18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4]);
    const cells = (id: number) => rows.find((l) => l.trim().startsWith(`${id} `))!.trim().split(/ {2,}/);
    expect(cells(16)).toEqual(["16", "Failed", "2025-06-02 06:00", "CONTOSO-LT022 (Contoso)", "full maintenance", "Sandbox API", "32s", "Install failed: the installer exited with code 1603"]);
    expect(cells(17)).toEqual(["17", "Passed", "2025-06-02 07:00", "FAB-DC01 (Fabrikam)", `full maintenance, schedule ${fleet.scheduleId()}`, "-", "32s", "7-Zip 24.08 installed"]);
    expect(cells(9)).toEqual(["9", "Passed", "2025-05-30 10:03", "tenant Contoso", "full maintenance", "Sandbox API", "32s", "Full maintenance completed"]);
    expect(cells(5)).toEqual(["5", "Running", "2025-05-30 10:00", "FAB-WS101 (Fabrikam)", `deployment ${fleet.deployments().B}`, "Sandbox API", "-", "Waiting for the installer to finish"]);
    expect(lines.slice(18)).toEqual(["", "By status: Passed 12, Failed 2, Running 1", ""]);
  });

  it("markdown: counts by status, the failed computers with their last log line, a stacked chart per day and its numbers", async () => {
    const r = await sessions(["--tenant", "Contoso", "--since", "2025-05-26", "--until", "2025-06-03", "--format", "markdown"]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const md = r.stdout;
    expect(md.startsWith("## ImmyBot maintenance sessions\n\n11 sessions created 2025-05-26 00:00 to 2025-06-03 00:00 UTC · tenant Contoso\n\n")).toBe(true);
    expect(md).toContain(["| Status | Sessions |", "|---|---:|", "| 🟩 Passed | 7 |", "| 🟥 Failed | 3 |", "| 🟧 PartialPassed | 1 |", "| **Total** | **11** |"].join("\n"));
    expect(md).toContain(
      [
        "### Failed computers",
        "",
        "| Computer | Status | Session | Created (UTC) | Run | Last log line |",
        "|---|---|---:|---|---|---|",
        "| CONTOSO-LT022 (Contoso) | Failed | 16 | 2025-06-02 06:00 | full maintenance | Install failed: the installer exited with code 1603 |",
        "| CONTOSO-LT014 (Contoso) | Failed | 8 | 2025-05-30 10:02 | - | Computer is offline; skipped (offline behavior: Skip) |",
        `| CONTOSO-FS01 (Contoso) | PartialPassed | 1 | 2025-05-26 09:00 | deployment ${fleet.deployments().A} | Installed, but the post-install test failed |`,
      ].join("\n"),
    );
    // Failed, PartialPassed and Passed stacked per day: drawn as running totals, tallest (Passed on top) first.
    const chart = /```mermaid\n([\s\S]*?)\n```/.exec(md)?.[1];
    expect(chart).toBe(
      [
        '%%{init: {"themeVariables":{"xyChart":{"plotColorPalette":"#2da44e, #fb8f44, #cf222e"}}}}%%',
        "xychart-beta",
        '  title "Sessions per day by status (UTC)"',
        '  x-axis ["05-26", "05-27", "05-28", "05-29", "05-30", "05-31", "06-01", "06-02"]',
        '  y-axis "Sessions" 0 --> 3',
        "  bar [3, 0, 0, 0, 3, 0, 3, 2]",
        "  bar [2, 0, 0, 0, 1, 0, 0, 1]",
        "  bar [1, 0, 0, 0, 1, 0, 0, 1]",
      ].join("\n"),
    );
    expect(md).toContain("Stacked bars, bottom to top: 🟥 Failed · 🟧 PartialPassed · 🟩 Passed.");
    expect(md.endsWith(
      [
        "| Day | Failed | PartialPassed | Passed | Total |",
        "|---|---:|---:|---:|---:|",
        "| 2025-05-26 | 1 | 1 | 1 | 3 |",
        "| 2025-05-27 | 0 | 0 | 0 | 0 |",
        "| 2025-05-28 | 0 | 0 | 0 | 0 |",
        "| 2025-05-29 | 0 | 0 | 0 | 0 |",
        "| 2025-05-30 | 1 | 0 | 2 | 3 |",
        "| 2025-05-31 | 0 | 0 | 0 | 0 |",
        "| 2025-06-01 | 0 | 0 | 3 | 3 |",
        "| 2025-06-02 | 1 | 0 | 1 | 2 |",
        "",
      ].join("\n"),
    )).toBe(true);
  });

  it("json: the lookup's result for scripts", async () => {
    const r = await sessions(["--status", "failed", "--since", "2025-05-20", "--until", "2025-06-03", "--format", "json"]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ truncated: false, from: "2025-05-20T00:00:00.000Z", to: "2025-06-03T00:00:00.000Z", statusCounts: { Failed: 3, PartialPassed: 1 }, filters: ["status failed"], limit: 100 });
    expect(json.sessions.map((s: { id: number }) => s.id)).toEqual([16, 8, 3, 1]);
    expect(json.sessions[0]).toMatchObject({ fullMaintenance: true, startedBy: "Sandbox API", computerName: "CONTOSO-LT022", actions: [{ deploymentId: fleet.deployments().A }, { deploymentId: fleet.deployments().C }] });
  });

  it("with nothing found, and with more sessions than --limit", async () => {
    const none = await sessions(["--since", "2025-01-01", "--until", "2025-02-01", "--format", "markdown"]);
    expect([none.code, none.stdout]).toEqual([0, "## ImmyBot maintenance sessions\n\n0 sessions created 2025-01-01 00:00 to 2025-02-01 00:00 UTC\n\n"]);
    const cut = await sessions([...WEEK, "--limit", "2"]);
    expect(cut.code).toBe(0);
    expect(cut.stdout).toContain("By status: Passed 2\nOnly the newest 2 sessions are shown: more match. Narrow the window or the filters, or raise --limit (at most 1000).\n");
  });
});

describe("pulumi-immybot sessions: the nightly review of examples/github-actions", () => {
  it("runs the workflow's commands as written (with today's clock: no session of 2025 in the window)", async () => {
    const wf = parse(readFileSync(join(REPO, "examples/github-actions/immybot-policy.yml"), "utf8")) as { jobs: { review: { steps: { run?: string }[] } } };
    const commands = wf.jobs.review.steps.flatMap((s) => (s.run?.startsWith("npx pulumi-immybot sessions ") ? [s.run] : []));
    expect(commands).toHaveLength(2);
    const [report, gate] = await Promise.all(commands.map((c) => sessions(c.replace(/ >> "\$GITHUB_STEP_SUMMARY"$/, "").split(" ").slice(3))));
    expect([report!.code, gate!.code]).toEqual([0, 0]);
    expect(report!.stdout).toMatch(/^## ImmyBot maintenance sessions\n\n0 sessions created /);
  });
});

describe("pulumi-immybot sessions: what it asks ImmyBot", () => {
  it("a tenant's review is filtered by ImmyBot (one dx page) and reads only that tenant's sessions", async () => {
    fleet.sandbox().clearRequests();
    const r = await sessions(["--tenant", "Fabrikam", "--status", "Completed", ...WEEK]);
    expect(r.code).toBe(0);
    expect(dxRequests()).toHaveLength(1);
    expect(dxRequests()[0]!.query).toMatchObject({ tenantId: "4", take: "100" });
    expect(JSON.parse(dxRequests()[0]!.query.filter!)[1]).toEqual("and");
    const read = fleet.sandbox().requests.flatMap((q) => /^\/api\/v1\/maintenance-sessions\/(\d+)$/.exec(q.path)?.[1] ?? []).map(Number);
    expect(read.sort((a, b) => a - b)).toEqual([4, 6, 17, 18]);
  });

  it("a relative --since counts back from the bin's own clock", async () => {
    fleet.sandbox().clearRequests();
    const before = Date.now();
    const r = await sessions(["--since", "7d", "--computer", "6"]);
    expect([r.code, r.stdout]).toEqual([0, expect.stringMatching(/: 0\n$/)]);
    const [, , since] = JSON.parse(dxRequests()[0]!.query.filter!) as [string, string, string];
    expect(Date.parse(since)).toBeGreaterThanOrEqual(before - 7 * 86_400_000);
    expect(Date.parse(since)).toBeLessThanOrEqual(Date.now() - 7 * 86_400_000);
    expect(dxRequests()[0]!.query.computerId).toBe("6");
  });
});

describe("pulumi-immybot sessions: exit codes", () => {
  it("1 with --fail-on when a matching session exists, even past --limit; 0 when none does", async () => {
    fleet.sandbox().clearRequests();
    const failed = await sessions([...WEEK, "--fail-on", "Failed"]);
    expect([failed.code, failed.stderr]).toEqual([1, "pulumi-immybot sessions: --fail-on Failed: 16 (CONTOSO-LT022, Failed), 8 (CONTOSO-LT014, Failed)\n"]);
    expect(failed.stdout).toContain("By status:");
    // The newest session passed; the failed ones lie past --limit 1: one more lookup, of the --fail-on statuses only.
    fleet.sandbox().clearRequests();
    const past = await sessions([...WEEK, "--limit", "1", "--fail-on", "Failed,Missed"]);
    expect([past.code, past.stderr]).toEqual([1, "pulumi-immybot sessions: --fail-on Failed,Missed: 16 (CONTOSO-LT022, Failed)\n"]);
    expect(dxRequests().map((q) => q.query.take)).toEqual(["2", "2"]);
    expect(JSON.parse(dxRequests()[1]!.query.filter!)[0]).toEqual([["sessionStatus", "=", 2], "or", ["sessionStatus", "=", 4], "or", ["sessionStatus", "=", 7], "or", ["sessionStatus", "=", 9], "or", ["sessionStatus", "=", 10], "or", ["sessionStatus", "=", 13]]);
    expect((await sessions([...WEEK, "--tenant", "Fabrikam", "--fail-on", "Failed"])).code).toBe(0);
    expect((await sessions([...WEEK, "--fail-on", "in-progress"])).code).toBe(1);
    // --status Passed lets no failure through: no second lookup.
    fleet.sandbox().clearRequests();
    expect((await sessions([...WEEK, "--status", "Passed", "--limit", "1", "--fail-on", "Failed"])).code).toBe(0);
    expect(dxRequests()).toHaveLength(1);
  });

  it.each<[string, string[], RegExp]>([
    ["an unknown option", ["--tenat", "Contoso"], /^pulumi-immybot sessions: unknown option --tenat; did you mean --tenant\?\n\nUsage: pulumi-immybot sessions/],
    ["an unknown status", ["--status", "Faild"], /^pulumi-immybot sessions: --status "Faild" is not a session status or group; did you mean "Failed"\?\n/],
    ["an unknown --fail-on status", ["--fail-on", "Broken"], /^pulumi-immybot sessions: --fail-on "Broken" is not a session status or group; use one of Completed, Failed, InProgress, Passed/],
    ["--since after --until", ["--since", "2025-06-02", "--until", "2025-06-01"], /^pulumi-immybot sessions: --since 2025-06-02T00:00:00.000Z is not before --until \(2025-06-01T00:00:00.000Z\): swap them, or move --since earlier\n/],
    ["a --since that is no moment", ["--since", "last week"], /^pulumi-immybot sessions: --since "last week" is not a moment; write ISO 8601/],
    ["--limit out of range", ["--limit", "1001"], /^pulumi-immybot sessions: --limit must be from 1 to 1000; got 1001/],
    ["--limit not a number", ["--limit", "all"], /^pulumi-immybot sessions: --limit needs a whole number, e.g. --limit 100; got "all"\n/],
    ["an unknown format", ["--format", "html"], /^pulumi-immybot sessions: --format "html" is not a format; use table, markdown, json\n/],
    ["an unknown session type", ["--type", "Laptop"], /^pulumi-immybot sessions: --type must be one of "Cloud", "Computer", "Person"; got "Laptop"/],
    ["a value without its option", ["Contoso"], /^pulumi-immybot sessions: unexpected argument "Contoso": every value follows its option/],
  ])("2 for %s, before any request", async (_what, args, message) => {
    fleet.sandbox().clearRequests();
    const r = await sessions(args);
    expect([r.code, r.stdout]).toEqual([2, ""]);
    expect(r.stderr).toMatch(message);
    expect(fleet.sandbox().requests).toEqual([]);
  });

  it("2 without settings (each missing IMMYBOT_* variable named), and for a tenant ImmyBot does not have", async () => {
    fleet.sandbox().clearRequests();
    const bare = await sessions([], {});
    expect([bare.code, bare.stdout]).toEqual([2, ""]);
    expect(bare.stderr).toMatch(/^pulumi-immybot sessions: ImmyBot provider configuration has 2 problems:\n  - the ImmyBot instance is not set[^\n]*\n  - no credentials are set; set each of them:\n/);
    for (const name of ["IMMYBOT_INSTANCE", "IMMYBOT_CLIENT_ID", "IMMYBOT_CLIENT_SECRET", "IMMYBOT_AZURE_TENANT_ID"]) expect(bare.stderr).toContain(name);
    expect(fleet.sandbox().requests).toEqual([]);
    const typo = await sessions(["--tenant", "Contso"]);
    expect([typo.code, typo.stdout]).toEqual([2, ""]);
    expect(typo.stderr).toMatch(/^pulumi-immybot sessions: No tenant named "Contso"\. Close matches: "Contoso" \(id 2\)/);
  });

  it("3 when ImmyBot refuses the credentials or cannot be reached; no secret printed by any run", async () => {
    const wrongSecret = await sessions(WEEK, { ...fleet.env(), IMMYBOT_CLIENT_SECRET: "wrong-secret-4711" });
    expect([wrongSecret.code, wrongSecret.stdout]).toEqual([3, ""]);
    expect(wrongSecret.stderr).toMatch(/^pulumi-immybot sessions: ImmyBot token request to .* failed: 401 Unauthorized: invalid_client/);
    expect(wrongSecret.stderr).not.toContain("wrong-secret-4711");
    const { IMMYBOT_CLIENT_ID: _id, IMMYBOT_CLIENT_SECRET: _secret, IMMYBOT_TOKEN_URL: _url, ...where } = fleet.env();
    const wrongToken = await sessions(WEEK, { ...where, IMMYBOT_ACCESS_TOKEN: "not-a-token-0815" });
    expect([wrongToken.code, wrongToken.stdout]).toEqual([3, ""]);
    expect(wrongToken.stderr).toMatch(/^pulumi-immybot sessions: .*401/);
    expect(wrongToken.stderr).not.toContain("not-a-token-0815");
    const closed = await freePort();
    const unreachable = await sessions(WEEK, { IMMYBOT_BASE_URL: `http://127.0.0.1:${closed}`, IMMYBOT_ACCESS_TOKEN: "token-of-a-closed-port-42", IMMYBOT_MAX_RETRIES: "0" });
    expect([unreachable.code, unreachable.stdout]).toEqual([3, ""]);
    expect(unreachable.stderr).toBe("pulumi-immybot sessions: ImmyBot GET /api/v1/maintenance-sessions/dx failed: connection refused [ECONNREFUSED]\n");
    const fine = await sessions([...WEEK, "--format", "json"]);
    expect(fine.code).toBe(0);
    expectNoSecret(wrongSecret, wrongToken, unreachable, fine, await sessions([...WEEK, "--format", "markdown", "--fail-on", "Failed"]));
  });

  it("--help: every option, the groups as the lookup defines them, examples; exit 0 and no request", async () => {
    fleet.sandbox().clearRequests();
    const r = await sessions(["--help"], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: pulumi-immybot sessions \[options\]/);
    for (const option of ["--tenant", "--computer", "--status", "--type", "--deployment", "--schedule", "--since", "--until", "--limit", "--format", "--fail-on"]) expect(r.stdout).toContain(`  ${option} `);
    const groups = r.stdout.slice(r.stdout.indexOf("The groups:"), r.stdout.indexOf("Any other value"));
    expect(STATUS_GROUP_MEMBERS.InProgress.length).toBeGreaterThan(0);
    for (const status of STATUS_GROUP_MEMBERS.InProgress) expect(groups.slice(groups.indexOf("InProgress"))).toContain(status);
    for (const status of ["Failed", "Cancelled", "Missed", "PartialPassed"]) expect(STATUS_GROUP_MEMBERS.Failed).toContain(status);
    expect(STATUS_GROUP_MEMBERS.Failed).toHaveLength(6); // the four named and "the two licensing statuses"
    expect(r.stdout).toContain('pulumi-immybot sessions --since 1d --format markdown >> "$GITHUB_STEP_SUMMARY"');
    expect(fleet.sandbox().requests).toEqual([]);
  });
});

/** A port nothing listens on: bound, then closed. */
function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}
