/**
 * What the fault scenarios share (test/scenario/faults*.test.ts): a policy repository of distinct schedules and
 * deployments per tenant, a sandbox of their own on a clock that crosses no detection time, an engine per stack whose
 * provider hosts give up on an answer after 1 s, `pulumi up` rerun as the provider asks, and the checks that every
 * object exists exactly once and the state matches the sandbox. Call `useFaultScenario()` once per test file.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { Sandbox, type FaultOptions } from "../../sandbox/server";
import { scheduleClock, type ScheduleClock } from "./clock";
import { Engine, EngineError, type RunResult, type StateResource } from "./engine";
import { REPO } from "./host";
import { useTempDir } from "./temp-dir";
export { until } from "./until";

export const PROGRAM = join(REPO, "examples/policy-repo/index.ts");
export const TENANTS = ["Northwind IT", "Contoso", "Contoso Labs", "Fabrikam"];
const SOFTWARE = ["7-Zip", "Google Chrome", "Mozilla Firefox", "Adobe Acrobat Reader"];
const STATES = ["LatestVersion", "AnyVersion", "UpdateIfFound", "NotPresent", "NoAction"];
const ENFORCEMENT = ["Required", "Optional"];
export const PER_TENANT = 25;
export const OBJECTS = TENANTS.length * PER_TENANT * 2;

/** About a fifth of all requests go wrong; seeded, so a failure can be replayed. */
export const FAULTS: FaultOptions = {
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

let tmp: (...names: string[]) => string;
export let sandbox: Sandbox;
let clock: ScheduleClock;

/** The temp directory of the file's scenarios; call once per test file, at its top level. */
export function useFaultScenario(prefix: string): (...names: string[]) => string {
  tmp = useTempDir(prefix);
  return (...names) => tmp(...names);
}

/**
 * Each scenario starts from an empty sandbox of its own, on a clock that passes no detection time (all on 5-minute
 * marks) for 5 minutes: the refresh at the end finds every `nextOccurrence` as the up wrote it.
 */
export function useSandbox(): void {
  beforeAll(async () => {
    clock = scheduleClock(5);
    sandbox = await Sandbox.start({ port: 0, now: clock.now });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });
}

/** One policy file per tenant; every entry distinct, so "exactly once" is checkable by arguments. */
export function writePolicy(dir: string, tenants: string[]): void {
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
export function engineFor(stack: string, policyDir: string, provider: Record<string, string> = {}): Engine {
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
export function held(tenantIds: number[]) {
  return {
    schedules: sandbox.schedules().filter((s) => tenantIds.includes(s.tenantId as number)),
    deployments: sandbox.deployments().filter((d) => tenantIds.includes(d.tenantId as number)),
  };
}

export function tenantIds(names: string[]): number[] {
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
export function expectExactlyOnce(engine: Engine, names: string[]): StateResource[] {
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
export async function expectStateMatchesSandbox(engine: Engine): Promise<void> {
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
export async function upUntilDone(engine: Engine, rounds = 6): Promise<{ run: RunResult; stopped: string[]; hosts: string[] }> {
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

export const ops = (run: RunResult) => {
  const counts: Record<string, number> = {};
  for (const s of run.steps) counts[s.op] = (counts[s.op] ?? 0) + 1;
  return counts;
};

