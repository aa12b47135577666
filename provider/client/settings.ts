/**
 * Provider settings: read every key from stack config (`immybot:<key>`), falling back per key to its environment
 * variable, validate all of them at once, and derive the base URL, token URL and OAuth scope.
 *
 * Secrets (the client secret and a pre-issued access token) never become properties of {@link Settings}: they sit
 * in a module-private WeakMap, so no JSON, `util.inspect`, `toString` or error message of a Settings object can
 * carry them. Only this folder reads them back, through {@link secretsOf}.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import { ImmyBotConfigError } from "./errors";

/** How the client authenticates. */
export type AuthMode = "clientCredentials" | "accessToken";

/** Resolved, validated provider settings. Frozen; holds no secret. */
export interface Settings {
  /** The instance subdomain (`contoso`), when given. */
  readonly instance?: string;
  /** Instance root without trailing slash, possibly with a path prefix: `https://contoso.immy.bot`. */
  readonly baseUrl: string;
  /** Origin of {@link baseUrl}: `https://contoso.immy.bot`. */
  readonly origin: string;
  /** OAuth scope: `{origin}/.default` (the instance URL is the App ID URI). */
  readonly scope: string;
  readonly auth: AuthMode;
  readonly clientId?: string;
  readonly azureTenantId?: string;
  /** Token endpoint; set when {@link auth} is `clientCredentials`. */
  readonly tokenUrl?: string;
  /**
   * Most requests in flight to the instance at once (the connection pool size). The limit in use adapts below it:
   * halved after a 429 or 503, lowered as answers slow down, raised again while they are fast (never below 1).
   */
  readonly maxConcurrency: number;
  /** Where that limit starts: `maxConcurrency` when the user set it, else {@link settingDefaults}.initialConcurrency. */
  readonly initialConcurrency: number;
  /** Time allowed for the response headers, and again for the body, of each attempt. */
  readonly requestTimeoutMs: number;
  /** Retries of an idempotent request (0 disables them). */
  readonly maxRetries: number;
  /** First retry backoff; doubles per retry, with jitter. */
  readonly retryMinDelayMs: number;
  /** Longest backoff between retries (a server's `Retry-After` is capped separately, see `retryPolicy`). */
  readonly retryMaxDelayMs: number;
  /**
   * How far back a create looks for a likely leftover: an object with exactly its arguments that no resource of
   * this run holds, as an interrupted earlier run may have created without recording it (0 turns the look off).
   */
  readonly leftoverMinutes: number;
  /** Take such a leftover over instead of creating a new object (default false: say so, and create). */
  readonly adoptLeftovers: boolean;
  /** Stable within a process for equal settings and secrets; the key of the client registry. */
  readonly fingerprint: string;
}

/** The secret half of a Settings object. */
export interface Secrets {
  readonly clientSecret?: string;
  readonly accessToken?: string;
}

interface KeySpec {
  env: string;
  secret?: boolean;
  example: string;
}

/**
 * Every setting: its stack config key is `immybot:<name>`, its environment variable `env`. Each key's comment is
 * documentation (docs/configuration.md is generated from it): what it is, and why its default.
 */
export const settingKeys = {
  /** Your instance's subdomain: `contoso` for `https://contoso.immy.bot`. Give this or baseUrl. */
  instance: { env: "IMMYBOT_INSTANCE", example: "contoso" },
  /** The instance's URL instead of `instance`, for another domain (or the sandbox); `http://` only to loopback, so credentials never travel unencrypted. Wins over instance. */
  baseUrl: { env: "IMMYBOT_BASE_URL", example: "https://contoso.immy.bot" },
  /** The Entra ID tenant (GUID or verified domain) of the app registration the provider signs in as. */
  azureTenantId: { env: "IMMYBOT_AZURE_TENANT_ID", example: "<Entra tenant id (GUID)>" },
  /** The app registration's client id (client credentials). */
  clientId: { env: "IMMYBOT_CLIENT_ID", example: "<app registration client id>" },
  /** Its client secret: keep it secret (`pulumi config set --secret`, or a CI secret). Never stored in the state. */
  clientSecret: { env: "IMMYBOT_CLIENT_SECRET", secret: true, example: "<client secret value>" },
  /** The token endpoint; by default Entra's `https://login.microsoftonline.com/{azureTenantId}/oauth2/v2.0/token`, which is where ImmyBot's app registrations live. */
  tokenUrl: { env: "IMMYBOT_TOKEN_URL", example: "https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token" },
  /** A pre-issued access token instead of client credentials (it cannot be renewed: for short runs). Not together with clientSecret. */
  accessToken: { env: "IMMYBOT_ACCESS_TOKEN", secret: true, example: "<bearer token>" },
  /** Requests in flight to the instance at once, for all resources of a run. ImmyBot publishes no rate limit; 4 keeps a large refresh fast without loading the instance (429s are honoured either way). */
  maxConcurrency: { env: "IMMYBOT_MAX_CONCURRENCY", example: "4" },
  /** Time allowed for one request's answer (headers, then body). 30 s is far above ImmyBot's usual answer times; a write that times out is looked for, never sent again. */
  requestTimeoutMs: { env: "IMMYBOT_REQUEST_TIMEOUT_MS", example: "30000" },
  /** Retries of a failed idempotent request (GET, PUT, DELETE; a POST only after a failure that proves ImmyBot did not take it); 0 turns retries off. 4 rides out a short outage or a burst of 429s. */
  maxRetries: { env: "IMMYBOT_MAX_RETRIES", example: "4" },
  /** The first retry's backoff; it doubles per retry, with jitter. A server's `Retry-After` wins, capped at 60 s. */
  retryMinDelayMs: { env: "IMMYBOT_RETRY_MIN_DELAY_MS", example: "500" },
  /** The longest backoff between retries. */
  retryMaxDelayMs: { env: "IMMYBOT_RETRY_MAX_DELAY_MS", example: "30000" },
  /** How far back (minutes) a create looks for a likely leftover of an interrupted run: an object with exactly its arguments that no resource of the run holds (0: no look). An hour covers a cancelled CI job run again. */
  leftoverMinutes: { env: "IMMYBOT_LEFTOVER_MINUTES", example: "60" },
  /** `true` takes such a leftover over instead of creating a new object. Off by default: the provider cannot prove the object is not another stack's (docs/reliability.md). */
  adoptLeftovers: { env: "IMMYBOT_ADOPT_LEFTOVERS", example: "true" },
} as const satisfies Record<string, KeySpec>;

export type SettingKey = keyof typeof settingKeys;

/** Defaults of the tuning settings. */
export const settingDefaults = {
  /**
   * ImmyBot publishes no rate limit. Unset, the provider starts at `initialConcurrency` (4, the bound used before
   * it adapted, which no ImmyBot instance has refused) and grows up to 16 only while answers stay as fast as the
   * fastest seen and every slot is in use; a 429 halves it at once.
   */
  maxConcurrency: 16,
  initialConcurrency: 4,
  requestTimeoutMs: 30_000,
  maxRetries: 4,
  retryMinDelayMs: 500,
  retryMaxDelayMs: 30_000,
  leftoverMinutes: 60,
  adoptLeftovers: false,
} as const;

const secretStore = new WeakMap<Settings, Secrets>();
// Secrets enter the fingerprint only through an HMAC keyed per process: equal within a process, useless outside it.
const fingerprintKey = randomBytes(32);

/** The secrets of settings made by {@link resolveSettings}. */
export function secretsOf(settings: Settings): Secrets {
  const secrets = secretStore.get(settings);
  if (!secrets) throw new TypeError("secretsOf: these settings were not made by resolveSettings()");
  return secrets;
}

/** How to set `key`, for error messages: both the stack config command and the environment variable. */
export function howToSet(key: SettingKey, example?: string): string {
  const spec: KeySpec = settingKeys[key];
  return `\`pulumi config set ${spec.secret ? "--secret " : ""}immybot:${key} ${example ?? spec.example}\` or ${spec.env}`;
}

function label(key: SettingKey): string {
  return `immybot:${key} (${settingKeys[key].env})`;
}

/** True for 127.0.0.0/8, `localhost` and `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === "localhost" || h === "[::1]" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Parses an http(s) URL for `key`; pushes a problem and returns undefined when it cannot be used. */
function parseUrl(key: "baseUrl" | "tokenUrl", value: string, problems: string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${label(key)} is not a valid URL; set it to an absolute URL such as ${settingKeys[key].example}.`);
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    problems.push(`${label(key)} must be an https:// URL (got ${url.protocol}); set it with ${howToSet(key)}.`);
    return undefined;
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    problems.push(
      `${label(key)} uses plain http:// to ${url.hostname}, which would send credentials unencrypted; use https:// ` +
        `(plain http is accepted only for loopback hosts: 127.0.0.1, localhost, [::1]).`,
    );
    return undefined;
  }
  if (url.username || url.password) {
    problems.push(`${label(key)} must not contain a user name or password; remove them from the URL.`);
    return undefined;
  }
  if (key === "baseUrl" && (url.search || url.hash)) {
    problems.push(`${label(key)} must not contain a query or fragment; set it to the instance root, e.g. ${settingKeys.baseUrl.example}.`);
    return undefined;
  }
  return url;
}

function parseCount(key: SettingKey, raw: string | undefined, fallback: number, min: number, problems: string[]): number {
  if (raw === undefined) return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    const what = min === 0 ? "a non-negative integer" : "a positive integer";
    problems.push(`${label(key)} must be ${what} (got ${JSON.stringify(raw)}); set it with ${howToSet(key)}.`);
    return fallback;
  }
  return n;
}

function parseBoolean(key: SettingKey, raw: string | undefined, fallback: boolean, problems: string[]): boolean {
  if (raw === undefined) return fallback;
  if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === "true";
  problems.push(`${label(key)} must be true or false (got ${JSON.stringify(raw)}); set it with ${howToSet(key)}.`);
  return fallback;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/**
 * One problem for every missing client credential, each fix said once: the setting, how to set it (stack config or
 * variable), then the alternative of a pre-issued token. Indented to line up under the error's "  - " list.
 */
function missingCredentials(missing: readonly SettingKey[]): string {
  const intro = missing.length === 3 ? "no credentials are set" : "client credentials are incomplete";
  const lines = missing.map(
    (k) => `      immybot:${k}: ${howToSet(k)}${k === "azureTenantId" ? `, or the token endpoint instead: ${howToSet("tokenUrl")}` : ""}`,
  );
  return [`${intro}; set ${missing.length === 1 ? "it" : "each of them"}:`, ...lines, `    or, instead of client credentials, a pre-issued access token: ${howToSet("accessToken")}`].join("\n");
}

const INSTANCE = /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(\.immy\.bot)?$/;
const TENANT = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/**
 * Reads and validates the provider settings. `get` is the stack config lookup (`get("immybot:clientId")`); each key
 * falls back to its environment variable in `env`. Empty values count as unset (an empty config value falls back
 * to the variable). Throws one {@link ImmyBotConfigError} listing every problem, each naming the config key, the
 * variable and the fix.
 *
 * Authentication is either `accessToken`, or `clientId` + `clientSecret` + (`azureTenantId` or `tokenUrl`).
 * `baseUrl` wins over `instance`; `tokenUrl` wins over the URL derived from `azureTenantId`.
 */
export function resolveSettings(get: (key: string) => string | undefined, env: NodeJS.ProcessEnv = process.env): Settings {
  const raw = {} as Record<SettingKey, string | undefined>;
  for (const key of Object.keys(settingKeys) as SettingKey[]) {
    raw[key] = nonEmpty(get(`immybot:${key}`)) ?? nonEmpty(env[settingKeys[key].env]);
  }
  const problems: string[] = [];

  // Where: baseUrl, or derived from instance.
  let instance: string | undefined;
  let base: URL | undefined;
  if (raw.instance !== undefined) {
    const m = INSTANCE.exec(raw.instance.toLowerCase());
    if (m) instance = m[1];
    else if (raw.baseUrl === undefined) {
      problems.push(
        `${label("instance")} must be the instance's subdomain, e.g. "contoso" or "contoso.immy.bot" ` +
          `(got ${JSON.stringify(raw.instance)}); for a full URL or another domain use ${howToSet("baseUrl")} instead.`,
      );
    }
  }
  if (raw.baseUrl !== undefined) base = parseUrl("baseUrl", raw.baseUrl, problems);
  else if (instance !== undefined) base = new URL(`https://${instance}.immy.bot`);
  else if (raw.instance === undefined) {
    problems.push(`the ImmyBot instance is not set: set ${howToSet("instance")} (or the full URL: ${howToSet("baseUrl")}).`);
  }
  if (base && /\/api\/v\d+\/?$/i.test(base.pathname)) {
    problems.push(`${label("baseUrl")} must be the instance root without the API path (/api/v1); e.g. ${settingKeys.baseUrl.example}.`);
    base = undefined;
  }

  // Who: a pre-issued token, or client credentials.
  let auth: AuthMode = "clientCredentials";
  let tokenUrl: URL | undefined;
  if (raw.accessToken !== undefined) {
    auth = "accessToken";
    if (raw.clientSecret !== undefined) {
      problems.push(
        `both ${label("accessToken")} and ${label("clientSecret")} are set; set only one: the access token, or the ` +
          `client credentials (clientId, clientSecret, azureTenantId) so tokens can be renewed.`,
      );
    }
  } else {
    const missing: SettingKey[] = (["clientId", "clientSecret"] as const).filter((k) => raw[k] === undefined);
    if (raw.azureTenantId === undefined && raw.tokenUrl === undefined) missing.push("azureTenantId");
    if (missing.length > 0) problems.push(missingCredentials(missing));
    if (raw.azureTenantId !== undefined && !TENANT.test(raw.azureTenantId)) {
      problems.push(
        `${label("azureTenantId")} must be an Entra tenant id (GUID) or verified domain (got ${JSON.stringify(raw.azureTenantId)}); ` +
          `set it with ${howToSet("azureTenantId")}.`,
      );
    } else if (raw.tokenUrl !== undefined) {
      tokenUrl = parseUrl("tokenUrl", raw.tokenUrl, problems);
    } else if (raw.azureTenantId !== undefined) {
      tokenUrl = new URL(`https://login.microsoftonline.com/${encodeURIComponent(raw.azureTenantId)}/oauth2/v2.0/token`);
    }
  }

  // How hard: pool size, timeout, retries.
  const maxConcurrency = parseCount("maxConcurrency", raw.maxConcurrency, settingDefaults.maxConcurrency, 1, problems);
  const requestTimeoutMs = parseCount("requestTimeoutMs", raw.requestTimeoutMs, settingDefaults.requestTimeoutMs, 1, problems);
  const maxRetries = parseCount("maxRetries", raw.maxRetries, settingDefaults.maxRetries, 0, problems);
  const retryMinDelayMs = parseCount("retryMinDelayMs", raw.retryMinDelayMs, settingDefaults.retryMinDelayMs, 1, problems);
  const retryMaxDelayMs = parseCount("retryMaxDelayMs", raw.retryMaxDelayMs, settingDefaults.retryMaxDelayMs, 1, problems);
  const leftoverMinutes = parseCount("leftoverMinutes", raw.leftoverMinutes, settingDefaults.leftoverMinutes, 0, problems);
  const adoptLeftovers = parseBoolean("adoptLeftovers", raw.adoptLeftovers, settingDefaults.adoptLeftovers, problems);
  if (adoptLeftovers && leftoverMinutes === 0) {
    problems.push(`${label("adoptLeftovers")} needs a look for leftovers, but ${label("leftoverMinutes")} is 0; set leftoverMinutes (e.g. 60), or remove adoptLeftovers.`);
  }
  if (retryMaxDelayMs < retryMinDelayMs) {
    problems.push(`${label("retryMaxDelayMs")} (${retryMaxDelayMs}) must not be smaller than ${label("retryMinDelayMs")} (${retryMinDelayMs}).`);
  }

  if (problems.length > 0 || base === undefined) throw new ImmyBotConfigError(problems);

  const baseUrl = `${base.origin}${base.pathname.replace(/\/+$/, "")}`;
  const secrets: Secrets = Object.freeze(
    auth === "accessToken" ? { accessToken: raw.accessToken as string } : { clientSecret: raw.clientSecret as string },
  );
  const publicPart = {
    ...(instance !== undefined ? { instance } : {}),
    baseUrl,
    origin: base.origin,
    scope: `${base.origin}/.default`,
    auth,
    ...(auth === "clientCredentials" ? { clientId: raw.clientId as string } : {}),
    ...(auth === "clientCredentials" && raw.azureTenantId !== undefined ? { azureTenantId: raw.azureTenantId } : {}),
    ...(tokenUrl !== undefined ? { tokenUrl: tokenUrl.href } : {}),
    maxConcurrency,
    // A value the user set is what they want in flight: start there. Unset: start low and grow while answers are fast.
    initialConcurrency: raw.maxConcurrency === undefined ? settingDefaults.initialConcurrency : maxConcurrency,
    requestTimeoutMs,
    maxRetries,
    retryMinDelayMs,
    retryMaxDelayMs,
    leftoverMinutes,
    adoptLeftovers,
  };
  const secretDigest = createHmac("sha256", fingerprintKey)
    .update(JSON.stringify([secrets.clientSecret ?? null, secrets.accessToken ?? null]))
    .digest("hex");
  const fingerprint = createHash("sha256").update(JSON.stringify([publicPart, secretDigest])).digest("hex");
  const settings: Settings = Object.freeze({ ...publicPart, fingerprint });
  secretStore.set(settings, secrets);
  return settings;
}
