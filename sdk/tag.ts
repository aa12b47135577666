import * as pulumi from "@pulumi/pulumi";
import { outputKeys } from "../provider/tag";
import type { TagArgs as Args, TagOutputs } from "../provider/tag";
import { ImmyBotResource, type Inputs, type Outputs } from "./resource";

/** Arguments of {@link Tag}; see each field's documentation. */
export type TagArgs = Inputs<Args>;

export interface Tag extends Outputs<TagOutputs> {}

/**
 * An ImmyBot tag: how computers and tenants are grouped into rings (Canary, Pilot, Broad) and what targets of
 * type "Tag" and "TenantTag" point at. Every argument is updated in place; `adoptId` takes an existing tag under
 * management. Who carries the tag: {@link TagMembership}.
 *
 * @example
 * const canary = new immybot.Tag("canary", { name: "Canary", description: "Gets changes first", color: "#f59e0b" });
 * new immybot.Deployment("7zip-canary", { software: { id: "12", desiredState: "LatestVersion" },
 *   targetType: "Tag", target: canary.tagId });
 */
export class Tag extends ImmyBotResource {
  constructor(name: string, args: TagArgs, opts?: pulumi.CustomResourceOptions) {
    super("Tag", name, args, outputKeys, opts);
  }

  /** Reads an existing tag by its ImmyBot id, without managing it. */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Tag {
    return new Tag(name, undefined as unknown as TagArgs, { ...opts, id });
  }
}
