/**
 * Typed errors of the ImmyBot client: one base class with a stable `code`, one subclass per kind of failure
 * (undici's `lib/core/errors.js` is the model). Callers branch on the class or on `code`, never on message text.
 *
 * Also here: the one place that turns a response body of any style into a short server message, and the one
 * redaction routine. No message, field or log line built by the client may carry the access token, the client
 * secret or an Authorization header; everything taken from a server body passes through {@link redact} first.
 */
import { STATUS_CODES } from "node:http";

/**
 * Stable error codes. HTTP failures carry their status: `IMMYBOT_HTTP_404`. Each comment is documentation
 * (docs/errors.md is generated from it): what happened, and `@fix` what the user does.
 */
export type ImmyBotErrorCode =
  /**
   * ImmyBot answered with this HTTP status (429 and 5xx only after the retries); the message carries ImmyBot's own words.
   * @fix 400: correct what ImmyBot's message names. 401, 403: the app registration has no access (its Enterprise Application must be a person and user in ImmyBot). 404: the object is gone (`pulumi refresh`). 429, 5xx: run again later, or lower `maxConcurrency`.
   */
  | `IMMYBOT_HTTP_${number}`
  /**
   * The token endpoint refused the credentials, or ImmyBot refused the token (401 after a renewal, or a pre-issued token).
   * @fix Check clientId, clientSecret and azureTenantId (or the access token and its expiry), and that the app is set up as a user in ImmyBot.
   */
  | "IMMYBOT_AUTH"
  /**
   * Provider settings are missing or invalid; the message lists every problem with its fix.
   * @fix Set what it names, as stack config or IMMYBOT_* variable (docs/configuration.md).
   */
  | "IMMYBOT_CONFIG"
  /**
   * No usable answer: connection refused or reset, unknown host, timeout (after the retries).
   * @fix Check the instance's address and the network; for a slow instance raise `requestTimeoutMs`; run again.
   */
  | "IMMYBOT_TRANSPORT"
  /**
   * An answer that is not what the route gives: an HTML page (ImmyBot's web app answers unknown routes), or a field missing or of the wrong type.
   * @fix Check `baseUrl` (the instance root, without /api/v1); when the instance is newer than this provider, report the message.
   */
  | "IMMYBOT_UNEXPECTED_RESPONSE";

/** Structured fields shared by every ImmyBot error. */
export interface ImmyBotErrorFields {
  /** HTTP method of the failed request, when there was one. */
  method?: string;
  /** API path of the failed request (`/api/v1/schedules/12`), or the token endpoint's path. */
  path?: string;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** The server's own message, extracted from the body and redacted. */
  serverMessage?: string;
  /** A request or trace id from the response (header or ProblemDetails `traceId`), for support tickets. */
  requestId?: string;
  /** How many times the request was sent (1 when not retried). */
  attempts?: number;
  /** How long the server asked the caller to wait before sending again (its `Retry-After`), in ms. */
  retryAfterMs?: number;
  cause?: unknown;
}

// Brand so `instanceof` holds across two loaded copies of this module (vitest loads the TypeScript source while
// the Pulumi host loads the compiled file), the way undici brands its errors.
const kKinds = Symbol.for("pulumi-immybot.ImmyBotError.kinds");

/** Base of every error thrown by the client. */
export class ImmyBotError extends Error {
  readonly code: ImmyBotErrorCode;
  readonly method?: string;
  readonly path?: string;
  readonly status?: number;
  readonly serverMessage?: string;
  readonly requestId?: string;
  readonly attempts?: number;
  readonly retryAfterMs?: number;

  constructor(code: ImmyBotErrorCode, message: string, fields: ImmyBotErrorFields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = new.target.name;
    this.code = code;
    if (fields.method !== undefined) this.method = fields.method;
    if (fields.path !== undefined) this.path = fields.path;
    if (fields.status !== undefined) this.status = fields.status;
    if (fields.serverMessage !== undefined) this.serverMessage = fields.serverMessage;
    if (fields.requestId !== undefined) this.requestId = fields.requestId;
    if (fields.attempts !== undefined) this.attempts = fields.attempts;
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
    const kinds: string[] = [];
    for (let c: unknown = new.target; typeof c === "function" && c !== Error; c = Object.getPrototypeOf(c)) {
      kinds.push((c as { name: string }).name);
    }
    Object.defineProperty(this, kKinds, { value: kinds });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const kinds = typeof value === "object" && value !== null ? (value as Record<symbol, unknown>)[kKinds] : undefined;
    return Array.isArray(kinds) && kinds.includes(this.name);
  }
}

/** `"400 Bad Request"`. */
export function describeStatus(status: number): string {
  const text = STATUS_CODES[status];
  return text ? `${status} ${text}` : String(status);
}

function attemptsNote(attempts: number | undefined): string {
  return attempts !== undefined && attempts > 1 ? ` (after ${attempts} attempts)` : "";
}

/** Any response with status >= 400 from the ImmyBot API. */
export class ImmyBotHttpError extends ImmyBotError {
  declare readonly method: string;
  declare readonly path: string;
  declare readonly status: number;

  constructor(fields: ImmyBotErrorFields & { method: string; path: string; status: number; hint?: string }) {
    const { method, path, status, serverMessage, hint } = fields;
    super(
      `IMMYBOT_HTTP_${status}`,
      `ImmyBot ${method} ${path} failed: ${describeStatus(status)}${serverMessage ? `: ${serverMessage}` : ""}` +
        `${attemptsNote(fields.attempts)}${hint ? `. ${hint}` : ""}`,
      fields,
    );
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

/** The token endpoint refused or failed, or ImmyBot rejected the token (401 after a renewal, or a pre-issued token). */
export class ImmyBotAuthError extends ImmyBotError {
  constructor(message: string, fields: ImmyBotErrorFields = {}) {
    super("IMMYBOT_AUTH", message, fields);
  }
}

/** Missing or invalid provider settings; `problems` lists each one with its fix. */
export class ImmyBotConfigError extends ImmyBotError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const n = problems.length;
    super(
      "IMMYBOT_CONFIG",
      `ImmyBot provider configuration has ${n} problem${n === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.problems = Object.freeze([...problems]);
  }
}

/** The request got no usable response: connection refused or reset, DNS failure, timeout (after any retries). */
export class ImmyBotTransportError extends ImmyBotError {
  /** undici's or Node's error code (`UND_ERR_SOCKET`, `UND_ERR_HEADERS_TIMEOUT`, `ECONNREFUSED`, ...). */
  readonly undiciCode?: string;
  /**
   * False only when the request certainly never reached the server (refused, unknown host, connect timeout).
   * A POST that failed with `maybeProcessed: true` may have been applied: look the object up before retrying.
   */
  readonly maybeProcessed: boolean;

  constructor(message: string, fields: ImmyBotErrorFields & { undiciCode?: string; maybeProcessed: boolean }) {
    super("IMMYBOT_TRANSPORT", message, fields);
    if (fields.undiciCode !== undefined) this.undiciCode = fields.undiciCode;
    this.maybeProcessed = fields.maybeProcessed;
  }
}

/** A 2xx (or 3xx) that is not the JSON it should be: typically ImmyBot's web app answering an unknown route. */
export class ImmyBotUnexpectedResponseError extends ImmyBotError {
  /** The response's content type, if any. */
  readonly contentType?: string;

  constructor(message: string, fields: ImmyBotErrorFields & { contentType?: string }) {
    super("IMMYBOT_UNEXPECTED_RESPONSE", message, fields);
    if (fields.contentType !== undefined) this.contentType = fields.contentType;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Redaction and server-message extraction

/** Longest server message kept in an error. */
export const MAX_SERVER_MESSAGE = 500;

const REDACTED = "[REDACTED]";
const BEARER = /\bBearer\s+[A-Za-z0-9\-._~+/]+=*/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const SECRET_FIELD = /((?:client_secret|access_token|clientSecret|accessToken)["']?\s*[:=]\s*["']?)[^&\s"',}]+/gi;

/**
 * Removes known secrets (exact values) and anything shaped like a bearer header, a JWT or a secret form field.
 * Secrets shorter than 4 characters are ignored: replacing them would garble ordinary text and protect nothing.
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) {
      out = out.split(s).join(REDACTED);
      const escaped = JSON.stringify(s).slice(1, -1); // the form a JSON body would carry
      if (escaped !== s) out = out.split(escaped).join(REDACTED);
    }
  }
  return out.replace(BEARER, `Bearer ${REDACTED}`).replace(JWT, REDACTED).replace(SECRET_FIELD, `$1${REDACTED}`);
}

function truncate(text: string, max = MAX_SERVER_MESSAGE): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

function joinHead(head: string | undefined, tail: string): string {
  if (!head) return tail;
  return /[.:;!?]$/.test(head) ? `${head} ${tail}` : `${head}: ${tail}`;
}

/** `{Name: ["required"], "": ["bad body"]}` -> `"Name: required; bad body"`. */
function flattenFieldErrors(errors: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [field, value] of Object.entries(errors)) {
    const msgs = (Array.isArray(value) ? value : [value]).map((m) => (typeof m === "string" ? m : JSON.stringify(m)));
    const label = field === "" || field === "$" ? "" : `${field.replace(/^\$\./, "")}: `;
    parts.push(`${label}${msgs.join(", ")}`);
  }
  return parts.join("; ");
}

function messageFromJson(v: unknown): string | undefined {
  if (typeof v === "string") return str(v);
  if (Array.isArray(v)) {
    const msgs = v.map((x) => messageFromJson(x)).filter((x): x is string => x !== undefined);
    return msgs.length > 0 ? msgs.join("; ") : undefined;
  }
  if (!isRecord(v)) return v === null || v === undefined ? undefined : String(v);

  // Entra / OAuth2: {error: "invalid_client", error_description: "AADSTS7000215: ..."}
  const error = v["error"];
  if (typeof error === "string") {
    const desc = str(v["error_description"]);
    return desc ? `${error}: ${desc}` : error;
  }
  // Illustrative ImmyBot docs shape: {error: {code, message, details}}
  if (isRecord(error)) {
    const code = str(error["code"]);
    const message = str(error["message"]) ?? messageFromJson(error["details"]);
    if (code || message) return code && message ? `${code}: ${message}` : (code ?? message);
  }
  // ASP.NET ProblemDetails: {title, detail, status, errors: {Field: [msg]}, traceId}
  const head = str(v["title"]) ?? str(v["message"]) ?? str(v["Message"]);
  const detail = str(v["detail"]);
  const headAndDetail = head && detail && head !== detail ? joinHead(head, detail) : (head ?? detail);
  const errors = v["errors"];
  if (isRecord(errors) && Object.keys(errors).length > 0) return joinHead(headAndDetail, flattenFieldErrors(errors));
  if (Array.isArray(errors) && errors.length > 0) {
    const flat = messageFromJson(errors);
    if (flat) return joinHead(headAndDetail, flat);
  }
  if (headAndDetail) return headAndDetail;
  return JSON.stringify(v);
}

/**
 * The server's message from a response body of any style: a JSON string, `{message}`, ProblemDetails
 * (`title` plus flattened `errors`), Entra `{error, error_description}`, `{error: {code, message}}`, an HTML page
 * (its title) or short text. Redacted first, then squeezed to one line and truncated. Undefined for an empty body.
 */
export function extractServerMessage(body: string, secrets: readonly (string | undefined)[] = []): string | undefined {
  const text = redact(body, secrets).trim();
  if (text === "") return undefined;
  let message: string | undefined;
  try {
    message = messageFromJson(JSON.parse(text));
  } catch {
    if (/^<(!doctype|html|\?xml|head|body)/i.test(text)) {
      const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
      message = title ? `an HTML page titled "${title}"` : "an HTML page";
    } else {
      message = text;
    }
  }
  return message === undefined ? undefined : truncate(oneLine(redact(message, secrets)));
}

/** A request or trace id from response headers or a ProblemDetails body, if the server sent one. */
export function extractRequestId(headers: Record<string, unknown>, body: string): string | undefined {
  for (const h of ["x-request-id", "request-id", "x-correlation-id", "x-ms-request-id"]) {
    const v = headers[h];
    if (typeof v === "string" && v !== "") return truncate(v, 100);
  }
  if (body.length > 0 && body.length < 100_000 && body.trimStart().startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (isRecord(parsed)) {
        const id = str(parsed["traceId"]) ?? str(parsed["trace_id"]);
        if (id) return truncate(id, 100);
      }
    } catch {
      // not JSON: no id
    }
  }
  return undefined;
}
