/**
 * Lookups (data sources): find exactly one tenant, computer, software, maintenance task or tag by name or by id,
 * and return it in the provider's own terms (names for enums, string ids where ImmyBot's routes take strings).
 *
 * - By name: a trimmed, case-insensitive exact match over the whole list. No match is a {@link LookupError}
 *   (`IMMYBOT_LOOKUP_NONE`) that lists close matches (typos and partial names); several matches are one
 *   (`IMMYBOT_LOOKUP_AMBIGUOUS`) that lists every candidate with its id and says how to pick one.
 * - By id: a GET of the item; a 404 is `IMMYBOT_LOOKUP_NONE`. Software and task ids are per scope, so without a
 *   `scope` both scopes are asked, and an id that exists in both is ambiguous.
 * - Every list is read the way its route pages (see the API notes, "pagination families"): Sieve pages for tenants
 *   and tasks, skip/take up to `count` for computers, one unpaged answer for software and tags.
 *
 * Arguments are checked before any request. This module knows nothing of Pulumi: `sdk/lookups.ts` wraps it.
 */
import { ImmyBotUnexpectedResponseError, type ImmyBotClient, type Query } from "./client";
import { sieveAll } from "./client/paging";
import type { ItemScope } from "./deployment";
import { readOrGone } from "./lifecycle";
import { MaintenanceTaskParameterType, type MaintenanceTypeName } from "./models/enums";
import { editDistance } from "./models/similar";

// ---------------------------------------------------------------------------------------------------------------
// Results

/** An ImmyBot tenant (a customer, or the MSP itself). */
export interface Tenant {
  /** The tenant's id (e.g. a Schedule's or Deployment's `tenantId`). */
  id: number;
  /** The tenant's name as ImmyBot shows it. */
  name: string;
  /** The tenant's short name (slug), when it has one. */
  slug?: string;
  /** The parent tenant's id, when this tenant is a child tenant. */
  parentTenantId?: number;
  /** True for the MSP's own tenant. */
  isMsp: boolean;
  /** False when the tenant is deactivated. */
  active: boolean;
}

/** An ImmyBot computer (an endpoint with the ImmyBot agent). */
export interface Computer {
  /** The computer's id (a Schedule's or Deployment's `target` for `targetType: "Computer"`, as a string). */
  id: number;
  /** The computer's name. */
  name: string;
  /** The id of the tenant the computer belongs to. */
  tenantId: number;
  /** That tenant's name, when ImmyBot sends it. */
  tenantName?: string;
  /** Whether the agent was connected when the lookup ran. */
  online: boolean;
}

/** A software item: ImmyBot's catalog ("Global") or your instance's own ("Local"). */
export interface Software {
  /** The software's id, as a string (a Deployment's `software.id`, a Schedule's `maintenanceIdentifier`). */
  id: string;
  /** The software's name. */
  name: string;
  /** "Global" (ImmyBot's catalog) or "Local" (your instance's own software): a Deployment's `software.scope`. */
  scope: ItemScope;
  /** "GlobalSoftware" or "LocalSoftware": a Schedule's `maintenanceType` limited to this software. */
  maintenanceType: Extract<MaintenanceTypeName, "GlobalSoftware" | "LocalSoftware">;
}

/** The type of a task parameter, by name: "Number", "Text", "Boolean", "Select", "Password", "File", "Uri", "KeyValuePair". */
export type MaintenanceTaskParameterTypeName = (typeof MaintenanceTaskParameterType.names)[number];

/** One parameter of a maintenance task: a key of a Deployment's `parameters`. */
export interface MaintenanceTaskParameter {
  /** The parameter's name (the key in a Deployment's `parameters`). */
  name: string;
  /** Its type, e.g. "Text", "Boolean", "Password" (a Password parameter's value belongs in a secret). */
  type: MaintenanceTaskParameterTypeName;
  /** ImmyBot needs a value for it. */
  required: boolean;
  /** It is hidden in ImmyBot's UI. */
  hidden: boolean;
}

/** A maintenance task: ImmyBot's catalog ("Global") or your instance's own ("Local"). */
export interface MaintenanceTask {
  /** The task's id, as a string (a Deployment's `task.id`, a Schedule's `maintenanceIdentifier`). */
  id: string;
  /** The task's name. */
  name: string;
  /** "Global" (ImmyBot's catalog) or "Local" (your instance's own task): a Deployment's `task.scope`. */
  scope: ItemScope;
  /** "GlobalMaintenanceTask" or "LocalMaintenanceTask": a Schedule's `maintenanceType` limited to this task. */
  maintenanceType: Extract<MaintenanceTypeName, "GlobalMaintenanceTask" | "LocalMaintenanceTask">;
  /** True for a software's configuration task. */
  isConfigurationTask: boolean;
  /** The task's parameters, in ImmyBot's order. */
  parameters: MaintenanceTaskParameter[];
}

/** An ImmyBot tag (groups computers, tenants or persons). */
export interface Tag {
  /** The tag's id (a Schedule's or Deployment's `target` for `targetType: "Tag"`, as a string). */
  id: number;
  /** The tag's name. */
  name: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Arguments

/** Find a tenant by exactly one of `name` and `id`. */
export interface TenantLookup {
  /** The tenant's name; case and surrounding spaces do not matter. */
  name?: string;
  /** The tenant's id. */
  id?: number;
}

/** Find a computer by exactly one of `name` and `id`, optionally within one tenant. */
export interface ComputerLookup {
  /** The computer's name; case and surrounding spaces do not matter. */
  name?: string;
  /** The computer's id. */
  id?: number;
  /** Only a computer of this tenant (tells apart computers of the same name in different tenants). */
  tenantId?: number;
}

/** Find a software item by exactly one of `name` and `id`, in one scope or both. */
export interface SoftwareLookup {
  /** The software's name; case and surrounding spaces do not matter. */
  name?: string;
  /** The software's id, e.g. "303". Ids are per scope: give `scope` if both scopes have it. */
  id?: string | number;
  /** Search only "Global" (ImmyBot's catalog) or "Local" (your instance's own software). Default: both. */
  scope?: ItemScope;
}

/** Find a maintenance task by exactly one of `name` and `id`, in one scope or both. */
export interface MaintenanceTaskLookup {
  /** The task's name; case and surrounding spaces do not matter. */
  name?: string;
  /** The task's id, e.g. "7". Ids are per scope: give `scope` if both scopes have it. */
  id?: string | number;
  /** Search only "Global" (ImmyBot's catalog) or "Local" (your instance's own tasks). Default: both. */
  scope?: ItemScope;
}

/** Find a tag by exactly one of `name` and `id`. */
export interface TagLookup {
  /** The tag's name; case and surrounding spaces do not matter. */
  name?: string;
  /** The tag's id. */
  id?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

/** Why a lookup failed: nothing matched, several matched, or the arguments were wrong (no request was sent). */
export type LookupErrorCode = "IMMYBOT_LOOKUP_NONE" | "IMMYBOT_LOOKUP_AMBIGUOUS" | "IMMYBOT_LOOKUP_ARGS";

/** One item named in a lookup error. */
export interface LookupCandidate {
  /** The item's id. */
  id: string | number;
  /** The item's name. */
  name: string;
  /** What else tells it apart (scope, tenant), when anything does. */
  detail?: string;
}

const kLookupError = Symbol.for("pulumi-immybot.LookupError");

/** A lookup found no item, or several; or its arguments were wrong. The message says what to change. */
export class LookupError extends Error {
  /** Stable code to branch on (never branch on the message). */
  readonly code: LookupErrorCode;
  /** For `IMMYBOT_LOOKUP_AMBIGUOUS`: every matching item; for `IMMYBOT_LOOKUP_NONE`: the close matches, if any. */
  readonly candidates: readonly LookupCandidate[];

  constructor(code: LookupErrorCode, message: string, candidates: readonly LookupCandidate[] = []) {
    super(message);
    this.name = "LookupError";
    this.code = code;
    this.candidates = Object.freeze([...candidates]);
    Object.defineProperty(this, kLookupError, { value: true });
  }

  // `instanceof` across two loaded copies of this module (vitest's source and the compiled file).
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[kLookupError] === true;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Matching: the one "exactly one of these candidates" helper

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

/** What to match: a name (trimmed, case-insensitive) or an id (as text). */
export type Wanted = { name: string } | { id: string | number };

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

// ---------------------------------------------------------------------------------------------------------------
// Close matches. A focused edit-distance helper (provider/check.ts has a private one for property names; the two
// could be merged into one shared module: it is, in models/similar.ts).

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

// ---------------------------------------------------------------------------------------------------------------
// Argument checks (before any request)

type Checked<Id> = { name: string } | { id: Id };

function argsError(what: string, problem: string): LookupError {
  return new LookupError("IMMYBOT_LOOKUP_ARGS", `${what} lookup: ${problem}`);
}

/** Exactly one of a non-empty `name` and a valid `id`. */
function nameOrId<Id>(what: string, args: unknown, parseId: (id: unknown) => Id | undefined, idExample: string): Checked<Id> {
  if (typeof args !== "object" || args === null) throw argsError(what, `pass an object with \`name\` or \`id\` (got ${JSON.stringify(args)}).`);
  const { name, id } = args as { name?: unknown; id?: unknown };
  const hasName = name !== undefined && name !== null;
  const hasId = id !== undefined && id !== null;
  if (hasName && hasId) throw argsError(what, "pass either `name` or `id`, not both.");
  if (!hasName && !hasId) throw argsError(what, `pass \`name\` (e.g. "Contoso") or \`id\` (e.g. ${idExample}).`);
  if (hasName) {
    if (typeof name !== "string" || name.trim() === "") throw argsError(what, `\`name\` must be a non-empty string (got ${JSON.stringify(name)}).`);
    return { name };
  }
  const parsed = parseId(id);
  if (parsed === undefined) throw argsError(what, `\`id\` must be ${idExample.startsWith('"') ? "a numeric id" : "a positive integer"}, e.g. ${idExample} (got ${JSON.stringify(id)}).`);
  return { id: parsed };
}

function positiveInt(v: unknown): number | undefined {
  const n = typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  return typeof n === "number" && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** Software and task ids are strings in this provider (ImmyBot's software route key is a string). */
function itemId(v: unknown): string | undefined {
  const n = positiveInt(v);
  return n === undefined ? undefined : String(n);
}

function scopeArg(what: string, scope: unknown): ItemScope | undefined {
  if (scope === undefined || scope === null) return undefined;
  if (scope === "Global" || scope === "Local") return scope;
  throw argsError(what, `\`scope\` must be "Global" or "Local" (got ${JSON.stringify(scope)}); omit it to search both.`);
}

// ---------------------------------------------------------------------------------------------------------------
// Shared plumbing

const API = "/api/v1";
/** Rows per request for the paged lists. */
const PAGE_SIZE = 500;
const SCOPES: readonly ItemScope[] = ["Global", "Local"];

/** GET `path`; undefined on 404 (any other failure is the client's error). */
function getOrNone<T>(client: ImmyBotClient, path: string, query?: Query): Promise<T | undefined> {
  return readOrGone(() => client.get<T>(path, query));
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v : undefined;
}

function int(v: unknown): number | undefined {
  return typeof v === "number" && Number.isSafeInteger(v) ? v : undefined;
}

function arrayOf<T>(value: unknown, path: string): T[] {
  if (Array.isArray(value)) return value as T[];
  throw new ImmyBotUnexpectedResponseError(`ImmyBot GET ${path} did not answer a list.`, { method: "GET", path });
}

/** A kind whose items are told apart by nothing but their id. */
function plainKind<T extends { id: number; name: string }>(noun: string, plural: string): CandidateKind<T> {
  return { noun, plural, name: (i) => i.name, id: (i) => i.id, disambiguate: () => "Pass `id` to choose one." };
}

/** A kind whose items live in a scope: `Global` or `Local`. */
function scopedKind<T extends { id: string; name: string; scope: ItemScope }>(noun: string, plural: string, scope: ItemScope | undefined): CandidateKind<T> {
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
// Tenants: Sieve list, GET by id

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

// ---------------------------------------------------------------------------------------------------------------
// Computers: /computers/paged (skip/take until `count`), GET by id; tenant filtered here, not by the server

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

// ---------------------------------------------------------------------------------------------------------------
// Software: unpaged /software/{global,local}, GET by id per scope

interface WireSoftware {
  id: number | string;
  name?: string | null;
}

function softwareFromWire(scope: ItemScope) {
  return (w: WireSoftware): Software => ({
    id: String(w.id),
    name: w.name ?? "",
    scope,
    maintenanceType: scope === "Global" ? "GlobalSoftware" : "LocalSoftware",
  });
}

/** The one software item with this name or id, in `scope` or in both scopes. */
export async function findSoftware(client: ImmyBotClient, args: SoftwareLookup): Promise<Software> {
  const wanted = nameOrId("Software", args, itemId, '"303"');
  const scope = scopeArg("Software", (args as { scope?: unknown }).scope);
  const lists = await Promise.all(
    (scope ? [scope] : SCOPES).map(async (s) => {
      const base = `${API}/software/${s.toLowerCase()}`;
      const found =
        "id" in wanted
          ? [await getOrNone<WireSoftware>(client, `${base}/${encodeURIComponent(wanted.id)}`)].filter((x): x is WireSoftware => x !== undefined)
          : arrayOf<WireSoftware>(await client.get<unknown>(base), base);
      return found.map(softwareFromWire(s));
    }),
  );
  return exactlyOne(scopedKind<Software>("software", "software items", scope), wanted, lists.flat());
}

// ---------------------------------------------------------------------------------------------------------------
// Maintenance tasks: Sieve /maintenance-tasks/{global,local}, GET by id per scope (for the parameters too)

interface WireTaskParameter {
  name?: string | null;
  dataType?: number | string | null;
  type?: number | string | null;
  required?: boolean | null;
  hidden?: boolean | null;
  order?: number | null;
}

interface WireTask {
  id: number | string;
  name?: string | null;
  isConfigurationTask?: boolean | null;
  parameters?: WireTaskParameter[] | null;
}

function taskFromWire(scope: ItemScope, path: string) {
  return (w: WireTask): MaintenanceTask => ({
    id: String(w.id),
    name: w.name ?? "",
    scope,
    maintenanceType: scope === "Global" ? "GlobalMaintenanceTask" : "LocalMaintenanceTask",
    isConfigurationTask: w.isConfigurationTask === true,
    parameters: [...(w.parameters ?? [])]
      .map((p, index) => ({ p, index }))
      .sort((a, b) => (int(a.p.order) ?? a.index) - (int(b.p.order) ?? b.index) || a.index - b.index)
      .map(({ p }) => {
        const type = p.dataType ?? p.type;
        if (type === undefined || type === null) {
          throw new ImmyBotUnexpectedResponseError(
            `ImmyBot GET ${path}: parameter ${JSON.stringify(p.name)} of task ${w.id} has no dataType.`,
            { method: "GET", path },
          );
        }
        return { name: p.name ?? "", type: MaintenanceTaskParameterType.fromWire(type), required: p.required === true, hidden: p.hidden === true };
      }),
  });
}

/** The one maintenance task with this name or id, in `scope` or in both scopes, with its parameters. */
export async function findMaintenanceTask(client: ImmyBotClient, args: MaintenanceTaskLookup): Promise<MaintenanceTask> {
  const wanted = nameOrId("Maintenance task", args, itemId, '"7"');
  const scope = scopeArg("Maintenance task", (args as { scope?: unknown }).scope);
  const base = (s: ItemScope) => `${API}/maintenance-tasks/${s.toLowerCase()}`;
  const detail = (s: ItemScope, id: string) => getOrNone<WireTask>(client, `${base(s)}/${id}`);
  const lists = await Promise.all(
    (scope ? [scope] : SCOPES).map(async (s) => {
      const found =
        "id" in wanted
          ? [await detail(s, wanted.id)].filter((x): x is WireTask => x !== undefined)
          : await sieveAll<WireTask>(client, base(s), {}, PAGE_SIZE);
      return found.map((w) => ({ scope: s, wire: w, id: String(w.id), name: w.name ?? "" }));
    }),
  );
  const kind = scopedKind<{ scope: ItemScope; wire: WireTask; id: string; name: string }>("maintenance task", "maintenance tasks", scope);
  const hit = exactlyOne(kind, wanted, lists.flat());
  // A list row may leave out the parameters: read the task itself unless it was just read by id.
  const wire = "id" in wanted ? hit.wire : await detail(hit.scope, hit.id);
  if (wire === undefined) {
    throw new LookupError("IMMYBOT_LOOKUP_NONE", `${hit.scope} maintenance task ${hit.id} ${JSON.stringify(hit.name)} was listed but is gone (404); try again.`);
  }
  return taskFromWire(hit.scope, `${base(hit.scope)}/${hit.id}`)(wire);
}

// ---------------------------------------------------------------------------------------------------------------
// Tags: unpaged /tags, GET by id

interface WireTag {
  id: number;
  name?: string | null;
}

const tagKind = plainKind<Tag>("tag", "tags");

/** The one tag with this name or id. */
export async function findTag(client: ImmyBotClient, args: TagLookup): Promise<Tag> {
  const wanted = nameOrId("Tag", args, positiveInt, "1");
  const path = `${API}/tags`;
  const items =
    "id" in wanted
      ? [await getOrNone<WireTag>(client, `${path}/${wanted.id}`)].filter((t): t is WireTag => t !== undefined)
      : arrayOf<WireTag>(await client.get<unknown>(path), path);
  return exactlyOne(tagKind, wanted, items.map((t) => ({ id: t.id, name: t.name ?? "" })));
}
