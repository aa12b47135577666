/** Computers: `/computers/paged` (skip/take until `count`), GET by id; the tenant is filtered here, not by the server. */
import type { ImmyBotClient, Query } from "../client";
import { exactlyOne, type CandidateKind } from "./match";
import { argsError, nameOrId, positiveInt, type Computer, type ComputerLookup } from "./model";
import { API, PAGE_SIZE, arrayOf, getOrNone, int, str } from "./shared";

/** A row of `/computers/paged` (`ComputerListViewModel`) or `/computers/{id}` (`GetComputerResponse`). */
interface WireComputer {
  id: number;
  computerName?: string | null;
  name?: string | null;
  tenantId?: number | null;
  tenantName?: string | null;
  isOnline?: boolean | null;
  online?: boolean | null;
}

function computerFromWire(w: WireComputer): Computer {
  const tenantName = str(w.tenantName);
  return {
    id: w.id,
    name: w.computerName ?? w.name ?? "",
    tenantId: w.tenantId ?? 0,
    ...(tenantName !== undefined ? { tenantName } : {}),
    online: (w.isOnline ?? w.online) === true,
  };
}

/** `GET /computers/{id}` without the persons it adds by default: the lookup needs none of them. */
const COMPUTER_DETAIL: Query = { includePrimaryPerson: false, includeAdditionalPersons: false };

/** Every computer, from `/computers/paged`: `skip` advances by the rows received until `count` are read. */
export async function allComputers(client: ImmyBotClient, take = PAGE_SIZE): Promise<WireComputer[]> {
  const path = `${API}/computers/paged`;
  const byId = new Map<number, WireComputer>();
  for (let skip = 0; ; ) {
    const page = await client.get<{ count?: number; results?: WireComputer[] | null }>(path, { skip, take, includeOffline: true });
    const rows = arrayOf<WireComputer>(page?.results ?? [], path);
    for (const row of rows) byId.set(row.id, row); // a row that moved between pages is kept once
    skip += rows.length;
    const count = int(page?.count);
    if (rows.length === 0 || (count !== undefined ? skip >= count : rows.length < take)) return [...byId.values()];
  }
}

function computerKind(): CandidateKind<Computer> {
  return {
    noun: "computer",
    plural: "computers",
    name: (c) => c.name,
    id: (c) => c.id,
    detail: (c) => `tenant ${c.tenantId}${c.tenantName ? ` ${JSON.stringify(c.tenantName)}` : ""}`,
    disambiguate: (cands) =>
      new Set(cands.map((c) => c.tenantId)).size > 1 ? "Pass `tenantId` or `id` to choose one." : "Pass `id` to choose one.",
  };
}

/** The one computer with this name or id (within `tenantId`, when given). */
export async function findComputer(client: ImmyBotClient, args: ComputerLookup): Promise<Computer> {
  const wanted = nameOrId("Computer", args, positiveInt, "12");
  const rawTenant = (args as { tenantId?: unknown }).tenantId;
  const tenantId = rawTenant === undefined || rawTenant === null ? undefined : positiveInt(rawTenant);
  if (rawTenant !== undefined && rawTenant !== null && tenantId === undefined) {
    throw argsError("Computer", `\`tenantId\` must be a positive integer, e.g. 2 (got ${JSON.stringify(rawTenant)}).`);
  }
  const rows =
    "id" in wanted
      ? [await getOrNone<WireComputer>(client, `${API}/computers/${wanted.id}`, COMPUTER_DETAIL)].filter((c): c is WireComputer => c !== undefined)
      : await allComputers(client);
  const within = tenantId === undefined ? undefined : { label: `in tenant ${tenantId}`, outside: "in other tenants", test: (c: Computer) => c.tenantId === tenantId };
  return exactlyOne(computerKind(), wanted, rows.map(computerFromWire), within);
}
