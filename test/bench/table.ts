/**
 * The benchmark's table: samples of repeated runs reduced to medians with their spread, each operation's lower
 * bound (its protocol floor measured in the same run plus the requests a best provider cannot avoid), and the
 * issue's goals checked against the numbers (with those of `main`, when test/bench/baseline.json holds them).
 */

export type Op = "create" | "refresh" | "up, no change" | "up, 10% changed" | "refresh, 5% changed + 1% deleted by hand";
export const OPS: readonly Op[] = ["create", "refresh", "up, no change", "up, 10% changed", "refresh, 5% changed + 1% deleted by hand"];

/** One measured run of one operation. `variant` is the provider's concurrency ("4", "16", "adaptive") or "floor". */
export interface Sample {
  n: number;
  op: Op;
  variant: string;
  /** Which run (0-based): a real operation and its floor of the same run were measured seconds apart. */
  run: number;
  wallMs: number;
  /** CPU of the provider host's process, its start and Configure included. */
  hostCpuMs?: number;
  /** The same from when it had started and was configured (what the provider's calls cost it). */
  hostCpuAfterStartMs?: number;
  peakRssMiB?: number;
  harnessCpuMs: number;
  apiRequests: number;
  tokenRequests: number;
  apiConnections: number;
  /** The most API requests the sandbox handled at once. */
  maxInFlight: number;
  steps: string;
}

export interface Row extends Sample {
  runs: number;
  wallMin: number;
  wallMax: number;
  /** Medians over the runs of this row's wall time over its floor's of the same run, and over floor + unavoidable requests. */
  xFloor?: number;
  xBound?: number;
  boundMs?: number;
  /** Median over the runs of the host's CPU over its floor's of the same run. */
  cpuXFloor?: number;
}

export interface Setup {
  latencyMs: number;
  parallel: number;
  /** Rows per page a best provider reads a deployment list with. */
  listPage: number;
  runs: Record<number, number>;
  /** The provider's concurrency settings run per N ("adaptive": maxConcurrency unset, the default). */
  variants: Record<number, string[]>;
  /** Whether the floor of the `up` operations was measured at N (else only of the refreshes). */
  floorUps: Record<number, boolean>;
  node: string;
  cpus: number;
  date: string;
}

/** What main measured with this bench (test/bench/baseline.json). */
export interface Baseline {
  commit: string;
  date: string;
  rows: Row[];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const medianOf = (xs: (number | undefined)[]): number | undefined => {
  const known = xs.filter((x): x is number => x !== undefined);
  return known.length ? median(known) : undefined;
};

/**
 * Samples of the same N, operation and variant -> one row of medians (wall time with its min and max); ratios to the
 * floor are taken run by run (the floor of the same run was measured just after), then their median.
 */
export function reduce(samples: readonly Sample[], setup: Setup): Row[] {
  const floorOf = (s: Sample) => samples.find((f) => f.variant === "floor" && f.n === s.n && f.op === s.op && f.run === s.run);
  const paired = (g: Sample[], ratio: (s: Sample, f: Sample) => number | undefined) => {
    const xs = g.flatMap((s) => {
      const f = s.variant === "floor" ? undefined : floorOf(s);
      const x = f && ratio(s, f);
      return x === undefined || !Number.isFinite(x) ? [] : [x];
    });
    return xs.length ? median(xs) : undefined;
  };
  const bound = (s: Sample, f: Sample) => f.wallMs + unavoidableMs(s.op, s.n, setup);
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const key = `${s.n}\u0000${s.op}\u0000${s.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()].map((g) => {
    const walls = g.map((s) => s.wallMs);
    return {
      ...g[0]!,
      runs: g.length,
      wallMs: median(walls),
      wallMin: Math.min(...walls),
      wallMax: Math.max(...walls),
      hostCpuMs: medianOf(g.map((s) => s.hostCpuMs)),
      hostCpuAfterStartMs: medianOf(g.map((s) => s.hostCpuAfterStartMs)),
      peakRssMiB: medianOf(g.map((s) => s.peakRssMiB)),
      harnessCpuMs: median(g.map((s) => s.harnessCpuMs)),
      xFloor: paired(g, (s, f) => s.wallMs / f.wallMs),
      xBound: paired(g, (s, f) => s.wallMs / bound(s, f)),
      boundMs: paired(g, (s, f) => bound(s, f)),
      cpuXFloor: paired(g, (s, f) => (s.hostCpuMs === undefined || f.hostCpuMs === undefined ? undefined : s.hostCpuMs / f.hostCpuMs)),
      apiRequests: median(g.map((s) => s.apiRequests)),
      apiConnections: median(g.map((s) => s.apiConnections)),
      maxInFlight: median(g.map((s) => s.maxInFlight)),
    };
  });
}

/** The objects the 10% change and the hand-made changes touch, as programs.ts picks them. */
const tenPercent = (n: number) => n / 10;
const deletedByHand = (n: number) => Math.ceil((n - 7) / 100);

/**
 * The requests a best provider cannot avoid, as time: lists read page after page; writes and single reads `parallel`
 * at once (the engine runs no more steps at a time).
 */
export function unavoidableMs(op: Op, n: number, s: Setup): number {
  const listPages = 1 + Math.ceil((n / 2 + 1) / s.listPage); // every schedule in one request; deployments in pages
  const perObject = (count: number) => Math.ceil(count / s.parallel) * s.latencyMs;
  switch (op) {
    case "create":
      return perObject(n);
    case "refresh":
      return listPages * s.latencyMs;
    case "up, no change":
      return 0;
    case "up, 10% changed":
      return perObject(tenPercent(n));
    case "refresh, 5% changed + 1% deleted by hand":
      return listPages * s.latencyMs + perObject(deletedByHand(n));
  }
}

const sec = (ms: number | undefined) => (ms === undefined ? "n/a" : `${(ms / 1000).toFixed(2)} s`);
/** A fraction less than before, in words: "25% less" or "10% more". */
const lessOrMore = (less: number) => (less >= 0 ? `${(100 * less).toFixed(0)}% less` : `${(-100 * less).toFixed(0)}% more`);

export function render(rows: readonly Row[], s: Setup, baseline: Baseline | undefined): string {
  const sizes = [...new Set(rows.map((r) => r.n))];
  const head =
    `Sandbox in its own process, ${s.latencyMs} ms added to every API request; engine harness with parallelism ${s.parallel} (4 x CPUs, as pulumi up), ` +
    `Check and Diff one at a time. Every time includes starting the provider host and Configure. ` +
    `Runs per row: ${sizes.map((n) => `${s.runs[n]} at N = ${n}`).join(", ")} (median, with the fastest and slowest run). ` +
    `Concurrency (immybot:maxConcurrency): ${sizes.map((n) => `${s.variants[n]!.join(", ")} at N = ${n}`).join("; ")}; "adaptive" is the default (unset: ` +
    `starts at 4, halves after a 429, grows while answers are fast, at most 16); 4 and 16 run the create and the refresh only (the other operations ` +
    `send no request, a few lists, or one write at a time as the engine diffs). ` +
    (sizes.some((n) => !s.floorUps[n]) ? `The floor of the up operations is not measured at N = ${sizes.filter((n) => !s.floorUps[n]).join(", ")} (it would take minutes more). ` : "") +
    `"floor": the same operation with a provider answering every call at once with no HTTP (test/bench/floor-provider.ts), run right after it from the same state; ` +
    `"x floor" and "x bound" are medians of the run-by-run ratios. ` +
    `Lower bound = floor + the requests a best provider cannot avoid x ${s.latencyMs} ms: for a refresh the list pages one after another ` +
    `(1 for every schedule, deployments ${s.listPage} a page), plus one GET per deleted object; for writes one request per changed object, ${s.parallel} at once. ` +
    `Node ${s.node}, ${s.cpus} CPUs, ${s.date}.\n\n` +
    "| N | operation | concurrency | wall time (min–max) | x floor | lower bound | x bound | API requests | most in flight | connections | host peak memory | host CPU (after its start) | program + engine CPU | steps |\n" +
    "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
  const lines = rows.map((r) => {
    return [
      r.n,
      r.op,
      r.variant,
      `${sec(r.wallMs)} (${sec(r.wallMin)}–${sec(r.wallMax)})`,
      r.xFloor === undefined ? "" : r.xFloor.toFixed(2),
      r.boundMs === undefined ? "" : sec(r.boundMs),
      r.xBound === undefined ? "" : r.xBound.toFixed(2),
      r.variant === "floor" ? "" : String(r.apiRequests),
      r.variant === "floor" ? "" : String(r.maxInFlight),
      r.variant === "floor" ? "" : String(r.apiConnections),
      r.peakRssMiB === undefined ? "n/a" : `${r.peakRssMiB.toFixed(0)} MiB`,
      `${sec(r.hostCpuMs)}${r.hostCpuAfterStartMs === undefined ? "" : ` (${sec(r.hostCpuAfterStartMs)})`}`,
      sec(r.harnessCpuMs),
      r.steps,
    ].join(" | ");
  });
  return head + lines.map((l) => `| ${l} |`).join("\n") + "\n\n" + goals(rows, baseline);
}

/** The issue's goals at N = 1000 (the default concurrency), and memory at N = 5000 against N = 1000, with the numbers. */
export function goals(rows: readonly Row[], baseline: Baseline | undefined): string {
  const at = (n: number, op: Op, variant = "adaptive", from: readonly Row[] = rows) => from.find((r) => r.n === n && r.op === op && r.variant === variant);
  const peak = (n: number) => Math.max(...rows.filter((r) => r.n === n && r.variant === "adaptive" && r.peakRssMiB !== undefined).map((r) => r.peakRssMiB!));
  const mark = (ok: boolean) => (ok ? "met" : "NOT met");
  const out: string[] = [];
  const refresh = at(1000, "refresh");
  const floor = at(1000, "refresh", "floor");
  if (refresh) out.push(`- Refresh at N = 1000: ${refresh.apiRequests} API requests (goal <= 10: ${mark(refresh.apiRequests <= 10)}).`);
  if (refresh?.xFloor !== undefined && floor) {
    const x = refresh.xFloor;
    out.push(`- Refresh at N = 1000: ${sec(refresh.wallMs)} against a protocol floor of ${sec(floor.wallMs)}, ${x.toFixed(2)} x run by run (goal <= 1.5: ${mark(x <= 1.5)}).`);
  }
  const same = at(1000, "up, no change");
  const before = baseline && at(1000, "up, no change", "adaptive", baseline.rows);
  const sameFloor = at(1000, "up, no change", "floor");
  if (same?.hostCpuMs !== undefined && before?.hostCpuMs !== undefined) {
    const less = (now?: number, then?: number) => (now === undefined || then === undefined ? undefined : 1 - now / then);
    const [whole, after] = [less(same.hostCpuMs, before.hostCpuMs)!, less(same.hostCpuAfterStartMs, before.hostCpuAfterStartMs)];
    out.push(
      `- No-change up at N = 1000, provider host CPU: ${sec(same.hostCpuMs)}, on main (${baseline!.commit.slice(0, 7)}, measured ${baseline!.date}) ${sec(before.hostCpuMs)}: ` +
        `${lessOrMore(whole)} (goal >= 30%: ${mark(whole >= 0.3)})` +
        (after === undefined ? "" : `; after the host's start ${sec(same.hostCpuAfterStartMs)} against ${sec(before.hostCpuAfterStartMs)}, ${lessOrMore(after)}`) +
        (sameFloor?.hostCpuMs === undefined ? "." : `; the floor's host alone uses ${sec(sameFloor.hostCpuMs)}.`),
    );
  }
  if (same?.cpuXFloor !== undefined && before?.cpuXFloor !== undefined) {
    // The machine's load moves CPU times between runs hours apart: the same comparison against each run's own floor.
    const less = 1 - same.cpuXFloor / before.cpuXFloor;
    out.push(
      `- The same, each against the floor's host CPU of its own run: ${same.cpuXFloor.toFixed(2)} x the floor, main ${before.cpuXFloor.toFixed(2)} x: ` +
        `${lessOrMore(less)} (goal >= 30%: ${mark(less >= 0.3)}); what the provider adds beyond the floor went from ` +
        `${(100 * (before.cpuXFloor - 1)).toFixed(0)}% to ${(100 * (same.cpuXFloor - 1)).toFixed(0)}% of it.`,
    );
  }
  if (rows.some((r) => r.n === 5000) && rows.some((r) => r.n === 1000)) {
    const x = peak(5000) / peak(1000);
    out.push(`- Host peak memory: ${peak(5000).toFixed(0)} MiB at N = 5000, ${peak(1000).toFixed(0)} MiB at N = 1000: ${x.toFixed(2)} x (goal <= 1.5: ${mark(x <= 1.5)}).`);
  }
  return out.length ? `Goals (issue 17):\n\n${out.join("\n")}\n` : "";
}
