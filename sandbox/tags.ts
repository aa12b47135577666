/**
 * Tags and who carries them: the seed's tags, then what clients changed through the tag routes (tag-routes.ts).
 * A tag is created, renamed, recoloured and deleted; computers and tenants get and lose tags by id. Deleting a
 * tag takes it off every computer and tenant, as ImmyBot's foreign keys do. The change is kept in the state
 * file (`SandboxState.tags`) and laid over the seed again at a restart, so the seed itself is never rewritten.
 */
import type { Seed, Tag } from "./seed";
import type { StateStore, StoredTags } from "./state";

export interface TagFields {
  name: string | null;
  description: string | null;
  color: string | null;
}

/** The entities the add/remove routes reach: computers and tenants (persons are not modelled). */
export type TaggedKind = "computers" | "tenants";

export class TagService {
  constructor(
    private readonly store: StateStore,
    private readonly seed: Seed,
  ) {
    const stored = store.state.tags;
    if (stored) applyStored(seed, stored);
  }

  list(): readonly Tag[] {
    return this.seed.tags;
  }

  get(id: number): Tag | undefined {
    return this.seed.tag(id);
  }

  create(fields: TagFields): Tag {
    const tags = this.stored();
    const tag: Tag = { id: tags.nextTagId++, name: fields.name ?? "", description: fields.description, color: fields.color };
    this.seed.tags.push(tag);
    this.commit();
    return tag;
  }

  update(id: number, fields: TagFields): Tag | undefined {
    const tag = this.seed.tag(id);
    if (!tag) return undefined;
    Object.assign(tag, { name: fields.name ?? "", description: fields.description, color: fields.color });
    this.commit();
    return tag;
  }

  remove(id: number): boolean {
    const at = this.seed.tags.findIndex((t) => t.id === id);
    if (at < 0) return false;
    this.seed.tags.splice(at, 1);
    for (const e of [...this.seed.computers, ...this.seed.tenants]) e.tagIds = e.tagIds.filter((t) => t !== id);
    this.commit();
    return true;
  }

  /** The ids among `entityIds` of no such computer or tenant, and among `tagIds` of no such tag. */
  unknown(kind: TaggedKind, entityIds: readonly number[], tagIds: readonly number[]): { entities: number[]; tags: number[] } {
    const exists = kind === "computers" ? (id: number) => this.seed.computer(id) : (id: number) => this.seed.tenant(id);
    return { entities: entityIds.filter((id) => !exists(id)), tags: tagIds.filter((id) => !this.seed.tag(id)) };
  }

  /** Adds (`on`) or removes every tag of `tagIds` on every entity of `entityIds`; ids are checked by the caller. */
  set(kind: TaggedKind, entityIds: readonly number[], tagIds: readonly number[], on: boolean): void {
    for (const id of entityIds) {
      const entity = kind === "computers" ? this.seed.computer(id) : this.seed.tenant(id);
      if (!entity) continue;
      const kept = entity.tagIds.filter((t) => !tagIds.includes(t));
      entity.tagIds = on ? [...kept, ...tagIds.filter((t, i) => tagIds.indexOf(t) === i)].sort((a, b) => a - b) : kept;
    }
    this.commit();
  }

  /** The state's record, started from the seed at the first change. */
  private stored(): StoredTags {
    return (this.store.state.tags ??= {
      nextTagId: Math.max(0, ...this.seed.tags.map((t) => t.id)) + 1,
      tags: [],
      computers: {},
      tenants: {},
    });
  }

  private commit(): void {
    const s = this.stored();
    s.tags = this.seed.tags.map((t) => ({ ...t }));
    s.computers = Object.fromEntries(this.seed.computers.map((c) => [String(c.id), [...c.tagIds]]));
    s.tenants = Object.fromEntries(this.seed.tenants.map((t) => [String(t.id), [...t.tagIds]]));
    this.store.commit();
  }
}

/** Lays a stored change over a freshly read seed; ids the seed no longer has are dropped. */
function applyStored(seed: Seed, stored: StoredTags): void {
  seed.tags.splice(0, seed.tags.length, ...stored.tags.map((t) => ({ ...t })).sort((a, b) => a.id - b.id));
  const known = (ids: number[] | undefined, fallback: number[]) => (ids ?? fallback).filter((id) => seed.tag(id));
  for (const c of seed.computers) c.tagIds = known(stored.computers[String(c.id)], c.tagIds);
  for (const t of seed.tenants) t.tagIds = known(stored.tenants[String(t.id)], t.tagIds);
}
