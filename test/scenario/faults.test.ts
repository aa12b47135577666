/**
 * A policy repository of 200 objects (4 tenants x 25 schedules + 25 deployments) deployed through the engine
 * harness (a fresh provider host per operation, the engine's order) while the sandbox spoils about a fifth of all
 * requests, the token endpoint's included: 429 with Retry-After, 503, connections reset before the request is
 * handled, slow answers that outlast the client's timeout (the write committed), writes that commit after the
 * client gave up, and connections dropped after the write was committed. A create whose failure leaves open whether
 * ImmyBot took it (a 503, a reset) is stopped, not sent again, so the CI job runs `pulumi up` again, as the message
 * says, until it succeeds. Afterwards every object exists exactly once, the state matches the sandbox and a further
 * `up` (faults still on) changes nothing. Then a run killed halfway (the provider host gets SIGKILL while creates are
 * in flight and committed) is started again with `adoptLeftovers` and converges the same way, taking over what the
 * killed run created but never recorded.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox, type FaultOptions } from "../../sandbox/server";
import { scheduleClock, type ScheduleClock } from "../helpers/clock";
import { Engine, EngineError, type RunResult, type StateResource } from "../helpers/engine";
import { REPO } from "../helpers/host";
import { writeRequests } from "../helpers/scenario";
import { useTempDir } from "../helpers/temp-dir";

const PROGRAM = join(REPO, "examples/policy-repo/index.ts");
const TENANTS = ["Northwind IT", "Contoso", "Contoso Labs", "Fabrikam"];
const SOFTWARE = ["7-Zip", "Google Chrome", "Mozilla Firefox", "Adobe Acrobat Reader"];
const STATES = ["LatestVersion", "AnyVersion", "UpdateIfFound", "NotPresent", "NoAction"];
const ENFORCEMENT = ["Required", "Optional"];
const PER_TENANT = 25;
const OBJECTS = TENANTS.length * PER_TENANT * 2;

/** About a fifth of all requests go wrong; seeded, so a failure can be replayed. */
const FAULTS: FaultOptions = {
  seed: 20261121,
  rate429: 0.05,
  retryAfterSeconds: 1,
  rate5xx: 0.05,
  status5xx: 503,
  rateReset: 0.04,
  rateSlow: 0.03,
  slowMs: 1_500,
  rateResetAfterCommit: 0.03,
  // Committed 1.5 s after arrival: after the client gave up (1 s), within the provider's look (2 s more).
  rateLateCommit: 0.02,
  faultsOnToken: true,
};

/** The client gives up on an answer after 1 s (so "slow" outlasts it) and retries quickly. */
const CLIENT = {
  "immybot:requestTimeoutMs": "1000",
  "immybot:maxRetries": "6",
  "immybot:retryMinDelayMs": "50",
  "immybot:retryMaxDelayMs": "400",
};

const tmp = useTempDir("faults-scenario-");
let sandbox: Sandbox;
let clock: ScheduleClock;

/**
 * Each scenario starts from an empty sandbox of its own, on a clock that passes no detection time (all on 5-minute
 * marks) for 5 minutes: the refresh at the end finds every `nextOccurrence` as the up wrote it.
 */
function useSandbox(): void {
  beforeAll(async () => {
    clock = scheduleClock(5);
    sandbox = await Sandbox.start({ port: 0, now: clock.now });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });
}

/** One policy file per tenant; every entry distinct, so "exactly once" is checkable by arguments. */
function writePolicy(dir: string, tenants: string[]): void {
  mkdirSync(dir, { recursive: true });
  for (const [t, tenant] of tenants.entries()) {
    const lines = [`tenant: ${tenant}`, "schedules:"];
    for (let i = 0; i < PER_TENANT; i++) {
      lines.push(
        `  - name: s${i}`,
        "    target: all",
        `    detectionTime: "${String(t * 6 + Math.floor(i / 12)).padStart(2, "0")}:${String((i % 12) * 5).padStart(2, "0")}"`,
        "    timeZone: Europe/Berlin",
        "    rebootPreference: Suppress",
      );
    }
    lines.push("deployments:");
    for (let i = 0; i < PER_TENANT; i++) {
      lines.push(
        `  - name: d${i}`,
        `    software: ${SOFTWARE[i % SOFTWARE.length]}`,
        "    scope: Global",
        `    desiredState: ${STATES[Math.floor(i / SOFTWARE.length) % STATES.length]}`,
        `    enforcement: ${ENFORCEMENT[Math.floor(i / (SOFTWARE.length * STATES.length))]}`,
        "    target: all",
      );
    }
    writeFileSync(join(dir, `${tenant.toLowerCase().replace(/\W+/g, "-")}.yaml`), lines.join("\n") + "\n");
  }
}

/**
 * An engine on this stack; each of its operations starts a provider host configured with these client settings.
 * As a CI job running `pulumi up --continue-on-error`: a create the provider stops (no clear answer) does not stop
 * the others.
 */
function engineFor(stack: string, policyDir: string, provider: Record<string, string> = {}): Engine {
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  return new Engine({
    continueOnError: true,
    // A big policy repository's CI job raises --parallel: steps waiting out a Retry-After or a lost answer hold a slot.
    parallel: 32,
    hostConfig: { "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret, ...CLIENT, ...provider },
    stateFile: tmp(`${stack}.json`),
    stack,
    config: { "immybot-policy:policyDir": policyDir },
    // The program's lookups (names -> ids) go through the same faults, with the same client settings (the host
    // gets this environment too, but its config wins).
    env: {
      IMMYBOT_BASE_URL: baseUrl,
      IMMYBOT_TOKEN_URL: tokenUrl,
      IMMYBOT_CLIENT_ID: clientId,
      IMMYBOT_CLIENT_SECRET: clientSecret,
      IMMYBOT_REQUEST_TIMEOUT_MS: CLIENT["immybot:requestTimeoutMs"],
      IMMYBOT_MAX_RETRIES: CLIENT["immybot:maxRetries"],
      IMMYBOT_RETRY_MIN_DELAY_MS: CLIENT["immybot:retryMinDelayMs"],
      IMMYBOT_RETRY_MAX_DELAY_MS: CLIENT["immybot:retryMaxDelayMs"],
    },
  });
}

/** The sandbox's objects of these tenants, by kind. */
function held(tenantIds: number[]) {
  return {
    schedules: sandbox.schedules().filter((s) => tenantIds.includes(s.tenantId as number)),
    deployments: sandbox.deployments().filter((d) => tenantIds.includes(d.tenantId as number)),
  };
}

function tenantIds(names: string[]): number[] {
  return (sandbox.seed().tenants ?? []).filter((t) => names.includes(t.name)).map((t) => t.id);
}

/** Each sandbox object's arguments (what the API says about it, without ids and audit fields). */
function argumentsOf(o: Record<string, unknown>): string {
  const { id: _id, createdDateUTC: _c, updatedDateUTC: _u, createdBy: _cb, updatedBy: _ub, updatedByName: _un, nextOccurenceDate: _n, ...rest } = o;
  return JSON.stringify(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Every object exists exactly once: the state has one resource per policy entry, each id is held by the sandbox,
 * the sandbox holds nothing else for these tenants, and no two of its objects have the same arguments.
 */
function expectExactlyOnce(engine: Engine, names: string[]): StateResource[] {
  const resources = engine.resources.filter((r) => !r.type.includes("Lookup"));
  const schedules = resources.filter((r) => r.type.endsWith(":Schedule"));
  const deployments = resources.filter((r) => r.type.endsWith(":Deployment"));
  expect(schedules).toHaveLength(names.length * PER_TENANT);
  expect(deployments).toHaveLength(names.length * PER_TENANT);
  const box = held(tenantIds(names));
  expect(box.schedules.map((s) => String(s.id)).sort()).toEqual(schedules.map((r) => r.id).sort());
  expect(box.deployments.map((d) => String(d.id)).sort()).toEqual(deployments.map((r) => r.id).sort());
  const all = [...box.schedules, ...box.deployments].map((o) => argumentsOf(o as unknown as Record<string, unknown>));
  expect(new Set(all).size).toBe(all.length);
  return resources;
}

/** The state matches the sandbox: a refresh (faults off) changes no resource's outputs or inputs. */
async function expectStateMatchesSandbox(engine: Engine): Promise<void> {
  const before = engine.resources;
  const faults = sandbox.faults.options;
  sandbox.faults.clear();
  try {
    const refreshed = await engine.refresh();
    expect(refreshed.steps.length).toBe(before.length);
    expect(refreshed.steps.every((s) => s.op === "refresh")).toBe(true);
  } finally {
    sandbox.faults.set(faults);
  }
  expect(clock.quiet(), "the sandbox's clock passed a detection time: the scenario took over 5 minutes").toBe(true);
  const after = new Map(engine.resources.map((r) => [r.urn, r]));
  expect(before.length).toBeGreaterThan(0);
  for (const r of before) {
    const now = after.get(r.urn)!;
    expect({ urn: r.urn, id: now.id, outputs: now.outputs }).toEqual({ urn: r.urn, id: r.id, outputs: r.outputs });
  }
}

/**
 * `pulumi up` again while it fails, as the provider asks after a create it stopped (at most `rounds` times). Every
 * failure must be such a stop: a POST whose failure left open whether ImmyBot took it, not sent again.
 */
async function upUntilDone(engine: Engine, rounds = 6): Promise<{ run: RunResult; stopped: string[]; hosts: string[] }> {
  const stopped: string[] = [];
  const hosts: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    try {
      const run = await engine.up(PROGRAM);
      hosts.push(run.host!.logs.stdout);
      return { run, stopped, hosts };
    } catch (e) {
      expect(e).toBeInstanceOf(EngineError);
      const errors = (e as EngineError).errors;
      hosts.push((e as EngineError).host?.logs.stdout ?? "");
      expect(errors.filter((m) => !/got no clear answer .*The request was not sent again/.test(m))).toEqual([]);
      stopped.push(...errors);
    }
  }
  throw new Error(`still failing after ${rounds} runs of \`pulumi up\``);
}

const ops = (run: RunResult) => {
  const counts: Record<string, number> = {};
  for (const s of run.steps) counts[s.op] = (counts[s.op] ?? 0) + 1;
  return counts;
};

describe("up of 200 objects while a fifth of the requests fail", () => {
  useSandbox();
  let engine: Engine;
  const dir = () => tmp("all-tenants");

  beforeAll(() => {
    writePolicy(dir(), TENANTS);
    engine = engineFor("faults", dir());
  });
  afterAll(() => {
    sandbox.faults.clear();
  });

  it("creates every object exactly once, and the state matches the sandbox", async () => {
    sandbox.clearRequests();
    sandbox.faults.set(FAULTS);
    const { run, stopped, hosts } = await upUntilDone(engine);
    expect(ops(run).create).toBeGreaterThan(0);

    const requests = sandbox.requests;
    const faulted = requests.filter((r) => r.fault);
    const kinds = new Set(faulted.map((r) => r.fault));
    // The faults really happened, about one request in five, and of every kind, writes included.
    expect(faulted.length / requests.length).toBeGreaterThan(0.12);
    expect([...kinds].sort()).toEqual(["429", "503", "late-commit", "reset", "reset-after-commit", "slow"]);
    const lostWrites = faulted.filter((r) => r.method === "POST" && r.path.startsWith("/api/") && ["reset-after-commit", "slow", "late-commit"].includes(r.fault!));
    expect(lostWrites.length).toBeGreaterThan(0);
    // A write whose answer was lost was found in ImmyBot, not made again (the up's own host says so) ...
    expect(hosts.join("\n")).toMatch(/the answer to creating (schedule|deployment) \d+ was lost; found it in ImmyBot/);
    // ... and one whose failure left it open (a 503, a reset before ImmyBot read it) stopped, unsent, for the next up.
    expect(stopped.length).toBeGreaterThan(0);
    expect(faulted.filter((r) => r.method === "POST" && ["503", "reset"].includes(r.fault!)).length).toBeGreaterThan(0);

    expectExactlyOnce(engine, TENANTS);
    await expectStateMatchesSandbox(engine);
  }, 120_000);

  it("a second up, faults still on, changes nothing and writes nothing", async () => {
    sandbox.clearRequests();
    const run = await engine.up(PROGRAM);
    expect(ops(run)).toEqual({ same: OBJECTS });
    expect(writeRequests(sandbox)).toEqual([]);
    expectExactlyOnce(engine, TENANTS);
  });
});

describe("a run killed halfway, started again with adoptLeftovers", () => {
  useSandbox();
  const names = ["Contoso", "Fabrikam"];
  const dir = () => tmp("two-tenants");
  const half = (names.length * PER_TENANT * 2) / 2;

  it("converges: every object once, what the killed run created unrecorded is taken over, then nothing to do", async () => {
    // Taking leftovers over is opt-in (it cannot tell them from another stack's objects); every entry here is distinct.
    writePolicy(dir(), names);
    const ids = tenantIds(names);
    const count = () => held(ids).schedules.length + held(ids).deployments.length;
    expect(count()).toBe(0);

    // First run: faults on; once half the objects exist, the next four creates are committed but answered late,
    // and the provider host is killed while they are in flight (a cancelled CI job).
    sandbox.faults.set(FAULTS);
    const killed = engineFor("interrupted", dir());
    const running = killed.up(PROGRAM).then(
      () => undefined,
      (e: unknown) => e,
    );
    await until(() => count() >= half);
    const creates = /^\/api\/v1\/(schedules|target-assignments)$/;
    sandbox.faults.script({ method: "POST", path: creates, fault: "slow", delayMs: 60_000, times: 4 });
    await until(() => sandbox.faults.pending().length === 0);
    const first = killed.currentHost!;
    expect(first).toBeDefined();
    await first.kill();
    const error = await running;
    expect(error).toBeInstanceOf(EngineError);

    const recorded = killed.resources.filter((r) => !r.type.includes("Lookup")).length;
    expect(recorded).toBeLessThan(count()); // objects exist that the state does not know
    expect(count()).toBeLessThan(names.length * PER_TENANT * 2);

    // Second run: a new engine (and so a new host) on the same state file, faults still on.
    try {
      const engine = engineFor("interrupted", dir(), { "immybot:adoptLeftovers": "true" });
      const { run, hosts } = await upUntilDone(engine);
      expect(run.host!.pid).not.toBe(first.pid);
      expect((ops(run).create ?? 0) + (ops(run).same ?? 0)).toBe(names.length * PER_TENANT * 2);
      const takenOver = hosts.join("\n").match(/took over (schedule|deployment) \d+/g) ?? [];
      expect(takenOver.length).toBeGreaterThanOrEqual(4);
      expectExactlyOnce(engine, names);
      await expectStateMatchesSandbox(engine);

      sandbox.clearRequests();
      const again = await engine.up(PROGRAM);
      expect(ops(again)).toEqual({ same: names.length * PER_TENANT * 2 });
      expect(writeRequests(sandbox)).toEqual([]);
    } finally {
      sandbox.faults.clear();
    }
  }, 120_000);
});

async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}
