/**
 * How many requests may be in flight to ImmyBot at once, adapted to its answers. ImmyBot publishes no rate limit,
 * so the limit is learned:
 * - a 429 or 503 answer, or a timeout, halves it (the server says it is overloaded);
 * - an answer much slower than the fastest answers of its kind lately (rising latency) lowers it by one;
 * - answers as fast as usual while every allowed request is in use raise it by one per round (a round: as many
 *   answers as the limit), so it grows only when more would be used.
 * A cut happens at most once per round: answers to requests sent before the last cut were already under way when
 * it was made and do not cut again (a burst of 429s halves once, not to the floor). The limit always stays within
 * [min, max]; min = max makes it a fixed bound.
 *
 * Pure bookkeeping, no timers: the transport measures each attempt and reports it ({@link AdaptiveConcurrency.release}).
 */

export interface ConcurrencyBounds {
  /** The fewest requests in flight the limit may drop to (>= 1). */
  min: number;
  /** The most requests in flight (the connection pool's size). */
  max: number;
  /** Where the limit starts; clamped to [min, max]. */
  initial: number;
}

/** How one attempt ended, as the transport saw it. */
export interface AttemptOutcome {
  /** The response's status; undefined when no response came. */
  status?: number;
  /** From sending to the response's headers (ms); undefined when no response came. */
  latencyMs?: number;
  /** The kind of request (method and route), whose answers are compared with each other for latency. */
  kind?: string;
  /** No response within the timeout. */
  timedOut?: boolean;
}

/** A slot held by one attempt, from {@link AdaptiveConcurrency.acquire} to {@link AdaptiveConcurrency.release}. */
export interface Ticket {
  /** Order in which attempts were let through (1-based). */
  readonly seq: number;
}

export interface ConcurrencyStats {
  /** The limit now. */
  limit: number;
  /** The lowest and highest the limit was. */
  lowest: number;
  highest: number;
  /** How many times it was cut (429/503/timeout, or rising latency). */
  cuts: number;
  /** The most attempts in flight at once. */
  maxInFlight: number;
}

/** An answer counts as slow beyond this factor of its kind's recent fastest, plus {@link SLOW_SLACK_MS}. */
const SLOW_FACTOR = 2;
/** Jitter of a few ms on a fast network (or a busy event loop) is not rising latency. */
const SLOW_SLACK_MS = 20;
/** The recent fastest answer of a kind is the fastest of the current and the previous window of this many. */
const WINDOW = 64;
/** Kinds of request remembered (methods x routes: a handful in practice). */
const MAX_KINDS = 64;

/** Status codes by which a server says it is overloaded. */
const OVERLOADED = new Set([429, 503]);

interface Fastest {
  current: number;
  previous: number;
  seen: number;
}

export class AdaptiveConcurrency {
  readonly bounds: ConcurrencyBounds;
  /** Fractional: grows by 1/limit per fast answer, so by one per round. */
  #limit: number;
  #inFlight = 0;
  #seq = 0;
  /** Attempts let through up to this sequence number were under way at the last cut. */
  #cutAt = 0;
  /** The last attempt that took the last allowed slot: those up to it were in flight while every slot was in use. */
  #fullAt = 0;
  readonly #waiting: ((t: Ticket) => void)[] = [];
  readonly #fastest = new Map<string, Fastest>();
  readonly #stats: ConcurrencyStats;

  constructor(bounds: ConcurrencyBounds) {
    const min = Math.max(1, Math.floor(bounds.min));
    const max = Math.max(min, Math.floor(bounds.max));
    const initial = Math.min(max, Math.max(min, Math.floor(bounds.initial)));
    this.bounds = { min, max, initial };
    this.#limit = initial;
    this.#stats = { limit: initial, lowest: initial, highest: initial, cuts: 0, maxInFlight: 0 };
  }

  /** The whole number of attempts allowed in flight now. */
  get limit(): number {
    return Math.floor(this.#limit);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Resolves when the attempt may be sent; first come, first served. */
  acquire(): Promise<Ticket> {
    if (this.#waiting.length === 0 && this.#inFlight < this.limit) return Promise.resolve(this.#take());
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** The attempt holding `ticket` is over; `outcome` adapts the limit. */
  release(ticket: Ticket, outcome: AttemptOutcome): void {
    this.#inFlight--;
    this.#adapt(ticket, outcome);
    while (this.#waiting.length > 0 && this.#inFlight < this.limit) this.#waiting.shift()!(this.#take());
  }

  stats(): ConcurrencyStats {
    return { ...this.#stats, limit: this.limit };
  }

  #take(): Ticket {
    this.#inFlight++;
    this.#stats.maxInFlight = Math.max(this.#stats.maxInFlight, this.#inFlight);
    const seq = ++this.#seq;
    if (this.#inFlight >= this.limit) this.#fullAt = seq;
    return { seq };
  }

  #adapt(ticket: Ticket, o: AttemptOutcome): void {
    const { min, max } = this.bounds;
    if (o.timedOut || (o.status !== undefined && OVERLOADED.has(o.status))) {
      this.#cut(ticket, Math.max(min, this.limit / 2));
      return;
    }
    if (o.status === undefined || o.latencyMs === undefined || o.status >= 400) return; // no evidence either way
    const slow = this.#isSlow(o.kind ?? "", o.latencyMs);
    if (slow) this.#cut(ticket, Math.max(min, this.limit - 1));
    // Grow only when the limit held requests back: this attempt was in flight while every slot was in use.
    else if (ticket.seq <= this.#fullAt && this.#limit < max) this.#set(Math.min(max, this.#limit + 1 / this.limit));
  }

  #cut(ticket: Ticket, to: number): void {
    if (ticket.seq <= this.#cutAt || to >= this.#limit) return;
    this.#cutAt = this.#seq;
    this.#stats.cuts++;
    this.#set(Math.floor(to));
  }

  #set(limit: number): void {
    this.#limit = Math.round(limit * 1e6) / 1e6; // five steps of 1/5 make exactly one more

    this.#stats.lowest = Math.min(this.#stats.lowest, this.limit);
    this.#stats.highest = Math.max(this.#stats.highest, this.limit);
  }

  /** Compares with the fastest answer of the same kind in the current and the previous window, then records it. */
  #isSlow(kind: string, latencyMs: number): boolean {
    let f = this.#fastest.get(kind);
    if (!f) {
      if (this.#fastest.size >= MAX_KINDS) this.#fastest.delete(this.#fastest.keys().next().value as string);
      this.#fastest.set(kind, (f = { current: Infinity, previous: Infinity, seen: 0 }));
    }
    const fastest = Math.min(f.current, f.previous);
    const slow = Number.isFinite(fastest) && latencyMs > SLOW_FACTOR * fastest + SLOW_SLACK_MS;
    f.current = Math.min(f.current, latencyMs);
    if (++f.seen % WINDOW === 0) {
      f.previous = f.current;
      f.current = Infinity;
    }
    return slow;
  }
}
