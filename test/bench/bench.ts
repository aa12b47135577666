/**
 * `npm run bench`: what a `pulumi up` or `refresh` of N schedules and deployments costs, against a sandbox that adds
 * a fixed latency to every API request, next to the lower bound of a best provider.
 *
 * Every operation is one Pulumi run through the engine harness, with a fresh dynamic-provider host (Pulumi's real
 * one, over gRPC) started inside the measured time, as `pulumi up` / `pulumi refresh` start theirs. One sequence per
 * run and concurrency, on an empty sandbox and state: create, refresh, a no-change up, an up changing 10%, then a
 * refresh after 5% of the objects were changed and 1% deleted by hand (the drift must be found exactly, or the
 * bench fails). The same sequence on the protocol floor (floor-provider.ts) gives each operation's floor. The sandbox
 * counts requests, connections and requests in flight; the host's CPU (start included) and peak memory (VmHWM) come
 * from /proc (Linux).
 *
 * Prints the table and puts it into docs/bench.md between the bench markers. What runs, per N (so the
 * whole bench stays near ten minutes on two cores): N = 1000 with concurrency 4, 16 and adaptive (the default); other
 * sizes with the default only; other concurrencies than the default run the create and the refresh only (the other
 * operations send no request, a few lists, or one write at a time as the engine diffs). At N = 5000 one
 * run per row, and the floor only of the two refreshes (the floor of an up of 5000 would take minutes more).
 * Options (env): BENCH_SIZES (default "100,1000,5000"), BENCH_RUNS (runs per row, default 3), BENCH_RUNS_LARGE (at
 * N >= 5000, default 1), BENCH_CONCURRENCY (the variants at N = 1000, default "4,16,adaptive"), BENCH_LATENCY_MS
 * (default 20), BENCH_PARALLEL (engine steps in flight, default 4 x CPUs as in pulumi up), BENCH_BASELINE_OUT (write
 * the rows as a baseline to this file instead of the docs: how test/bench/baseline.json was made on main).
 * BENCH_OPS measures only some operations (a comma list of create, refresh, up-no-change, up-10pct, refresh-drift;
 * e.g. `BENCH_SIZES=1000 BENCH_OPS=up-no-change`, about two minutes): the operations before a chosen one still run to
 * make its state, unmeasured and without their floor; the table is printed, docs/bench.md is left as it is.
 * BENCH_HOST_NODE_OPTIONS is given to every measured host as NODE_OPTIONS (e.g. "--require ./profile.js" with a script that
 * starts node:inspector's profiler and writes the profile at exit: Node refuses --cpu-prof in NODE_OPTIONS).
 */
import { fork, execSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { SandboxInfo } from "../../sandbox/server";
import { defaultParallel, Engine, type RunResult, type StackState } from "../helpers/engine";
import { REPO } from "../helpers/host";
import { changedByUp, handMade, onFloor, program } from "./programs";
import type { Mutation, SandboxStats } from "./sandbox-process";
import { OPS, reduce, render, type Baseline, type Op, type Sample, type Setup } from "./table";

const SIZES = (process.env.BENCH_SIZES ?? "100,1000,5000").split(",").map(Number);
const LARGE = 5000;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RUNS_LARGE = Number(process.env.BENCH_RUNS_LARGE ?? 1);
const VARIANTS = (process.env.BENCH_CONCURRENCY ?? "4,16,adaptive").split(",");
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const PARALLEL = process.env.BENCH_PARALLEL ? Number(process.env.BENCH_PARALLEL) : defaultParallel();
const BASELINE = join(REPO, "test/bench/baseline.json");
/** BENCH_OPS's names of the operations. */
const OP_NAMES: Record<string, Op> = {
  create: "create",
  refresh: "refresh",
  "up-no-change": "up, no change",
  "up-10pct": "up, 10% changed",
  "refresh-drift": "refresh, 5% changed + 1% deleted by hand",
};
const CHOSEN: ReadonlySet<Op> | undefined = process.env.BENCH_OPS ? new Set(process.env.BENCH_OPS.split(",").map(opNamed)) : undefined;
const HOST_NODE_OPTIONS = process.env.BENCH_HOST_NODE_OPTIONS;

function opNamed(name: string): Op {
  const op = OP_NAMES[name.trim()];
  if (!op) throw new Error(`BENCH_OPS: unknown operation ${JSON.stringify(name)} (known: ${Object.keys(OP_NAMES).join(", ")})`);
  return op;
}

/** Whether the operation is measured (BENCH_OPS unset: every one). */
const measured = (op: Op): boolean => !CHOSEN || CHOSEN.has(op);

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

  ask(cmd: string, arg?: unknown): Promise<unknown> {
    const id = this.next++;
    return new Promise((ok) => {
      this.waiting.set(id, ok);
      this.child.send({ id, cmd, arg });
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

/** One operation as one run: a new Engine on the state file, a host started in it, its usage read before it stops. */
async function measure(n: number, op: Op, variant: string, sandbox: RemoteSandbox, stateFile: string, body: (e: Engine) => Promise<RunResult>): Promise<{ sample: Sample; result: RunResult }> {
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  const concurrency: Record<string, string> = variant === "adaptive" || variant === "floor" ? {} : { "immybot:maxConcurrency": variant };
  let hostCpuMs: number | undefined;
  let hostStartCpuMs: number | undefined;
  let peakRssMiB: number | undefined;
  const engine = new Engine({
    hostConfig: { "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret, ...concurrency },
    stateFile,
    parallel: PARALLEL,
    ...(HOST_NODE_OPTIONS ? { hostEnv: { NODE_OPTIONS: HOST_NODE_OPTIONS } } : {}),
    prestartHosts: false, // the host starts inside the measured time, as the CLI's does
    onHost: (host) => (hostStartCpuMs = cpuMs(host.pid)),
    beforeHostStop: (host) => {
      hostCpuMs = cpuMs(host.pid);
      peakRssMiB = peakRss(host.pid);
    },
  });
  await sandbox.ask("clear");
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const result = await body(engine);
  const wallMs = performance.now() - started;
  const harness = process.cpuUsage(cpu0);
  const stats = await sandbox.stats();
  const counts = new Map<string, number>();
  for (const s of result.steps) counts.set(s.op, (counts.get(s.op) ?? 0) + 1);
  const sample: Sample = {
    n,
    op,
    variant,
    run: 0,
    wallMs,
    ...(hostCpuMs !== undefined ? { hostCpuMs } : {}),
    ...(hostCpuMs !== undefined && hostStartCpuMs !== undefined ? { hostCpuAfterStartMs: hostCpuMs - hostStartCpuMs } : {}),
    ...(peakRssMiB !== undefined ? { peakRssMiB } : {}),
    harnessCpuMs: (harness.user + harness.system) / 1000,
    apiRequests: stats.apiRequests,
    tokenRequests: stats.tokenRequests,
    apiConnections: stats.apiConnections,
    maxInFlight: stats.maxApiInFlight,
    steps: [...counts].map(([k, v]) => `${v} ${k}`).join(", "),
  };
  console.error(`bench: N=${n} ${variant} ${op}: ${(wallMs / 1000).toFixed(2)} s, host CPU ${((hostCpuMs ?? NaN) / 1000).toFixed(2)} s, requests ${JSON.stringify(stats.byRoute)}`);
  return { sample, result };
}

/** Fails the bench when a run did not do exactly what it should (e.g. drift not found exactly). */
function expectSteps(result: RunResult, want: Record<string, number>, what: string): void {
  const got: Record<string, number> = {};
  for (const s of result.steps) got[s.op] = (got[s.op] ?? 0) + 1;
  if (JSON.stringify(Object.entries(got).sort()) !== JSON.stringify(Object.entries(want).sort())) {
    throw new Error(`bench: ${what}: steps ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
}

const readState = (file: string) => JSON.parse(readFileSync(file, "utf8")) as StackState;

/** How a sequence measures the floor: none, of every operation, or of the refreshes only. */
type Floors = "none" | "all" | "refreshes";

/**
 * The five operations on the real provider, on an empty sandbox and state. With `floors`, each operation's floor runs
 * right after it, on the state the real one started from (with the floor's `__provider`): a real run and its floor
 * are measured seconds apart, so a change in the machine's load between runs does not fall between them.
 */
async function sequence(n: number, run: number, variant: string, floors: Floors, sandbox: RemoteSandbox, dir: string, samples: Sample[]): Promise<void> {
  // Only the create sends many requests at once: the other operations send none (no-change up), a few lists, or one
  // write at a time as the engine diffs one resource after another, so other concurrencies than the default run the
  // create and the refresh only.
  const all = variant === "adaptive";
  // With BENCH_OPS, the sequence stops after the last chosen operation; the ones before it run unmeasured.
  const last = Math.max(...(all ? OPS : OPS.slice(0, 2)).map((op, i) => (measured(op) ? i : -1)));
  if (last < 0) return;
  const after = (op: Op) => OPS.indexOf(op) >= last;
  const stateFile = join(dir, `real-${variant}.json`);
  const floorFile = join(dir, "floor.json");
  rmSync(stateFile, { force: true });
  rmSync(floorFile, { force: true });
  await sandbox.ask("reset");
  /** The real operation, then (when asked) its floor from the same state; unmeasured (no floor) when BENCH_OPS leaves it out. */
  const step = async (op: Op, body: (e: Engine, provider: "real" | "floor") => Promise<RunResult>, want: Record<string, number>) => {
    const from = existsSync(stateFile) ? readState(stateFile) : undefined;
    const { sample, result } = await measure(n, op, variant, sandbox, stateFile, (e) => body(e, "real"));
    expectSteps(result, want, `N=${n} ${variant} ${op}`);
    if (!measured(op)) return;
    samples.push({ ...sample, run });
    const floorToo = floors === "all" || (floors === "refreshes" && op.startsWith("refresh"));
    if (!floorToo) return;
    if (from) writeFileSync(floorFile, JSON.stringify(onFloor(from, readState(floorFile))));
    else rmSync(floorFile, { force: true });
    samples.push({ ...(await measure(n, op, "floor", sandbox, floorFile, (e) => body(e, "floor"))).sample, run });
  };
  // The floor's `__provider` only, when the floor of the create (which writes it) is not measured.
  if (floors === "refreshes" || (floors === "all" && !measured("create"))) {
    await new Engine({ stateFile: floorFile, parallel: PARALLEL, prestartHosts: false }).up(program(2, "floor"));
  }
  await step("create", (e, p) => e.up(program(n, p)), { create: n });
  if (after("create")) return;
  await step("refresh", (e) => e.refresh(), { refresh: n });
  if (after("refresh")) return;
  await step("up, no change", (e, p) => e.up(program(n, p)), { same: n });
  if (after("up, no change")) return;
  await step("up, 10% changed", (e, p) => e.up(program(n, p, changedByUp)), { same: n - n / 10, update: n / 10 });
  if (after("up, 10% changed")) return;
  const before = readState(stateFile);
  const byHand: Mutation[] = handMade(before);
  await sandbox.ask("mutate", byHand);
  const deleted = byHand.filter((m) => m.action === "delete").length;
  await step("refresh, 5% changed + 1% deleted by hand", (e) => e.refresh(), { refresh: n - deleted, discard: deleted });
  expectDriftFound(before, readState(stateFile), byHand);
}

/** After the mixed refresh: exactly the objects changed by hand have other arguments in state, and exactly the deleted ones are gone. */
function expectDriftFound(before: StackState, after: StackState, byHand: Mutation[]): void {
  const key = (type: string, id: string) => `${type.endsWith(":Schedule") ? "Schedule" : "Deployment"} ${id}`;
  const afterById = new Map(after.resources.map((r) => [key(r.type, r.id), r]));
  const drifted = before.resources.filter((r) => {
    const now = afterById.get(key(r.type, r.id));
    return now === undefined || canonical(now.inputs) !== canonical(r.inputs);
  });
  const found = drifted.map((r) => `${key(r.type, r.id)} ${afterById.has(key(r.type, r.id)) ? "change" : "delete"}`).sort();
  const expected = byHand.map((m) => `${m.kind} ${m.id} ${m.action}`).sort();
  if (JSON.stringify(found) !== JSON.stringify(expected)) {
    throw new Error(`bench: drift not found exactly: found ${found.length} (${found.slice(0, 5).join("; ")}...), made ${expected.length}`);
  }
}

/** Arguments as JSON with sorted keys, `__provider` left out: equal for equal arguments, whichever step stored them. */
function canonical(inputs: Record<string, unknown>): string {
  const sorted = (v: unknown): unknown =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
  const { __provider: _, ...args } = inputs;
  return JSON.stringify(sorted(args));
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
  const setup: Setup = {
    latencyMs: LATENCY_MS,
    parallel: PARALLEL,
    listPage: 1000,
    runs: Object.fromEntries(SIZES.map((n) => [n, n >= LARGE ? RUNS_LARGE : RUNS])),
    // Other concurrencies than the default run the create and the refresh only: none when BENCH_OPS leaves both out.
    variants: Object.fromEntries(SIZES.map((n) => [n, (n === 1000 ? VARIANTS : ["adaptive"]).filter((v) => v === "adaptive" || measured("create") || measured("refresh"))])),
    floorUps: Object.fromEntries(SIZES.map((n) => [n, n < LARGE])),
    node: process.version,
    cpus: cpus().length,
    date: new Date().toISOString().slice(0, 10),
  };
  const samples: Sample[] = [];
  const sandbox = await RemoteSandbox.start({ faults: { latencyMs: LATENCY_MS } });
  const dir = mkdtempSync(join(tmpdir(), "immybot-bench-"));
  const t0 = performance.now();
  try {
    for (const n of SIZES) {
      for (let run = 0; run < setup.runs[n]!; run++) {
        for (const variant of setup.variants[n]!) {
          const floors: Floors = variant !== "adaptive" ? "none" : setup.floorUps[n] ? "all" : "refreshes";
          await sequence(n, run, variant, floors, sandbox, dir, samples);
        }
      }
      console.error(`bench: N=${n} done (${((performance.now() - t0) / 60_000).toFixed(1)} min so far)`);
    }
  } finally {
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const rows = reduce(samples, setup);
  if (process.env.BENCH_BASELINE_OUT) {
    const commit = execSync("git rev-parse HEAD", { cwd: REPO }).toString().trim();
    writeFileSync(process.env.BENCH_BASELINE_OUT, JSON.stringify({ commit, date: setup.date, rows } satisfies Baseline, null, 1) + "\n");
    console.log(render(rows, setup, undefined));
    return;
  }
  const baseline = existsSync(BASELINE) ? (JSON.parse(readFileSync(BASELINE, "utf8")) as Baseline) : undefined;
  const table = render(rows, setup, baseline);
  console.log(table);
  if (CHOSEN) {
    console.error(`bench: ${((performance.now() - t0) / 60_000).toFixed(1)} min (BENCH_OPS: docs/bench.md left as it is)`);
    return;
  }
  const page = join(REPO, "docs/bench.md");
  const text = readFileSync(page, "utf8");
  const marked = /(<!-- bench:start -->\n)[\s\S]*?(<!-- bench:end -->)/;
  if (marked.test(text)) writeFileSync(page, text.replace(marked, (_m, a: string, b: string) => `${a}${table}${b}`));
  else console.error("bench: docs/bench.md has no <!-- bench:start --> ... <!-- bench:end --> block; the table is printed above");
  console.error(`bench: ${((performance.now() - t0) / 60_000).toFixed(1)} min`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
