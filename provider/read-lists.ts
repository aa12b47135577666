/**
 * Reads served from one list per scope per run: a refresh of 1,000 objects costs the list requests of their scopes
 * (a tenant's schedules, a tenant's deployments, in pages), not 1,000 GETs. ImmyBot's lists answer the same shapes
 * as its single reads.
 *
 * When a list may be used:
 * - A run is a provider host process (Pulumi starts one per `pulumi refresh` / `up`): lists live in the process and
 *   belong to one client (instance and credentials).
 * - A list is never older than a write this process made: it is used only while the client's write generation is
 *   the one it was requested under (no write sent, or under way, since; `ImmyBotClient.writeGeneration`).
 * - A list serves each object once. A second read of an object it already served is a later run in the same
 *   process (or a second resource holding the same object): the list is then older than the run, and is fetched
 *   again.
 * - An object missing from its list is not taken as gone: the caller confirms with a single GET (it may have been
 *   created, or moved to another scope, after the list was read).
 * - A list that cannot be fetched (an error after the client's retries) is not asked for again until the next
 *   write: the reads of its scope fall back to one GET each.
 */
import type { ImmyBotClient } from "./client";

export type Wire = Record<string, unknown>;

/** The list an object is read from: its scope's key ("tenant 3") and the request(s) that fetch the whole scope. */
export interface ListScope {
  key: string;
  fetch: (api: ImmyBotClient) => Promise<Wire[]>;
}

/**
 * The scope an object held in state as `props` is read from: its tenant (`tenantId`), or none (a target across
 * tenants); `fetch` lists the one or the other. Undefined when `props` hold no arguments (a `.get`, an import): that
 * read goes by id.
 */
export function tenantScope(props: Record<string, unknown>, fetch: (api: ImmyBotClient, tenantId: number | undefined) => Promise<Wire[]>): ListScope | undefined {
  if (props.targetType === undefined) return undefined;
  const tenantId = typeof props.tenantId === "number" ? props.tenantId : undefined;
  return { key: tenantId === undefined ? "no tenant" : `tenant ${tenantId}`, fetch: (api) => fetch(api, tenantId) };
}

interface Listing {
  /** The client's write generation when the list was requested. */
  generation: number;
  /** Rows by id; a row is removed when served. Undefined when the fetch failed. */
  rows: Promise<Map<string, Wire> | undefined>;
  /** Ids this list served. */
  served: Set<string>;
}

const listingsOf = new WeakMap<ImmyBotClient, Map<string, Listing>>();

/**
 * Object `id` from the list of `scope`, or undefined when the list does not hold it (or cannot be used now): the
 * caller then reads it with a single GET. `kind` separates the lists of different resources.
 */
export async function fromList(api: ImmyBotClient, kind: string, scope: ListScope, id: string): Promise<Wire | undefined> {
  let listings = listingsOf.get(api);
  if (!listings) listingsOf.set(api, (listings = new Map()));
  const key = `${kind} ${scope.key}`;
  let listing = listings.get(key);
  if (listing && (listing.generation !== api.writeGeneration() || listing.served.has(id))) listing = undefined;
  if (!listing) {
    const fresh: Listing = { generation: api.writeGeneration(), rows: fetchRows(api, scope), served: new Set() };
    listings.set(key, (listing = fresh));
  }
  const rows = await listing.rows;
  // A write sent or answered while the list was on its way: the list may predate it.
  if (!rows || listing.generation !== api.writeGeneration() || listing.served.has(id)) return undefined;
  const row = rows.get(id);
  if (row === undefined) return undefined;
  rows.delete(id); // held once: the state holds it from here on
  listing.served.add(id);
  return row;
}

async function fetchRows(api: ImmyBotClient, scope: ListScope): Promise<Map<string, Wire> | undefined> {
  let list: Wire[];
  try {
    list = await scope.fetch(api);
  } catch {
    return undefined; // each read of the scope falls back to its own GET, which reports what is wrong
  }
  const rows = new Map<string, Wire>();
  for (const w of list) if (w && typeof w === "object" && (typeof w.id === "number" || typeof w.id === "string")) rows.set(String(w.id), w);
  return rows;
}
