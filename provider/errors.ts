/**
 * Errors of the resource lifecycle, with stable codes (as the client's errors in `client/errors.ts` have): callers
 * and tests branch on `code`, never on message text. Each message says what happened and what the user does next.
 */

export type LifecycleErrorCode =
  /** A create's POST failed without a clear answer and no object appeared: it was not sent again. */
  | "IMMYBOT_CREATE_UNCONFIRMED"
  /** Several objects match where one was expected (a lost answer or a leftover): the user picks one. */
  | "IMMYBOT_SEVERAL_MATCHES"
  /** A run's start got no clear answer and none of its sessions appeared: it was not started again. */
  | "IMMYBOT_RUN_UNCONFIRMED";

export class LifecycleError extends Error {
  readonly code: LifecycleErrorCode;

  constructor(code: LifecycleErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LifecycleError";
    this.code = code;
  }
}
