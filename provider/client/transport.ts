/**
 * The wire: one keep-alive undici `Pool` per origin with undici's retry interceptor composed onto it.
 *
 * - At most {@link AdaptiveConcurrency}'s limit of attempts are in flight (it adapts to 429s and latency, within
 *   `concurrency`'s bounds); the pool holds `concurrency.max` connections (pipelining 1). Requests beyond the
 *   limit wait in its queue, before the pool.
 * - Every attempt has a headers timeout and a body timeout.
 * - Retries follow {@link retryPolicy}: idempotent methods only (a POST whose response was lost must not create a
 *   second object; the resource layer decides what to do), on 429/502/503/504 and on resets, socket errors and
 *   timeouts, with exponential backoff and jitter, honouring `Retry-After`. The retry handler waits outside the
 *   pool, so a request backing off does not hold a connection.
 * - A counting interceptor under the retry interceptor sees every attempt; the pool's `connect` events count
 *   connections. Both feed {@link Transport.stats}.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher, Pool, RetryHandler } from "undici";
import { AdaptiveConcurrency, type ConcurrencyBounds, type ConcurrencyStats, type Ticket } from "./concurrency";
import { ImmyBotTransportError } from "./errors";

export type HttpMethod = "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" | "POST" | "PATCH";

/** The delay tuning the retry callback reads from undici's retry options. */
interface DelayOptions {
  minTimeout: number;
  maxTimeout: number;
  timeoutFactor: number;
}

/** Seconds (`"120"`, fractions tolerated) or an HTTP date -> milliseconds from `now`; undefined if unusable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === "") return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined; // an HTTP date names its day or month; Date.parse would take "-5" as a year
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The retry policy, as data plus one function (undici's `RetryHandler` contract). The transport hands these
 * fields to `interceptors.retry`, overriding `maxRetries`, `minTimeout` and `maxTimeout` from the settings.
 */
export const retryPolicy = Object.freeze({
  /** Methods retried: the idempotent ones. POST and PATCH are never retried (the token request excepted). */
  methods: Object.freeze(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"] as Dispatcher.HttpMethod[]),
  /** Statuses retried. 500 is not: ImmyBot answers unsupported filters with 500, and that does not heal. */
  statusCodes: Object.freeze([429, 502, 503, 504]),
  /** Error codes retried: undici's defaults plus its timeouts and Node's socket timeout. */
  errorCodes: Object.freeze([
    "ECONNRESET",
    "ECONNREFUSED",
    "ENOTFOUND",
    "ENETDOWN",
    "ENETUNREACH",
    "EHOSTDOWN",
    "EHOSTUNREACH",
    "EPIPE",
    "ETIMEDOUT",
    "EAI_AGAIN",
    "UND_ERR_SOCKET",
    "UND_ERR_CONNECT_TIMEOUT",
    "UND_ERR_HEADERS_TIMEOUT",
    "UND_ERR_BODY_TIMEOUT",
  ]),
  /** Default retries; settings `maxRetries` overrides. */
  maxRetries: 4,
  /** Default first backoff in ms; settings `retryMinDelayMs` overrides. */
  minTimeout: 500,
  /** Default backoff cap in ms; settings `retryMaxDelayMs` overrides. */
  maxTimeout: 30_000,
  /** Backoff growth per retry. */
  timeoutFactor: 2,
  /** Fraction of each backoff that is random: the delay lies in [(1 - jitter) * backoff, backoff]. */
  jitter: 0.5,
  /** Cap on a server's `Retry-After` (ms). Independent of `maxTimeout`, so tests can shrink backoff only. */
  maxRetryAfter: 60_000,

  /**
   * Delay before retry number `retry` (1-based): the server's `Retry-After` when it gives a positive one (capped by
   * `maxRetryAfter`), otherwise `minTimeout * timeoutFactor^(retry-1)` capped by `maxTimeout`, with jitter.
   */
  delay(
    retry: number,
    retryAfter: string | string[] | undefined,
    opts: DelayOptions,
    now: number = Date.now(),
    random: () => number = Math.random,
  ): number {
    const fromServer = parseRetryAfter(retryAfter, now);
    if (fromServer !== undefined && fromServer > 0) return Math.min(fromServer, retryPolicy.maxRetryAfter);
    const backoff = Math.min(opts.minTimeout * opts.timeoutFactor ** Math.max(0, retry - 1), opts.maxTimeout);
    return Math.round(backoff * (1 - retryPolicy.jitter * random()));
  },

  /**
   * The `retry` callback for undici's `RetryHandler`: `cb()` after the delay to retry, `cb(err)` to give up.
   * undici calls it for every response with status >= 300 (with `throwOnError: false`) and for every error.
   */
  retry(err: Error, context: RetryHandler.RetryContext, cb: RetryHandler.OnRetryCallback): void {
    const { statusCode, code, headers } = err as Error & {
      statusCode?: number;
      code?: string;
      headers?: Record<string, string | string[] | undefined>;
    };
    const { method, retryOptions: o = {} } = context.opts;
    const counter = context.state.counter;
    const methods = o.methods ?? retryPolicy.methods;
    const statusCodes = o.statusCodes ?? retryPolicy.statusCodes;
    const errorCodes = o.errorCodes ?? retryPolicy.errorCodes;
    const isStatus = statusCode !== undefined && code === "UND_ERR_REQ_RETRY";
    const eligible =
      methods.includes(method) &&
      counter <= (o.maxRetries ?? retryPolicy.maxRetries) &&
      (isStatus ? statusCodes.includes(statusCode) : code !== undefined && errorCodes.includes(code));
    if (!eligible) {
      cb(err);
      return;
    }
    const wait = retryPolicy.delay(counter, headers?.["retry-after"], {
      minTimeout: o.minTimeout ?? retryPolicy.minTimeout,
      maxTimeout: o.maxTimeout ?? retryPolicy.maxTimeout,
      timeoutFactor: o.timeoutFactor ?? retryPolicy.timeoutFactor,
    });
    setTimeout(() => cb(null), wait);
  },
});

export interface TransportOptions {
  /** Requests in flight at once: the bounds the limit adapts within (the pool has `max` connections). */
  concurrency: ConcurrencyBounds;
  /** Headers timeout and body timeout of each attempt (and the connect timeout). */
  timeoutMs: number;
  maxRetries: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Methods retried; default {@link retryPolicy.methods}. */
  retryMethods?: readonly Dispatcher.HttpMethod[];
  /** Who is being called, for messages: "ImmyBot" or "Token endpoint". */
  label: string;
  /** Hint appended to timeout messages (which setting to raise). */
  timeoutHint?: string;
}

export interface TransportRequest {
  method: HttpMethod;
  /** Path and query as sent on the wire. */
  path: string;
  /** Path for messages and error fields (default: `path` without its query). */
  displayPath?: string;
  headers: Record<string, string>;
  body?: string;
}

export interface TransportResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The whole body as text ("" when empty). */
  text: string;
  /** How many times the request was sent. */
  attempts: number;
}

export interface TransportStats {
  /** Requests sent on the wire, retries included. */
  requests: number;
  /** Retries performed. */
  retries: number;
  /** Connections opened by the pool. */
  connectionsOpened: number;
  /** The adaptive limit of requests in flight. */
  concurrency: ConcurrencyStats;
}

// Errors raised before any byte could reach the server.
const NEVER_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT", "ENETUNREACH", "EHOSTUNREACH", "ENETDOWN", "EHOSTDOWN"]);

function describeFailure(code: string | undefined, err: Error, timeoutMs: number, hint: string | undefined): string {
  const h = hint ? ` (${hint})` : "";
  switch (code) {
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
      return `no response within ${timeoutMs} ms${h}`;
    case "UND_ERR_CONNECT_TIMEOUT":
      return `could not connect within ${timeoutMs} ms${h}`;
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host name not found";
    case "UND_ERR_SOCKET":
    case "ECONNRESET":
    case "EPIPE":
      return "the connection was closed before a response arrived";
    default:
      return err.message;
  }
}

/** One origin's pool, retry interceptor and counters. */
export class Transport {
  readonly origin: string;
  readonly #options: TransportOptions;
  readonly #pool: Pool;
  readonly #dispatcher: Dispatcher;
  readonly #stats = { requests: 0, retries: 0, connectionsOpened: 0 };
  readonly #limit: AdaptiveConcurrency;

  constructor(origin: string, options: TransportOptions) {
    // undici is most of the provider's load time: loaded with the first client, so check, diff, preview and a
    // no-change `up` (which send no request) never load it.
    const { Pool, interceptors } = require("undici") as typeof import("undici");
    this.origin = origin;
    this.#options = options;
    this.#limit = new AdaptiveConcurrency(options.concurrency);
    this.#pool = new Pool(origin, {
      connections: this.#limit.bounds.max,
      pipelining: 1,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: options.timeoutMs,
    });
    this.#pool.on("connect", () => {
      this.#stats.connectionsOpened++;
    });
    const count: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
      this.#stats.requests++;
      return dispatch(opts, handler);
    };
    // Under the retry interceptor: each attempt takes a slot, and a request backing off before a retry holds none.
    const limit: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
      void this.#limit.acquire().then((ticket) => {
        const metered = new MeteredHandler(handler, ticket, this.#limit, kindOf(opts));
        try {
          dispatch(opts, metered);
        } catch (e) {
          metered.onResponseError(undefined, e as Error);
        }
      });
      return true;
    };
    this.#dispatcher = this.#pool.compose(
      count,
      limit,
      interceptors.retry({
        throwOnError: false, // hand the last response (with its body) back instead of a bare RequestRetryError
        retry: retryPolicy.retry,
        methods: [...(options.retryMethods ?? retryPolicy.methods)],
        statusCodes: [...retryPolicy.statusCodes],
        errorCodes: [...retryPolicy.errorCodes],
        maxRetries: options.maxRetries,
        minTimeout: options.minDelayMs,
        maxTimeout: options.maxDelayMs,
        timeoutFactor: retryPolicy.timeoutFactor,
      }),
    );
  }

  /** Sends a request (with retries per policy) and reads the whole body. Throws only {@link ImmyBotTransportError}. */
  async send(req: TransportRequest): Promise<TransportResponse> {
    let retries = 0;
    const retry: RetryHandler.RetryCallback = (err, context, cb) =>
      retryPolicy.retry(err, context, (result) => {
        if (!result) {
          retries++;
          this.#stats.retries++;
        }
        cb(result);
      });
    try {
      const res = await this.#dispatcher.request({
        method: req.method,
        path: req.path,
        headers: req.headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        retryOptions: { retry },
      } as Dispatcher.RequestOptions);
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, text, attempts: retries + 1 };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const code = (err as { code?: unknown }).code;
      const undiciCode = typeof code === "string" ? code : undefined;
      const attempts = retries + 1;
      const displayPath = req.displayPath ?? req.path.split("?")[0] ?? req.path;
      const notRetried =
        attempts === 1 && !(this.#options.retryMethods ?? retryPolicy.methods).includes(req.method)
          ? ` (${req.method} is not retried: it may have been applied; check before sending it again)`
          : "";
      const maybeProcessed = undiciCode === undefined || !NEVER_SENT.has(undiciCode);
      throw new ImmyBotTransportError(
        `${this.#options.label} ${req.method} ${displayPath} failed: ` +
          `${describeFailure(undiciCode, err, this.#options.timeoutMs, this.#options.timeoutHint)}` +
          `${undiciCode ? ` [${undiciCode}]` : ""}${attempts > 1 ? ` (after ${attempts} attempts)` : ""}` +
          (maybeProcessed ? notRetried : ""),
        {
          method: req.method,
          path: displayPath,
          attempts,
          maybeProcessed,
          cause: err,
          ...(undiciCode !== undefined ? { undiciCode } : {}),
        },
      );
    }
  }

  stats(): TransportStats {
    return { ...this.#stats, concurrency: this.#limit.stats() };
  }

  /** Closes the pool after in-flight requests finish. */
  async close(): Promise<void> {
    await this.#pool.close();
  }
}

/** The method and route of a request, ids and query left out: answers of one kind are compared for latency. */
function kindOf(opts: Dispatcher.DispatchOptions): string {
  const path = (opts.path ?? "").split("?")[0]!.replace(/\/\d+(?=\/|$)/g, "/{id}");
  return `${opts.method} ${path}${(opts.path ?? "").includes("?") ? "?" : ""}`;
}

type Controller = Parameters<NonNullable<Dispatcher.DispatchHandler["onResponseStart"]>>[0];

/**
 * Passes every event of one attempt on to undici's handler, and reports the attempt to the limit: its status and
 * time to the response's headers, once, when the response ends or fails (the slot is held until then).
 */
class MeteredHandler implements Dispatcher.DispatchHandler {
  readonly #sent = performance.now();
  #status: number | undefined;
  #latencyMs: number | undefined;
  #released = false;

  constructor(
    private readonly handler: Dispatcher.DispatchHandler,
    private readonly ticket: Ticket,
    private readonly limit: AdaptiveConcurrency,
    private readonly kind: string,
  ) {}

  onRequestStart(controller: Controller, context: unknown): void {
    this.handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, socket: import("node:stream").Duplex): void {
    this.handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    this.#status = statusCode;
    this.#latencyMs = performance.now() - this.#sent;
    this.handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this.handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    this.#release(false);
    this.handler.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Controller | undefined, err: Error): void {
    const code = (err as { code?: unknown }).code;
    this.#release(code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" || code === "UND_ERR_CONNECT_TIMEOUT");
    this.handler.onResponseError?.(controller as Controller, err);
  }

  #release(timedOut: boolean): void {
    if (this.#released) return;
    this.#released = true;
    this.limit.release(this.ticket, {
      ...(this.#status !== undefined ? { status: this.#status } : {}),
      ...(this.#latencyMs !== undefined ? { latencyMs: this.#latencyMs } : {}),
      kind: this.kind,
      timedOut,
    });
  }
}
