/**
 * What a 404 means, decided once per verb, plus the two ways a write can go half-wrong, for every resource:
 * - read: 404 means the object was deleted out of band (the engine drops it from state);
 * - delete: 404 means it is already gone (success);
 * - update: 404 is an error that says to refresh;
 * - create: the POST is never sent twice in effect (`createOnce`): after an ambiguous failure the object is looked
 *   for, not made again; a failure after the object exists keeps its id in state (partial failure) instead of
 *   orphaning it. Before the first POST, a likely leftover of an interrupted run (same arguments, recent, held by
 *   no resource of this run) is reported, or taken over when the user opted in.
 */
import { ImmyBotHttpError } from "./client/errors";
import { LifecycleError, likeError, type PartialFailure } from "./errors";
import { describeFailure, pollUntil, realClock, sendAtMostOnce, type Clock, type SendOptions } from "./write-once";

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
      throw new LifecycleError(
        "IMMYBOT_UPDATE_GONE",
        `${kind} ${id} no longer exists in ImmyBot (deleted outside Pulumi). Run \`pulumi refresh\` to drop it from the state, then \`pulumi up\` to create it again.`,
      );
    }
    throw e;
  }
}

export interface CreateOnceOptions<W> {
  /** The resource ("Schedule") and its object in ImmyBot's words ("schedule"), for messages. */
  kind: string;
  noun: string;
  /** Where in ImmyBot the object goes, for messages: "tenant 3", "item 303". */
  scope: string;
  /** The POST. Sent at most once in effect (see write-once.ts). */
  post: () => Promise<W>;
  /** Every object ImmyBot holds now in the scope (what a POST of these arguments joins). */
  list: () => Promise<W[]>;
  /** The scope's objects as this process first listed them (one request per scope and run); default `list`. */
  firstList?: () => Promise<W[]>;
  /** The object has exactly this create's arguments. */
  matches: (w: W) => boolean;
  /**
   * An object users tell apart by name has this create's name (tags): one in the first list that no resource of this
   * run holds is reported before the POST, since ImmyBot would then show two of that name.
   */
  namesake?: (w: W) => boolean;
  idOf: (w: W) => string;
  /** When ImmyBot created the object, on its clock, if it says. */
  createdAt: (w: W) => number | undefined;
  /** How far back to look for a likely leftover before the POST (0: no look). */
  leftoverMs: number;
  /** Take one leftover over instead of creating (else only say so). */
  adoptLeftovers: boolean;
  /** How long to look for what an ambiguous POST made (it may commit after its answer was lost). */
  settleMs: number;
  send: SendOptions;
  /** ImmyBot's clock minus ours, when known (`ImmyBotClient.serverClockOffsetMs`). */
  serverClockOffsetMs: () => number | undefined;
  /** Lines for the provider's output (the CLI shows them). */
  report: (line: string) => void;
  clock?: Clock;
}

/** Ids created or taken over by this process: a later look never takes another resource's object. */
const claimed = new Set<string>();
/** Ids a create of this process took over (a leftover): a delete in the same run must leave them alone. */
const takenOver = new Set<string>();

export function claim(kind: string, id: string): void {
  claimed.add(`${kind}/${id}`);
}

export function isClaimed(kind: string, id: string): boolean {
  return claimed.has(`${kind}/${id}`);
}

/**
 * True when a create of this process took this object over: a resource that held it before (a rename without an
 * alias deletes the old name after creating the new one) must not delete it from under its new holder.
 */
export function takenOverInThisRun(kind: string, id: string): boolean {
  return takenOver.has(`${kind}/${id}`);
}

/** Server clocks drift; without a `Date` header to measure it, this much is allowed. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** A `Date` header has whole seconds, and the answer took a moment to arrive. */
const DATE_HEADER_SLACK_MS = 2_000;

/**
 * Creates an object at most once.
 *
 * Before the POST (unless `leftoverMs` is 0), the scope's list is read once per run: an object with exactly these
 * arguments, created within `leftoverMs` and held by no resource of this run, is a likely leftover of an
 * interrupted run. It is taken over when `adoptLeftovers` is set, otherwise reported with the `adoptId` fix.
 *
 * The POST is sent again only after a failure that proves ImmyBot did not take it. After an ambiguous failure the
 * object is looked for during `settleMs`: one that matches, appeared after the POST was sent (on ImmyBot's clock,
 * measured through its `Date` header), was not in the first list and is held by no other resource of this run is
 * taken. When none appears, the create fails and says what to check: a second POST could duplicate the object.
 */
export async function createOnce<W>(o: CreateOnceOptions<W>): Promise<W> {
  const clock = o.clock ?? realClock;
  const free = (w: W) => !isClaimed(o.kind, o.idOf(w));
  let before: ReadonlySet<string> | undefined;
  if (o.leftoverMs > 0) {
    const listed = await (o.firstList ?? o.list)();
    before = new Set(listed.map(o.idOf));
    const serverNow = clock.now() + (o.serverClockOffsetMs() ?? 0);
    // Recent first: matching decodes the object, and a scope may hold many old ones.
    const leftovers = listed.filter((w) => free(w) && (o.createdAt(w) ?? -Infinity) >= serverNow - o.leftoverMs && o.matches(w));
    if (o.adoptLeftovers && leftovers.length > 1) throw several(o, leftovers, "were created recently and are held by no resource of this run");
    const [leftover] = leftovers;
    if (o.adoptLeftovers && leftover !== undefined) {
      claim(o.kind, o.idOf(leftover));
      takenOver.add(`${o.kind}/${o.idOf(leftover)}`);
      o.report(
        `immybot: ${o.kind}: took over ${o.noun} ${o.idOf(leftover)}, created ${when(o.createdAt(leftover))} with exactly these arguments and held by no resource of this run (adoptLeftovers)`,
      );
      return leftover;
    }
    const namesakes = o.namesake ? listed.filter((w) => free(w) && !leftovers.includes(w) && o.namesake!(w)) : [];
    if (namesakes.length > 0) {
      const ids = namesakes.map(o.idOf);
      // A warning, not a failure: a resource this run renames (created before its old name is deleted) holds it.
      o.report(
        `immybot: ${o.kind}: ImmyBot already has ${o.noun} ${ids.join(", ")} of this name, held by no resource of this run so far: ImmyBot will show two ${o.noun}s ` +
          `of that name. To manage that ${o.noun} instead, set \`adoptId: "${ids[0]}"\` on this resource (and delete the new one this run creates); if a ` +
          `resource this run renames or deletes holds it, nothing needs doing. Creating a new ${o.noun}.`,
      );
    }
    if (leftover !== undefined) {
      const ids = leftovers.map(o.idOf);
      o.report(
        `immybot: ${o.kind}: ImmyBot already holds ${o.noun} ${ids.join(", ")} with exactly these arguments, created ${when(o.createdAt(leftover))} and held by ` +
          `no resource of this run so far. If an interrupted run left it, set \`adoptId: "${ids[0]}"\` on this resource (and delete the new ${o.noun} this run ` +
          `creates), or set immybot:adoptLeftovers; if another stack, or a resource this run renames or deletes, holds it, nothing needs doing. Creating a new ${o.noun}.`,
      );
    }
  }

  const sentAt = clock.now();
  const sent = await sendAtMostOnce(o.post, { ...o.send, clock });
  if (sent.answered) {
    claim(o.kind, o.idOf(sent.value));
    return sent.value;
  }

  // The object, if the POST made one, was created after the POST was sent: older ones (a renamed resource's,
  // another stack's, a leftover) are never taken for it.
  const offset = o.serverClockOffsetMs();
  const notBefore = offset === undefined ? sentAt - CLOCK_SKEW_MS : sentAt + offset - DATE_HEADER_SLACK_MS;
  let found: W[] = [];
  let lookFailure: unknown;
  await pollUntil(
    clock,
    clock.now() + o.settleMs,
    async () => {
      try {
        found = (await o.list()).filter((w) => free(w) && !before?.has(o.idOf(w)) && (o.createdAt(w) ?? notBefore) >= notBefore && o.matches(w));
      } catch (e) {
        lookFailure = e; // looked again next round
      }
      return found.length > 0;
    },
    { initialMs: 250, maxMs: 5_000 },
  );
  if (found.length > 1) throw several(o, found, `appeared after a create whose answer was lost (${describeFailure(sent.error)})`);
  const [made] = found;
  if (made !== undefined) {
    claim(o.kind, o.idOf(made));
    o.report(`immybot: ${o.kind}: the answer to creating ${o.noun} ${o.idOf(made)} was lost; found it in ImmyBot instead of creating it again`);
    return made;
  }
  throw new LifecycleError(
    "IMMYBOT_CREATE_UNCONFIRMED",
    `Creating the ${o.noun} got no clear answer (${describeFailure(sent.error)}), so ImmyBot may still create it. The request was not sent again, ` +
      `as a second one could make a duplicate. No ${o.noun} with these arguments appeared in ${o.scope} within ${Math.round(o.settleMs / 1000)} s` +
      `${lookFailure ? ` (looking failed too: ${describeFailure(lookFailure)})` : ""}. Check ImmyBot's ${o.noun}s of ${o.scope}: if one with these arguments ` +
      `is there, set \`adoptId\` to its id on this resource and run \`pulumi up\`; if there is none, run \`pulumi up\` again.`,
    { cause: sent.error },
  );
}

function several<W>(o: CreateOnceOptions<W>, found: readonly W[], why: string): LifecycleError {
  return new LifecycleError(
    "IMMYBOT_SEVERAL_MATCHES",
    `ImmyBot holds ${found.length} ${o.noun}s with exactly these arguments in ${o.scope} (ids ${found.map(o.idOf).join(", ")}) that ${why}. ` +
      `Keep one: set \`adoptId\` to its id on this resource, and delete the others in ImmyBot.`,
  );
}

function when(at: number | undefined): string {
  return at === undefined ? "recently" : new Date(at).toISOString();
}

/**
 * An error the dynamic-provider host turns into a partial failure: the engine keeps `id` and `properties` in
 * state, so an object that exists is never lost even though the step failed. The host adds `__provider` only
 * to successful answers, so it is copied from the call's inputs here: without it the next delete or refresh
 * of that state could not load the provider. The error keeps the message and the code of `error`.
 */
export function keepInState(error: unknown, id: string, properties: object, inputs: Record<string, unknown>): Error & PartialFailure {
  const message = error instanceof Error ? error.message : String(error);
  const partial: PartialFailure = { id, properties: { ...properties, __provider: inputs.__provider }, reasons: [message] };
  return Object.assign(likeError(error, message), partial);
}
