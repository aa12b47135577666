/**
 * Errors of the resource lifecycle, with stable codes (as the client's errors in `client/errors.ts` have): callers
 * and tests branch on `code`, never on message text. Each message says what happened and what the user does next.
 *
 * Through Pulumi's provider host only the message travels (and, for a partial failure, `id`, `properties` and
 * `reasons`); the code is for code that calls the lifecycle directly, and for tests.
 */

/**
 * Each code's comment is documentation (docs/errors.md and the resource pages are generated from it): what
 * happened, `@fix` what the user does, `@resources` the resources that fail with it (none listed: any).
 */
export type LifecycleErrorCode =
  /**
   * A create's POST failed without a clear answer and no object appeared: it was not sent again.
   * @fix Look in ImmyBot where the message says: if an object with these arguments is there, set `adoptId` to its id and run `pulumi up` (it is taken over, not recreated); if not, run `pulumi up` again.
   * @resources Schedule, Deployment
   */
  | "IMMYBOT_CREATE_UNCONFIRMED"
  /**
   * Several objects match where one was expected (a lost answer or a leftover): the user picks one.
   * @fix Set `adoptId` to the id of the one to keep, and delete the others in ImmyBot.
   * @resources Schedule, Deployment
   */
  | "IMMYBOT_SEVERAL_MATCHES"
  /**
   * A run's start got no clear answer and none of its sessions appeared: it was not started again.
   * @fix Run `pulumi up` again: it looks for the run's sessions by their group id and never starts a second run. Only when ImmyBot has no session of that group (Sessions in ImmyBot), change `triggers` to start a new run.
   * @resources MaintenanceSession, MaintenanceRollout
   */
  | "IMMYBOT_RUN_UNCONFIRMED"
  /**
   * `adoptId` names an object ImmyBot does not have (404): nothing was created.
   * @fix Check the id in ImmyBot, or remove `adoptId` to create a new object.
   * @resources Schedule, Deployment
   */
  | "IMMYBOT_ADOPT_MISSING"
  /**
   * An update found the object deleted outside Pulumi (404): refresh drops it, the next up creates it again.
   * @fix Run `pulumi refresh`, then `pulumi up`.
   * @resources Schedule, Deployment
   */
  | "IMMYBOT_UPDATE_GONE"
  /**
   * create or update got arguments that fail check (state from an import or an older version): nothing was sent.
   * @fix Correct the arguments the message names (check says the same at preview); for state written elsewhere, run `pulumi refresh`.
   */
  | "IMMYBOT_INVALID_ARGUMENTS"
  /**
   * A resource id that is not one of ImmyBot's ids (e.g. an import with a mistyped id): nothing was sent.
   * @fix Give the object's id as ImmyBot shows it, a whole number such as "42".
   * @resources Schedule, Deployment
   */
  | "IMMYBOT_INVALID_ID"
  /**
   * The object holds an item this provider does not manage (a deployment of a Chocolatey or Ninite item).
   * @fix Leave that deployment to ImmyBot's UI: remove its `adoptId`, or its resource (`pulumi state delete <urn>` when it is in the state).
   * @resources Deployment
   */
  | "IMMYBOT_UNSUPPORTED_ITEM"
  /**
   * A MaintenanceSession's deployment does not exist (404): nothing was started.
   * @fix Check `deploymentId`, or pass the Deployment resource (`deployment: d`) so the run follows it.
   * @resources MaintenanceSession, MaintenanceRollout
   */
  | "IMMYBOT_DEPLOYMENT_MISSING"
  /**
   * A MaintenanceSession without targets whose deployment reaches no computer (or targets tenants or people): nothing was started.
   * @fix Give `computers`, `tenants` or `persons` explicitly, or correct the deployment's target.
   * @resources MaintenanceSession, MaintenanceRollout
   */
  | "IMMYBOT_RUN_NO_TARGETS"
  /**
   * Every session of a run vanished from ImmyBot (while waiting, or before an update could wait for them).
   * @fix Run `pulumi refresh` to drop the run from the state, or change `triggers` to start a new one.
   * @resources MaintenanceSession, MaintenanceRollout
   */
  | "IMMYBOT_RUN_VANISHED"
  /**
   * Targets of a run got no session within its timeout; the sessions found are kept in state (partial failure).
   * @fix Find out why ImmyBot started no session for the targets named (offline, excluded from maintenance, licensing: docs/troubleshooting.md); `pulumi up` again looks for them and starts no second run.
   * @resources MaintenanceSession, MaintenanceRollout
   */
  | "IMMYBOT_RUN_INCOMPLETE"
  /**
   * A session of a run ended in a failing status; the run is kept in state (partial failure).
   * @fix Read each failed computer's last log line in the message (and its session in ImmyBot), fix the cause, then change `triggers` to run again; `pulumi up` with unchanged arguments only waits for the same sessions.
   * @resources MaintenanceSession
   */
  | "IMMYBOT_RUN_FAILED"
  /**
   * Sessions of a run did not settle within its timeout; they keep running, the run is kept in state (partial failure).
   * @fix Run `pulumi up` again to wait for the same sessions, raise `timeout`, or wait less (`waitFor: "started"`).
   * @resources MaintenanceSession, MaintenanceRollout
   */
  | "IMMYBOT_RUN_TIMEOUT"
  /**
   * A ring of a rollout failed its gate (more failed sessions than `maxFailures`): no further ring or batch was started; the rings that passed and the failed one are kept in state (partial failure).
   * @fix Read each failed computer's last log line in the message, fix the cause, then change `triggers`: the next `pulumi up` starts the failed ring again and never repeats rings that passed.
   * @resources MaintenanceRollout
   */
  | "IMMYBOT_ROLLOUT_GATE_FAILED"
  /**
   * The provider was asked for a resource type it does not have (a state written by another version).
   * @fix Use the pulumi-immybot version that wrote the state, or a newer one.
   */
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
