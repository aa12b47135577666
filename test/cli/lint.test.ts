/**
 * `pulumi-immybot lint <dir>`, run in-process through the built dispatcher (dist/cli/index.js) with the output a user
 * sees: findings as `file: path: severity [rule] message` with the fix and why, `--format json`, `--strict`, the
 * repository's `.immybot-lint.yaml`, and the exit codes 0 / 1 / 2. No ImmyBot is needed.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempDir } from "../helpers/temp-dir";

const REPO = resolve(__dirname, "../..");
const { main } = createRequire(__filename)(join(REPO, "dist/cli/index.js")) as typeof import("../../cli/index");
const EXAMPLE = join(REPO, "examples/policy-repo/tenants");
const tmp = useTempDir("lint-cli-");

async function lint(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(["lint", ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: {} });
  return { code, stdout, stderr, lines: stdout.trimEnd().split("\n") };
}

/** A directory of policy files (name -> YAML text). */
function repository(name: string, files: Record<string, string>): string {
  const dir = join(tmp(name), "tenants");
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const WARNING = "tenant: Contoso\ndeployments:\n  - { name: 7zip, software: 7-Zip, target: all }\n";
const ERROR = 'tenant: Contoso\nschedules:\n  - { name: weekly, target: all, detectionTime: "01:00", rebootPreference: Force }\n';

describe("pulumi-immybot lint", () => {
  it("the example policy repository: exit 0, even with --strict, and a summary line", async () => {
    const r = await lint([EXAMPLE, "--strict"]);
    expect(r.stderr).toBe("");
    expect(r.lines).toEqual([`${EXAMPLE}: 2 files, 0 errors, 0 warnings.`]);
    expect(r.code).toBe(0);
  });

  it("a warning: listed with its fix and why, exit 0; with --strict exit 1", async () => {
    const dir = repository("warning", { "contoso.yaml": WARNING });
    const r = await lint([dir]);
    expect(r.lines).toEqual([
      `${join(dir, "contoso.yaml")}: deployments[0].target: warning [test-first] deploys 7-Zip to every computer of Contoso with no smaller ring in front of it`,
      expect.stringMatching(/^ {2}fix: add a deployment of 7-Zip to a canary ring first/),
      expect.stringMatching(/^ {2}why: ImmyBot's maintenance guide: "test on a small group before deploying widely"/),
      `${dir}: 1 file, 0 errors, 1 warning.`,
    ]);
    expect(r.code).toBe(0);
    expect((await lint([dir, "--strict"])).code).toBe(1);
  });

  it("an error: exit 1; --format json gives the same findings as data", async () => {
    const dir = repository("error", { "contoso.yaml": ERROR });
    const r = await lint([dir]);
    expect(r.lines[0]).toBe(`${join(dir, "contoso.yaml")}: schedules[0].rebootPreference: error [reboot-force-workstations] Force restarts workstations whether their users are working or not, also during business hours`);
    expect(r.code).toBe(1);
    const j = await lint([dir, "--format", "json"]);
    expect(j.code).toBe(1);
    const data = JSON.parse(j.stdout);
    expect(data).toMatchObject({ files: 1, problems: [], errors: 1, warnings: 0 });
    expect(data.findings).toEqual([
      expect.objectContaining({ rule: "reboot-force-workstations", severity: "error", file: join(dir, "contoso.yaml"), path: "schedules[0].rebootPreference", fix: expect.stringContaining("suppressRebootsDuringBusinessHours") }),
    ]);
  });

  it(".immybot-lint.yaml switches a rule off for the repository, and the summary says so", async () => {
    const dir = repository("config", { "contoso.yaml": ERROR, ".immybot-lint.yaml": "ignore: [reboot-force-workstations]\n" });
    const r = await lint([dir]);
    expect(r.lines).toEqual([`${dir}: 1 file, 0 errors, 0 warnings; off for the repository (${join(dir, ".immybot-lint.yaml")}): reboot-force-workstations.`]);
    expect(r.code).toBe(0);
  });

  it("format problems (of a policy file or of .immybot-lint.yaml) are listed and fail the run; the valid files are linted", async () => {
    const dir = repository("broken", { "a.yaml": "tenant: A\nschedule: []\n", "b.yaml": WARNING, ".immybot-lint.yaml": "ignore: [nope]\n" });
    const r = await lint([dir]);
    expect(r.lines.filter((l) => !l.startsWith("  ")).map((l) => l.split(": ").slice(0, 2).join(": "))).toEqual([
      `${join(dir, ".immybot-lint.yaml")}: ignore[0]`,
      `${join(dir, "a.yaml")}: schedule`,
      `${join(dir, "b.yaml")}: deployments[0].target`,
      `${dir}: 2 files, 0 errors, 1 warning, 2 format problems (fix those first`,
    ]);
    expect(r.code).toBe(1);
  });

  it("usage: no directory, not a directory, a bad --format, an unknown option: exit 2 with the usage; --help: exit 0", async () => {
    for (const args of [[], [join(tmp(), "missing")], [EXAMPLE, "--format", "xml"], [EXAMPLE, "--fix"]]) {
      const r = await lint(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("Usage: pulumi-immybot lint <dir>");
    }
    const help = await lint(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: pulumi-immybot lint <dir> \[options\]/);
    expect(help.stdout).toContain("staggered-windows");
  });
});
