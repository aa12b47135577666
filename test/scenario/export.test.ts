/**
 * `pulumi-immybot export` against a realistic instance (test/helpers/export-instance.ts: 7 tenants, 138 schedules
 * and deployments the policy format can express, 24 objects it cannot), then the exported repository through
 * the engine harness as `pulumi up` runs it (examples/policy-repo/index.ts, which the export copies byte for byte):
 * every object adopted without one write to ImmyBot, a second up all same, a refresh that changes nothing, and the
 * adoptIds removed afterwards changing nothing either. A second export is identical; the report lists exactly the
 * objects the format cannot express, with why; no secret value is in any file. The tests run in order on one stack.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSeed } from "../../sandbox/seed";
import { load } from "../../sdk/policy";
import { Engine } from "../helpers/engine";
import { exportSeed, makeInstance, type MadeInstance } from "../helpers/export-instance";
import { REPO } from "../helpers/host";
import { useScenario, writeRequests } from "../helpers/scenario";
import { useTempDir } from "../helpers/temp-dir";

// The built command (cli/index.ts loads each command with require, as the published bin does).
const { main } = require(join(REPO, "dist/cli/index.js")) as typeof import("../../cli/index");
const EXAMPLE = join(REPO, "examples/policy-repo");
const PROGRAM = join(EXAMPLE, "index.ts");
const ctx = useScenario({ seed: exportSeed(loadSeed(undefined).data) });
const tmp = useTempDir("export-scenario-");

let made: MadeInstance;
let before: { schedules: unknown[]; deployments: unknown[] };
let first: Run;
let engine: Engine;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `pulumi-immybot <args>` in this process, with the sandbox's settings as IMMYBOT_* (plus `env`). */
async function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: { ...ctx.env, ...env } });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** Every file under `dir`, relative path -> content. */
function filesOf(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else files.set(relative(dir, join(d, e.name)), readFileSync(join(d, e.name), "utf8"));
    }
  };
  walk(dir);
  return files;
}

/** `pulumi config set --secret <key>   # <file>: <entry>, parameter "<name>" (deployment <id>)` lines -> key -> value. */
function secretConfig(stdout: string): Record<string, string> {
  const config: Record<string, string> = {};
  for (const m of stdout.matchAll(/pulumi config set --secret (\S+) +# \S+: \S+, parameter "([^"]+)" \(deployment (\d+)\)/g)) {
    const value = made.secrets.get(`${m[3]}|${m[2]}`);
    expect(value, `${m[0]} names a parameter that holds no secret`).toBeDefined();
    config[`immybot-policy:${m[1]}`] = value!;
  }
  return config;
}

const engineFor = (config: Record<string, string>) =>
  new Engine({
    hostConfig: ctx.hostConfig,
    stateFile: tmp("stack.json"),
    stack: "prod",
    env: ctx.env,
    config: { "immybot-policy:policyDir": tmp("repo", "tenants"), ...config },
    secretConfig: Object.keys(config),
  });
const ops = (r: { steps: { op: string }[] }) => r.steps.reduce<Record<string, number>>((n, s) => ({ ...n, [s.op]: (n[s.op] ?? 0) + 1 }), {});
const sandboxObjects = () => ({ schedules: ctx.sandbox.schedules(), deployments: ctx.sandbox.deployments() });

beforeAll(async () => {
  made = await makeInstance(ctx.sandbox);
  before = sandboxObjects();
}, 60_000);

describe("export of a realistic instance", () => {
  it("writes a repository ready to commit, leaves out exactly what the format cannot express (exit 1), and writes nothing to ImmyBot", async () => {
    expect(made.schedules + made.deployments).toBeGreaterThanOrEqual(100);
    ctx.sandbox.clearRequests();
    first = await cli(["export", "--out", tmp("repo")]);
    expect(first.code, first.stderr).toBe(1);
    expect(writeRequests(ctx.sandbox)).toEqual([]);
    expect(first.stderr).toMatch(/^pulumi-immybot export: read 79 schedules, 80 deployments and 3 global deployments$/m);

    const files = filesOf(tmp("repo"));
    expect([...files.keys()].sort()).toEqual([
      ".gitignore",
      "Pulumi.yaml",
      "export-report.md",
      "index.ts",
      "package.json",
      "tenants/contoso-labs.yaml",
      "tenants/contoso.yaml",
      "tenants/cross-tenant.yaml",
      "tenants/fabrikam.yaml",
      "tenants/northwind-it.yaml",
      "tenants/tailspin-toys.yaml",
      "tsconfig.json",
    ]);
    // The project around the files is the example's, whose program the engine runs below.
    for (const name of ["index.ts", "Pulumi.yaml", "tsconfig.json", "package.json"]) expect(files.get(name), name).toBe(readFileSync(join(EXAMPLE, name), "utf8"));
    expect(JSON.parse(files.get("package.json")!).dependencies).toMatchObject({ "pulumi-immybot": expect.stringMatching(/^\^\d/), "@pulumi/pulumi": expect.any(String) });
    for (const [name, text] of files) if (name.endsWith(".yaml") && name.startsWith("tenants/")) expect(text.split("\n")[0], name).toBe("# yaml-language-server: $schema=../node_modules/pulumi-immybot/policy.schema.json");

    // No secret value anywhere: neither in a file nor on the terminal.
    expect(made.secrets.size).toBeGreaterThanOrEqual(10);
    for (const value of made.secrets.values()) {
      for (const [name, text] of files) expect(text.includes(value), `${name} holds a secret`).toBe(false);
      expect(first.stdout.includes(value) || first.stderr.includes(value)).toBe(false);
    }
  });

  it("the files load without a problem, one entry per object the format can express, each with that object's id as adoptId", () => {
    const policy = load(tmp("repo", "tenants"));
    const entries = policy.files.flatMap((f) => [...(f.content.schedules ?? []).map((s) => ["schedule", s.adoptId]), ...(f.content.deployments ?? []).map((d) => ["deployment", d.adoptId])]);
    expect(entries).toHaveLength(made.schedules + made.deployments);
    const leftOut = new Set(made.leftOut.map((l) => `${l.kind} ${l.id}`));
    const expressible = [...before.schedules.map((s) => `schedule ${(s as { id: number }).id}`), ...before.deployments.map((d) => `deployment ${(d as { id: number }).id}`)].filter((k) => !leftOut.has(k));
    expect(entries.map(([kind, id]) => `${kind} ${id}`).sort()).toEqual(expressible.sort());
    const cross = policy.files.find((f) => f.stem === "cross-tenant")!.content;
    expect(cross.crossTenant).toBe(true);
    expect(cross.schedules!.map((s) => s.target)).toEqual(expect.arrayContaining(["all", { tag: "Canary" }, { computer: "NW-ADMIN01" }]));
    // Google Chrome is global and local: its entries say which.
    expect(policy.files.flatMap((f) => f.content.deployments ?? []).filter((d) => d.software === "Google Chrome").every((d) => d.scope !== undefined)).toBe(true);
  });

  it("lists exactly the objects the format cannot express, each with why, on the terminal and in the report", () => {
    expect(made.leftOut).toHaveLength(24);
    const listed = [...first.stdout.matchAll(/^ {2}(schedule|deployment|global deployment) (\d+)(?: \([^)]*\))?: (.+)$/gm)].map((m) => ({ kind: m[1], id: m[2], why: m[3]! }));
    expect(listed.map((l) => `${l.kind} ${l.id}`).sort()).toEqual(made.leftOut.map((l) => `${l.kind} ${l.id}`).sort());
    for (const expected of made.leftOut) expect(listed.find((l) => l.kind === expected.kind && l.id === expected.id)!.why).toMatch(expected.why);
    const report = readFileSync(tmp("repo", "export-report.md"), "utf8");
    expect(report).toContain(`## Left out (${made.leftOut.length})`);
    for (const l of made.leftOut) expect(report).toMatch(new RegExp(`^\\| ${l.kind} \\| ${l.id} \\|`, "m"));
    expect(report).toContain(`## Secrets (${made.secrets.size})`);
  });

  it("the first up takes every object under management without a single write to ImmyBot", async () => {
    const config = secretConfig(first.stdout);
    expect(Object.keys(config)).toHaveLength(made.secrets.size);
    engine = engineFor(config);
    ctx.sandbox.clearRequests();
    const r = await engine.up(PROGRAM);
    expect(ops(r)).toEqual({ create: made.schedules + made.deployments });
    expect(writeRequests(ctx.sandbox)).toEqual([]);
    expect(sandboxObjects()).toEqual(before);
    // Each resource holds the object its entry names.
    const outputs = engine.resources.map((resource) => {
      const o = engine.reveal(resource.outputs) as Record<string, any>;
      expect(resource.id, resource.urn).toBe(o.adoptId);
      return o;
    });
    // Every target form and enum value the format can write was exported and adopted.
    const seen = (f: (o: Record<string, any>) => unknown) => [...new Set(outputs.map(f).filter((v) => v !== undefined))].sort();
    expect(seen((o) => `${o.targetType}${o.tenantId === undefined ? "" : " in a tenant"}`)).toEqual(["All", "AllForTenant in a tenant", "Computer", "Computer in a tenant", "Tag", "Tag in a tenant"]);
    expect(seen((o) => o.targetGroupFilter)).toEqual(["All", "DomainControllers", "PortableDevices", "PrimaryDomainControllers", "Servers", "Workstations", "WorkstationsAndPortableDevices"]);
    expect(seen((o) => (o.software ? undefined : o.detectionTime === undefined ? undefined : (o.dayOfWeek ?? "daily")))).toEqual(["Friday", "Monday", "Saturday", "Sunday", "Thursday", "Tuesday", "Wednesday", "daily"]);
    expect(seen((o) => o.rebootPreference)).toEqual(["Force", "Normal", "Prompt", "Suppress"]);
    expect(seen((o) => o.promptTimeoutAction)).toEqual(["FailSession", "Reboot", "Suppress"]);
    expect(seen((o) => o.offlineBehavior)).toEqual(["ApplyOnConnect", "Skip"]);
    expect(seen((o) => o.software?.desiredState)).toEqual(["AnyVersion", "LatestVersion", "NewerOrEqualVersion", "NoAction", "NotPresent", "OlderOrEqualVersion", "ThisVersion", "UpdateIfFound"]);
    expect(seen((o) => o.task?.mode)).toEqual(["Audit", "Enforce", "Monitor", "NoAction"]);
    expect(seen((o) => o.enforcement)).toEqual(["Adhoc", "Onboarding", "Optional", "Required"]);
    expect(seen((o) => (o.software ?? o.task)?.scope && `${o.software ? "software" : "task"} ${(o.software ?? o.task).scope}`)).toEqual(["software Global", "software Local", "task Global", "task Local"]);
    expect(outputs.filter((o) => o.cronExpression !== undefined).length).toBeGreaterThan(5);
    expect(outputs.filter((o) => o.maintenanceIdentifier !== undefined && o.databaseType === undefined).length).toBeGreaterThan(5); // schedules limited to an item
  }, 120_000);

  it("a second up is all same, and a refresh changes nothing", async () => {
    engine = engineFor(secretConfig(first.stdout));
    ctx.sandbox.clearRequests();
    expect(ops(await engine.up(PROGRAM))).toEqual({ same: made.schedules + made.deployments });
    const state = engine.resources;
    const refreshed = await engine.refresh();
    expect(ops(refreshed)).toEqual({ refresh: made.schedules + made.deployments });
    expect(ctx.clock.quiet(), "the sandbox's clock passed a detection time: the scenario took over 5 minutes").toBe(true);
    expect(engine.resources.map((x) => ({ urn: x.urn, id: x.id, outputs: x.outputs }))).toEqual(state.map((x) => ({ urn: x.urn, id: x.id, outputs: x.outputs })));
    expect(writeRequests(ctx.sandbox)).toEqual([]);
  }, 120_000);

  it("after the first up the adoptIds can go: without them the next up is all same", async () => {
    const dir = tmp("repo", "tenants");
    for (const name of readdirSync(dir)) writeFileSync(join(dir, name), readFileSync(join(dir, name), "utf8").replace(/^ {4}adoptId: .*\n/gm, ""));
    expect(readdirSync(dir).some((name) => /^\s+adoptId:/m.test(readFileSync(join(dir, name), "utf8")))).toBe(false);
    ctx.sandbox.clearRequests();
    expect(ops(await engine.up(PROGRAM))).toEqual({ same: made.schedules + made.deployments });
    expect(writeRequests(ctx.sandbox)).toEqual([]);
  }, 120_000);

  it("a second export of the same instance is byte-identical; --force replaces an earlier export, without it exit 2", async () => {
    const again = await cli(["export", "--out", tmp("again")]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe(first.stdout.replaceAll(tmp("repo"), tmp("again")));
    const a = filesOf(tmp("again"));
    const reference = filesOf(tmp("repo")); // its tenants/ edited above: compare with an untouched third export
    const third = await cli(["export", "--out", tmp("repo"), "--force"]);
    expect(third.code).toBe(1);
    expect(filesOf(tmp("repo"))).toEqual(a);
    expect(reference.get("export-report.md")).toBe(a.get("export-report.md"));
    ctx.sandbox.clearRequests();
    const refused = await cli(["export", "--out", tmp("repo")]);
    expect(refused.code).toBe(2);
    expect(ctx.sandbox.requests).toEqual([]); // refused before anything was read
    expect(refused.stderr).toMatch(/already holds an export \(tenants\/contoso-labs\.yaml\): give an empty or new directory, or --force/);
  });
});

describe("the export command line", () => {
  it("--tenant exports that tenant's file only; exit 0 when nothing of it was left out", async () => {
    const r = await cli(["export", "--out", tmp("labs"), "--tenant", "contoso labs"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readdirSync(tmp("labs", "tenants"))).toEqual(["contoso-labs.yaml"]);
    expect(r.stdout).not.toMatch(/Left out/);
    expect(readFileSync(tmp("labs", "export-report.md"), "utf8")).toContain("## Left out (0)");
    const byId = await cli(["export", "--out", tmp("labs-by-id"), "--tenant", "3"]);
    expect(byId.code).toBe(0);
    expect(filesOf(tmp("labs-by-id", "tenants"))).toEqual(filesOf(tmp("labs", "tenants")));
  });

  it("wrong command lines and settings are exit 2 with the fix, before anything is read or written", async () => {
    ctx.sandbox.clearRequests();
    const cases: [string[], Record<string, string>, RegExp][] = [
      [["export"], {}, /--out <dir> is required/],
      [["export", "--out", tmp("x"), "--tenants", "a"], {}, /Unknown option '--tenants'/],
      [["export", "--out", tmp("x")], { IMMYBOT_CLIENT_SECRET: "" }, /IMMYBOT_CLIENT_SECRET/],
      [["export", "--out", tmp("x"), "--tenant", "Contso"], {}, /--tenant "Contso": No tenant named "Contso"\. Close matches: "Contoso"/],
    ];
    for (const [args, env, message] of cases) {
      const r = await cli(args, env);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain("Usage: pulumi-immybot export --out <dir>");
    }
    expect(existsSync(tmp("x"))).toBe(false);
    expect(writeRequests(ctx.sandbox)).toEqual([]);
  });

  it("an instance it cannot reach is exit 3, and nothing is written", async () => {
    const r = await cli(["export", "--out", tmp("down")], { IMMYBOT_BASE_URL: "http://127.0.0.1:9", IMMYBOT_TOKEN_URL: "http://127.0.0.1:9/token", IMMYBOT_MAX_RETRIES: "0" });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^pulumi-immybot export: Token endpoint POST http:\/\/127\.0\.0\.1:9\/token failed: connection refused/m);
    expect(existsSync(tmp("down"))).toBe(false);
  });

  it("--help, from the built bin, says what it writes and the exit codes", () => {
    const r = spawnSync(process.execPath, [join(REPO, "dist/cli/index.js"), "export", "--help"], { encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: pulumi-immybot export --out <dir> \[--tenant <name or id>\]\.\.\. \[--force\]/);
    expect(r.stdout).toContain("secretFromConfig");
    expect(r.stdout).toMatch(/Exit codes: 0 everything exported; 1 exported, and something was left out/);
  });
});
