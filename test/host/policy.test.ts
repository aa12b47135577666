/**
 * The policy repository example: its program (examples/policy-repo/index.ts: `policy.load` + `policy.declare` of
 * tenants/*.yaml) under Pulumi's mock monitor, each registration forwarded to the real dynamic-provider host
 * against the sandbox (sessions 20x faster). Names resolve through the lookups in the program's process (settings
 * from IMMYBOT_* variables); the BIOS password comes from a secret stack config value and stays a secret.
 * Unknown names, a plain Password parameter, a misspelt parameter and a missing secret fail every resource with
 * one error listing each problem, and nothing is created.
 */

import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../../sandbox/server";
import { ProviderHost, REPO } from "../helpers/host";
import { forwardToHost, pulumi, SECRET_SIG, value, type Registration } from "../helpers/program";

const require = createRequire(__filename);
const sdk = require(join(REPO, "dist/sdk/index.js"));
const { closeAll } = require(join(REPO, "dist/provider/client"));
const PASSWORD = "BIOS-pa55word-from-the-stack-config";
const ENV = ["IMMYBOT_BASE_URL", "IMMYBOT_TOKEN_URL", "IMMYBOT_CLIENT_ID", "IMMYBOT_CLIENT_SECRET"] as const;
const savedEnv = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

let sandbox: Sandbox;
let host: ProviderHost;
let registered: Registration[];
let secretOutputs: Map<string, string[]>;

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0, sessionTimeScale: 20 });
  host = await ProviderHost.start();
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  await host.configure({ "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret });
  // The lookups run in the program's process: there, the settings come from the IMMYBOT_* variables.
  Object.assign(process.env, { IMMYBOT_BASE_URL: baseUrl, IMMYBOT_TOKEN_URL: tokenUrl, IMMYBOT_CLIENT_ID: clientId, IMMYBOT_CLIENT_SECRET: clientSecret });
  ({ registered, secretOutputs } = forwardToHost(host));
  // `pulumi config set --secret biosPassword ...` in project immybot-test (the mock monitor's project).
  pulumi.runtime.setAllConfig({ "immybot-test:biosPassword": PASSWORD }, ["immybot-test:biosPassword"]);
});

afterAll(async () => {
  for (const k of ENV) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  pulumi.runtime.setAllConfig({});
  await closeAll();
  await host?.stop();
  await sandbox?.stop();
});

/**
 * Runs `fn` as Pulumi's program runner would: a failed registration leaves rejections unhandled on purpose, and the
 * runner reports each distinct error once (it dedupes by identity). Returns the distinct errors it would report.
 */
async function underPulumiRunner(fn: () => Promise<void>): Promise<unknown[]> {
  const vitestListeners = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const reported = new Set<unknown>();
  const runner = (e: unknown) => reported.add(e);
  process.on("unhandledRejection", runner);
  try {
    await fn();
    // Each registration of the policy then fails (its inputs wait for the names): Pulumi rejects without a handler.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    process.off("unhandledRejection", runner);
    for (const l of vitestListeners) process.on("unhandledRejection", l as (...args: unknown[]) => void);
  }
  return [...reported];
}

/** node_modules/pulumi-immybot of an example, linked to this checkout (what `npm start` does; git-ignored). */
function linkPackage(dir: string): void {
  (require(join(REPO, "dist/scripts/quickstart.js")) as typeof import("../../scripts/quickstart")).linkPackage(dir);
}

/** The error a promise rejects with. */
async function rejection(p: Promise<unknown>): Promise<{ message: string; problems?: { file: string; path: string; message: string }[] }> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e as { message: string },
  );
}

describe("the example policy repository", () => {
  it("its program declares every schedule, deployment and session with the resolved ids, runs the session, and keeps the password secret", async () => {
    // examples/policy-repo/index.ts itself, as `pulumi up` runs it: it imports "pulumi-immybot" (linked to this checkout).
    linkPackage(join(REPO, "examples/policy-repo"));
    const program = await import(join(REPO, "examples/policy-repo/index.ts"));
    const outputs = await value<Record<string, Record<string, unknown>>>(
      pulumi.output({ tenants: program.tenants, deploymentIds: program.deploymentIds, scheduleIds: program.scheduleIds, nextMaintenance: program.nextMaintenance, sessionResults: program.sessionResults, rolloutResults: program.rolloutResults }),
    );
    expect(outputs.tenants).toEqual({ contoso: { id: 2, name: "Contoso" }, fabrikam: { id: 4, name: "Fabrikam" } });
    const deployment = (key: string) => sandbox.deployment(Number(outputs.deploymentIds![key]));
    const schedule = (key: string) => sandbox.schedule(Number(outputs.scheduleIds![key]));

    expect(deployment("contoso/7zip")).toMatchObject({ maintenanceType: 0, maintenanceIdentifier: "303", desiredSoftwareState: 5, targetType: 21, tenantId: 2 });
    expect(deployment("contoso/bios-password")).toMatchObject({ maintenanceType: 5, maintenanceIdentifier: "7", maintenanceTaskMode: 0, targetType: 30, target: "1", tenantId: 2 });
    // The password reached ImmyBot (which keeps it in clear text) from the stack's secret config ...
    expect(deployment("contoso/bios-password")?.taskParameterValues).toMatchObject({ AdminPassword: { value: PASSWORD }, Enforce: { value: true } });
    expect(deployment("fabrikam/chrome")).toMatchObject({ maintenanceType: 0, maintenanceIdentifier: "114", targetType: 21, tenantId: 4, targetGroupFilter: 2, notes: expect.stringContaining("Managed in Git") });

    expect(schedule("contoso/weekly")).toMatchObject({ targetType: 21, tenantId: 2, day: 6, time: "20:00", maintenanceTime: "22:00", timeZoneInfoId: "Europe/Berlin" });
    expect(schedule("contoso/servers-7zip-nightly")).toMatchObject({ targetType: 30, target: "2", tenantId: 2, targetGroupFilter: 1, maintenanceType: 0, maintenanceIdentifier: "303", rebootPreference: 1 });
    expect(schedule("fabrikam/weekend")).toMatchObject({ tenantId: 4, customCronExpression: "0 23 * * 6", timeZoneInfoId: "America/New_York", promptTimeoutMinutes: 30, offlineBehavior: 2 });
    expect(outputs.nextMaintenance!["fabrikam/weekend"]).toMatch(/^\d{4}-\d\d-\d\dT/);

    // The session ran 7-Zip's deployment on CONTOSO-WS001 (6) and waited until it passed.
    expect(outputs.sessionResults).toEqual({ "contoso/7zip-now": { result: "Succeeded", statusCounts: { Passed: 1 } } });
    const run = registered.find((r) => r.name === "contoso-7zip-now")!;
    expect(run.inputs).toMatchObject({ deploymentId: String(outputs.deploymentIds!["contoso/7zip"]), computers: [6], rebootPreference: "Suppress", timeout: "15m" });
    const jobArgs = (s: { sessionJobArgs?: unknown }) => s.sessionJobArgs as { deploymentId?: number; rebootPreference?: number };
    const sevenZip = Number(outputs.deploymentIds!["contoso/7zip"]);
    // The rollout of 7zip ring by ring (its outputs wait for its last ring): the canary tag's two computers, then the
    // rest of Contoso's computers; with the session's run on CONTOSO-WS001, every run is of 7zip.
    expect(outputs.rolloutResults).toEqual({ "contoso/7zip-rings": { result: "Succeeded", failedRing: null } });
    const runs = sandbox.sessions().map((s) => [s.computerId, jobArgs(s).deploymentId]);
    // CONTOSO-WS001 (6) twice: the session's run and the canary ring (with CONTOSO-DC02, 4); then DC01, FS01, LT014, LT022.
    expect(runs.sort((a, b) => a[0]! - b[0]!)).toEqual([3, 4, 5, 6, 6, 7, 8].map((c) => [c, sevenZip]));

    // Resources are named <file>-<entry>; exactly these were registered.
    expect(registered.map((r) => `${r.type.split(":").at(-1)} ${r.name}`).sort()).toEqual([
      "Deployment contoso-7zip",
      "Deployment contoso-bios-password",
      "Deployment fabrikam-chrome",
      "MaintenanceRollout contoso-7zip-rings",
      "MaintenanceSession contoso-7zip-now",
      "Schedule contoso-servers-7zip-nightly",
      "Schedule contoso-weekly",
      "Schedule fabrikam-weekend",
      "Tag contoso-Contoso-Canary",
      "TagMembership contoso-Contoso-Canary-members",
    ]);

    // ... and stays a secret: wrapped in the stored inputs, a secret output, nowhere else, never in the host's logs.
    const reg = registered.find((r) => r.name === "contoso-bios-password")!;
    expect(reg.inputs.parameters).toMatchObject({ "4dabf18193072939515e22adb298388d": SECRET_SIG });
    expect(secretOutputs.get("contoso-bios-password")).toContain("parameters");
    const { parameters: _secret, ...rest } = reg.inputs;
    expect(JSON.stringify(rest)).not.toContain(PASSWORD);
    expect(JSON.stringify(registered.filter((r) => r !== reg))).not.toContain(PASSWORD);
    expect(host.logs.stderr + host.logs.stdout).not.toContain(PASSWORD);
  });
});

describe("names that do not resolve", () => {
  it("fail every resource with one error: each unknown name with the lookup's close matches, and nothing is created", async () => {
    const before = { registered: registered.length, deployments: sandbox.deployments().length, schedules: sandbox.schedules().length };
    const text = [
      "tenant: Contoso",
      "deployments:",
      "  - name: zip",
      "    software: 7-Zpi",
      "    target: all",
      "schedules:",
      "  - name: one-pc",
      "    target: { computer: CONTOSO-WS01 }",
      '    detectionTime: "01:00"',
      "  - name: canaries",
      "    target: { tag: Canaries }",
      '    detectionTime: "02:00"',
      "sessions:",
      "  - name: zip-now",
      "    deployment: zip",
    ].join("\n");
    let e!: Awaited<ReturnType<typeof rejection>>;
    const reported = await underPulumiRunner(async () => {
      const declared = sdk.policy.declare(sdk.policy.parse([{ path: "tenants/typos.yaml", text }]));
      e = await rejection(declared.resolved);
    });
    expect(e.problems).toEqual([
      { file: "tenants/typos.yaml", path: "deployments[0].software", message: 'No software named "7-Zpi". Close matches: "7-Zip" (id 303, Global).' },
      { file: "tenants/typos.yaml", path: "schedules[0].target.computer", message: expect.stringMatching(/^No computer in tenant 2 named "CONTOSO-WS01"\. Close matches: .*"CONTOSO-WS001" \(id 6, tenant 2 "Contoso"\)/) },
      { file: "tenants/typos.yaml", path: "schedules[1].target.tag", message: 'No tag named "Canaries". Close matches: "Canary" (id 1).' },
    ]);
    expect(e.message.split("\n")[1]).toBe('  tenants/typos.yaml: deployments[0].software: No software named "7-Zpi". Close matches: "7-Zip" (id 303, Global).');
    // Every resource failed with that one error, which `pulumi up` prints once, without a stack trace; nothing
    // reached the provider.
    expect(reported).toEqual([e]);
    expect(pulumi.RunError.isInstance(e)).toBe(true);
    expect(registered.length).toBe(before.registered);
    expect(sandbox.deployments()).toHaveLength(before.deployments);
    expect(sandbox.schedules()).toHaveLength(before.schedules);
  });

  it("a Password parameter with a plain value, a misspelt parameter and a missing secret are reported together", async () => {
    const text = [
      "tenant: contoso",
      "deployments:",
      "  - name: bios-plain",
      "    task: Set BIOS password",
      "    target: all",
      "    parameters:",
      "      AdminPassword: hunter2",
      "      Enforse: true",
      "  - name: bios-missing",
      "    task: set bios password",
      "    target: all",
      "    parameters:",
      "      AdminPassword: { value: { secretFromConfig: contoso:biosPassword }, allowOverride: true }",
    ].join("\n");
    let e!: Awaited<ReturnType<typeof rejection>>;
    const reported = await underPulumiRunner(async () => {
      const declared = sdk.policy.declare(sdk.policy.parse([{ path: "tenants/secrets.yaml", text }]));
      e = await rejection(declared.resolved);
    });
    expect(reported).toEqual([e]);
    expect(e.problems!.map((p) => `${p.path}: ${p.message}`)).toEqual([
      expect.stringMatching(/^deployments\[0\]\.parameters\.AdminPassword: is a Password parameter of "Set BIOS password": its value must not be in Git\. Write \{ secretFromConfig: <key> \}/),
      expect.stringMatching(/^deployments\[0\]\.parameters\.Enforse: is not a parameter of the Local maintenance task "Set BIOS password" \(id 7\); did you mean "Enforce"\? Its parameters: AdminPassword \(Password\), Enforce \(Boolean\)$/),
      'deployments[1].parameters.AdminPassword.value.secretFromConfig: the stack has no config value "contoso:biosPassword": set it with `pulumi config set --secret contoso:biosPassword <value>`',
    ]);
    expect(e.message).not.toContain(PASSWORD);
  });
});
