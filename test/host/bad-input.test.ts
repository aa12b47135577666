/**
 * Bad input (issue 6): the corpus of test/fixtures/bad-input.ts, each case rejected before any request reaches the
 * sandbox, with a message that names the field and the fix.
 *
 * - Resource arguments go through Pulumi's real dynamic-provider host over gRPC, as `pulumi preview` sends them:
 *   Check(olds {}, news = arguments + `__provider`) on a host configured against the sandbox. The check must fail
 *   with exactly one failure, on the case's field, whose reason gives the fix.
 * - Provider settings: one host per bad configuration (stack config or IMMYBOT_* variables); the check fails with
 *   one error naming each setting and the fix, without the client secret.
 * - Policy files: `policy.load` (compiled SDK) reports one problem with file, path and fix, with the IMMYBOT_*
 *   variables pointing at the sandbox.
 *
 * "No request": the sandbox logs no request (token endpoint included) and a TCP relay in front of it counts no
 * connection and no byte during the case. The last test makes the host send a request through the same relay, so
 * the instruments are shown to see one. A valid MaintenanceSession's check of a new run also says where the run
 * would start (provider/run-preview.ts), a read that here stops at its token, refused for the relay's origin.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../../sandbox/server";
import type * as policyModule from "../../sdk/policy";
import { POLICY_CASES, RESOURCE_CASES, SETTINGS_CASES, VALID, type Category, type ResourceKind } from "../fixtures/bad-input";
import { HostError, ProviderHost, REPO, serializedProvider, urnFor } from "../helpers/host";
import { useTempDir } from "../helpers/temp-dir";
import { checkRequest, deepValue, encodeStruct } from "../helpers/wire-struct";

const require = createRequire(__filename);
const policy: typeof policyModule = require(join(REPO, "dist/sdk/policy/index.js"));

const KINDS: ResourceKind[] = ["Schedule", "Deployment", "MaintenanceSession", "MaintenanceRollout", "Tag", "TagMembership"];
const ENV = ["IMMYBOT_BASE_URL", "IMMYBOT_TOKEN_URL", "IMMYBOT_CLIENT_ID", "IMMYBOT_CLIENT_SECRET"] as const;

/**
 * A TCP relay to the sandbox that counts the connections clients open and the bytes they send (a request that never
 * parses counts too; one on a connection kept open from before counts in bytes).
 */
class Relay {
  connections = 0;
  bytes = 0;
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<Relay> {
    const server = createServer();
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const relay = new Relay(server, (server.address() as { port: number }).port);
    server.on("connection", (client) => {
      relay.connections++;
      const upstream = connect(targetPort, "127.0.0.1");
      for (const s of [client, upstream]) {
        relay.sockets.add(s);
        s.on("close", () => relay.sockets.delete(s));
        s.on("error", () => undefined);
      }
      client.on("data", (d: Buffer) => (relay.bytes += d.length));
      client.pipe(upstream).pipe(client);
    });
    return relay;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((ok) => this.server.close(ok));
  }
}

let sandbox: Sandbox;
let relay: Relay;
let host: ProviderHost;
let providers: Record<ResourceKind, string>;
/** Working settings: the sandbox, reached through the relay. */
let config: Record<string, string>;

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0 });
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  relay = await Relay.start(Number(new URL(baseUrl).port));
  const via = (url: string) => url.replace(`:${new URL(baseUrl).port}`, `:${relay.port}`);
  config = { "immybot:baseUrl": via(baseUrl), "immybot:tokenUrl": via(tokenUrl), "immybot:clientId": clientId, "immybot:clientSecret": clientSecret };
  let serialized: string[];
  [host, serialized] = await Promise.all([ProviderHost.start(), Promise.all(KINDS.map(serializedProvider))]);
  providers = Object.fromEntries(KINDS.map((k, i) => [k, serialized[i]])) as Record<ResourceKind, string>;
  await host.configure(config);
});

afterAll(async () => {
  await host?.stop();
  await relay?.stop();
  await sandbox?.stop();
});

function startCase(): void {
  sandbox.clearRequests();
  relay.connections = 0;
  relay.bytes = 0;
}

/** Nothing reached the sandbox since startCase(): no request (token included), not even a connection. */
function expectNoRequest(): void {
  expect(sandbox.requests.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  expect(sandbox.tokenRequests).toBe(0);
  expect(relay.connections).toBe(0);
  expect(relay.bytes).toBe(0);
}

/**
 * No request but the read of a valid MaintenanceSession's check of a new run (where the run would start), which
 * stops at its token here; it becomes a line of the check's inputs, not a failure.
 */
function expectNoRequestButThePreview(kind: ResourceKind, inputs: Record<string, unknown>): void {
  if (kind !== "MaintenanceSession") return expectNoRequest();
  const sent = sandbox.requests.map((r) => `${r.method} ${r.path}`);
  expect(sent.length).toBeGreaterThan(0);
  expect(sent.filter((r) => !/^POST \/[^/]+\/oauth2\/v2\.0\/token$/.test(r))).toEqual([]);
  expect(inputs.plannedTargets).toMatch(/^could not resolve the targets: .*token/);
}

/** `base` with `patch` applied; an undefined value removes the key. */
function patched(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base, ...patch };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

/** What the engine sends to Check at preview for a new resource. */
const news = (kind: ResourceKind, args: Record<string, unknown>) => ({ ...args, __provider: providers[kind] });

describe("the corpus", () => {
  const all = [...RESOURCE_CASES.map((c) => ({ kind: c.kind as string, category: c.category })), ...SETTINGS_CASES.map((c) => ({ kind: "settings", category: c.category })), ...POLICY_CASES.map((c) => ({ kind: "policy", category: c.category }))];
  const count = (kind: string, category?: Category) => all.filter((c) => c.kind === kind && (category === undefined || c.category === category)).length;

  it("has at least 40 cases, at least 12 per resource and 8 policy files", () => {
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect(KINDS).toHaveLength(6);
    for (const kind of KINDS) expect(count(kind), kind).toBeGreaterThanOrEqual(12);
    expect(count("policy")).toBeGreaterThanOrEqual(8);
  });

  it("covers every category the issue names, each several times", () => {
    const issue: Category[] = ["wrong type", "unknown enum name", "impossible combination", "bad time", "cron ImmyBot rejects", "unknown time zone", "id of the wrong kind", "oversized string", "missing credentials", "insecure URL", "bad duration"];
    for (const category of issue) expect(all.filter((c) => c.category === category).length, category).toBeGreaterThanOrEqual(3);
    for (const kind of KINDS) {
      // A tag and a membership have no enum and no arguments that exclude each other.
      const categories = kind === "Tag" || kind === "TagMembership" ? (["wrong type", "id of the wrong kind", "missing argument"] as const) : (["wrong type", "unknown enum name", "impossible combination", "id of the wrong kind"] as const);
      for (const category of categories) expect(count(kind, category), `${kind}: ${category}`).toBeGreaterThanOrEqual(category === "missing argument" ? 1 : 2);
    }
  });

  it("has a unique title per kind, so each case is its own named test", () => {
    for (const kind of KINDS) {
      const titles = RESOURCE_CASES.filter((c) => c.kind === kind).map((c) => c.title);
      expect(new Set(titles).size, kind).toBe(titles.length);
    }
    expect(new Set(SETTINGS_CASES.map((c) => c.title)).size).toBe(SETTINGS_CASES.length);
    expect(new Set(POLICY_CASES.map((c) => c.title)).size).toBe(POLICY_CASES.length);
  });
});

describe("the valid arguments each case starts from", () => {
  it.for(KINDS)("%s passes the check, also without a request", async (kind) => {
    startCase();
    const r = await host.check(urnFor(kind, "valid"), {}, news(kind, VALID[kind]));
    expect(r.failures).toEqual([]);
    expectNoRequestButThePreview(kind, r.inputs);
  });
});

describe("resource arguments are rejected at check, before any request, naming the field and the fix", () => {
  it.for(RESOURCE_CASES.map((c) => ({ ...c, name: `${c.kind}: ${c.title} (${c.category})` })))("$name", async (c) => {
    startCase();
    const r = await host.check(urnFor(c.kind, "bad"), {}, news(c.kind, patched(VALID[c.kind], c.args)));
    expect(r.failures.map((f) => f.property), JSON.stringify(r.failures)).toEqual([c.field]);
    expect(r.failures[0]!.reason).toMatch(c.fix);
    expectNoRequest();
  });
});

describe("bad provider settings fail the check, before any request, naming the setting and the fix", () => {
  const fill = (v: string) => v.replaceAll("{port}", String(relay.port));
  /**
   * One host per case, each started with the case's environment. All are asked for at once (they start two at a
   * time, ~1 s each) and each case awaits its own: a host that fails to start fails its case, with the host's output.
   */
  let hosts: Promise<ProviderHost>[] = [];

  beforeAll(() => {
    hosts = SETTINGS_CASES.map((c) => ProviderHost.start(Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, fill(v)]))));
    for (const h of hosts) h.catch(() => undefined); // reported by the case that awaits it
  });
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.then((started) => started.stop(), () => undefined)));
  });

  it.for(SETTINGS_CASES.map((c, i) => ({ ...c, i, name: `${c.title} (${c.category})` })))("$name", async (c) => {
    const bad = await hosts[c.i]!;
    await bad.configure(Object.fromEntries(Object.entries(patched(config, c.config ?? {})).map(([k, v]) => [k, fill(String(v))])));
    startCase();
    expect(c.fields.length, "a settings case names the settings its message must hold").toBeGreaterThan(0);
    for (const kind of KINDS) {
      const err = await bad.check(urnFor(kind, "unconfigured"), {}, news(kind, VALID[kind])).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, `${kind}: the check passed`).toBeInstanceOf(HostError);
      const message = (err as Error).message;
      expect(message).toMatch(/ImmyBot provider configuration has \d+ problems?:/);
      for (const field of c.fields) expect(message, kind).toContain(field);
      expect(message, kind).toMatch(c.fix);
      expect(message).not.toContain(sandbox.info.clientSecret);
    }
    expectNoRequest();
  });
});

describe("invalid policy files are reported by load, before any resource or request, with file, path and fix", () => {
  const tmp = useTempDir("immybot-bad-policy-");
  const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

  beforeAll(() => {
    // Where a lookup would go, if loading made one.
    Object.assign(process.env, {
      IMMYBOT_BASE_URL: config["immybot:baseUrl"],
      IMMYBOT_TOKEN_URL: config["immybot:tokenUrl"],
      IMMYBOT_CLIENT_ID: config["immybot:clientId"],
      IMMYBOT_CLIENT_SECRET: config["immybot:clientSecret"],
    });
  });
  afterAll(() => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it.for(POLICY_CASES.map((c, i) => ({ ...c, i, name: `${c.title} (${c.category})` })))("$name", (c) => {
    const dir = tmp(`case-${c.i}`, "tenants");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "contoso.yaml"), c.yaml);
    startCase();
    let error: unknown;
    try {
      policy.load(dir);
    } catch (e) {
      error = e;
    }
    expect(error, "load accepted the file").toBeInstanceOf(policy.PolicyError);
    const problems = (error as policyModule.PolicyError).problems;
    expect(problems.map((p) => `${p.file}: ${p.path}`), (error as Error).message).toEqual([`tenants/contoso.yaml: ${c.path}`]);
    expect(problems[0]!.message).toMatch(c.fix);
    expect((error as Error).message).toContain(policy.formatProblem(problems[0]!));
    expectNoRequest();
  });
});

describe("canonical arguments: check answers IANA's time zone case and single-spaced cron, and a following diff is empty", () => {
  const diffNone = { changes: "none", replaces: [], deleteBeforeReplace: false };

  it.for([
    { kind: "Schedule" as const, args: { ...VALID.Schedule, timeZone: "europe/berlin" }, canonical: { timeZone: "Europe/Berlin" } },
    { kind: "Schedule" as const, args: { targetType: "All", cronExpression: " 0\t22  1,15 *\t6 ", timeZone: "america/new_york" }, canonical: { cronExpression: "0 22 1,15 * 6", timeZone: "America/New_York" } },
    { kind: "MaintenanceSession" as const, args: { ...VALID.MaintenanceSession, executionTime: "22:00", timeZone: "ASIA/TOKYO" }, canonical: { timeZone: "Asia/Tokyo" } },
  ])("$kind $canonical", async (c) => {
    startCase();
    const urn = urnFor(c.kind, "canonical");
    const first = await host.check(urn, {}, news(c.kind, c.args));
    expect(first.failures).toEqual([]);
    expect(first.inputs).toMatchObject(c.canonical);
    // The engine's next step: diff the stored state (as typed, e.g. by an older version, or as checked) with it.
    expect(await host.diff(urn, "1", { ...first.inputs, ...c.args }, first.inputs)).toEqual(diffNone);
    expect(await host.diff(urn, "1", first.inputs, first.inputs)).toEqual(diffNone);
    // Checking the canonical inputs again changes nothing.
    expect((await host.check(urn, first.inputs, first.inputs)).inputs).toEqual(first.inputs);
    expectNoRequestButThePreview(c.kind, first.inputs);
  });

  it("keeps Deployment parameters named like Object.prototype's members as parameters", async () => {
    startCase();
    const args = { software: undefined, task: { id: "7" }, parameters: { constructor: "a", toString: 1, hasOwnProperty: { value: true, allowOverride: true } } };
    const r = await host.check(urnFor("Deployment", "proto-names"), {}, news("Deployment", patched(VALID.Deployment, args)));
    expect(r.failures).toEqual([]);
    expect((r.inputs.parameters as { value: unknown }).value).toEqual({
      constructor: { value: "a", allowOverride: false, requiresOverride: false },
      toString: { value: 1, allowOverride: false, requiresOverride: false },
      hasOwnProperty: { value: true, allowOverride: true, requiresOverride: false },
    });
    expectNoRequest();
  });
});

describe("what the engine can send that the provider never sees (requests built byte by byte, as the Go engine can)", () => {
  const request = (kind: ResourceKind, args: Record<string, unknown>) => checkRequest(urnFor(kind, "wire"), encodeStruct({}), encodeStruct({ ...args, __provider: providers[kind] }));

  it("a __proto__ key is dropped by the host's protobuf decoding (google-protobuf's map), before the provider runs", async () => {
    startCase();
    const args = JSON.parse('{"deploymentId":"42","computers":[6],"__proto__":{"x":1},"triggers":[{"__proto__":"r1","b":2}]}');
    const r = await host.checkBytes(request("MaintenanceSession", args));
    // Nothing to report: the key never reaches check (the policy loader, which reads YAML itself, reports it).
    expect(r.failures).toEqual([]);
    expect(r.inputs.triggers).toEqual([{ b: 2 }]);
    expect(r.inputs).not.toHaveProperty("x");
    expectNoRequestButThePreview("MaintenanceSession", r.inputs);
  });

  it("values nested up to what the host decodes get the provider's failure; deeper ones the host refuses itself, and it keeps serving", async () => {
    startCase();
    for (const levels of [33, 500]) {
      for (const kind of ["list", "object"] as const) {
        const r = await host.checkBytes(request("MaintenanceSession", { ...VALID.MaintenanceSession, triggers: [deepValue(levels, kind)] }));
        expect(r.failures, `${levels} ${kind}`).toEqual([{ property: "triggers", reason: expect.stringMatching(/^is nested more than 32 levels deep/) }]);
      }
    }
    // Thousands of levels: the host's protobuf decoder (recursive) gives up with a gRPC error, fast, before any
    // provider code runs; the engine shows it as the step's error. No crash, no hang: the host answers the next call.
    for (const kind of ["list", "object"] as const) {
      const error = await host.checkBytes(request("MaintenanceSession", { ...VALID.MaintenanceSession, triggers: [deepValue(5000, kind)] })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, kind).toBeInstanceOf(HostError);
      expect((error as Error).message).toMatch(/Error deserializing request/);
    }
    const after = await host.check(urnFor("MaintenanceSession", "after"), {}, news("MaintenanceSession", VALID.MaintenanceSession));
    expect(after.failures).toEqual([]);
    expectNoRequestButThePreview("MaintenanceSession", after.inputs);
  });
});

describe("the instruments", () => {
  it("see the first request of a create through the same host and relay", async () => {
    startCase();
    const urn = urnFor("Schedule", "control");
    const { inputs, failures } = await host.check(urn, {}, news("Schedule", VALID.Schedule));
    expect(failures).toEqual([]);
    // The relay changes the instance's origin, so the sandbox refuses the token's scope: the create fails at its
    // first request, the token request, which both instruments must have seen.
    await expect(host.create(urn, inputs)).rejects.toThrow(/token request .* failed: 400/);
    expect(sandbox.tokenRequests).toBe(1);
    expect(sandbox.requests.map((r) => r.method)).toEqual(["POST"]);
    expect(relay.bytes).toBeGreaterThan(0);
  });
});
