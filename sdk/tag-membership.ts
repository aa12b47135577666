import * as pulumi from "@pulumi/pulumi";
import { outputKeys } from "../provider/tag-membership";
import type { TagMembershipArgs as Args, TagMembershipInputs } from "../provider/tag-membership";
import { ImmyBotResource, type Inputs, type Outputs } from "./resource";

/** Arguments of {@link TagMembership}; see each field's documentation. */
export type TagMembershipArgs = Inputs<Args>;

export interface TagMembership extends Outputs<TagMembershipInputs> {}

/**
 * Which computers and tenants carry a tag: a ring's members in Git. It owns exactly the memberships it lists;
 * others that carry the tag are left alone, and delete removes only its own. A membership removed by hand shows
 * on refresh and comes back at the next `up`. Changing `tagId` replaces it; the lists change in place.
 *
 * @example
 * const canary = new immybot.Tag("canary", { name: "Canary" });
 * new immybot.TagMembership("canary-members", { tagId: canary.tagId, computers: [6, 7] });
 */
export class TagMembership extends ImmyBotResource {
  constructor(name: string, args: TagMembershipArgs, opts?: pulumi.CustomResourceOptions) {
    super("TagMembership", name, args, outputKeys, opts);
  }
}
