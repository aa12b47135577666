/**
 * `npm run bench`: how long refresh, a no-change `up` and an `up` changing 10% of the objects take for N schedules
 * and deployments, against a sandbox that adds a fixed latency to every API request, compared with the lower bound
 * (API requests needed x latency / the provider's allowed concurrency).
 *
 * Each operation is one Pulumi run: the engine harness starts a fresh dynamic-provider host (Pulumi's real one,
 * over gRPC) for it, as `pulumi refresh` / `pulumi up` would; the wall time leaves out the host's start. The sandbox
 * counts requests, token requests and TCP connections; the host's peak memory is its VmHWM from /proc (Linux).
 *
 * Prints the table and puts it into docs/bench.md between the bench markers. Options (env): BENCH_SIZES (default "100,1000"),
 * BENCH_LATENCY_MS (default 20), BENCH_PARALLEL (engine steps in flight, default 4 x CPUs as in pulumi up).
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { SandboxInfo } from "../../sandbox/server";
import { defaultParallel, Engine, type RunResult } from "../helpers/engine";
import { REPO } from "../helpers/host";
import type { SandboxStats } from "./sandbox-process";

const immybot = require(join(REPO, "dist/sdk")) as typeof import("../../sdk");

const SIZES = (process.env.BENCH_SIZES ?? "100,1000").split(",").map(Number);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const PARALLEL = process.env.BENCH_PARALLEL ? Number(process.env.BENCH_PARALLEL) : defaultParallel();
/** The provider's default maxConcurrency: requests in flight to ImmyBot at once. */
const CONCURRENCY = 4;
const TENANTS = [1, 2, 3, 4];
const SOFTWARE = ["114", "118", "155", "303"];
const STATES = ["LatestVersion", "AnyVersion", "UpdateIfFound", "NotPresent"] as const;

interface Row {
  n: number;
  op: string;
  wallMs: number;
  apiRequests: number;
  lowerBoundMs: number;
  tokenRequests: number;
  /** Connections that carried API requests (the token endpoint's own connection is not counted). */
  apiConnections: number;
  peakRssMiB: number | undefined;
  /** CPU the provider host used during the operation (its start excluded). */
  hostCpuMs: number | undefined;
  /** CPU the harness (program, SDK, engine stand-in) used during the operation. */
  harnessCpuMs: number;
  steps: string;
}

/** The bench's program: n/2 schedules and n/2 deployments; `changed(i)` alters object i (the 10% change). */
function program(n: number, changed: (i: number) => boolean = () => false) {
  return () => {
    for (let i = 0; i < n / 2; i++) {
      const c = changed(2 * i);
      new immybot.Schedule(`schedule-${i}`, {
        targetType: "AllForTenant",
        tenantId: TENANTS[i % TENANTS.length]!,
        dayOfWeek: "Saturday",
        detectionTime: `${String(Math.floor(i / 60) % 24).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}`,
        executionTime: c ? "23:30" : "23:00",
        timeZone: "Europe/Berlin",
        rebootPreference: "Normal",
      });
    }
    for (let i = 0; i < n / 2; i++) {
      const c = changed(2 * i + 1);
      new immybot.Deployment(`deployment-${i}`, {
        software: { id: SOFTWARE[i % SOFTWARE.length]!, desiredState: STATES[Math.floor(i / SOFTWARE.length) % STATES.length]! },
        targetType: "AllForTenant",
        tenantId: TENANTS[i % TENANTS.length]!,
        enforcement: c ? "Optional" : "Required",
      });
    }
    return {};
  };
}

/** The sandbox process (sandbox-process.ts), driven over IPC. */
class RemoteSandbox {
  private next = 1;
  private readonly waiting = new Map<number, (v: unknown) => void>();
  private constructor(private readonly child: ChildProcess, readonly info: SandboxInfo) {}

  static async start(options: object): Promise<RemoteSandbox> {
    const child = fork(join(__dirname, "sandbox-process.js"), [JSON.stringify(options)], { stdio: "inherit" });
    const info = await new Promise<SandboxInfo>((ok, fail) => {
      child.once("message", (m: { value: SandboxInfo }) => ok(m.value));
      child.once("exit", (code) => fail(new Error(`the sandbox process exited (${code})`)));
    });
    const box = new RemoteSandbox(child, info);
    child.on("message", (m: { id: number; value: unknown }) => box.waiting.get(m.id)?.(m.value));
    return box;
  }

  ask(cmd: string): Promise<unknown> {
    const id = this.next++;
    return new Promise((ok) => {
      this.waiting.set(id, ok);
      this.child.send({ id, cmd });
    });
  }

  stats(): Promise<SandboxStats> {
    return this.ask("stats") as Promise<SandboxStats>;
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.send({ id: 0, cmd: "stop" });
    await exited;
  }
}

async function measure(n: number, op: string, sandbox: RemoteSandbox, stateFile: string, body: (engine: Engine) => Promise<RunResult>): Promise<Row> {
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  // The host's CPU from when it is ready (its start excluded) to the end of the operation, read before it stops.
  let hostCpu0: number | undefined;
  let hostCpu1: number | undefined;
  let peakRssMiB: number | undefined;
  let ended = 0;
  const engine = new Engine({
    hostConfig: { "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret },
    stateFile,
    parallel: PARALLEL,
    prestartHosts: false, // the next operation's host would start beside this one
    onHost: (host) => (hostCpu0 = cpuMs(host.pid)),
    beforeHostStop: (host) => {
      ended = performance.now();
      hostCpu1 = cpuMs(host.pid);
      peakRssMiB = peakRss(host.pid);
    },
  });
  await sandbox.ask("clear");
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const result = await body(engine);
  // The operation waited for its host to start (at its first provider call): that start is not the provider's time.
  const wallMs = (ended || performance.now()) - started - (result.host?.startMs ?? 0);
  const harnessCpu = process.cpuUsage(cpu0);
  const stats = await sandbox.stats();
  const counts = new Map<string, number>();
  for (const s of result.steps) counts.set(s.op, (counts.get(s.op) ?? 0) + 1);
  const row: Row = {
    n,
    op,
    wallMs,
    apiRequests: stats.apiRequests,
    lowerBoundMs: (stats.apiRequests * LATENCY_MS) / CONCURRENCY,
    tokenRequests: stats.tokenRequests,
    apiConnections: stats.apiConnections,
    peakRssMiB,
    hostCpuMs: hostCpu0 === undefined || hostCpu1 === undefined ? undefined : hostCpu1 - hostCpu0,
    harnessCpuMs: (harnessCpu.user + harnessCpu.system) / 1000,
    steps: [...counts].map(([k, v]) => `${v} ${k}`).join(", "),
  };
  console.error(`bench: N=${n} ${op}: ${(wallMs / 1000).toFixed(2)} s, requests ${JSON.stringify(stats.byRoute)}`);
  return row;
}

/**
 * The floor the HTTP layer reaches alone: the provider's own client (same pool, same token handling) reading the
 * same N objects in this process, without Pulumi, gRPC or the provider host. Not a Pulumi operation.
 */
async function clientFloor(n: number, sandbox: RemoteSandbox, stateFile: string): Promise<Row> {
  const { clientFor } = require(join(REPO, "dist/provider/client")) as typeof import("../../provider/client");
  const { resolveSettings } = require(join(REPO, "dist/provider/client/settings")) as typeof import("../../provider/client/settings");
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  const env = { IMMYBOT_BASE_URL: baseUrl, IMMYBOT_TOKEN_URL: tokenUrl, IMMYBOT_CLIENT_ID: clientId, IMMYBOT_CLIENT_SECRET: clientSecret };
  const api = clientFor(resolveSettings(() => undefined, env));
  const state = JSON.parse(readFileSync(stateFile, "utf8")) as { resources: { type: string; id: string }[] };
  const paths = state.resources.map((r) => (r.type.endsWith(":Schedule") ? `/api/v1/schedules/${r.id}` : `/api/v1/target-assignments/${r.id}`));
  await sandbox.ask("clear");
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(paths.map((p) => api.get(p)));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const stats = await sandbox.stats();
  return {
    n,
    op: "HTTP client alone, N reads (floor)",
    wallMs,
    apiRequests: stats.apiRequests,
    lowerBoundMs: (stats.apiRequests * LATENCY_MS) / CONCURRENCY,
    tokenRequests: stats.tokenRequests,
    apiConnections: stats.apiConnections,
    peakRssMiB: undefined,
    hostCpuMs: undefined,
    harnessCpuMs: (cpu.user + cpu.system) / 1000,
    steps: "",
  };
}

/** CPU time (user + system) a process used so far, from /proc (Linux). */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}

function peakRss(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s*(\d+)\s*kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const n of SIZES) {
    const dir = mkdtempSync(join(tmpdir(), "immybot-bench-"));
    const stateFile = join(dir, "state.json");
    const sandbox = await RemoteSandbox.start({ faults: { latencyMs: LATENCY_MS } });
    try {
      const setup = await measure(n, "up (create all)", sandbox, stateFile, (e) => e.up(program(n)));
      rows.push(setup);
      rows.push(await measure(n, "refresh", sandbox, stateFile, (e) => e.refresh()));
      rows.push(await clientFloor(n, sandbox, stateFile));
      rows.push(await measure(n, "up, no change", sandbox, stateFile, (e) => e.up(program(n))));
      rows.push(await measure(n, "up, 10% changed", sandbox, stateFile, (e) => e.up(program(n, (i) => i % 20 === 0 || i % 20 === 11))));
    } finally {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    console.error(`bench: N=${n} done`);
  }
  const table = render(rows);
  console.log(table);
  const page = join(REPO, "docs/bench.md");
  const text = readFileSync(page, "utf8");
  const marked = /(<!-- bench:start -->\n)[\s\S]*?(<!-- bench:end -->)/;
  if (marked.test(text)) writeFileSync(page, text.replace(marked, (_m, a: string, b: string) => `${a}${table}${b}`));
  else console.error("bench: docs/bench.md has no <!-- bench:start --> ... <!-- bench:end --> block; the table is printed above");
}

function render(rows: Row[]): string {
  const seconds = (ms: number | undefined) => (ms === undefined ? "n/a" : `${(ms / 1000).toFixed(2)} s`);
  const head =
    `Sandbox (own process) adds ${LATENCY_MS} ms to every API request; provider concurrency ${CONCURRENCY} (default maxConcurrency); ` +
    `engine parallelism ${PARALLEL}${process.env.BENCH_PARALLEL ? "" : " (4 x CPUs, as pulumi up)"}, Check and Diff one at a time. Lower bound = API requests x ${LATENCY_MS} ms / ${CONCURRENCY}. ` +
    `Each operation is one run with a fresh provider host (its start not counted). Node ${process.version}, ${cpus().length} CPUs, ${new Date().toISOString().slice(0, 10)}.\n\n` +
    "| N | operation | wall time | lower bound | ratio | API requests per object | token requests | API connections opened | provider host peak memory | provider host CPU | program + engine CPU | steps |\n" +
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
  const lines = rows.map((r) =>
    [
      r.n,
      r.op,
      seconds(r.wallMs),
      seconds(r.lowerBoundMs),
      r.lowerBoundMs > 0 ? (r.wallMs / r.lowerBoundMs).toFixed(2) : "– (no request needed)",
      (r.apiRequests / r.n).toFixed(2),
      r.tokenRequests,
      r.apiConnections,
      r.peakRssMiB === undefined ? "n/a" : `${r.peakRssMiB.toFixed(0)} MiB`,
      seconds(r.hostCpuMs),
      seconds(r.harnessCpuMs),
      r.steps,
    ].join(" | "),
  );
  return head + lines.map((l) => `| ${l} |`).join("\n") + "\n";
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
