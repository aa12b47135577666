/** Tenants: a Sieve-paged list, GET by id. */
import type { ImmyBotClient } from "../client";
import { sieveAll } from "../client/paging";
import { exactlyOne, plainKind } from "./match";
import { nameOrId, positiveInt, type Tenant, type TenantLookup } from "./model";
import { API, PAGE_SIZE, getOrNone, int, str } from "./shared";

interface WireTenant {
  id: number;
  name?: string | null;
  slug?: string | null;
  parentTenantId?: number | null;
  isMsp?: boolean | null;
  active?: boolean | null;
}

function tenantFromWire(w: WireTenant): Tenant {
  const slug = str(w.slug);
  const parentTenantId = int(w.parentTenantId);
  return {
    id: w.id,
    name: w.name ?? "",
    ...(slug !== undefined ? { slug } : {}),
    ...(parentTenantId !== undefined ? { parentTenantId } : {}),
    isMsp: w.isMsp === true,
    active: w.active !== false,
  };
}

const tenantKind = plainKind<Tenant>("tenant", "tenants");

/** The one tenant with this name or id. */
export async function findTenant(client: ImmyBotClient, args: TenantLookup): Promise<Tenant> {
  const wanted = nameOrId("Tenant", args, positiveInt, "2");
  const items =
    "id" in wanted
      ? [await getOrNone<WireTenant>(client, `${API}/tenants/${wanted.id}`)].filter((t): t is WireTenant => t !== undefined)
      : await sieveAll<WireTenant>(client, `${API}/tenants`, {}, PAGE_SIZE);
  return exactlyOne(tenantKind, wanted, items.map(tenantFromWire));
}
