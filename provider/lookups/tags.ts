/** Tags: an unpaged `/tags`, GET by id. */
import { z } from "zod";
import type { ImmyBotClient } from "../client";
import { decodeAnswer, int, textOrNull } from "../models/wire";
import { exactlyOne, plainKind } from "./match";
import { nameOrId, positiveInt, type Tag, type TagLookup } from "./model";
import { API, arrayOf, getOrNone } from "./shared";

/** The fields of a tag the lookup reads (`Tag`): only the id is required. */
const tagAnswer = z.object({ id: int, name: textOrNull });

const tagKind = plainKind<Tag>("tag", "tags");

/** The one tag with this name or id. */
export async function findTag(client: ImmyBotClient, args: TagLookup): Promise<Tag> {
  const wanted = nameOrId("Tag", args, positiveInt, "1");
  const path = "id" in wanted ? `${API}/tags/${wanted.id}` : `${API}/tags`;
  const rows = "id" in wanted ? [await getOrNone<unknown>(client, path)].filter((t) => t !== undefined) : arrayOf<unknown>(await client.get<unknown>(path), path);
  const tags = rows.map((row) => decodeAnswer(tagAnswer, row, "a tag", { method: "GET", path }));
  return exactlyOne(tagKind, wanted, tags.map((t) => ({ id: t.id, name: t.name ?? "" })));
}
