/**
 * `pulumi-immybot validate <dir>`, run in-process through the built dispatcher (dist/cli/index.js, which loads each
 * command's compiled module) with the output a user sees: the
 * format always, the names against the sandbox when IMMYBOT_* settings are given, every problem in one pass, exit
 * codes 0 / 1 / 2 / 3, and nothing changed in ImmyBot.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { Sandbox } from "../../sandbox/server";
import { formatProblem, load, PolicyError } from "../../sdk/policy";
import { useTempDir } from "../helpers/temp-dir";

const REPO = resolve(__dirname, "../..");
const { main } = createRequire(__filename)(join(REPO, "dist/cli/index.js")) as typeof import("../../cli/index");
const EXAMPLE = join(REPO, "examples/policy-repo/tenants");
const INVALID = join(REPO, "test/fixtures/policy-invalid");
const tmp = useTempDir("validate-");

let sandbox: Sandbox;
let settings: NodeJS.ProcessEnv;

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0 });
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  settings = { IMMYBOT_BASE_URL: baseUrl, IMMYBOT_TOKEN_URL: tokenUrl, IMMYBOT_CLIENT_ID: clientId, IMMYBOT_CLIENT_SECRET: clientSecret };
});

afterAll(async () => {
  await sandbox?.stop();
});

async function validate(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const code = await main(["validate", ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env });
  return { code, stdout, stderr, lines: stdout.trimEnd().split("\n") };
}

/** A directory of policy files (name -> YAML text). */
function repository(files: Record<string, string>): string {
  const dir = join(tmp(`repo-${Object.keys(files).join("-")}`), "tenants");
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe("format only (no ImmyBot settings)", () => {
  it("a clean repository: exit 0, and it says that the names were not checked", async () => {
    const r = await validate([EXAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.lines).toEqual([
      `${EXAMPLE}: 2 files, no problems; format only: names not checked (no ImmyBot settings in the environment; set IMMYBOT_INSTANCE or IMMYBOT_BASE_URL and credentials to check them).`,
    ]);
  });

  it("a broken repository: every problem of every file in one pass, as the loader finds them (file, path, message with the fix), exit 1", async () => {
    let expected: string[] = [];
    try {
      load(INVALID);
    } catch (e) {
      expect(e).toBeInstanceOf(PolicyError);
      expected = (e as PolicyError).problems.map((p) => formatProblem({ ...p, file: join(INVALID, p.file.split("/").at(-1)!) }));
    }
    expect(expected.length).toBeGreaterThanOrEqual(10);
    const r = await validate([INVALID]);
    expect(r.code).toBe(1);
    expect(r.lines.slice(0, -1)).toEqual(expected);
    expect(r.lines).toContain(`${INVALID}/contoso.yaml: schedules[1].executionTime: "25:00" is not HH:mm (24-hour, e.g. "22:00")`);
    expect(r.lines.at(-1)).toBe(`${INVALID}: 3 files, ${expected.length} problems in 3 of them; format only: names not checked (no ImmyBot settings in the environment; set IMMYBOT_INSTANCE or IMMYBOT_BASE_URL and credentials to check them).`);
  });

  it("--format-only leaves the names alone even with settings, and sends nothing", async () => {
    sandbox.clearRequests();
    const r = await validate([EXAMPLE, "--format-only"], settings);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([`${EXAMPLE}: 2 files, no problems; format only (--format-only): names not checked.`]);
    expect(sandbox.requests).toEqual([]);
  });
});

describe("names resolved against ImmyBot (the sandbox)", () => {
  it("the example repository resolves, with GET requests only: exit 0", async () => {
    sandbox.clearRequests();
    const r = await validate([EXAMPLE], settings);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([`${EXAMPLE}: 2 files, no problems; names checked against ${sandbox.info.baseUrl}.`]);
    expect(sandbox.requests.filter((q) => q.path.startsWith("/api/")).length).toBeGreaterThan(0);
    expect(sandbox.requests.filter((q) => q.path.startsWith("/api/") && q.method !== "GET")).toEqual([]);
  });

  it("names that do not exist are listed with their close matches, beside another file's format problem, in one pass: exit 1", async () => {
    const dir = repository({
      "contoso.yaml": [
        "tenant: Contoso",
        "deployments:",
        "  - name: zip",
        "    software: 7-Zpi",
        "    target: { tag: Canries }",
        "  - name: bios",
        "    task: Set BIOS password",
        "    target: all",
        "    parameters: { AdminPassword: hunter2 }",
        "",
      ].join("\n"),
      "fabrikam.yaml": 'tenant: Fabrikam\nschedules:\n  - name: nightly\n    target: all\n    detectionTime: "2:00"\n',
      "northwind.yaml": "tenant: Northwnd\n",
    });
    const r = await validate([dir], settings);
    expect(r.code).toBe(1);
    expect(r.lines.slice(0, -1)).toEqual([
      `${dir}/contoso.yaml: deployments[0].target.tag: No tag named "Canries". Close matches: "Canary" (id 1).`,
      `${dir}/contoso.yaml: deployments[0].software: No software named "7-Zpi". Close matches: "7-Zip" (id 303, Global).`,
      expect.stringMatching(new RegExp(`^${dir}/contoso\\.yaml: deployments\\[1\\]\\.parameters\\.AdminPassword: is a Password parameter of "Set BIOS password": its value must not be in Git`)),
      `${dir}/fabrikam.yaml: schedules[0].detectionTime: "2:00" is not HH:mm (24-hour, e.g. "22:00")`,
      expect.stringMatching(new RegExp(`^${dir}/northwind\\.yaml: tenant: No tenant named "Northwnd"\\. Close matches: "Northwind IT"`)),
    ]);
    expect(r.lines.at(-1)).toBe(`${dir}: 3 files, 5 problems in 3 of them; names checked against ${sandbox.info.baseUrl} (not those of the 1 file with format problems: fix those first).`);
    expect(r.stderr).toBe("");
  });

  it("ImmyBot out of reach: the format problems all the same, then why the names could not be checked: exit 3", async () => {
    const dir = repository({ "contoso.yaml": 'tenant: Contoso\nschedules:\n  - name: s\n    target: all\n    detectionTime: "25:00"\n', "fabrikam.yaml": "tenant: Fabrikam\n" });
    // Port 1 on loopback: refused at once; no retries, so the test does not wait for backoffs.
    const r = await validate([dir], { ...settings, IMMYBOT_BASE_URL: "http://127.0.0.1:1", IMMYBOT_TOKEN_URL: "http://127.0.0.1:1/token", IMMYBOT_MAX_RETRIES: "0" });
    expect(r.code).toBe(3);
    expect(r.lines).toEqual([`${dir}/contoso.yaml: schedules[0].detectionTime: "25:00" is not HH:mm (24-hour, e.g. "22:00")`, `${dir}: 2 files, 1 problem in 1 of them; names not checked.`]);
    expect(r.stderr).toMatch(/^pulumi-immybot validate: the names could not be checked: .*127\.0\.0\.1:1/);
    expect(r.stdout + r.stderr).not.toContain(settings.IMMYBOT_CLIENT_SECRET);
  });

  it("refused credentials and incomplete settings: exit 3, saying which, without the secret", async () => {
    const refused = await validate([EXAMPLE], { ...settings, IMMYBOT_CLIENT_SECRET: "not-the-secret" });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^pulumi-immybot validate: the names could not be checked: ImmyBot token request .* 401/);
    expect(refused.stderr).not.toContain("not-the-secret");

    const incomplete = await validate([EXAMPLE], { IMMYBOT_INSTANCE: "contoso" });
    expect(incomplete.code).toBe(3);
    expect(incomplete.stderr).toContain("IMMYBOT_CLIENT_ID");
    expect(incomplete.stdout).toBe(`${EXAMPLE}: 2 files, no problems; format only: names not checked.\n`);
  });
});

describe("the command line", () => {
  it("no directory, two, one that is not a directory, an unknown option: exit 2 with the usage", async () => {
    for (const args of [[], [EXAMPLE, INVALID], [join(EXAMPLE, "contoso.yaml")], [EXAMPLE, "--names"]]) {
      const r = await validate(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("Usage: pulumi-immybot validate <dir>");
    }
  });

  it("a directory without policy files is a problem of the repository: exit 1", async () => {
    const empty = tmp("empty");
    mkdirSync(empty);
    const r = await validate([empty]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${empty}: holds no policy files (*.yaml or *.yml)\n`);
  });

  it("--help documents the exit codes", async () => {
    const r = await validate(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: pulumi-immybot validate <dir> \[options\]/);
    expect(r.stdout).toContain("Exit codes: 0 no problem; 1 problems (listed); 2 wrong command line; 3 could not finish");
  });
});
