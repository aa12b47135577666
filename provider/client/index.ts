/**
 * The ImmyBot API client: JSON in and out, bearer auth with one renewal on 401, typed errors.
 *
 * `clientFor(settings)` returns the process-wide client of a credential set (registry keyed by the settings'
 * fingerprint), so every resource of a process shares one token and one connection pool per instance. This layer
 * knows nothing of Pulumi.
 */
import { ClientCredentialsTokenSource, StaticTokenSource, type Clock, type TokenSource } from "./auth";
import {
  ImmyBotAuthError,
  ImmyBotHttpError,
  ImmyBotUnexpectedResponseError,
  describeStatus,
  extractRequestId,
  extractServerMessage,
  redact,
} from "./errors";
import { howToSet, secretsOf, type Settings } from "./settings";
import type { ConcurrencyStats } from "./concurrency";
import { parseRetryAfter, Transport, type HttpMethod, type TransportResponse } from "./transport";

export * from "./errors";
export { resolveSettings, settingKeys, settingDefaults, isLoopbackHost, type Settings, type SettingKey, type AuthMode } from "./settings";
export { retryPolicy, parseRetryAfter, type HttpMethod, type TransportStats } from "./transport";
export type { ConcurrencyStats } from "./concurrency";
export { renewalMargin, type Clock } from "./auth";

/** Query parameters; `undefined`/`null` values are left out, arrays repeat the key. */
export type Query = Record<string, string | number | boolean | null | undefined | readonly (string | number | boolean)[]>;

export interface RequestOptions {
  method: HttpMethod;
  /** API path, `/api/v1/...`, appended to the base URL (and its path prefix, if any). */
  path: string;
  query?: Query;
  /** Sent as JSON when defined. */
  body?: unknown;
}

export interface ApiResponse<T> {
  status: number;
  /** Parsed JSON; undefined when the 2xx body was empty. */
  body: T | undefined;
}

export interface ClientStats {
  /** API requests sent on the wire, retries and 401 repeats included. */
  requests: number;
  /** API requests retried by the retry policy. */
  retries: number;
  /** Connections the API pool opened. */
  connectionsOpened: number;
  /** Requests sent to the token endpoint, retries included. */
  tokenRequests: number;
  /** The adaptive limit of API requests in flight: now, lowest, highest, cuts, most in flight at once. */
  concurrency: ConcurrencyStats;
}

export interface ClientOptions {
  /** Clock for token expiry (tests). Default `Date.now`. */
  clock?: Clock;
}

// application/json, text/json, application/problem+json, ...
const JSON_CONTENT_TYPE = /^\s*(application|text)\/([\w.-]+\+)?json\s*(;|$)/i;

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** `?a=1&b=2` (or `&a=1...` when `path` already has a query), "" when there is nothing to add. */
function queryString(path: string, query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const s = params.toString();
  return s ? `${path.includes("?") ? "&" : "?"}${s}` : "";
}

const READS: ReadonlySet<HttpMethod> = new Set(["GET", "HEAD", "OPTIONS"]);

const registry = new Map<string, ImmyBotClient>();
const openClients = new Set<ImmyBotClient>();

/** A client for one instance and credential set. Prefer {@link clientFor}; construct directly only in tests. */
export class ImmyBotClient {
  readonly settings: Settings;
  readonly #api: Transport;
  readonly #tokenTransport: Transport | undefined;
  readonly #auth: TokenSource;
  readonly #prefix: string;
  /** Server clock minus ours, from the newest answer's `Date` header (undefined until one came). */
  #clockOffsetMs: number | undefined;
  /** Bumped when a write (any method but GET, HEAD, OPTIONS) is sent and again when it ends, answered or not. */
  #writeGeneration = 0;

  constructor(settings: Settings, options: ClientOptions = {}) {
    this.settings = settings;
    this.#prefix = new URL(settings.baseUrl).pathname.replace(/\/+$/, "");
    const tuning = {
      timeoutMs: settings.requestTimeoutMs,
      maxRetries: settings.maxRetries,
      minDelayMs: settings.retryMinDelayMs,
      maxDelayMs: settings.retryMaxDelayMs,
      timeoutHint: `raise ${howToSet("requestTimeoutMs", "60000")}`,
    };
    this.#api = new Transport(settings.origin, {
      ...tuning,
      concurrency: { min: 1, max: settings.maxConcurrency, initial: settings.initialConcurrency },
      label: "ImmyBot",
    });
    if (settings.auth === "accessToken") {
      this.#auth = new StaticTokenSource(secretsOf(settings).accessToken as string);
    } else {
      this.#tokenTransport = new Transport(new URL(settings.tokenUrl as string).origin, {
        ...tuning,
        concurrency: { min: 1, max: 1, initial: 1 }, // one token request at a time is all a client ever makes
        retryMethods: ["POST"],
        label: "Token endpoint",
      });
      this.#auth = new ClientCredentialsTokenSource(settings, this.#tokenTransport, options.clock);
    }
    openClients.add(this);
  }

  /**
   * Sends one API request. Resolves for any 2xx (`body` undefined when empty); throws {@link ImmyBotHttpError}
   * for >= 400, {@link ImmyBotUnexpectedResponseError} for a 2xx that is not JSON (or a redirect),
   * {@link ImmyBotAuthError} when the token cannot be had or is refused after one renewal, and
   * `ImmyBotTransportError` when no response arrived.
   */
  async request<T>(opts: RequestOptions): Promise<ApiResponse<T>> {
    const method = opts.method.toUpperCase() as HttpMethod;
    if (!opts.path.startsWith("/")) throw new TypeError(`ImmyBot path must start with "/": ${JSON.stringify(opts.path)}`);
    const wirePath = `${this.#prefix}${opts.path}${queryString(opts.path, opts.query)}`;
    const path = opts.path.split("?")[0] as string;
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);

    const send = async (token: string): Promise<TransportResponse> =>
      this.#api.send({
        method,
        path: wirePath,
        displayPath: path,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          "user-agent": "pulumi-immybot",
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body } : {}),
      });

    const write = !READS.has(method);
    if (write) this.#writeGeneration++;
    try {
      return await this.#authorized<T>(method, path, send);
    } finally {
      if (write) this.#writeGeneration++;
    }
  }

  /** Sends with the current token; on a 401, once more with a renewed one. */
  async #authorized<T>(method: HttpMethod, path: string, send: (token: string) => Promise<TransportResponse>): Promise<ApiResponse<T>> {
    let token = await this.#auth.token();
    let res = await send(token);
    this.#noteServerClock(res);
    if (res.status === 401) {
      if (!this.#auth.renewable) throw this.#unauthorized(method, path, res, "static");
      this.#auth.invalidate(token);
      token = await this.#auth.token();
      res = await send(token);
      this.#noteServerClock(res);
      if (res.status === 401) throw this.#unauthorized(method, path, res, "renewed");
    }
    return this.#interpret<T>(method, path, res);
  }

  /** GET a JSON resource; an empty body is an error. */
  async get<T>(path: string, query?: Query): Promise<T> {
    return this.#required<T>("GET", path, await this.request<T>({ method: "GET", path, ...(query ? { query } : {}) }));
  }

  /** POST (never retried by the transport); resolves undefined for an empty 2xx (e.g. 202/204). */
  async post<T>(path: string, body?: unknown): Promise<T | undefined> {
    return (await this.request<T>({ method: "POST", path, ...(body !== undefined ? { body } : {}) })).body;
  }

  /** PUT a JSON body; the updated resource must come back. */
  async put<T>(path: string, body: unknown): Promise<T> {
    return this.#required<T>("PUT", path, await this.request<T>({ method: "PUT", path, body }));
  }

  /** DELETE; any 2xx is success, a 404 throws ({@link ImmyBotHttpError.isNotFound}) for the caller to judge. */
  async delete(path: string): Promise<void> {
    await this.request({ method: "DELETE", path });
  }

  /**
   * ImmyBot's clock minus this machine's, in ms, as the `Date` header of its newest answer shows it (whole seconds,
   * so within about a second); undefined before any answer carried one. Lets a caller compare the server's
   * timestamps (`createdDateUTC`) with moments of its own without trusting two clocks to agree.
   */
  serverClockOffsetMs(): number | undefined {
    return this.#clockOffsetMs;
  }

  /**
   * A number that changes whenever this client sends a write and again when the write ends: a list read while it
   * stayed the same reflects every write this process made before it (and none was under way).
   */
  writeGeneration(): number {
    return this.#writeGeneration;
  }

  #noteServerClock(res: TransportResponse): void {
    const at = Date.parse(headerValue(res.headers["date"]) ?? "");
    if (Number.isFinite(at)) this.#clockOffsetMs = at - Date.now();
  }

  stats(): ClientStats {
    const api = this.#api.stats();
    return {
      requests: api.requests,
      retries: api.retries,
      connectionsOpened: api.connectionsOpened,
      tokenRequests: this.#tokenTransport?.stats().requests ?? 0,
      concurrency: api.concurrency,
    };
  }

  /** Closes the pools (after in-flight requests) and forgets the client. */
  async close(): Promise<void> {
    if (registry.get(this.settings.fingerprint) === this) registry.delete(this.settings.fingerprint);
    openClients.delete(this);
    await Promise.all([this.#api.close(), this.#tokenTransport?.close()]);
  }

  #required<T>(method: string, path: string, res: ApiResponse<T>): T {
    if (res.body !== undefined) return res.body;
    throw new ImmyBotUnexpectedResponseError(
      `ImmyBot ${method} ${path} answered ${describeStatus(res.status)} with an empty body; a JSON resource was expected.`,
      { method, path, status: res.status },
    );
  }

  #unauthorized(method: string, path: string, res: TransportResponse, kind: "static" | "renewed"): ImmyBotAuthError {
    const serverMessage = extractServerMessage(res.text, this.#auth.secrets());
    const head = `ImmyBot ${method} ${path} failed: ${describeStatus(401)}${serverMessage ? `: ${serverMessage}` : ""}`;
    const message =
      kind === "static"
        ? `${head}. The pre-issued access token (immybot:accessToken / IMMYBOT_ACCESS_TOKEN) was rejected: it has ` +
          `probably expired or was issued for another audience than ${this.settings.scope}. Issue a new one ` +
          `(${howToSet("accessToken")}), or configure client credentials (immybot:clientId, immybot:clientSecret, ` +
          `immybot:azureTenantId) so the provider renews tokens itself.`
        : `${head}, also with a newly issued token. Entra issued the token but ImmyBot does not accept this app: ` +
          `the app's Enterprise Application object ID must be the "AD External ID" of an ImmyBot Person that has a ` +
          `User with a suitable role, and the token's scope (${this.settings.scope}) must be this instance's URL.`;
    return new ImmyBotAuthError(message, {
      method,
      path,
      status: 401,
      attempts: res.attempts,
      ...(serverMessage !== undefined ? { serverMessage } : {}),
    });
  }

  #interpret<T>(method: string, path: string, res: TransportResponse): ApiResponse<T> {
    const { status } = res;
    const contentType = headerValue(res.headers["content-type"]);
    if (status >= 400) {
      const secrets = this.#auth.secrets();
      const serverMessage = extractServerMessage(res.text, secrets);
      const requestId = extractRequestId(res.headers, res.text);
      const retryAfterMs = parseRetryAfter(res.headers["retry-after"]);
      const hint =
        status === 403
          ? "The app's ImmyBot user lacks permission for this (ImmyBot RBAC); give its Person/User a suitable role"
          : status === 429
            ? `ImmyBot is rate limiting; lower ${howToSet("maxConcurrency", "2")}`
            : undefined;
      throw new ImmyBotHttpError({
        method,
        path,
        status,
        attempts: res.attempts,
        ...(serverMessage !== undefined ? { serverMessage } : {}),
        ...(requestId !== undefined ? { requestId } : {}),
        ...(hint !== undefined ? { hint } : {}),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    const fields = { method, path, status, attempts: res.attempts, ...(contentType !== undefined ? { contentType } : {}) };
    if (status >= 300) {
      const location = headerValue(res.headers["location"]);
      throw new ImmyBotUnexpectedResponseError(
        `ImmyBot ${method} ${path} answered ${describeStatus(status)}` +
          `${location ? ` redirecting to ${redact(location, this.#auth.secrets()).slice(0, 200)}` : ""}; the API does not ` +
          `redirect, so the base URL (immybot:baseUrl / IMMYBOT_BASE_URL) is probably not the instance root.`,
        fields,
      );
    }
    if (res.text.trim() === "") return { status, body: undefined };
    const routeHint =
      "ImmyBot serves its web app (HTML with status 200) for routes it does not know, so this route probably does " +
      "not exist on this instance or ImmyBot version.";
    if (contentType === undefined || !JSON_CONTENT_TYPE.test(contentType)) {
      throw new ImmyBotUnexpectedResponseError(
        `ImmyBot ${method} ${path} answered ${describeStatus(status)} with ${contentType ?? "no content type"} ` +
          `instead of JSON (${extractServerMessage(res.text, this.#auth.secrets())}). ${routeHint}`,
        fields,
      );
    }
    try {
      return { status, body: JSON.parse(res.text) as T };
    } catch {
      throw new ImmyBotUnexpectedResponseError(
        `ImmyBot ${method} ${path} answered ${describeStatus(status)} with a ${contentType} body that is not valid JSON.`,
        fields,
      );
    }
  }
}

/** The process-wide client for these settings (one per credential set and instance). */
export function clientFor(settings: Settings): ImmyBotClient {
  let client = registry.get(settings.fingerprint);
  if (!client) {
    client = new ImmyBotClient(settings);
    registry.set(settings.fingerprint, client);
  }
  return client;
}

/** Closes every client's pools and empties the registry (tests, shutdown). */
export async function closeAll(): Promise<void> {
  const clients = [...openClients];
  registry.clear();
  openClients.clear();
  await Promise.all(clients.map((c) => c.close()));
}
