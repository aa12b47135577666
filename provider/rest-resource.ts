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
import { claim, createWithRecovery, deleteIfExists, keepInState, readOrGone, updateExisting } from "./lifecycle";
import { isIdText, notAnId } from "./models/target";
import { withSecrets } from "./secrets";

export type Wire = Record<string, unknown>;

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
  /** Response -> id, canonical arguments and outputs. */
  fromWire(w: Wire): { id: string; inputs: z.output<z.ZodObject<S>>; outputs: O };
  /** Every object ImmyBot holds that a POST of `v` could have created (for recovery after a lost answer). */
  candidates(api: ImmyBotClient, v: z.output<z.ZodObject<S>>): Promise<Wire[]>;
  /** What `candidates` depends on (e.g. the tenant): creates with the same scope share one look for orphans. */
  candidateScope(v: z.output<z.ZodObject<S>>): string;
  /** Writes that follow the main POST or PUT (e.g. notes); returns the object as ImmyBot now holds it. */
  afterWrite?(api: ImmyBotClient, id: string, v: z.output<z.ZodObject<S>>, written: Wire): Promise<Wire>;
  /**
   * Arguments (and the outputs of the same names) that hold secrets: every answer carries them wrapped as Pulumi
   * secrets, and no error message or check failure quotes their values (see `secrets.ts`).
   */
  secretKeys?: readonly string[];
}

export interface Lifecycle {
  check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.CheckResult>;
  diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.DiffResult>;
  create(inputs: Record<string, unknown>): Promise<dynamic.CreateResult>;
  read(id: string, props: Record<string, unknown>): Promise<dynamic.ReadResult>;
  update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.UpdateResult>;
  delete(id: string, props: Record<string, unknown>): Promise<void>;
}

export function restLifecycle<S extends z.ZodRawShape, O extends object>(r: RestResource<S, O>): Lifecycle {
  type V = z.output<z.ZodObject<S>>;
  const item = (id: string) => `${r.path}/${numericId(r.kind, id)}`;

  const checked = (inputs: Record<string, unknown>): V => checkedValue(r.model, inputs);

  const written = async (api: ImmyBotClient, id: string, v: V, w: Wire): Promise<Wire> => (r.afterWrite ? r.afterWrite(api, id, v, w) : w);

  /** Outputs plus the adoptId the user gave (it is not on the wire). */
  const outs = (w: Wire, adoptId: unknown) => plainJson(typeof adoptId === "string" ? { ...r.fromWire(w).outputs, adoptId } : r.fromWire(w).outputs);

  /** Takes an existing object under management: read it, then bring it to the arguments if it differs. */
  async function adopt(v: V, inputs: Record<string, unknown>): Promise<dynamic.CreateResult> {
    const id = String((v as { adoptId?: string }).adoptId);
    const api = client();
    const existing = await readOrGone(() => api.get<Wire>(item(id)));
    if (!existing) {
      throw new Error(`adoptId: ImmyBot has no ${r.noun} with id ${id}. Check the id in ImmyBot, or remove adoptId to create a new ${r.noun}.`);
    }
    const { adoptId: _drop, ...wanted } = v as V & { adoptId?: string };
    if (jsonEqual(r.fromWire(existing).inputs, wanted)) return { id, outs: outs(existing, id) };
    try {
      const updated = await api.put<Wire>(item(id), r.toWire(v, Number(id)));
      return { id, outs: outs(await written(api, id, v, updated), id) };
    } catch (e) {
      // The object exists and is now ours: keep it in state even though bringing it up to date failed.
      throw keepInState(e, id, outs(existing, id), inputs);
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
      const body = r.toWire(v);
      const same = (since: Date) => (w: Wire) => Date.parse(String(w.createdDateUTC)) >= since.getTime() && jsonEqual(r.fromWire(w).inputs, v);
      const { recoverCreatesMinutes: window, maxRetries } = settings();
      const created = await createWithRecovery<Wire>({
        kind: r.kind,
        post: async () => (await api.post<Wire>(r.path, body)) ?? {},
        findCommitted: async (since) => (await r.candidates(api, v)).filter(same(since)),
        findOrphans:
          window > 0 ? async () => (await orphanCandidates(`${r.kind} ${r.candidateScope(v)}`, () => r.candidates(api, v))).filter(same(new Date(Date.now() - window * 60_000))) : undefined,
        onRecovered: (w, why) =>
          console.log(
            why === "orphan"
              ? `immybot: ${r.kind}: took over ${r.noun} ${w.id}, created ${String(w.createdDateUTC)} with exactly these arguments by an earlier run that was interrupted before recording it`
              : `immybot: ${r.kind}: the answer to creating ${r.noun} ${w.id} was lost; found it in ImmyBot instead of creating it again`,
          ),
        idOf: (w) => String(w.id),
        // Safe to repeat: every attempt after an ambiguous failure first looks for what the last one committed.
        attempts: maxRetries + 1,
      });
      const id = String(created.id);
      try {
        return { id, outs: outs(await written(api, id, v, created), undefined) };
      } catch (e) {
        throw keepInState(e, id, outs(created, undefined), inputs);
      }
    },

    async read(id, props) {
      const found = await readOrGone(() => client().get<Wire>(item(id)));
      if (!found) return { id: "" };
      claim(r.kind, id);
      const { inputs } = r.fromWire(found);
      const adoptId = props.adoptId;
      return { id, props: outs(found, adoptId), inputs: plainJson(typeof adoptId === "string" ? { ...inputs, adoptId } : inputs) };
    },

    async update(id, olds, news) {
      const v = checked(news);
      const api = client();
      const updated = await updateExisting(r.kind, id, () => api.put<Wire>(item(id), r.toWire(v, numericId(r.kind, id))));
      return { outs: outs(await written(api, id, v, updated), news.adoptId ?? olds.adoptId) };
    },

    async delete(id) {
      await deleteIfExists(() => client().delete(item(id)));
    },
  });
}

/**
 * The objects a scope held when this process first looked: one request per scope (a tenant's schedules, one
 * item's deployments) for all creates of a run, not one per create. Objects created since are this process's
 * own (claimed), so a snapshot is enough; it is dropped after a minute so a long-lived host looks again.
 */
const orphanLists = new Map<string, { at: number; list: Promise<Wire[]> }>();

function orphanCandidates(scope: string, fetch: () => Promise<Wire[]>): Promise<Wire[]> {
  const cached = orphanLists.get(scope);
  if (cached && Date.now() - cached.at < 60_000) return cached.list;
  const list = fetch();
  orphanLists.set(scope, { at: Date.now(), list });
  list.catch(() => orphanLists.delete(scope)); // a failed look is not remembered
  return list;
}

/** The `adoptId` argument every such resource has: the id of an existing object of this `noun`. */
export const adoptIdField = (noun: string) =>
  z.string().refine(isIdText, { error: (i) => notAnId(i.input, `a ${noun} id`, '(a positive whole number, e.g. "42")') });

/** ImmyBot's int32 id from a Pulumi id. */
export function numericId(kind: string, id: string): number {
  if (!isIdText(id)) throw new Error(`${JSON.stringify(id)} is not a ${kind} id (a positive whole number)`);
  return Number(id);
}
