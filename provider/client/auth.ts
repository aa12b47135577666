/**
 * Bearer tokens: OAuth2 client credentials against Entra ID (or a compatible token URL), or a pre-issued token.
 *
 * One {@link TokenSource} per client, and one client per credential set (see `clientFor`), so one token per process
 * per credential set. Concurrent callers share one in-flight token request. A token is renewed once
 * `renewalMargin(lifetime)` before it expires; the clock is injectable for tests. Token requests go through their
 * own {@link Transport}, which retries them on 429/5xx/resets like idempotent requests (asking twice for a token is
 * harmless).
 */
import { z } from "zod";
import { ImmyBotAuthError, describeStatus, extractServerMessage } from "./errors";
import { howToSet, secretsOf, type Settings } from "./settings";
import type { Transport } from "./transport";

/** Milliseconds since the epoch. */
export type Clock = () => number;

/** Where the client gets its bearer token. */
export interface TokenSource {
  /** False for a pre-issued token: a 401 cannot be cured by asking again. */
  readonly renewable: boolean;
  /** A valid token (cached, or fetched once for all concurrent callers). */
  token(): Promise<string>;
  /** Drops `token` from the cache if it is still the current one (ImmyBot answered 401 to it). */
  invalidate(token: string): void;
  /** Values to redact from anything shown: the client secret and the tokens handed out. */
  secrets(): string[];
}

/** Renew this long before expiry: 5 minutes, or 10% of the lifetime for tokens shorter than 50 minutes. */
export function renewalMargin(lifetimeMs: number): number {
  return Math.min(5 * 60_000, lifetimeMs / 10);
}

/** A token given in the settings (`accessToken`). */
export class StaticTokenSource implements TokenSource {
  readonly renewable = false;
  readonly #token: string;

  constructor(token: string) {
    this.#token = token;
  }

  async token(): Promise<string> {
    return this.#token;
  }

  invalidate(): void {
    // nothing to renew; the client turns the 401 into an ImmyBotAuthError
  }

  secrets(): string[] {
    return [this.#token];
  }
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  // Entra v2 sends a number; v1 and some proxies send a string.
  expires_in: z.coerce.number().positive(),
});

const HINTS: [RegExp, string][] = [
  [/invalid_client|AADSTS7000215|AADSTS7000222|AADSTS700016/i,
    `check the app registration's client id (${howToSet("clientId")}) and that the client secret is the secret's value, not its id, and has not expired (${howToSet("clientSecret")})`],
  [/AADSTS90002|AADSTS900023|tenant .* not found/i, `check the Entra tenant id (${howToSet("azureTenantId")})`],
  [/invalid_scope|AADSTS500011|AADSTS70011/i,
    "the scope is derived from the instance URL ({origin}/.default); check immybot:instance / immybot:baseUrl and that the app is registered for this ImmyBot instance"],
];

/** Client credentials grant against `settings.tokenUrl`, cached until shortly before expiry. */
export class ClientCredentialsTokenSource implements TokenSource {
  readonly renewable = true;
  readonly #settings: Settings;
  readonly #transport: Transport;
  readonly #clock: Clock;
  #current: { token: string; renewAt: number } | undefined;
  #inFlight: Promise<string> | undefined;
  readonly #issued: string[] = [];

  constructor(settings: Settings, transport: Transport, clock: Clock = Date.now) {
    if (settings.auth !== "clientCredentials" || !settings.tokenUrl || !settings.clientId) {
      throw new TypeError("ClientCredentialsTokenSource needs client-credentials settings");
    }
    this.#settings = settings;
    this.#transport = transport;
    this.#clock = clock;
  }

  token(): Promise<string> {
    const current = this.#current;
    if (current && this.#clock() < current.renewAt) return Promise.resolve(current.token);
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  secrets(): string[] {
    const secret = secretsOf(this.#settings).clientSecret;
    return secret ? [secret, ...this.#issued] : [...this.#issued];
  }

  async #fetch(): Promise<string> {
    const s = this.#settings;
    const url = new URL(s.tokenUrl as string);
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: s.clientId as string,
      client_secret: secretsOf(s).clientSecret ?? "",
      scope: s.scope,
    });
    const started = this.#clock();
    const res = await this.#transport.send({
      method: "POST",
      path: `${url.pathname}${url.search}`,
      displayPath: url.href,
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form.toString(),
    });
    const fields = { method: "POST", path: url.href, status: res.status, attempts: res.attempts };
    if (res.status < 200 || res.status >= 300) {
      const serverMessage = extractServerMessage(res.text, this.secrets());
      const hint = HINTS.find(([re]) => re.test(serverMessage ?? ""))?.[1]?.replace("{origin}", s.origin);
      throw new ImmyBotAuthError(
        `ImmyBot token request to ${url.href} failed: ${describeStatus(res.status)}` +
          `${serverMessage ? `: ${serverMessage}` : ""}${res.attempts > 1 ? ` (after ${res.attempts} attempts)` : ""}` +
          `${hint ? `. Fix: ${hint}` : ""}`,
        { ...fields, ...(serverMessage !== undefined ? { serverMessage } : {}) },
      );
    }
    let parsed: z.infer<typeof tokenResponse>;
    try {
      parsed = tokenResponse.parse(JSON.parse(res.text));
    } catch {
      throw new ImmyBotAuthError(
        `ImmyBot token request to ${url.href} returned ${describeStatus(res.status)} without a usable token ` +
          `(expected JSON with access_token and expires_in); check ${howToSet("tokenUrl")}.`,
        fields,
      );
    }
    if (parsed.token_type !== undefined && parsed.token_type.toLowerCase() !== "bearer") {
      throw new ImmyBotAuthError(
        `ImmyBot token request to ${url.href} returned a ${JSON.stringify(parsed.token_type)} token; a Bearer token is needed.`,
        fields,
      );
    }
    const lifetime = parsed.expires_in * 1000;
    // Count the lifetime from when the request started: the server's clock started no earlier.
    this.#current = { token: parsed.access_token, renewAt: started + lifetime - renewalMargin(lifetime) };
    this.#issued.push(parsed.access_token);
    if (this.#issued.length > 4) this.#issued.shift();
    return parsed.access_token;
  }
}
