/**
 * The lifecycle every ImmyBot object with GET/POST/PUT/DELETE routes shares (Schedule, Deployment): a resource
 * module supplies its input model and its wire mapping, and gets check, diff, create (with adopt and recovery
 * of a lost POST answer), read (with inputs), update and delete with one meaning of 404 per verb.
 *
 * `adoptId` is part of every such resource: read only at create (take the existing object, bring it to the
 * arguments), never diffed, except that pointing it at another object replaces the resource.
 */
import { z } from "zod";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ImmyBotClient } from "./client";
import { checkedValue, checkWith, diffWith, jsonEqual, plainJson, type InputModel } from "./check";
import { client, settings } from "./context";
import { LifecycleError } from "./errors";
import { claim, createOnce, deleteIfExists, keepInState, readOrGone, takenOverInThisRun, updateExisting } from "./lifecycle";
import { fromList, type ListScope, type Wire } from "./read-lists";
import { isIdText, notAnId } from "./models/target";
import { withId, type Answer } from "./models/wire";
import { withSecrets } from "./secrets";
import { parseUtc } from "./write-once";

export type { Wire } from "./read-lists";

export interface RestResource<S extends z.ZodRawShape, O extends object> {
  /** Resource name in messages ("Schedule"). */
  kind: string;
  /** The object's name in ImmyBot's words, for messages ("schedule", "deployment"). */
  noun: string;
  /** Collection route, e.g. `/api/v1/schedules`; items are `${path}/${id}`. */
  path: string;
  model: InputModel<S>;
  /** Canonical arguments -> request body; with `id`, the PUT body. */
  toWire(v: z.output<z.ZodObject<S>>, id?: number): Wire;
  /**
   * An answer -> id, canonical arguments and outputs; a missing or mistyped field is an error that names the route
   * (`at`) and the field (`models/wire.ts`).
   */
  fromWire(w: unknown, at?: Answer): { id: string; inputs: z.output<z.ZodObject<S>>; outputs: O };
  /** Every object ImmyBot holds that a POST of `v` could have created or duplicated (the scope's list). */
  candidates(api: ImmyBotClient, v: z.output<z.ZodObject<S>>): Promise<Wire[]>;
  /**
   * What `candidates` depends on, in words ("tenant 3"): creates with the same scope share one first look, and
   * messages say where in ImmyBot to check.
   */
  candidateScope(v: z.output<z.ZodObject<S>>): string;
  /** For objects users tell apart by name (tags): a candidate with `v`'s name, reported before a POST (see `createOnce`). */
  sameName?(w: Wire, v: z.output<z.ZodObject<S>>): boolean;
  /** The verb that updates an item at `${path}/${id}`: PUT (default) or POST (tags). */
  updateMethod?: "PUT" | "POST";
  /**
   * The list a read of the object held in state as `props` is served from (`read-lists.ts`): its scope, e.g. the
   * tenant's objects. Undefined reads it by id (e.g. `Schedule.get`, whose props hold no arguments).
   */
  listScope?(props: Record<string, unknown>): ListScope | undefined;
  /** Writes that follow the main POST or PUT (e.g. notes); returns the object as ImmyBot now holds it. */
  afterWrite?(api: ImmyBotClient, id: string, v: z.output<z.ZodObject<S>>, written: Wire): Promise<Wire>;
  /**
   * Arguments (and the outputs of the same names) that hold secrets: every answer carries them wrapped as Pulumi
   * secrets, and no error message or check failure quotes their values (see `secrets.ts`).
   */
  secretKeys?: readonly string[];
}

/**
 * What every resource of this provider guarantees, verb by verb (Pulumi's `dynamic.ResourceProvider`, with the
 * meaning of 404 and of a failure decided once: `lifecycle.ts`, `write-once.ts`; MaintenanceSession in
 * `maintenance-session.ts`). Errors of the lifecycle carry a stable `code` (`errors.ts`, the client's `client/errors.ts`);
 * an answer that is not what its route gives is `IMMYBOT_UNEXPECTED_RESPONSE`, naming the route and the field.
 */
export interface Lifecycle {
  /**
   * Validates and canonicalises `news` (defaults filled, names as the state holds them) without any request, and
   * never throws for bad arguments: each problem is a failure naming its property and the fix; values unknown at
   * preview are not judged. Only missing provider settings are thrown (one error listing them, from `index.ts`).
   */
  check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.CheckResult>;
  /**
   * Compares the state's canonical arguments with the checked `news`, without any request: outputs and
   * `__provider` never differ, `changes` is always explicit, and `replaces` lists what cannot change in place
   * (Schedule, Deployment: only `adoptId` naming another object; MaintenanceSession: every argument, a new run).
   */
  diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.DiffResult>;
  /**
   * Makes the object (or starts the run) and returns its id and outputs. Its POST is never sent twice in effect:
   * again only after a failure proving ImmyBot did not take it; after an ambiguous one the object (or the run's
   * sessions) is looked for, and when none appears the create fails without sending again (`IMMYBOT_CREATE_UNCONFIRMED`,
   * `IMMYBOT_RUN_UNCONFIRMED`). A failure once the object exists keeps its id and outputs (or arguments) in state as a
   * partial failure, so nothing is orphaned. With `adoptId` the existing object is read and updated instead; 404 is
   * `IMMYBOT_ADOPT_MISSING`.
   */
  create(inputs: Record<string, unknown>): Promise<dynamic.CreateResult>;
  /**
   * The object as ImmyBot holds it now, outputs and arguments (so refresh shows a change made by hand as a diff).
   * 404 (for a run: none of its recorded sessions left) means deleted outside Pulumi: an empty id drops it from
   * state. A run whose start was never confirmed stays in state, since it may still start.
   */
  read(id: string, props: Record<string, unknown>): Promise<dynamic.ReadResult>;
  /**
   * Brings the object to `news` in place (a full PUT). 404 is an error that says to refresh (`IMMYBOT_UPDATE_GONE`);
   * a failure keeps the old state. MaintenanceSession is reached only with unchanged arguments after a failed step:
   * it waits for the recorded run again and never starts another; a failure keeps the run with its latest sessions.
   */
  update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.UpdateResult>;
  /**
   * Deletes the object (a run: cancels its sessions still in progress, leaves finished ones). 404 means already
   * gone, which is success; any other failure keeps it in state. An object another resource of the same run took
   * over (a rename without an alias) is left to its new holder.
   */
  delete(id: string, props: Record<string, unknown>): Promise<void>;
}

export function restLifecycle<S extends z.ZodRawShape, O extends object>(r: RestResource<S, O>): Lifecycle {
  type V = z.output<z.ZodObject<S>>;
  const item = (id: string) => `${r.path}/${numericId(r.kind, id)}`;
  const route = (method: string, path: string): Answer => ({ method, path });

  const checked = (inputs: Record<string, unknown>): V => checkedValue(r.model, inputs);
  const updateMethod = r.updateMethod ?? "PUT";
  /** The full update of an item; a POST update must answer the object, as a PUT does. */
  const sendUpdate = async (api: ImmyBotClient, path: string, body: Wire): Promise<Wire> =>
    updateMethod === "PUT" ? api.put<Wire>(path, body) : withId(await api.post<unknown>(path, body), `a ${r.noun}`, route("POST", path));

  /** The listed object has exactly these arguments (an object this provider cannot read, e.g. another item kind, has not). */
  const sameArguments = (w: Wire, v: V): boolean => {
    try {
      return jsonEqual(r.fromWire(w).inputs, v);
    } catch {
      return false;
    }
  };

  const written = async (api: ImmyBotClient, id: string, v: V, w: Wire): Promise<Wire> => (r.afterWrite ? r.afterWrite(api, id, v, w) : w);

  /** Outputs of the answer `w` (from `at`) plus the adoptId the user gave (it is not on the wire). */
  const outs = (w: Wire, adoptId: unknown, at: Answer) => withAdoptId(r.fromWire(w, at).outputs, adoptId);
  const withAdoptId = <T extends object>(o: T, adoptId: unknown): T => plainJson(typeof adoptId === "string" ? { ...o, adoptId } : o);

  /** Takes an existing object under management: read it, then bring it to the arguments if it differs. */
  async function adopt(v: V, inputs: Record<string, unknown>): Promise<dynamic.CreateResult> {
    const id = String((v as { adoptId?: string }).adoptId);
    const api = client();
    const get = route("GET", item(id));
    const existing = await readOrGone(() => api.get<Wire>(get.path));
    if (!existing) {
      throw new LifecycleError(
        "IMMYBOT_ADOPT_MISSING",
        `adoptId: ImmyBot has no ${r.noun} with id ${id}. Check the id in ImmyBot, or remove adoptId to create a new ${r.noun}.`,
      );
    }
    const { adoptId: _drop, ...wanted } = v as V & { adoptId?: string };
    const found = r.fromWire(existing, get);
    if (jsonEqual(found.inputs, wanted)) return { id, outs: withAdoptId(found.outputs, id) };
    try {
      const updated = await sendUpdate(api, get.path, r.toWire(v, Number(id)));
      return { id, outs: outs(await written(api, id, v, updated), id, route(updateMethod, get.path)) };
    } catch (e) {
      // The object exists and is now ours: keep it in state even though bringing it up to date failed.
      throw keepInState(e, id, withAdoptId(found.outputs, id), inputs);
    }
  }

  return withSecrets(r.secretKeys ?? [], {
    async check(_olds, news) {
      return checkWith(r.model, news);
    },

    async diff(id, olds, news) {
      claim(r.kind, id); // the stack holds it: never a recovery's candidate
      // adoptId matters only when it names another object than the managed one: a replace then moves
      // management to it (and deletes the old one, unless it is protected with retainOnDelete).
      if (typeof news.adoptId === "string" && news.adoptId !== id) {
        return { changes: true, replaces: ["adoptId"], deleteBeforeReplace: false };
      }
      return diffWith(r.model, olds, news);
    },

    async create(inputs) {
      const v = checked(inputs);
      if ((v as { adoptId?: string }).adoptId !== undefined) return adopt(v, inputs);
      const api = client();
      const s = settings();
      const body = r.toWire(v);
      const scope = r.candidateScope(v);
      const post = route("POST", r.path);
      const created = await createOnce<Wire>({
        kind: r.kind,
        noun: r.noun,
        scope,
        // An answer without an id is not one: the POST's outcome is then open, and the object is looked for.
        post: async () => withId(await api.post<unknown>(r.path, body), `a ${r.noun}`, post),
        list: () => r.candidates(api, v),
        firstList: () => firstListing(`${r.kind} ${scope}`, () => r.candidates(api, v)),
        matches: (w) => sameArguments(w, v),
        namesake: r.sameName && ((w) => r.sameName!(w, v)),
        idOf: (w) => String(w.id),
        createdAt: (w) => parseUtc(w.createdDateUTC),
        leftoverMs: s.leftoverMinutes * 60_000,
        adoptLeftovers: s.adoptLeftovers,
        // A POST ImmyBot did not answer in time may still commit: look for as long again as it had to answer, twice.
        settleMs: 2 * s.requestTimeoutMs,
        send: { attempts: s.maxRetries + 1, minDelayMs: s.retryMinDelayMs, maxDelayMs: s.retryMaxDelayMs },
        serverClockOffsetMs: () => api.serverClockOffsetMs(),
        report: (line) => console.log(line),
      });
      const id = String(created.id);
      try {
        return { id, outs: outs(await written(api, id, v, created), undefined, post) };
      } catch (e) {
        // The object exists: keep its id in state, with its outputs, or the arguments when its answer is unreadable.
        throw keepInState(e, id, attempt(() => outs(created, undefined, post)) ?? plainJson(v), inputs);
      }
    },

    async read(id, props) {
      const api = client();
      const get = route("GET", item(id));
      const scope = r.listScope?.(props);
      // From its scope's list when it is there; one GET otherwise, so an object missing from the list is confirmed gone.
      const listed = scope && (await fromList(api, r.kind, scope, String(numericId(r.kind, id))));
      const found = listed ?? (await readOrGone(() => api.get<Wire>(get.path)));
      if (!found) return { id: "" };
      claim(r.kind, id);
      const { inputs, outputs } = r.fromWire(found, listed ? route("GET", r.path) : get);
      return { id, props: withAdoptId(outputs, props.adoptId), inputs: withAdoptId(inputs, props.adoptId) };
    },

    async update(id, olds, news) {
      const v = checked(news);
      const api = client();
      const put = route(updateMethod, item(id));
      const updated = await updateExisting(r.kind, id, () => sendUpdate(api, put.path, r.toWire(v, numericId(r.kind, id))));
      return { outs: outs(await written(api, id, v, updated), news.adoptId ?? olds.adoptId, put) };
    },

    async delete(id) {
      if (takenOverInThisRun(r.kind, id)) {
        // A rename without an alias: the new resource took this object over in this run; it stays, with its new holder.
        console.log(`immybot: ${r.kind}: left ${r.noun} ${id} in ImmyBot: another resource of this run took it over`);
        return;
      }
      await deleteIfExists(() => client().delete(item(id)));
    },
  });
}

/**
 * The objects a scope held when this process first looked: one request per scope (a tenant's schedules, one
 * item's deployments) for all creates of a run, not one per create. Objects created since are this process's
 * own (claimed) or newer than any leftover, so a snapshot is enough; it is dropped after a minute so a
 * long-lived host looks again.
 */
const firstListings = new Map<string, { at: number; list: Promise<Wire[]> }>();

function firstListing(scope: string, fetch: () => Promise<Wire[]>): Promise<Wire[]> {
  const cached = firstListings.get(scope);
  if (cached && Date.now() - cached.at < 60_000) return cached.list;
  const list = fetch();
  firstListings.set(scope, { at: Date.now(), list });
  list.catch(() => firstListings.delete(scope)); // a failed look is not remembered
  return list;
}

/** `f()`, or undefined when it throws. */
function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** The `adoptId` argument every such resource has: the id of an existing object of this `noun`. */
export const adoptIdField = (noun: string) =>
  z.string().refine(isIdText, { error: (i) => notAnId(i.input, `a ${noun} id`, '(a positive whole number, e.g. "42")') });

/** ImmyBot's int32 id from a Pulumi id. */
export function numericId(kind: string, id: string): number {
  if (!isIdText(id)) throw new LifecycleError("IMMYBOT_INVALID_ID", `${JSON.stringify(id)} is not a ${kind} id (a positive whole number)`);
  return Number(id);
}
