/**
 * The engine harness (test/helpers/engine.ts) runs a program as the Pulumi engine does: a provider host of its own
 * for every operation; Check and Diff one registration at a time, in registration order; creates, updates and
 * deletes on at most `parallel` workers; Diffs on the workers with `parallelDiff`; and it refuses the resource
 * options it does not model. Concurrency is read from the recorded gRPC traffic; a `beforeCall` hold makes calls
 * that may overlap do so, whatever the machine's speed.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Engine, EngineError } from "../helpers/engine";
import { REPO, type ProviderHost } from "../helpers/host";
import { useScenario, writeRequests } from "../helpers/scenario";
import { useTempDir } from "../helpers/temp-dir";

const require = createRequire(__filename);
const ctx = useScenario();
const tmp = useTempDir("engine-order-");
const sdk = () => require(join(REPO, "dist/sdk/index.js"));
const pulumi = require("@pulumi/pulumi");

let stacks = 0;
const newEngine = (options: Partial<ConstructorParameters<typeof Engine>[0]> = {}) =>
  new Engine({ hostConfig: ctx.hostConfig, stateFile: tmp(`stack-${++stacks}.json`), project: "order-test", env: ctx.env, record: true, ...options });

const NAMES = ["s0", "s1", "s2", "s3", "s4", "s5"];

/** Six independent schedules; `changed` moves every detection time (an update each). */
function schedules(changed = false) {
  return () => {
    const { Schedule } = sdk();
    for (const [i, name] of NAMES.entries()) {
      new Schedule(name, { targetType: "AllForTenant", tenantId: 2, dayOfWeek: "Sunday", detectionTime: `${changed ? 1 : 0}${i}:00` });
    }
  };
}

interface Message {
  dir: string;
  method: string;
  name: string;
}

/** A host's recorded conversation: direction, method and the resource's name of each message. */
function conversation(host: ProviderHost | undefined): Message[] {
  expect(host).toBeDefined();
  const messages = host!.traffic.map((line) => {
    const m = /^(request|response|error) (\w+) (.*)$/s.exec(line)!;
    const urn = String((JSON.parse(m[3]!) as { urn?: string }).urn ?? "");
    return { dir: m[1]!, method: m[2]!, name: urn.slice(urn.lastIndexOf("::") + 2) };
  });
  expect(messages.length).toBeGreaterThan(0);
  return messages;
}

/** The most calls of these methods the host had in flight at once. */
function maxInFlight(messages: Message[], methods: string[]): number {
  let open = 0;
  let max = 0;
  for (const m of messages.filter((x) => methods.includes(x.method))) {
    open += m.dir === "request" ? 1 : -1;
    max = Math.max(max, open);
  }
  return max;
}

const requests = (messages: Message[], methods: string[]) => messages.filter((m) => m.dir === "request" && methods.includes(m.method)).map((m) => `${m.method} ${m.name}`);

/**
 * A beforeCall that holds the calls of each named method until `n` of them wait, then lets them go together: calls
 * that can overlap then do. A call waits at most 10 s (a batch that never fills fails the test's assertion).
 */
function hold(batches: Record<string, number>): (method: string) => Promise<void> | undefined {
  const waiting = new Map<string, (() => void)[]>();
  return (method) => {
    const n = batches[method];
    if (!n) return undefined;
    return new Promise<void>((resolve) => {
      const queue = waiting.get(method) ?? [];
      waiting.set(method, queue);
      const go = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(go), 1);
        resolve();
      }, 10_000);
      queue.push(go);
      if (queue.length >= n) for (const g of queue.splice(0)) g();
    });
  };
}

describe("the engine harness runs a program as the engine does", () => {
  it("starts a provider host for every operation, configures it first and stops it at the end; none when nothing needs the provider", async () => {
    const engine = newEngine();
    const program = () => {
      const { Schedule } = sdk();
      new Schedule("weekly", { targetType: "AllForTenant", tenantId: 2, dayOfWeek: "Sunday", detectionTime: "02:00" });
    };
    const results = [await engine.up(program), await engine.preview(program), await engine.refresh(), await engine.destroy()];
    const hosts = results.map((r) => r.host!);
    expect(hosts.every((h) => h !== undefined)).toBe(true);
    expect(new Set(hosts.map((h) => h.pid)).size).toBe(4);
    expect(engine.hosts).toEqual(hosts);
    expect(engine.currentHost).toBe(hosts[3]);
    for (const h of hosts) {
      expect(h.running).toBe(false);
      expect(h.traffic[0]).toMatch(/^request configure .*"immybot:baseUrl"/);
    }
    expect(results.map((r) => r.steps.map((s) => s.op))).toEqual([["create"], ["same"], ["refresh"], ["delete"]]);

    // A program that fails before registering anything never needs the provider: no host.
    const e = await engine.up(() => Promise.reject(new Error("no policy files"))).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).host).toBeUndefined();
    expect(engine.currentHost).toBeUndefined();
    expect(engine.hosts).toHaveLength(4);
  });

  it("checks and diffs one registration at a time in registration order, and runs creates, updates and deletes `parallel` at once", async () => {
    const engine = newEngine({ parallel: 3, beforeCall: hold({ create: 3, update: 3, delete: 3 }) });
    const created = conversation((await engine.up(schedules())).host);
    expect(maxInFlight(created, ["check", "diff"])).toBe(1);
    expect(requests(created, ["check", "diff"])).toEqual(NAMES.map((n) => `check ${n}`));
    expect(maxInFlight(created, ["create"])).toBe(3);

    const updated = conversation((await engine.up(schedules(true))).host);
    expect(maxInFlight(updated, ["check", "diff"])).toBe(1);
    // Each registration's Check, then its Diff, before the next registration's Check.
    expect(requests(updated, ["check", "diff"])).toEqual(NAMES.flatMap((n) => [`check ${n}`, `diff ${n}`]));
    expect(maxInFlight(updated, ["update"])).toBe(3);
    expect(requests(updated, ["update"]).sort()).toEqual(NAMES.map((n) => `update ${n}`));

    const destroyed = conversation((await engine.destroy()).host);
    expect(maxInFlight(destroyed, ["delete"])).toBe(3);
    expect(requests(destroyed, ["delete"]).sort()).toEqual(NAMES.map((n) => `delete ${n}`));
  });

  it("with parallelDiff, runs Diffs on the workers: they overlap, while Checks stay one at a time", async () => {
    const engine = newEngine({ parallel: 3, parallelDiff: true, beforeCall: hold({ create: 3, diff: 3 }) });
    await engine.up(schedules());
    const plan = await engine.preview(schedules(true));
    expect(plan.steps.map((s) => `${s.op} ${s.name}`).sort()).toEqual(NAMES.map((n) => `update ${n}`));
    const messages = conversation(plan.host);
    expect(maxInFlight(messages, ["diff"])).toBe(3);
    expect(maxInFlight(messages, ["check"])).toBe(1);
    expect(requests(messages, ["check"])).toEqual(NAMES.map((n) => `check ${n}`));
    await engine.destroy();
  });
});

describe("resource options the harness does not model", () => {
  const group = () => new pulumi.ComponentResource("test:index:Group", "group");
  const cases: [string, () => object][] = [
    ["aliases", () => ({ aliases: [{ name: "old-weekly" }] })],
    ["deletedWith", () => ({ deletedWith: group() })],
    ["customTimeouts", () => ({ customTimeouts: { create: "5m" } })],
    ["replaceWith", () => ({ replaceWith: [group()] })],
    ["replacementTrigger", () => ({ replacementTrigger: "v2" })],
    ["hideDiffs", () => ({ hideDiffs: ["detectionTime"] })],
  ];
  for (const [option, opts] of cases) {
    it(`fails the step of a resource with ${option}, saying so, before any call`, async () => {
      const engine = newEngine();
      ctx.sandbox.clearRequests();
      const e = await engine
        .up(() => {
          const { Schedule } = sdk();
          new Schedule("weekly", { targetType: "AllForTenant", tenantId: 2, dayOfWeek: "Sunday", detectionTime: "02:00" }, opts());
        })
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(EngineError);
      expect((e as EngineError).errors).toEqual([`weekly: the harness does not model ${option}`]);
      expect(engine.currentHost).toBeUndefined(); // refused before the provider was needed
      expect(writeRequests(ctx.sandbox)).toEqual([]);
      expect(engine.resources).toEqual([]);
    });
  }
});
