/**
 * The one "exactly one of these candidates" helper every lookup uses, and close matches for its messages. By name:
 * a trimmed, case-insensitive exact match over the whole list. No match is a {@link LookupError}
 * (`IMMYBOT_LOOKUP_NONE`) that lists close matches (typos and partial names); several matches are one
 * (`IMMYBOT_LOOKUP_AMBIGUOUS`) that lists every candidate with its id and says how to pick one.
 */
import type { ItemScope } from "../deployment";
import { editDistance } from "../models/similar";
import { LookupError, type LookupCandidate } from "./errors";
import type { Wanted } from "./model";

/** How one kind of item is named in messages and told apart. */
export interface CandidateKind<T> {
  /** Singular noun for messages: "tenant", "Global software". */
  readonly noun: string;
  /** Plural noun: "tenants", "Global software items". */
  readonly plural: string;
  name(item: T): string;
  id(item: T): string | number;
  /** What else tells same-named items apart ("Global", `tenant 2 "Contoso"`), if anything. */
  detail?(item: T): string | undefined;
  /** The sentence that says how to choose among `candidates` (all of the same name or id). */
  disambiguate(candidates: readonly T[]): string;
}

/** A restriction the user asked for (e.g. a tenant): items outside it are listed apart, not matched. */
export interface Within<T> {
  /** Appended to the noun in messages: "in tenant 2". */
  readonly label: string;
  /** Where the other items are: "in other tenants". */
  readonly outside: string;
  test(item: T): boolean;
}

/** The form names are compared in: trimmed, case-folded, Unicode-normalised. */
export function normalizeName(name: string): string {
  return name.normalize("NFC").trim().toLowerCase();
}

const MAX_CLOSE = 10;

/**
 * The one item of `items` that is `wanted`, or a {@link LookupError}: none (listing close matches and same-named
 * items outside `within`) or several (listing each with its id and detail, and how to choose).
 */
export function exactlyOne<T>(kind: CandidateKind<T>, wanted: Wanted, items: readonly T[], within?: Within<T>): T {
  const inScope = within ? items.filter((i) => within.test(i)) : [...items];
  const isWanted =
    "name" in wanted
      ? ((n: string) => (i: T) => normalizeName(kind.name(i)) === n)(normalizeName(wanted.name))
      : ((id: string) => (i: T) => String(kind.id(i)) === id)(String(wanted.id));
  const byName = "name" in wanted;
  const shown = "name" in wanted ? JSON.stringify(wanted.name.trim()) : formatId(wanted.id);
  const where = within ? ` ${within.label}` : "";
  const matches = inScope.filter(isWanted);
  if (matches.length === 1) return matches[0] as T;

  if (matches.length > 1) {
    throw new LookupError(
      "IMMYBOT_LOOKUP_AMBIGUOUS",
      `${matches.length} ${kind.plural}${where} ${byName ? "are named" : "have id"} ${shown}: ${matches.map((m) => describe(kind, m)).join(", ")}. ` +
        kind.disambiguate(matches),
      matches.map((m) => candidate(kind, m)),
    );
  }

  const parts = [`No ${kind.noun}${where} ${byName ? "named" : "with id"} ${shown}.`];
  const elsewhere = within ? items.filter((i) => !within.test(i) && isWanted(i)) : [];
  if (elsewhere.length > 0) {
    const same = byName ? "of that name" : "with that id";
    parts.push(`${capitalize(kind.plural)} ${same} ${within?.outside}: ${elsewhere.map((m) => describe(kind, m)).join(", ")}.`);
  }
  const close = "name" in wanted ? closeMatches(wanted.name, inScope, kind.name) : [];
  if (close.length > 0) {
    const more = close.length > MAX_CLOSE ? ` and ${close.length - MAX_CLOSE} more` : "";
    parts.push(`Close matches: ${close.slice(0, MAX_CLOSE).map((m) => describe(kind, m)).join(", ")}${more}.`);
  } else if (byName) {
    parts.push(
      inScope.length === 0
        ? `ImmyBot lists no ${kind.plural}${where}.`
        : `No similar name among ${inScope.length} ${inScope.length === 1 ? kind.noun : kind.plural}${where}.`,
    );
  }
  throw new LookupError("IMMYBOT_LOOKUP_NONE", parts.join(" "), [...elsewhere, ...close.slice(0, MAX_CLOSE)].map((m) => candidate(kind, m)));
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function formatId(id: string | number): string {
  return typeof id === "number" ? String(id) : JSON.stringify(id);
}

function candidate<T>(kind: CandidateKind<T>, item: T): LookupCandidate {
  const detail = kind.detail?.(item);
  return { id: kind.id(item), name: kind.name(item), ...(detail ? { detail } : {}) };
}

/** `"Contoso" (id 2)`, `"Google Chrome" (id 12, Global)`. */
function describe<T>(kind: CandidateKind<T>, item: T): string {
  const detail = kind.detail?.(item);
  return `${JSON.stringify(kind.name(item))} (id ${kind.id(item)}${detail ? `, ${detail}` : ""})`;
}

/** A kind whose items are told apart by nothing but their id. */
export function plainKind<T extends { id: number; name: string }>(noun: string, plural: string): CandidateKind<T> {
  return { noun, plural, name: (i) => i.name, id: (i) => i.id, disambiguate: () => "Pass `id` to choose one." };
}

/** A kind whose items live in a scope: `Global` or `Local`. */
export function scopedKind<T extends { id: string; name: string; scope: ItemScope }>(noun: string, plural: string, scope: ItemScope | undefined): CandidateKind<T> {
  return {
    noun: scope ? `${scope} ${noun}` : noun,
    plural: scope ? `${scope} ${plural}` : plural,
    name: (i) => i.name,
    id: (i) => i.id,
    detail: scope ? undefined : (i) => i.scope,
    disambiguate: (cands) => {
      const ids = new Set(cands.map((c) => c.id));
      const scopes = new Set(cands.map((c) => c.scope));
      if (ids.size === 1) return 'Pass `scope` ("Global" or "Local") to choose one.';
      return scopes.size > 1 ? 'Pass `scope` ("Global" or "Local") or `id` (with `scope`) to choose one.' : "Pass `id` to choose one.";
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Close matches (the edit distance itself is shared with check's "did you mean": models/similar.ts).

/** Edits allowed for a pattern of this length: none for 1-2 characters, up to 3 for long names. */
function allowedEdits(length: number): number {
  return length <= 2 ? 0 : length <= 4 ? 1 : length <= 8 ? 2 : 3;
}

/**
 * How close `name` is to `query` (lower is closer), or undefined when it is not close: a few typos of the whole
 * name, a few typos of a part of it ("Contso" in "Contoso Labs"), or the name as a part of the query.
 */
export function closeness(query: string, name: string): number | undefined {
  const q = normalizeName(query);
  const n = normalizeName(name);
  if (q === "" || n === "") return undefined;
  const scores: number[] = [];
  const whole = editDistance(q, n);
  if (whole <= allowedEdits(q.length)) scores.push(whole);
  if (q.length >= 3) {
    const part = editDistance(q, n, true);
    if (part <= allowedEdits(q.length)) scores.push(part);
  }
  if (n.length >= 3 && n.length < q.length) {
    const contained = editDistance(n, q, true);
    if (contained <= allowedEdits(n.length)) scores.push(contained);
  }
  return scores.length > 0 ? Math.min(...scores) : undefined;
}

/** Items whose name is close to `query`, closest first (then by whole-name distance, then by name). */
export function closeMatches<T>(query: string, items: readonly T[], nameOf: (item: T) => string): T[] {
  const q = normalizeName(query);
  return items
    .map((item) => ({ item, score: closeness(query, nameOf(item)), whole: editDistance(q, normalizeName(nameOf(item))) }))
    .filter((c): c is { item: T; score: number; whole: number } => c.score !== undefined)
    .sort((a, b) => a.score - b.score || a.whole - b.whole || nameOf(a.item).localeCompare(nameOf(b.item)))
    .map((c) => c.item);
}
