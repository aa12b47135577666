/**
 * What a 404 means, decided once per verb, plus the two ways a write can go half-wrong, for every resource:
 * - read: 404 means the object was deleted out of band (the engine drops it from state);
 * - delete: 404 means it is already gone (success);
 * - update: 404 is an error that says to refresh;
 * - create: a POST whose answer was lost may have been committed, so before trying again the object is looked
 *   for; a failure after the object exists keeps its id in state (partial failure) instead of orphaning it. And
 *   before the first POST, an object with exactly these arguments that an interrupted earlier run created but
 *   never recorded (a CI job cancelled mid-create) is looked for and taken over, instead of made twice.
 */
import { ImmyBotError, ImmyBotHttpError, ImmyBotTransportError } from "./client/errors";

export function isNotFound(e: unknown): boolean {
  return e instanceof ImmyBotHttpError && e.status === 404;
}

/** `read`: the object, or undefined when ImmyBot says it does not exist. */
export async function readOrGone<T>(get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** `delete`: done when ImmyBot says the object is gone, whether we deleted it now or someone did before. */
export async function deleteIfExists(del: () => Promise<unknown>): Promise<void> {
  try {
    await del();
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** `update`: a 404 becomes an error that says what happened and what to run. */
export async function updateExisting<T>(kind: string, id: string, put: () => Promise<T>): Promise<T> {
  try {
    return await put();
  } catch (e) {
    if (isNotFound(e)) {
      throw new Error(
        `${kind} ${id} no longer exists in ImmyBot (deleted outside Pulumi). Run \`pulumi refresh\` to drop it from the state, then \`pulumi up\` to create it again.`,
      );
    }
    throw e;
  }
}

/** A failure that may have happened after ImmyBot committed a POST (the answer was lost or cut off). */
export function isAmbiguousWriteFailure(e: unknown): boolean {
  if (e instanceof ImmyBotTransportError) return true;
  return e instanceof ImmyBotHttpError && (e.status === 429 || e.status >= 500);
}

export interface CreateWithRecoveryOptions<W> {
  kind: string;
  /** The POST. Not retried by the transport: it is not idempotent. */
  post: () => Promise<W>;
  /**
   * Objects ImmyBot holds now that this POST could have created (same inputs, created since `since`), ids
   * already claimed by this process excluded. Called only after an ambiguous failure.
   */
  findCommitted: (since: Date) => Promise<W[]>;
  idOf: (w: W) => string;
  /**
   * Objects with the same inputs that an interrupted earlier run may have left unrecorded (created within the
   * recovery window); ids claimed by this process excluded. Called once, before the first POST; omit to skip.
   */
  findOrphans?: () => Promise<W[]>;
  /** Told when an existing object is taken instead of a new one made. */
  onRecovered?: (w: W, why: "orphan" | "lost answer") => void;
  /** Attempts of the POST in all. */
  attempts?: number;
  /** Waits between attempts (tests shrink it). */
  backoffMs?: number;
}

/** Ids created or adopted by this process, so a recovery never takes another resource's object. */
const claimed = new Set<string>();

export function claim(kind: string, id: string): void {
  claimed.add(`${kind}/${id}`);
}

export function isClaimed(kind: string, id: string): boolean {
  return claimed.has(`${kind}/${id}`);
}

/**
 * POST once; after an ambiguous failure look for the object the POST may have committed, take it if there is
 * exactly one, and POST again only when there is none. A write is never duplicated by a retry.
 */
export async function createWithRecovery<W>(o: CreateWithRecoveryOptions<W>): Promise<W> {
  const attempts = o.attempts ?? 3;
  const since = new Date(Date.now() - 5 * 60_000); // server clocks drift; the input match does the real work
  const take = (w: W, why: "orphan" | "lost answer"): W => {
    claim(o.kind, o.idOf(w));
    o.onRecovered?.(w, why);
    return w;
  };
  if (o.findOrphans) {
    const orphans = (await o.findOrphans()).filter((w) => !isClaimed(o.kind, o.idOf(w)));
    if (orphans.length === 1) return take(orphans[0] as W, "orphan");
    if (orphans.length > 1) {
      throw new Error(
        `ImmyBot already holds ${orphans.length} ${o.kind} objects with exactly these arguments, created recently and not ` +
          `managed by this run (ids ${orphans.map(o.idOf).join(", ")}). Keep one: set \`adoptId\` to its id, and delete the others in ImmyBot.`,
      );
    }
  }
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const created = await o.post();
      claim(o.kind, o.idOf(created));
      return created;
    } catch (e) {
      if (!isAmbiguousWriteFailure(e)) throw e;
      last = e;
    }
    await sleep((o.backoffMs ?? 500) * attempt);
    const found = (await o.findCommitted(since)).filter((w) => !isClaimed(o.kind, o.idOf(w)));
    if (found.length === 1) return take(found[0] as W, "lost answer");
    if (found.length > 1) {
      throw new Error(
        `Creating the ${o.kind} failed ambiguously (${describe(last)}), and ImmyBot now holds ${found.length} matching objects ` +
          `(ids ${found.map(o.idOf).join(", ")}). Keep one: set \`adoptId\` to its id, and delete the others in ImmyBot.`,
      );
    }
  }
  throw last;
}

/**
 * An error the dynamic-provider host turns into a partial failure: the engine keeps `id` and `properties` in
 * state, so an object that exists is never lost even though the step failed. The host adds `__provider` only
 * to successful answers, so it is copied from the call's inputs here: without it the next delete or refresh
 * of that state could not load the provider.
 */
export function keepInState(error: unknown, id: string, properties: object, inputs: Record<string, unknown>): Error {
  const message = error instanceof Error ? error.message : String(error);
  return Object.assign(new Error(message), { id, properties: { ...properties, __provider: inputs.__provider }, reasons: [message] });
}

function describe(e: unknown): string {
  if (e instanceof ImmyBotError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
