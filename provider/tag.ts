/**
 * Tag: a name computers and tenants carry, how MSPs form rings (Canary, Pilot, Broad) and what Schedule and
 * Deployment targets of type "Tag" / "TenantTag" point at (ImmyBot `/api/v1/tags`). Who carries a tag is
 * `TagMembership` (tag-membership.ts).
 *
 * Every argument updates in place: ImmyBot updates a tag with a POST of the whole tag to `/tags/{tagId}` and keeps
 * its id. Only pointing `adoptId` at another tag replaces the resource.
 */
import { z } from "zod";
import type { InputModel } from "./check";
import { adoptIdField, restLifecycle, type Wire } from "./rest-resource";
import { dropUndefined, nonEmpty } from "./models/target";
import { keysOf, type Tie } from "./models/tie";
import { decodeAnswer, int, listAnswer, textOrNull, type Answer } from "./models/wire";

const KIND = "Tag";
const PATH = "/api/v1/tags";

/** The arguments of a Tag. Every one is updated in place. */
export interface TagArgs {
  /** The tag's name as ImmyBot shows it (e.g. "Canary"). */
  name: string;
  /** What the tag means (e.g. "Gets changes first, a week before everyone else"). Omit for none. */
  description?: string;
  /** The colour ImmyBot shows the tag in, "#rrggbb" or "#rgb" (e.g. "#f59e0b"). Omit for ImmyBot's default. */
  color?: string;
  /**
   * Take an existing ImmyBot tag with this id under management instead of creating one. On create the tag is read
   * and then updated to these arguments; nothing is recreated. Read only at create. Without it, a create whose name
   * ImmyBot already has (any case) says so in the update's output and makes a second tag of that name.
   */
  adoptId?: string;
}

const COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

const tagFields = {
  // No schema-wide message: it would stand for a wrong type and a too long name as well.
  name: z.string().trim().min(1, { error: 'must not be empty: give the tag\'s name (e.g. "Canary")' }).max(256),
  description: z.string().min(1, { error: "must not be empty: omit description for none" }).optional(),
  color: z.string().regex(COLOR, { error: (i) => `${JSON.stringify(i.input)} is not a colour ImmyBot shows; write it as "#rrggbb" (e.g. "#f59e0b")` }).optional(),
  adoptId: adoptIdField("tag").optional(),
};
const _tie: Tie<z.input<z.ZodObject<typeof tagFields>>, TagArgs> = true;

/** Checked, canonical Tag arguments. */
export type TagInputs = z.output<z.ZodObject<typeof tagFields>>;

/** What a Tag resource exposes besides its arguments. */
export interface TagComputed {
  /** The tag's id as a string: a Schedule's or Deployment's `target` for `targetType: "Tag"` or `"TenantTag"`. */
  tagId: string;
}

/** What a Tag resource exposes: its arguments as ImmyBot echoes them, plus its id. */
export type TagOutputs = TagInputs & TagComputed;

/** Every property of a Tag resource (arguments and computed outputs). */
export const outputKeys: readonly string[] = [...Object.keys(tagFields), ...keysOf<TagComputed>({ tagId: true })];

export const model: InputModel<typeof tagFields> = {
  kind: KIND,
  fields: tagFields,
  rules: [],
  replaceOnChanges: [],
  createOnly: ["adoptId"],
};

// ---- wire mapping ----------------------------------------------------------------------------------------------

/** Canonical arguments -> `CreateTagPayload` (with `id`, `UpdateTagPayload`); no tenant authorizations. */
export function toWire(v: TagInputs, id?: number): Wire {
  return { ...(id === undefined ? {} : { id }), name: v.name, description: v.description ?? null, color: v.color ?? null };
}

/** The fields of a tag answer this provider reads (the spec leaves it untyped; these are `Tag`'s). */
export const tagAnswer = z.object({ id: int, name: textOrNull, description: textOrNull, color: textOrNull });

/** A tag answer (from the route `at`) -> canonical arguments and outputs. */
export function fromWire(body: unknown, at?: Answer): { id: string; inputs: TagInputs; outputs: TagOutputs } {
  const w = decodeAnswer(tagAnswer, body, "a tag", at);
  const inputs = dropUndefined({ name: w.name ?? "", description: nonEmpty(w.description), color: nonEmpty(w.color) }) as TagInputs;
  return { id: String(w.id), inputs, outputs: { ...inputs, tagId: String(w.id) } };
}

// ---- lifecycle -------------------------------------------------------------------------------------------------

export const lifecycle = restLifecycle({
  kind: KIND,
  noun: "tag",
  path: PATH,
  model,
  toWire,
  fromWire,
  updateMethod: "POST",
  // `/tags?name=` matches names that contain it (any case): the tags a POST of this name could have made are among them.
  candidates: async (api, v) => listAnswer(await api.get<unknown>(PATH, { name: v.name }), "tags", { method: "GET", path: PATH }) as Wire[],
  candidateScope: (v) => `tags named ${JSON.stringify(v.name)}`,
  // ImmyBot's UI and targets show tags by name: a second tag of a name is a likely mistake (adoptId was meant).
  sameName: (w, v) => typeof w.name === "string" && w.name.trim().toLowerCase() === v.name.toLowerCase(),
});
