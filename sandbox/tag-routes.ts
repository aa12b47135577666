/**
 * The tag routes (API notes §5; the spec documents no response bodies here, so answers are the `Tag` fields the
 * lookups show, `{id, name, description, color}`):
 *
 * - GET /tags (`name` contains, any case; `pageSize` a ceiling when given), GET /tags/{tagId};
 * - POST /tags (CreateTagPayload) and POST /tags/{tagId} (UpdateTagPayload: ImmyBot updates by POST) -> the tag;
 *   an empty name is a 400, as ImmyBot's validators answer; DELETE /tags/{tagId} -> an empty 200 (404 when none);
 * - POST /{computers,tenants}/{add,remove}-tags (AddTagsRequest / RemoveTagsRequest `{entityIds, tagIds}`) -> an
 *   empty 200. Ids of no such computer, tenant or tag are a 400 naming them, and nothing changes. Persons' routes
 *   are not served (the sandbox has persons only as computers' primary users).
 *
 * Bodies bind as ASP.NET binds them (binding.ts): 415, empty or broken JSON, a wrong type or an unknown property
 * each give their 400 before anything is looked at. Computers and tenants carry their tag ids in their own answers
 * (`computerTagIds`, `tenantTagIds`, lookups.ts).
 */
import { bindObject, pathInt, readJson, text, type Converted, type FieldKind } from "./binding";
import { emptyReply, jsonReply, notFoundReply, validationReply, type FieldErrors, type Reply } from "./http";
import { tagResponse } from "./lookups";
import { QueryBinder } from "./query";
import type { RequestContext, Route } from "./router";
import type { TaggedKind, TagFields, TagService } from "./tags";
import { isInt32 } from "./wire-enums";

/** `int[]?`: null, or an array of int32s. */
const intList = (): FieldKind => ({
  kind: "custom",
  zero: null,
  convert: (raw): Converted =>
    raw === null || (Array.isArray(raw) && raw.every((v) => typeof v === "number" && isInt32(v))) ? { value: raw } : { error: "System.Collections.Generic.List`1[System.Int32] (an array of integers) or null" },
});

/** `CreateTenantTagAuthorizationPayload[]?`: bound for its shape; the sandbox keeps no authorizations. */
const authorizations: FieldKind = {
  kind: "custom",
  zero: null,
  convert: (raw): Converted =>
    raw === null || (Array.isArray(raw) && raw.every((a) => typeof a === "object" && a !== null && !Array.isArray(a)))
      ? { value: raw }
      : { error: "System.Collections.Generic.List`1[CreateTenantTagAuthorizationPayload] or null" },
};

const TAG_KINDS = { name: text, description: text, color: text, tenantTagAuthorizations: authorizations };
type TagBody = TagFields & { tenantTagAuthorizations: unknown };

export function tagRoutes(tags: TagService): Route[] {
  const routes: Route[] = [
    { pattern: /^\/api\/v1\/tags$/i, handlers: { GET: (ctx) => listTags(tags, ctx), POST: (ctx) => createTag(tags, ctx) } },
    {
      pattern: /^\/api\/v1\/tags\/([^/]+)$/i,
      handlers: { GET: (ctx) => getTag(tags, ctx), POST: (ctx) => updateTag(tags, ctx), DELETE: (ctx) => deleteTag(tags, ctx) },
    },
  ];
  for (const kind of ["computers", "tenants"] as const) {
    routes.push(
      { pattern: new RegExp(`^/api/v1/${kind}/add-tags$`, "i"), handlers: { POST: (ctx) => setTags(tags, kind, true, ctx) } },
      { pattern: new RegExp(`^/api/v1/${kind}/remove-tags$`, "i"), handlers: { POST: (ctx) => setTags(tags, kind, false, ctx) } },
    );
  }
  return routes;
}

function listTags(tags: TagService, ctx: RequestContext): Reply {
  const q = new QueryBinder(ctx.query);
  const name = q.string("name");
  const pageSize = q.int("pageSize");
  q.bool("orderByUpdatedDate"); // bound (a bad value is a 400), but tags here have no dates: the id order stays
  const invalid = q.problems();
  if (invalid) return invalid;
  const rows = tags.list().filter((t) => name === undefined || t.name.toLowerCase().includes(name.toLowerCase()));
  return jsonReply(200, (pageSize === undefined ? rows : rows.slice(0, Math.max(0, pageSize))).map(tagResponse));
}

function getTag(tags: TagService, ctx: RequestContext): Reply {
  const id = pathInt(ctx, "tagId");
  if (typeof id !== "number") return id;
  const tag = tags.get(id);
  return tag ? jsonReply(200, tagResponse(tag)) : notFoundReply();
}

/** The body bound as Create/UpdateTagPayload and validated (a name is required), or the 400. */
function tagBody(ctx: RequestContext, type: "CreateTagPayload" | "UpdateTagPayload"): { fields: TagFields; id: number } | { reply: Reply } {
  const read = readJson(ctx);
  if ("reply" in read) return read;
  const bound = bindObject<TagBody>(read.json, type, TAG_KINDS, type === "UpdateTagPayload", ctx);
  if (!bound.ok) return { reply: validationReply(bound.errors) };
  const { name, description, color } = bound.fields;
  if (name === null || name.trim() === "") return { reply: validationReply({ Name: ["'Name' must not be empty."] }) };
  return { fields: { name, description, color }, id: bound.id };
}

function createTag(tags: TagService, ctx: RequestContext): Reply {
  const body = tagBody(ctx, "CreateTagPayload");
  return "reply" in body ? body.reply : jsonReply(200, tagResponse(tags.create(body.fields)));
}

function updateTag(tags: TagService, ctx: RequestContext): Reply {
  const id = pathInt(ctx, "tagId");
  if (typeof id !== "number") return id;
  const body = tagBody(ctx, "UpdateTagPayload");
  if ("reply" in body) return body.reply;
  if (body.id !== id) return validationReply({ Id: [`The id in the body (${body.id}) must equal the tag id in the path (${id}).`] });
  const updated = tags.update(id, body.fields);
  return updated ? jsonReply(200, tagResponse(updated)) : notFoundReply();
}

function deleteTag(tags: TagService, ctx: RequestContext): Reply {
  const id = pathInt(ctx, "tagId");
  if (typeof id !== "number") return id;
  return tags.remove(id) ? emptyReply(200) : notFoundReply();
}

function setTags(tags: TagService, kind: TaggedKind, on: boolean, ctx: RequestContext): Reply {
  const read = readJson(ctx);
  if ("reply" in read) return read.reply;
  const type = on ? "AddTagsRequest" : "RemoveTagsRequest";
  const bound = bindObject<{ entityIds: number[] | null; tagIds: number[] | null }>(read.json, type, { entityIds: intList(), tagIds: intList() }, false, ctx);
  if (!bound.ok) return validationReply(bound.errors);
  const entityIds = bound.fields.entityIds ?? [];
  const tagIds = bound.fields.tagIds ?? [];
  const unknown = tags.unknown(kind, entityIds, tagIds);
  const errors: FieldErrors = {};
  const noun = kind === "computers" ? "computer" : "tenant";
  if (unknown.entities.length > 0) errors.EntityIds = [`There is no ${noun} with id ${unknown.entities.join(", ")}.`];
  if (unknown.tags.length > 0) errors.TagIds = [`There is no tag with id ${unknown.tags.join(", ")}.`];
  if (Object.keys(errors).length > 0) return validationReply(errors);
  tags.set(kind, entityIds, tagIds, on);
  return emptyReply(200);
}
