/** The lookups' one error, with stable codes: callers branch on `code`, never on the message. */

/**
 * Why a lookup failed. Each comment is documentation (docs/errors.md and the function pages are generated from
 * it): what happened, `@fix` what the user does, `@resources` the functions that fail with it (none listed: any).
 */
export type LookupErrorCode =
  /**
   * Nothing has this name (or id); the message lists close matches, if any.
   * @fix Use one of the close matches, or check the name in ImmyBot (case and surrounding spaces do not matter).
   * @resources getTenant, getComputer, getSoftware, getMaintenanceTask, getTag
   */
  | "IMMYBOT_LOOKUP_NONE"
  /**
   * Several items have this name; the message lists each with its id.
   * @fix Pass what the message says tells them apart: `scope`, `tenantId` or `id`.
   * @resources getTenant, getComputer, getSoftware, getMaintenanceTask, getTag
   */
  | "IMMYBOT_LOOKUP_AMBIGUOUS"
  /**
   * The arguments are wrong: no request was sent.
   * @fix Pass exactly one of `name` and `id`, as the message says.
   */
  | "IMMYBOT_LOOKUP_ARGS";

/** One item named in a lookup error. */
export interface LookupCandidate {
  /** The item's id. */
  id: string | number;
  /** The item's name. */
  name: string;
  /** What else tells it apart (scope, tenant), when anything does. */
  detail?: string;
}

const kLookupError = Symbol.for("pulumi-immybot.LookupError");

/** A lookup found no item, or several; or its arguments were wrong. The message says what to change. */
export class LookupError extends Error {
  /** Stable code to branch on (never branch on the message). */
  readonly code: LookupErrorCode;
  /** For `IMMYBOT_LOOKUP_AMBIGUOUS`: every matching item; for `IMMYBOT_LOOKUP_NONE`: the close matches, if any. */
  readonly candidates: readonly LookupCandidate[];

  constructor(code: LookupErrorCode, message: string, candidates: readonly LookupCandidate[] = []) {
    super(message);
    this.name = "LookupError";
    this.code = code;
    this.candidates = Object.freeze([...candidates]);
    Object.defineProperty(this, kLookupError, { value: true });
  }

  // `instanceof` across two loaded copies of this module (vitest's source and the compiled file).
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[kLookupError] === true;
  }
}
