/**
 * Writes that must happen at most once: a create's POST and a maintenance run's start. The transport never
 * retries a POST (client/transport.ts); this module decides, from how a POST failed, whether ImmyBot can have
 * acted on it:
 *
 * - `refused`: ImmyBot answered no (a 4xx other than 408 and 429), or the request never left this process
 *   (no token): nothing was done, and sending it again would be refused again;
 * - `not-taken`: the request provably did not reach ImmyBot (connection refused, unknown host, connect timeout)
 *   or was turned away unread (408): safe to send again after a pause;
 * - `rate-limited`: a 429: not taken, send again after its `Retry-After` (a wait, not a reason to poll);
 * - `ambiguous`: everything else (no answer in time, a reset connection, a 5xx, an answer that is not what the
 *   route gives): ImmyBot may have acted, now or later. The caller looks for what the write made; it never sends
 *   the write again.
 */
import { ImmyBotHttpError, ImmyBotTransportError, ImmyBotUnexpectedResponseError } from "./client/errors";

export type FailureProof = { kind: "refused" } | { kind: "not-taken" } | { kind: "rate-limited"; waitMs: number | undefined } | { kind: "ambiguous" };

/** A server's `Retry-After` is honoured up to this long (as the transport caps it for retried requests). */
const MAX_RETRY_AFTER_MS = 60_000;

/** What a failed non-idempotent request proves about whether ImmyBot took it. */
export function whatFailureProves(e: unknown): FailureProof {
  if (e instanceof ImmyBotHttpError) {
    if (e.status === 429) return { kind: "rate-limited", waitMs: e.retryAfterMs === undefined ? undefined : Math.min(e.retryAfterMs, MAX_RETRY_AFTER_MS) };
    if (e.status === 408) return { kind: "not-taken" };
    return e.status < 500 ? { kind: "refused" } : { kind: "ambiguous" };
  }
  if (e instanceof ImmyBotTransportError) return e.maybeProcessed ? { kind: "ambiguous" } : { kind: "not-taken" };
  if (e instanceof ImmyBotUnexpectedResponseError) return { kind: "ambiguous" };
  // No token, or one ImmyBot refused (401): the write was not acted on. Bad settings or a bug of ours: not sent.
  return { kind: "refused" };
}

/** Time and sleeping; tests replace it with a fake clock. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface SendOptions {
  /** Sends in all, the first included (the settings' maxRetries + 1). */
  attempts: number;
  /** Pause after a request that was not taken; it doubles each time up to `maxDelayMs` (a 429's Retry-After wins). */
  minDelayMs: number;
  maxDelayMs: number;
  clock?: Clock;
}

export type Sent<T> = { answered: true; value: T } | { answered: false; error: unknown };

/**
 * Sends a write, and sends it again only after a failure that proves ImmyBot did not take it, at most `attempts`
 * times in all. Resolves with the answer, or with the ambiguous failure for the caller to settle by looking (never by
 * sending again). A refusal, or a write still not taken after the last attempt, is thrown.
 */
export async function sendAtMostOnce<T>(send: () => Promise<T>, o: SendOptions): Promise<Sent<T>> {
  const clock = o.clock ?? realClock;
  for (let attempt = 1; ; attempt++) {
    try {
      return { answered: true, value: await send() };
    } catch (e) {
      const proof = whatFailureProves(e);
      if (proof.kind === "ambiguous") return { answered: false, error: e };
      if (proof.kind === "refused" || attempt >= o.attempts) throw e;
      const backoff = Math.min(o.minDelayMs * 2 ** (attempt - 1), o.maxDelayMs);
      await clock.sleep(proof.kind === "rate-limited" && proof.waitMs !== undefined ? proof.waitMs : backoff);
    }
  }
}

export interface PollOptions {
  /** First pause; each pause is half as long again as the last, up to `maxMs`. */
  initialMs: number;
  maxMs: number;
}

/**
 * Runs `round` until it says it is done or the clock passes `until`, always at least once and once more at
 * `until` itself (so a window of N ms really covers N ms).
 */
export async function pollUntil(clock: Clock, until: number, round: () => Promise<boolean>, o: PollOptions): Promise<void> {
  let pause = o.initialMs;
  while (!(await round()) && clock.now() < until) {
    await clock.sleep(Math.min(pause, Math.max(0, until - clock.now())));
    pause = Math.min(pause * 1.5, o.maxMs);
  }
}

/** An ImmyBot timestamp in ms; one without an offset is UTC (ImmyBot's "…UTC" dates may come without a "Z"). */
export function parseUtc(v: unknown): number | undefined {
  if (typeof v !== "string" || v === "") return undefined;
  const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? v : `${v}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A failure's message for our own messages (the client's errors already say route and status). */
export function describeFailure(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
