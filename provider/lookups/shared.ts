/**
 * What every lookup family shares on the wire: the routes' prefix and page size, a GET whose 404 means "none", and
 * the checks that an answer is the list its route gives. Every list is read the way its route pages (see the API
 * notes, "pagination families"): Sieve pages for tenants and tasks, skip/take up to `count` for computers, one
 * unpaged answer for software and tags. Each row is decoded (`models/wire.ts`): only its id is required, a
 * mistyped field is an error naming the route, and what a lookup does not read is ignored.
 */
import { ImmyBotUnexpectedResponseError, type ImmyBotClient, type Query } from "../client";
import type { ItemScope } from "../deployment";
import { readOrGone } from "../lifecycle";

export const API = "/api/v1";
/** Rows per request for the paged lists. */
export const PAGE_SIZE = 500;
export const SCOPES: readonly ItemScope[] = ["Global", "Local"];

/** GET `path`; undefined on 404 (any other failure is the client's error). */
export function getOrNone<T>(client: ImmyBotClient, path: string, query?: Query): Promise<T | undefined> {
  return readOrGone(() => client.get<T>(path, query));
}

export function arrayOf<T>(value: unknown, path: string): T[] {
  if (Array.isArray(value)) return value as T[];
  throw new ImmyBotUnexpectedResponseError(`ImmyBot GET ${path} did not answer a list.`, { method: "GET", path });
}
