/**
 * TagMembership: which computers and tenants carry a tag (ImmyBot `/computers/add-tags`, `/computers/remove-tags`,
 * `/tenants/add-tags`, `/tenants/remove-tags`). It owns exactly the memberships it lists: others that carry the
 * tag (set by hand or by another resource) are never touched, and delete removes only its own.
 *
 * ImmyBot keeps no membership object: the resource's id is the tag's, and read asks each listed computer and
 * tenant whether it still carries the tag (`computerTagIds`, `tenantTagIds`), so a membership removed by hand
 * shows as drift on refresh and comes back at the next `up`. Adding or removing a tag that is already there or
 * gone changes nothing in ImmyBot; a write whose answer was lost is settled by reading back, never by guessing.
 */
import { z } from "zod";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ImmyBotClient } from "./client";
import { checkedValue, checkWith, diffWith, plainJson, type InputModel } from "./check";
import { client, settings } from "./context";
import { deleteIfExists, readOrGone } from "./lifecycle";
import { idNumber, idString } from "./models/target";
import { decodeAnswer, int, type Answer } from "./models/wire";
import type { Lifecycle } from "./rest-resource";
import { sendAtMostOnce } from "./write-once";

const KIND = "TagMembership";

/** The arguments of a TagMembership. Changing the tag replaces it; the lists change in place. */
export interface TagMembershipArgs {
  /** The tag's id, as a string: a Tag resource's `tagId` or `getTag(...).id`. */
  tagId: string;
  /** The computers, by id, that carry the tag because of this resource (e.g. the Canary ring's computers). */
  computers?: number[];
  /** The tenants, by id, that carry the tag because of this resource (for targets of type "TenantTag"). */
  tenants?: number[];
}

const ids = (what: string) => z.array(idNumber(what));

const membershipFields = {
  tagId: idString("a tag id", "7"),
  computers: ids("computer").default([]),
  tenants: ids("tenant").default([]),
};

/** Checked, canonical arguments: lists sorted, so an order change is no change. */
export type TagMembershipInputs = z.output<z.ZodObject<typeof membershipFields>>;

/** A TagMembership computes nothing: its outputs are its arguments as ImmyBot holds them (the listed entities that carry the tag now). */
export interface TagMembershipComputed {}

/** Every property of a TagMembership resource. */
export const outputKeys: readonly string[] = Object.keys(membershipFields);

export const model: InputModel<typeof membershipFields> = {
  kind: KIND,
  fields: membershipFields,
  rules: [
    (ctx) => {
      if (!ctx.known("computers") || !ctx.known("tenants")) return;
      for (const [key, what] of [["computers", "computer"], ["tenants", "tenant"]] as const) {
        const list = ctx.value[key];
        if (new Set(list).size !== list.length) ctx.issue(key, `lists a ${what} more than once (${JSON.stringify(list)}); list each ${what} id once`);
      }
      if (ctx.value.computers.length === 0 && ctx.value.tenants.length === 0) {
        ctx.issue("computers", "and tenants are both empty: list the computer ids (or tenant ids) that should carry the tag, e.g. computers: [6, 7]");
      }
    },
  ],
  // A list that failed its own check (or is unknown at preview) is left as it is.
  normalize: (v) => ({ ...v, computers: sorted(v.computers), tenants: sorted(v.tenants) }),
  replaceOnChanges: ["tagId"],
};

function sorted<T>(list: T): T {
  return Array.isArray(list) && list.every((x) => typeof x === "number") ? ([...list].sort((a, b) => a - b) as T) : list;
}

type Entity = "computers" | "tenants";
const ENTITIES: readonly Entity[] = ["computers", "tenants"];

/** The tag ids a computer's or tenant's answer carries. */
const carriers = {
  computers: { path: (id: number) => `/api/v1/computers/${id}`, answer: z.object({ computerTagIds: z.array(int).nullish() }), tags: (w: { computerTagIds?: number[] | null }) => w.computerTagIds ?? [] },
  tenants: { path: (id: number) => `/api/v1/tenants/${id}`, answer: z.object({ tenantTagIds: z.array(int).nullish() }), tags: (w: { tenantTagIds?: number[] | null }) => w.tenantTagIds ?? [] },
} as const;

/** Does `entity` `id` carry tag `tagId` now? undefined when ImmyBot no longer has the entity. */
async function carries(api: ImmyBotClient, entity: Entity, id: number, tagId: number): Promise<boolean | undefined> {
  const c = carriers[entity];
  const at: Answer = { method: "GET", path: c.path(id) };
  const body = await readOrGone(() => api.get<unknown>(at.path));
  if (body === undefined) return undefined;
  const w = decodeAnswer(c.answer as z.ZodType, body, entity === "computers" ? "a computer" : "a tenant", at) as never;
  return (c.tags(w) as number[]).includes(tagId);
}

/** Which of `v`'s listed entities carry the tag now (in parallel, a few at a time). */
async function current(api: ImmyBotClient, v: TagMembershipInputs): Promise<TagMembershipInputs> {
  const tagId = Number(v.tagId);
  const out = { ...v, computers: [] as number[], tenants: [] as number[] };
  for (const entity of ENTITIES) {
    for (let i = 0; i < v[entity].length; i += 8) {
      const batch = v[entity].slice(i, i + 8);
      const found = await Promise.all(batch.map((id) => carries(api, entity, id, tagId)));
      out[entity].push(...batch.filter((_, j) => found[j] === true));
    }
  }
  return out;
}

/**
 * Adds (`on`) or removes the tag on these entities. The route changes nothing where the tag already is (or is
 * not), so a write ImmyBot refused for load is sent again; one whose answer was lost is settled by reading back.
 */
async function setTag(api: ImmyBotClient, entity: Entity, entityIds: number[], tagId: number, on: boolean): Promise<void> {
  if (entityIds.length === 0) return;
  const s = settings();
  const path = `/api/v1/${entity}/${on ? "add" : "remove"}-tags`;
  const sent = await sendAtMostOnce(() => api.post<unknown>(path, { entityIds, tagIds: [tagId] }), {
    attempts: s.maxRetries + 1,
    minDelayMs: s.retryMinDelayMs,
    maxDelayMs: s.retryMaxDelayMs,
  });
  if (sent.answered) return;
  const now = await Promise.all(entityIds.map((id) => carries(api, entity, id, tagId)));
  if (now.some((c) => c !== undefined && c !== on)) throw sent.error;
}

/** Brings ImmyBot from `from` (what this resource owned) to `to`; nothing else is touched. */
async function apply(api: ImmyBotClient, from: TagMembershipInputs | undefined, to: TagMembershipInputs): Promise<void> {
  const tagId = Number(to.tagId);
  for (const entity of ENTITIES) {
    const before = from?.[entity] ?? [];
    await setTag(api, entity, to[entity].filter((id) => !before.includes(id)), tagId, true);
    await setTag(api, entity, before.filter((id) => !to[entity].includes(id)), tagId, false);
  }
}

export const lifecycle: Lifecycle = {
  async check(_olds, news) {
    return checkWith(model, news);
  },

  async diff(_id, olds, news) {
    return diffWith(model, olds, news);
  },

  async create(inputs): Promise<dynamic.CreateResult> {
    const v = checkedValue(model, inputs);
    const api = client();
    await apply(api, undefined, v);
    // Every listed entity has been written, so all of them are this resource's, also those that had the tag before.
    return { id: v.tagId, outs: plainJson(v) };
  },

  async read(id, props): Promise<dynamic.ReadResult> {
    const api = client();
    if ((await readOrGone(() => api.get<unknown>(`/api/v1/tags/${Number(id)}`))) === undefined) return { id: "" };
    const owned = checkedValue(model, { ...props, tagId: id });
    const now = plainJson(await current(api, owned));
    return { id, props: now, inputs: now };
  },

  async update(_id, olds, news): Promise<dynamic.UpdateResult> {
    const v = checkedValue(model, news);
    await apply(client(), checkedValue(model, olds), v);
    return { outs: plainJson(v) };
  },

  async delete(id, props) {
    const owned = checkedValue(model, { ...props, tagId: id });
    const api = client();
    // A tag deleted in the meantime took its memberships with it: nothing left to remove.
    if ((await readOrGone(() => api.get<unknown>(`/api/v1/tags/${Number(id)}`))) === undefined) return;
    await deleteIfExists(() => apply(api, owned, { ...owned, computers: [], tenants: [] }));
  },
};
