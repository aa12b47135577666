/**
 * Fault injection: random faults at configured rates (seeded, so a failing run can be replayed) and a script
 * of exact faults for tests, consumed in order by the first requests that match. This module only decides;
 * `server.ts` carries the decision out.
 */

/**
 * - "429", "5xx": answered at once, not handled;
 * - "reset": the connection is reset before the request is handled (nothing committed);
 * - "reset-after-commit": handled (a write committed), then reset without an answer;
 * - "slow": handled at once (committed), answered only after the delay;
 * - "late-commit": handled only after the delay (a write that commits late, e.g. a slow database), then answered.
 */
export type FaultKind = "429" | "500" | "502" | "503" | "504" | "reset" | "reset-after-commit" | "slow" | "late-commit";

export const FAULT_KINDS: readonly FaultKind[] = ["429", "500", "502", "503", "504", "reset", "reset-after-commit", "slow", "late-commit"];

export interface FaultOptions {
  /** Added before every affected request is handled. Default 0. */
  latencyMs?: number;
  /** Share of requests answered 429 with Retry-After. 0..1, default 0. */
  rate429?: number;
  /** Retry-After (seconds) on a 429. Default 1. */
  retryAfterSeconds?: number;
  /** Share of requests answered with `status5xx` without being handled. */
  rate5xx?: number;
  /** Default 503. */
  status5xx?: 500 | 502 | 503 | 504;
  /** Share of requests whose connection is reset before they are handled (nothing committed). */
  rateReset?: number;
  /** Share of requests that are handled (mutations committed) and then reset without an answer. */
  rateResetAfterCommit?: number;
  /** Share of requests handled at once but answered only after `slowMs`, to outlast a client timeout. */
  rateSlow?: number;
  /** Share of requests handled only after `slowMs` (a write that commits late), then answered. */
  rateLateCommit?: number;
  /** Default 30 000. */
  slowMs?: number;
  /** Seed of the random faults; the same seed and request sequence give the same faults. */
  seed?: number;
  /** Also apply random faults to the token endpoint. Default false (only `/api/` routes). */
  faultsOnToken?: boolean;
}

export interface ScriptedFault {
  /** Only requests with this verb (any case). Default: any. */
  method?: string;
  /**
   * Only requests with exactly this path (no query), or whose path the RegExp matches; then the fault applies to
   * any route, the token endpoint included. Without a path: any request random faults could hit.
   */
  path?: string | RegExp;
  fault: FaultKind;
  /** For "429". Default: the options' retryAfterSeconds. */
  retryAfterSeconds?: number;
  /** For "slow" (the answer's delay) and "late-commit" (the delay before it is handled). Default: the options' slowMs. */
  delayMs?: number;
  /** How many matching requests it hits. Default 1. */
  times?: number;
}

export interface FaultDecision {
  fault?: FaultKind;
  latencyMs: number;
  retryAfterSeconds: number;
  delayMs: number;
}

/** Which kind of route a request is on, which decides whether unscoped faults apply. */
export interface RequestTarget {
  method: string;
  path: string;
  isApi: boolean;
  isToken: boolean;
}

const RATE_KEYS = ["rate429", "rate5xx", "rateReset", "rateResetAfterCommit", "rateSlow", "rateLateCommit"] as const;

export class Faults {
  private current: FaultOptions = {};
  private queue: (ScriptedFault & { left: number })[] = [];
  private random: () => number = mulberry32(Date.now());

  constructor(options: FaultOptions = {}) {
    this.set(options);
  }

  /** Replaces the random-fault settings (anything left out is off); the script is kept. */
  set(options: FaultOptions): void {
    for (const key of RATE_KEYS) {
      const rate = options[key];
      if (rate !== undefined && !(rate >= 0 && rate <= 1)) throw new RangeError(`faults.${key} must be between 0 and 1, got ${rate}`);
    }
    for (const key of ["latencyMs", "slowMs", "retryAfterSeconds"] as const) {
      const v = options[key];
      if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new RangeError(`faults.${key} must be a number >= 0, got ${v}`);
    }
    this.current = { ...options };
    this.random = mulberry32(options.seed ?? Date.now());
  }

  /** Appends exact faults; each hits the next `times` requests that match it, in the order scripted. */
  script(...faults: ScriptedFault[]): void {
    for (const f of faults) {
      if (!FAULT_KINDS.includes(f.fault)) throw new RangeError(`unknown fault "${f.fault}"; use one of ${FAULT_KINDS.join(", ")}`);
      const times = f.times ?? 1;
      if (!(Number.isInteger(times) && times >= 1)) throw new RangeError(`times must be an integer >= 1, got ${f.times}`);
      this.queue.push({ ...f, left: times });
    }
  }

  /** Scripted faults not yet used up, so a test can assert that every one it planned was hit. */
  pending(): ScriptedFault[] {
    return this.queue.map(({ left, ...f }) => ({ ...f, times: left }));
  }

  /** Turns everything off: random faults, latency and the script. */
  clear(): void {
    this.current = {};
    this.queue = [];
  }

  get options(): Readonly<FaultOptions> {
    return { ...this.current };
  }

  /** The fault (if any) for one request. Consumes a scripted entry or one random draw. */
  decide(target: RequestTarget): FaultDecision {
    const o = this.current;
    const covered = target.isApi || (target.isToken && o.faultsOnToken === true);
    const decision: FaultDecision = {
      latencyMs: covered ? (o.latencyMs ?? 0) : 0,
      retryAfterSeconds: o.retryAfterSeconds ?? 1,
      delayMs: o.slowMs ?? 30_000,
    };
    const scripted = this.takeScripted(target, covered);
    if (scripted) {
      decision.fault = scripted.fault;
      if (scripted.retryAfterSeconds !== undefined) decision.retryAfterSeconds = scripted.retryAfterSeconds;
      if (scripted.delayMs !== undefined) decision.delayMs = scripted.delayMs;
      return decision;
    }
    if (covered) decision.fault = this.randomFault();
    return decision;
  }

  private takeScripted(target: RequestTarget, covered: boolean): ScriptedFault | undefined {
    const index = this.queue.findIndex((f) => matches(f, target, covered));
    if (index < 0) return undefined;
    const entry = this.queue[index]!;
    if (--entry.left === 0) this.queue.splice(index, 1);
    return entry;
  }

  /** One draw against the cumulative rates, so each rate is exactly the share it names (until they sum past 1). */
  private randomFault(): FaultKind | undefined {
    const o = this.current;
    if (RATE_KEYS.every((k) => !o[k])) return undefined;
    const draw = this.random();
    let edge = 0;
    const bands: [number | undefined, FaultKind][] = [
      [o.rate429, "429"],
      [o.rate5xx, String(o.status5xx ?? 503) as FaultKind],
      [o.rateReset, "reset"],
      [o.rateResetAfterCommit, "reset-after-commit"],
      [o.rateSlow, "slow"],
      [o.rateLateCommit, "late-commit"],
    ];
    for (const [rate, fault] of bands) {
      edge += rate ?? 0;
      if (draw < edge) return fault;
    }
    return undefined;
  }
}

function matches(f: ScriptedFault, target: RequestTarget, covered: boolean): boolean {
  if (f.method !== undefined && f.method.toUpperCase() !== target.method.toUpperCase()) return false;
  if (f.path === undefined) return covered;
  return typeof f.path === "string" ? f.path === target.path : new RegExp(f.path.source, f.path.flags.replace("g", "")).test(target.path);
}

/** Small, fast, seedable PRNG (public-domain mulberry32); quality is ample for picking faults. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
