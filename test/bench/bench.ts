/**
 * `npm run bench`: how long refresh, a no-change `up` and an `up` changing 10% of the objects take for N schedules
 * and deployments, against a sandbox that adds a fixed latency to every API request, compared with the lower bound
 * (API requests needed x latency / the provider's allowed concurrency).
 *
 * Each operation is one Pulumi run: a fresh dynamic-provider host (Pulumi's real one, over gRPC) driven by the
 * engine harness, as `pulumi refresh` / `pulumi up` would start one. The sandbox counts requests, token requests
 * and TCP connections; the host's peak memory is its VmHWM from /proc (Linux).
 *
 * Writes the table to bench-results.md (and prints it). Options (env): BENCH_SIZES (default "100,1000"),
 * BENCH_LATENCY_MS (default 20), BENCH_PARALLEL (engine steps in flight, default 16).
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SandboxInfo } from "../../sandbox/server";
import { Engine } from "../helpers/engine";
import { ProviderHost, REPO } from "../helpers/host";
import type { SandboxStats } from "./sandbox-process";

const immybot = require(join(REPO, "dist/sdk")) as typeof import("../../sdk");

const SIZES = (process.env.BENCH_SIZES ?? "100,1000").split(",").map(Number);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 16);
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
  connections: number;
  peakRssMiB: number | undefined;
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
    await new Promise<void>((ok, fail) => {
      child.once("message", () => ok());
      child.once("exit", (code) => fail(new Error(`the sandbox process exited (${code})`)));
    });
    const box = new RemoteSandbox(child, undefined as unknown as SandboxInfo);
    child.on("message", (m: { id: number; value: unknown }) => box.waiting.get(m.id)?.(m.value));
    return Object.assign(box, { info: (await box.ask("info")) as SandboxInfo });
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

async function measure(n: number, op: string, sandbox: RemoteSandbox, stateFile: string, body: (engine: Engine) => Promise<{ steps: { op: string }[] }>): Promise<Row> {
  const host = await ProviderHost.start();
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  await host.configure({ "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret });
  const engine = new Engine({ host, stateFile, parallel: PARALLEL });
  await sandbox.ask("clear");
  const started = performance.now();
  const result = await body(engine);
  const wallMs = performance.now() - started;
  const peakRssMiB = peakRss(host.pid);
  await host.stop();
  const stats = await sandbox.stats();
  const apiRequests = stats.apiRequests;
  const counts = new Map<string, number>();
  for (const s of result.steps) counts.set(s.op, (counts.get(s.op) ?? 0) + 1);
  return {
    n,
    op,
    wallMs,
    apiRequests,
    lowerBoundMs: (apiRequests * LATENCY_MS) / CONCURRENCY,
    tokenRequests: stats.tokenRequests,
    connections: stats.connections,
    peakRssMiB,
    steps: [...counts].map(([k, v]) => `${v} ${k}`).join(", "),
  };
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
      rows.push(await measure(n, "up, no change", sandbox, stateFile, (e) => e.up(program(n))));
      rows.push(await measure(n, "up, 10% changed", sandbox, stateFile, (e) => e.up(program(n, (i) => i % 10 === 0))));
    } finally {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    console.error(`bench: N=${n} done`);
  }
  const table = render(rows);
  writeFileSync(join(REPO, "bench-results.md"), table);
  console.log(table);
}

function render(rows: Row[]): string {
  const head =
    `Sandbox latency ${LATENCY_MS} ms per API request; provider concurrency ${CONCURRENCY}; engine parallelism ${PARALLEL}; ` +
    `lower bound = API requests x ${LATENCY_MS} ms / ${CONCURRENCY}. Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.\n\n` +
    "| N | operation | wall time | lower bound | ratio | API requests per object | token requests | connections opened | provider host peak memory | steps |\n" +
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n";
  return (
    head +
    rows
      .map((r) =>
        [
          r.n,
          r.op,
          `${(r.wallMs / 1000).toFixed(2)} s`,
          `${(r.lowerBoundMs / 1000).toFixed(2)} s`,
          r.lowerBoundMs > 0 ? (r.wallMs / r.lowerBoundMs).toFixed(2) : "– (no request needed)",
          (r.apiRequests / r.n).toFixed(2),
          r.tokenRequests,
          r.connections,
          r.peakRssMiB === undefined ? "n/a" : `${r.peakRssMiB.toFixed(0)} MiB`,
          r.steps,
        ].join(" | "),
      )
      .map((l) => `| ${l} |`)
      .join("\n") +
    "\n"
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
