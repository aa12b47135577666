/**
 * The npm package as a user gets it: `npm pack` of this checkout (built by `npm test`'s pretest), installed into a
 * brand-new project in a temp directory with no network (npm's own resolver, against a registry on 127.0.0.1 that
 * serves this checkout's locked dependencies from the npm cache: test/helpers/local-registry.ts). The user's
 * program (test/fixtures/user-project: every resource and lookup, a read by id, a policy file) compiles with the
 * project's own tsc and runs through the dynamic-provider host of the project's own @pulumi/pulumi against the
 * sandbox, with one copy of @pulumi/pulumi in the project. The policy pack's module loads without @pulumi/policy.
 * The installed bin validates a policy repository, and its files find the JSON Schema where their `$schema` line says.
 *
 * One pass, in order (each step needs the one before); about 30 to 60 s on an idle 2-core machine, mostly the
 * install and tsc.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../../sandbox/server";
import { ProviderHost } from "../helpers/host";
import { LocalRegistry } from "../helpers/local-registry";
import { forwardToHost, value, type Registration } from "../helpers/program";
import { useTempDir } from "../helpers/temp-dir";

const REPO = resolve(__dirname, "../..");
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { name: string; version: string; devDependencies: Record<string, string> };
const tmp = useTempDir("immybot-package-");
/** Installs and tsc are CPU-bound: generous limits for a loaded machine. */
const SLOW_MS = 300_000;

let registry: LocalRegistry;
let tarball: string;
let project: string;

beforeAll(async () => {
  registry = await LocalRegistry.start(join(REPO, "package-lock.json"));
});

afterAll(async () => {
  await registry?.stop();
});

/**
 * `npm <args>` as in a fresh shell: none of the npm_* variables of the `npm test` that runs this file. Not spawnSync:
 * the local registry answers from this process's event loop.
 */
function npm(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const child = spawn("npm", args, { cwd, env: { ...env, NO_UPDATE_NOTIFIER: "1" }, timeout: SLOW_MS });
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (out.stdout += d));
  child.stderr.on("data", (d) => (out.stderr += d));
  return new Promise((ok, fail) => {
    child.once("error", fail);
    child.once("close", (status) => ok({ status, ...out }));
  });
}

describe("the npm package", () => {
  it("npm pack ships the built SDK, provider, bin and sandbox, the policy schema, README, CHANGELOG and the project files `export` writes: nothing from test/, no sources, no typings of the bin", async () => {
    const dest = tmp("pack");
    mkdirSync(dest);
    // dist is built (pretest); --ignore-scripts: `prepare` would build it again.
    const r = await npm(["pack", "--ignore-scripts", "--json", "--pack-destination", dest], REPO);
    expect(r.status, r.stderr).toBe(0);
    const [packed] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
    tarball = join(dest, packed!.filename);
    expect(existsSync(tarball)).toBe(true);
    const files = packed!.files.map((f) => f.path);
    expect(files.length).toBeGreaterThan(50);

    for (const f of ["package.json", "README.md", "CHANGELOG.md", "policy.schema.json", "sandbox/default-seed.json", "dist/sdk/index.js", "dist/sdk/index.d.ts", "dist/provider/index.js", "dist/cli/index.js", "dist/cli/validate.js", "dist/sandbox/server.js"]) {
      expect(files, f).toContain(f);
    }
    // `pulumi-immybot export` writes examples/policy-repo's project files around the policy it exports.
    const templates = ["examples/policy-repo/Pulumi.yaml", "examples/policy-repo/index.ts", "examples/policy-repo/package.json", "examples/policy-repo/tsconfig.json"];
    expect(files.filter((f) => !/^dist\/(sdk|provider|cli|sandbox)\/.+\.(js|js\.map|d\.ts)$/.test(f)).sort()).toEqual([
      "CHANGELOG.md",
      "README.md",
      ...templates,
      "package.json",
      "policy-pack/package.json",
      "policy.schema.json",
      "sandbox/default-seed.json",
    ].sort());
    expect(files.filter((f) => !templates.includes(f) && /(^|\/)test\/|\.test\.|fixtures|bench|\.ts$(?<!\.d\.ts)/.test(f))).toEqual([]);
    expect(files.filter((f) => /^dist\/(cli|sandbox)\/.*\.d\.ts$/.test(f))).toEqual([]);
    // Every source map maps shipped code: the built test helpers (dist/test after `npm run bench`) never ship.
    // The version lives in package.json; the CHANGELOG's newest entry is that version.
    expect(/^## (\S+)/m.exec(readFileSync(join(REPO, "CHANGELOG.md"), "utf8"))?.[1]).toBe(pkg.version);
    const maps = files.filter((f) => f.endsWith(".map"));
    expect(maps.length).toBeGreaterThan(0);
    expect(maps.filter((f) => !existsSync(join(REPO, f.replace(/\.map$/, ""))) || !files.includes(f.replace(/\.map$/, "")))).toEqual([]);
  }, SLOW_MS);

  it(
    "installs into a new, empty project with no network, sharing the project's one @pulumi/pulumi (a peer dependency)",
    async () => {
      project = tmp("my-immybot-policy");
      mkdirSync(project);
      // What a Pulumi TypeScript template gives: @pulumi/pulumi, typescript and @types/node.
      const devDependencies = { typescript: pkg.devDependencies.typescript, "@types/node": pkg.devDependencies["@types/node"] };
      writeFileSync(
        join(project, "package.json"),
        JSON.stringify({ name: "my-immybot-policy", version: "1.0.0", private: true, main: "bin/index.js", dependencies: { "@pulumi/pulumi": pkg.devDependencies["@pulumi/pulumi"] }, devDependencies }, null, 2),
      );
      const r = await npm(["install", "--no-audit", "--no-fund", "--registry", registry.url, "--cache", tmp("npm-cache"), tarball], project);
      expect(r.status, `${r.stderr}\nnot in the npm cache: ${registry.missing.join(", ") || "none"}`).toBe(0);

      const installed = JSON.parse(readFileSync(join(project, "node_modules/pulumi-immybot/package.json"), "utf8"));
      expect(installed.version).toBe(pkg.version);
      expect(JSON.parse(readFileSync(join(project, "package.json"), "utf8")).dependencies["pulumi-immybot"]).toMatch(/^file:.*\.tgz$/);
      // One @pulumi/pulumi in the whole tree, and the package resolves to it: its resources and the host are the program's.
      const copies = findAll(join(project, "node_modules"), "@pulumi/pulumi/package.json");
      expect(copies).toEqual([join(project, "node_modules/@pulumi/pulumi/package.json")]);
      const fromPackage = createRequire(join(project, "node_modules/pulumi-immybot/dist/sdk/index.js")).resolve("@pulumi/pulumi");
      expect(fromPackage).toBe(createRequire(join(project, "index.js")).resolve("@pulumi/pulumi"));
      // This checkout's tools stay here.
      for (const dev of ["vitest", "ajv", "typescript-json-schema", "ts-node"]) expect(existsSync(join(project, "node_modules", dev)), dev).toBe(false);
    },
    SLOW_MS,
  );

  it("`pulumi-immybot/policy-pack` resolves in the installed project and gives the policies, without @pulumi/policy installed (types only)", () => {
    expect(existsSync(join(project, "node_modules/@pulumi/policy"))).toBe(false);
    const projectRequire = createRequire(join(project, "index.js"));
    expect(projectRequire.resolve("pulumi-immybot/policy-pack")).toBe(join(project, "node_modules/pulumi-immybot/dist/sdk/policy-pack/index.js"));
    const { immybotPolicies } = projectRequire("pulumi-immybot/policy-pack");
    const policies = immybotPolicies({ ignore: ["test-first"] }) as { name: string; enforcementLevel: string }[];
    expect(policies.map((p) => `${p.name} ${p.enforcementLevel}`)).toEqual([
      "staggered-windows advisory",
      "test-first disabled",
      "reboot-force-workstations mandatory",
      "prompt-timeout-action advisory",
      "email-cannot-work mandatory",
      "rollout-first-ring advisory",
    ]);
  });

  it(
    "the user's program using every resource and lookup compiles with the project's own tsc",
    () => {
      cpSync(join(REPO, "test/fixtures/user-project"), project, { recursive: true });
      // Throws, failing the test, with tsc's diagnostics; the package's typings are checked too (no skipLibCheck). The
      // template tsconfig plus esModuleInterop, which zod's typings need under tsc (`pulumi up`'s ts-node does not check them).
      execFileSync(process.execPath, [join(project, "node_modules/typescript/bin/tsc"), "-p", project], { cwd: project, encoding: "utf8", timeout: SLOW_MS });
      expect(existsSync(join(project, "bin/index.js"))).toBe(true);
    },
    SLOW_MS,
  );

  it(
    "runs through the project's dynamic-provider host against the sandbox: created in ImmyBot, outputs read back, the secret kept secret",
    async () => {
      const sandbox = await Sandbox.start({ port: 0, sessionTimeScale: 20 });
      const host = await ProviderHost.start({}, { project });
      try {
        const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
        const settings = { "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret };
        await host.configure(settings, ["immybot:clientSecret"]);
        const existing = sandbox.createSchedule({ targetType: "AllTenants", targetCategory: 1, time: "03:00", offlineBehavior: 2 });
        // The project's own copies: the SDK the program imports and the package it installed.
        const projectRequire = createRequire(join(project, "index.js"));
        const sdk = projectRequire("@pulumi/pulumi");
        const { registered } = forwardToHost(host, sdk);
        // Stack config as `pulumi config set` gives it (project immybot-test of the mocks); lookups read the immybot:* keys.
        const secretKeys = ["immybot:clientSecret", "immybot-test:biosPassword"];
        sdk.runtime.setAllConfig({ ...settings, "immybot-test:biosPassword": "from-the-stack", "immybot-test:existingScheduleId": String(existing.id) }, secretKeys);
        try {
          const program = projectRequire("./bin/index.js");
          const outputs = await value<Record<string, unknown>>(sdk.output(program));
          expect(outputs).toMatchObject({
            runResult: "Succeeded",
            existingTarget: "AllTenants",
            found: ["Fabrikam", "FAB-DC01", "Google Chrome", "Canary", "Set BIOS password"],
          });
          expect(sandbox.schedule(Number(outputs.scheduleId))).toMatchObject({ targetType: 30, target: "1", time: "20:00", maintenanceTime: "22:00", day: 6 });
          expect(sandbox.schedule(Number(outputs.policyScheduleId))).toMatchObject({ targetType: 21, tenantId: 4, time: "01:00" });
          const [zip, password] = outputs.deploymentIds as string[];
          expect(sandbox.deployment(Number(zip))).toMatchObject({ maintenanceIdentifier: "303", targetType: 21, tenantId: 2 });
          expect(sandbox.deployment(Number(password))?.taskParameterValues).toMatchObject({ AdminPassword: { value: "from-the-stack" } });
          expect(sandbox.sessions()).toHaveLength(1);
          expect(registered.map((r: Registration) => `${r.type.split(":").at(-1)} ${r.name}`).sort()).toEqual([
            "Deployment 7zip",
            "Deployment bios-password",
            "MaintenanceSession 7zip-now",
            "Schedule existing",
            "Schedule fabrikam-nightly",
            "Schedule weekly",
          ]);
          // The shim in the state requires the package by name: the host loaded the project's installed copy.
          expect(String(registered[0]!.inputs.__provider)).toContain("pulumi-immybot/dist/provider");
          expect(host.logs.stderr + host.logs.stdout).not.toContain("from-the-stack");
        } finally {
          sdk.runtime.setAllConfig({});
          await projectRequire("pulumi-immybot/dist/provider/client").closeAll();
        }
      } finally {
        await host.stop();
        await sandbox.stop();
      }
    },
    SLOW_MS,
  );

  it("the installed bin validates a policy repository, whose files find the package's JSON Schema through their $schema line", () => {
    const tenants = join(project, "tenants");
    cpSync(join(REPO, "examples/policy-repo/tenants"), tenants, { recursive: true });
    const yamlFiles = readdirSync(tenants).filter((f) => f.endsWith(".yaml"));
    expect(yamlFiles.length).toBeGreaterThanOrEqual(2);
    for (const f of yamlFiles) {
      const schemaLine = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readFileSync(join(tenants, f), "utf8"));
      expect(schemaLine, f).not.toBeNull();
      const schema = JSON.parse(readFileSync(resolve(tenants, schemaLine![1]!), "utf8"));
      expect(schema.title).toBe("pulumi-immybot policy file");
    }
    const bin = join(project, "node_modules/.bin/pulumi-immybot");
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("IMMYBOT_")));
    const ok = spawnSync(bin, ["validate", "tenants"], { cwd: project, env, encoding: "utf8", timeout: 60_000 });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^tenants: 2 files, no problems; format only: names not checked/);
    writeFileSync(join(tenants, "northwind.yaml"), 'tenant: Northwind IT\nschedules:\n  - name: nightly\n    target: all\n    detectionTime: "2:00"\n');
    const bad = spawnSync(bin, ["validate", "tenants"], { cwd: project, env, encoding: "utf8", timeout: 60_000 });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('tenants/northwind.yaml: schedules[0].detectionTime: "2:00" is not HH:mm (24-hour, e.g. "22:00")');
    expect(spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim()).toBe(pkg.version);
  });
});

/** Every file under `dir` whose path ends with `suffix` (following node_modules trees). */
function findAll(dir: string, suffix: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (p.endsWith(suffix)) found.push(p);
      else if (e.isDirectory() && !e.isSymbolicLink()) walk(p);
    }
  };
  walk(dir);
  return found;
}

