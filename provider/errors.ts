/**
 * Errors of the resource lifecycle, with stable codes (as the client's errors in `client/errors.ts` have): callers
 * and tests branch on `code`, never on message text. Each message says what happened and what the user does next.
 *
 * Through Pulumi's provider host only the message travels (and, for a partial failure, `id`, `properties` and
 * `reasons`); the code is for code that calls the lifecycle directly, and for tests.
 */

export type LifecycleErrorCode =
  /** A create's POST failed without a clear answer and no object appeared: it was not sent again. */
  | "IMMYBOT_CREATE_UNCONFIRMED"
  /** Several objects match where one was expected (a lost answer or a leftover): the user picks one. */
  | "IMMYBOT_SEVERAL_MATCHES"
  /** A run's start got no clear answer and none of its sessions appeared: it was not started again. */
  | "IMMYBOT_RUN_UNCONFIRMED"
  /** `adoptId` names an object ImmyBot does not have (404): nothing was created. */
  | "IMMYBOT_ADOPT_MISSING"
  /** An update found the object deleted outside Pulumi (404): refresh drops it, the next up creates it again. */
  | "IMMYBOT_UPDATE_GONE"
  /** create or update got arguments that fail check (state from an import or an older version): nothing was sent. */
  | "IMMYBOT_INVALID_ARGUMENTS"
  /** A resource id that is not one of ImmyBot's ids (e.g. an import with a mistyped id): nothing was sent. */
  | "IMMYBOT_INVALID_ID"
  /** The object holds an item this provider does not manage (a deployment of a Chocolatey or Ninite item). */
  | "IMMYBOT_UNSUPPORTED_ITEM"
  /** A MaintenanceSession's deployment does not exist (404): nothing was started. */
  | "IMMYBOT_DEPLOYMENT_MISSING"
  /** A MaintenanceSession without targets whose deployment reaches no computer (or targets tenants or people): nothing was started. */
  | "IMMYBOT_RUN_NO_TARGETS"
  /** Every session of a run vanished from ImmyBot (while waiting, or before an update could wait for them). */
  | "IMMYBOT_RUN_VANISHED"
  /** Targets of a run got no session within its timeout; the sessions found are kept in state (partial failure). */
  | "IMMYBOT_RUN_INCOMPLETE"
  /** A session of a run ended in a failing status; the run is kept in state (partial failure). */
  | "IMMYBOT_RUN_FAILED"
  /** Sessions of a run did not settle within its timeout; they keep running, the run is kept in state (partial failure). */
  | "IMMYBOT_RUN_TIMEOUT"
  /** The provider was asked for a resource type it does not have (a state written by another version). */
  | "IMMYBOT_UNKNOWN_RESOURCE";

/** What the dynamic-provider host turns into a partial failure: the engine keeps `id` and `properties` in state. */
export interface PartialFailure {
  id: string;
  properties: Record<string, unknown>;
  reasons: string[];
}

const kLifecycleError = Symbol.for("pulumi-immybot.LifecycleError");

export class LifecycleError extends Error {
  readonly code: LifecycleErrorCode;

  constructor(code: LifecycleErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LifecycleError";
    this.code = code;
    Object.defineProperty(this, kLifecycleError, { value: true });
  }

  // `instanceof` across two loaded copies of this module (vitest's source and the compiled file).
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[kLifecycleError] === true;
  }
}

/**
 * A new error like `e` with another message: a LifecycleError keeps its class and code, any other error its name
 * and `code` (the client's `IMMYBOT_HTTP_404`, ...). No `cause`: the host prints the error with `util.inspect`,
 * which would print the original message with it (and that may be what was redacted).
 */
export function likeError(e: unknown, message: string): Error {
  if (e instanceof LifecycleError) return new LifecycleError(e.code, message);
  const out = new Error(message);
  if (e instanceof Error) {
    out.name = e.name;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") Object.assign(out, { code });
  }
  return out;
}
