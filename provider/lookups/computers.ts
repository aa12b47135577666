/** Computers: `/computers/paged` (skip/take until `count`), GET by id; the tenant is filtered here, not by the server. */
import { z } from "zod";
import type { ImmyBotClient, Query } from "../client";
import { decodeAnswer, flagOrNull, int, intOrNull, textOrNull, type Answer } from "../models/wire";
import { exactlyOne, type CandidateKind } from "./match";
import { argsError, nameOrId, positiveInt, type Computer, type ComputerLookup } from "./model";
import { API, PAGE_SIZE, getOrNone } from "./shared";

/**
 * The fields of a row of `/computers/paged` (`ComputerListViewModel`) or of `/computers/{id}` (`GetComputerResponse`)
 * the lookup reads: id and tenant are required; the name and the online flag come under either of two names.
 */
const computerAnswer = z.object({
  id: int,
  tenantId: int,
  computerName: textOrNull,
  name: textOrNull,
  tenantName: textOrNull,
  isOnline: flagOrNull,
  online: flagOrNull,
});
type WireComputer = z.output<typeof computerAnswer>;

const computerPage = z.object({
  count: intOrNull,
  results: z
    .array(z.unknown(), { error: "expected a list of computers, or null" })
    .nullish()
    .transform((v) => v ?? []),
});

function computerFromWire(w: WireComputer): Computer {
  const tenantName = w.tenantName?.trim() ? w.tenantName : undefined;
  return {
    id: w.id,
    name: w.computerName ?? w.name ?? "",
    tenantId: w.tenantId,
    ...(tenantName !== undefined ? { tenantName } : {}),
    online: (w.isOnline ?? w.online) === true,
  };
}

/** `GET /computers/{id}` without the persons it adds by default: the lookup needs none of them. */
const COMPUTER_DETAIL: Query = { includePrimaryPerson: false, includeAdditionalPersons: false };

/** Every computer, from `/computers/paged`: `skip` advances by the rows received until `count` are read. */
export async function allComputers(client: ImmyBotClient, take = PAGE_SIZE): Promise<WireComputer[]> {
  const at: Answer = { method: "GET", path: `${API}/computers/paged` };
  const byId = new Map<number, WireComputer>();
  for (let skip = 0; ; ) {
    const page = decodeAnswer(computerPage, await client.get<unknown>(at.path, { skip, take, includeOffline: true }), "a page of computers", at);
    const rows = page.results.map((row) => decodeAnswer(computerAnswer, row, "a computer", at));
    for (const row of rows) byId.set(row.id, row); // a row that moved between pages is kept once
    skip += rows.length;
    if (rows.length === 0 || (page.count !== null ? skip >= page.count : rows.length < take)) return [...byId.values()];
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
  let rows: WireComputer[];
  if ("id" in wanted) {
    const path = `${API}/computers/${wanted.id}`;
    const found = await getOrNone<unknown>(client, path, COMPUTER_DETAIL);
    rows = found === undefined ? [] : [decodeAnswer(computerAnswer, found, "a computer", { method: "GET", path })];
  } else {
    rows = await allComputers(client);
  }
  const within = tenantId === undefined ? undefined : { label: `in tenant ${tenantId}`, outside: "in other tenants", test: (c: Computer) => c.tenantId === tenantId };
  return exactlyOne(computerKind(), wanted, rows.map(computerFromWire), within);
}
