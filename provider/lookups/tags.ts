/** Tags: an unpaged `/tags`, GET by id. */
import type { ImmyBotClient } from "../client";
import { exactlyOne, plainKind } from "./match";
import { nameOrId, positiveInt, type Tag, type TagLookup } from "./model";
import { API, arrayOf, getOrNone } from "./shared";

interface WireTag {
  id: number;
  name?: string | null;
}

const tagKind = plainKind<Tag>("tag", "tags");

/** The one tag with this name or id. */
export async function findTag(client: ImmyBotClient, args: TagLookup): Promise<Tag> {
  const wanted = nameOrId("Tag", args, positiveInt, "1");
  const path = `${API}/tags`;
  const items =
    "id" in wanted
      ? [await getOrNone<WireTag>(client, `${path}/${wanted.id}`)].filter((t): t is WireTag => t !== undefined)
      : arrayOf<WireTag>(await client.get<unknown>(path), path);
  return exactlyOne(tagKind, wanted, items.map((t) => ({ id: t.id, name: t.name ?? "" })));
}
