/** Tenants: a Sieve-paged list, GET by id. */
import { z } from "zod";
import type { ImmyBotClient } from "../client";
import { sieveAll } from "../client/paging";
import { decodeAnswer, flagOrNull, int, intOrNull, textOrNull } from "../models/wire";
import { exactlyOne, plainKind } from "./match";
import { nameOrId, positiveInt, type Tenant, type TenantLookup } from "./model";
import { API, PAGE_SIZE, getOrNone } from "./shared";

/** The fields of a `GetTenantResponse` the lookup reads: only the id is required (see `models/wire.ts`). */
const tenantAnswer = z.object({ id: int, name: textOrNull, slug: textOrNull, parentTenantId: intOrNull, isMsp: flagOrNull, active: flagOrNull });

function tenantFromWire(row: unknown, path: string): Tenant {
  const w = decodeAnswer(tenantAnswer, row, "a tenant", { method: "GET", path });
  return {
    id: w.id,
    name: w.name ?? "",
    ...(w.slug?.trim() ? { slug: w.slug } : {}),
    ...(w.parentTenantId !== null ? { parentTenantId: w.parentTenantId } : {}),
    isMsp: w.isMsp === true,
    active: w.active !== false,
  };
}

const tenantKind = plainKind<Tenant>("tenant", "tenants");

/** The one tenant with this name or id. */
export async function findTenant(client: ImmyBotClient, args: TenantLookup): Promise<Tenant> {
  const wanted = nameOrId("Tenant", args, positiveInt, "2");
  const path = "id" in wanted ? `${API}/tenants/${wanted.id}` : `${API}/tenants`;
  const rows = "id" in wanted ? [await getOrNone<unknown>(client, path)].filter((t) => t !== undefined) : await sieveAll<unknown>(client, path, {}, PAGE_SIZE);
  return exactlyOne(tenantKind, wanted, rows.map((row) => tenantFromWire(row, path)));
}
