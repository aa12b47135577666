/**
 * ImmyBot's Sieve-paged lists (`Filters`, `Sorts`, `Page` from 1, `PageSize`) answer a bare JSON array with no
 * total: read page after page until a short one. (Other list routes page differently; see the API notes.)
 */
import { ImmyBotUnexpectedResponseError } from "./errors";
import type { ImmyBotClient, Query } from "./index";

export async function sieveAll<T>(api: ImmyBotClient, path: string, query: Query = {}, pageSize = 500): Promise<T[]> {
  const all: T[] = [];
  for (let page = 1; ; page++) {
    const rows = (await api.get<T[]>(path, { ...query, Page: page, PageSize: pageSize })) ?? [];
    if (!Array.isArray(rows)) throw new ImmyBotUnexpectedResponseError(`ImmyBot GET ${path} did not answer a list (page ${page})`, { method: "GET", path });
    all.push(...rows);
    if (rows.length < pageSize) return all;
  }
}
