/**
 * The read-only lookup routes over the seed, each paged the way its real route pages (API notes §1.5):
 *
 * - Sieve (`Filters`, `Sorts`, `Page`, `PageSize`; bare array): `/tenants`, `/maintenance-tasks/{global,local}`.
 * - `/computers`: `name` (contains, any case), `tenantId`, `orderByUpdatedDate`, `pageSize` (default 25) as a
 *   ceiling; there is no page 2 (a `page` parameter is ignored, as the real route ignores it).
 * - `/computers/paged`: `filter`, `skip`, `take` (default 50), `sort` + `sortDesc`, `tenantId`, `includeOffline`,
 *   `onboardingOnly`, ... -> `{count, results}`, count being the total before skip/take.
 * - Unpaged arrays: `/software/{global,local}` (`include` accepted and ignored: versions are always in).
 * - By id: `/tenants/{id}`, `/computers/{computerId}`, `/software/{scope}/{softwareIdentifier}` (a string key),
 *   `/maintenance-tasks/{scope}/{id}`; 404 ProblemDetails when there is none.
 * - Tags are read and written through tag-routes.ts.
 */
import { pathInt } from "./binding";
import { jsonReply, notFoundReply, type Reply } from "./http";
import {
  computerDetail,
  computerListRow,
  computerSearchRow,
  softwareResponse,
  taskResponse,
  tenantResponse,
} from "./lookups";
import { QueryBinder } from "./query";
import { idSegment, type RequestContext, type Route } from "./router";
import type { Computer, ItemScope, Seed, Task, Tenant } from "./seed";
import { applySieve, type SieveField } from "./sieve";
import { LOOKUP_ENUMS } from "./wire-enums";

const SCOPES: readonly ItemScope[] = ["Global", "Local"];

/** The real API's other routes beside `{id}` (not served here, so unknown routes, not bad ids). */
const TENANT_ROUTES = [
  "software-from-inventory",
  "update-azure-tenant-link",
  "bulk-create",
  "bulk-delete",
  "bulk-merge",
  "activate",
  "deactivate",
  "add-tags",
  "remove-tags",
  "set-parent-tenant",
  "remove-parent-tenant",
  "resolve-assignments-for-maintenance-item",
];
const COMPUTER_ROUTES = [
  "paged",
  "agent-status",
  "inventory",
  "restore",
  "dx",
  "set-excluded-from-user-affinity",
  "user-affinities",
  "onboarding",
  "change-tenant",
  "skip-onboarding",
  "bulk-delete",
  "my",
  "inventory-software",
  "all-inventory-software",
  "add-tags",
  "remove-tags",
  "export",
];

export function lookupRoutes(seed: Seed): Route[] {
  const routes: Route[] = [
    { pattern: /^\/api\/v1\/tenants$/i, handlers: { GET: (ctx) => listTenants(seed, ctx) } },
    { pattern: new RegExp(`^/api/v1/tenants/${idSegment(TENANT_ROUTES)}$`, "i"), handlers: { GET: (ctx) => byId(ctx, "id", (id) => seed.tenant(id), (t) => tenantResponse(seed, t)) } },
    { pattern: /^\/api\/v1\/computers$/i, handlers: { GET: (ctx) => searchComputers(seed, ctx) } },
    { pattern: /^\/api\/v1\/computers\/paged$/i, handlers: { GET: (ctx) => pagedComputers(seed, ctx) } },
    { pattern: new RegExp(`^/api/v1/computers/${idSegment(COMPUTER_ROUTES)}$`, "i"), handlers: { GET: (ctx) => getComputer(seed, ctx) } },
  ];
  for (const scope of SCOPES) {
    const s = scope.toLowerCase();
    routes.push(
      { pattern: new RegExp(`^/api/v1/software/${s}$`, "i"), handlers: { GET: () => jsonReply(200, seed.software[scope].map(softwareResponse)) } },
      { pattern: new RegExp(`^/api/v1/software/${s}/([^/]+)$`, "i"), handlers: { GET: (ctx) => getSoftware(seed, scope, ctx) } },
      { pattern: new RegExp(`^/api/v1/maintenance-tasks/${s}$`, "i"), handlers: { GET: (ctx) => listTasks(seed, scope, ctx) } },
      { pattern: new RegExp(`^/api/v1/maintenance-tasks/${s}/([^/]+)$`, "i"), handlers: { GET: (ctx) => byId(ctx, "id", (id) => seed.task(scope, id), taskResponse) } },
    );
  }
  return routes;
}

/** GET by an int32 path id: 400 when it does not bind, 404 when there is no such item. */
function byId<T>(ctx: RequestContext, name: string, find: (id: number) => T | undefined, toResponse: (item: T) => unknown): Reply {
  const id = pathInt(ctx, name);
  if (typeof id !== "number") return id;
  const item = find(id);
  return item === undefined ? notFoundReply() : jsonReply(200, toResponse(item));
}

// ---- tenants ---------------------------------------------------------------------------------------------------

const TENANT_FIELDS: SieveField<Tenant>[] = [
  { name: "id", type: "int", get: (t) => t.id },
  { name: "name", type: "string", get: (t) => t.name },
  { name: "slug", type: "string", get: (t) => t.slug },
  { name: "active", type: "bool", get: (t) => t.active },
  { name: "isMsp", type: "bool", get: (t) => t.isMsp },
  { name: "parentTenantId", type: "int", get: (t) => t.parentTenantId },
];

function listTenants(seed: Seed, ctx: RequestContext): Reply {
  const result = applySieve(seed.tenants, ctx.query, TENANT_FIELDS);
  return "reply" in result ? result.reply : jsonReply(200, result.rows.map((t) => tenantResponse(seed, t)));
}

// ---- computers -------------------------------------------------------------------------------------------------

const DEFAULT_SEARCH_PAGE_SIZE = 25;

function searchComputers(seed: Seed, ctx: RequestContext): Reply {
  const q = new QueryBinder(ctx.query);
  const name = q.string("name");
  const tenantId = q.int("tenantId");
  const orderByUpdatedDate = q.bool("orderByUpdatedDate") ?? false;
  const pageSize = q.int("pageSize") ?? DEFAULT_SEARCH_PAGE_SIZE;
  const invalid = q.problems();
  if (invalid) return invalid;
  let rows = seed.computers.filter((c) => (name === undefined || c.name.toLowerCase().includes(name.toLowerCase())) && (tenantId === undefined || c.tenantId === tenantId));
  if (orderByUpdatedDate) rows = [...rows].sort((a, b) => b.updatedDate.localeCompare(a.updatedDate));
  return jsonReply(200, rows.slice(0, Math.max(0, pageSize)).map((c) => computerSearchRow(seed, c)));
}

/** The columns `sort` accepts on /computers/paged (ComputerListViewModel names). */
const PAGED_SORTS: Record<string, (c: Computer, seed: Seed) => string | number | boolean> = {
  id: (c) => c.id,
  computerName: (c) => c.name.toLowerCase(),
  tenantName: (c, seed) => (seed.tenant(c.tenantId)?.name ?? "").toLowerCase(),
  tenantId: (c) => c.tenantId,
  isOnline: (c) => c.online,
  operatingSystem: (c) => (c.operatingSystem ?? "").toLowerCase(),
  serialNumber: (c) => (c.serialNumber ?? "").toLowerCase(),
  manufacturer: (c) => (c.manufacturer ?? "").toLowerCase(),
  model: (c) => (c.model ?? "").toLowerCase(),
  createdDate: (c) => c.createdDate,
  onboardingStatus: (c) => LOOKUP_ENUMS.onboardingStatus.values[c.onboardingStatus],
};

const DEFAULT_TAKE = 50;

function pagedComputers(seed: Seed, ctx: RequestContext): Reply {
  const q = new QueryBinder(ctx.query);
  const filter = q.string("filter");
  const skip = q.int("skip") ?? 0;
  const take = q.int("take") ?? DEFAULT_TAKE;
  const sortName = q.string("sort");
  const sortDesc = q.bool("sortDesc") ?? true;
  const tenantId = q.int("tenantId");
  const includeOffline = q.bool("includeOffline") ?? true;
  const onboardingOnly = q.bool("onboardingOnly") ?? false;
  // The sandbox has no stale, dev-lab or deleted computers, and every computer is licensed.
  const nothing = [q.bool("staleOnly"), q.bool("devLabOnly"), q.bool("deletedOnly")].some((v) => v === true);
  q.bool("licensedOnly"); // bound for its 400; every seeded computer is licensed
  const sortKey = sortName === undefined ? undefined : Object.keys(PAGED_SORTS).find((k) => k.toLowerCase() === sortName.toLowerCase());
  if (sortName !== undefined && sortKey === undefined) q.fail("sort", `cannot sort by "${sortName}"; sort by one of ${Object.keys(PAGED_SORTS).join(", ")}.`);
  const invalid = q.problems();
  if (invalid) return invalid;

  const needle = filter?.toLowerCase();
  const hit = (c: Computer): boolean => {
    if (needle === undefined) return true;
    const p = c.primaryPerson;
    const haystack = [c.name, seed.tenant(c.tenantId)?.name, c.serialNumber, p && `${p.firstName} ${p.lastName}`, p?.email];
    return haystack.some((h) => typeof h === "string" && h.toLowerCase().includes(needle));
  };
  let rows = nothing
    ? []
    : seed.computers.filter(
        (c) =>
          hit(c) &&
          (tenantId === undefined || c.tenantId === tenantId) &&
          (includeOffline || c.online) &&
          (!onboardingOnly || c.onboardingStatus !== "Onboarded"),
      );
  if (sortKey !== undefined) {
    const key = PAGED_SORTS[sortKey]!;
    rows = [...rows].sort((a, b) => {
      const [x, y] = [key(a, seed), key(b, seed)];
      const order = x === y ? a.id - b.id : x < y ? -1 : 1;
      return sortDesc && x !== y ? -order : order;
    });
  }
  const start = Math.max(0, skip);
  return jsonReply(200, { count: rows.length, results: rows.slice(start, start + Math.max(0, take)).map((c) => computerListRow(seed, c)) });
}

function getComputer(seed: Seed, ctx: RequestContext): Reply {
  const id = pathInt(ctx, "computerId");
  if (typeof id !== "number") return id;
  const q = new QueryBinder(ctx.query);
  const options = {
    includeSessions: q.bool("includeSessions") ?? false,
    includeAdditionalPersons: q.bool("includeAdditionalPersons") ?? true,
    includePrimaryPerson: q.bool("includePrimaryPerson") ?? true,
    includeProviderAgents: q.bool("includeProviderAgents") ?? false,
  };
  q.bool("includeProviderAgentsDeviceUpdateFormData"); // bound for its 400; there are no agents to describe
  const invalid = q.problems();
  if (invalid) return invalid;
  const computer = seed.computer(id);
  return computer ? jsonReply(200, computerDetail(seed, computer, options)) : notFoundReply();
}

// ---- software, tasks -------------------------------------------------------------------------------------------

/** `{softwareIdentifier}` is a string: the id as text (a key that is no id of this scope is simply not found). */
function getSoftware(seed: Seed, scope: ItemScope, ctx: RequestContext): Reply {
  const key = (ctx.params[0] ?? "").trim();
  const software = /^\d+$/.test(key) ? seed.softwareItem(scope, Number(key)) : undefined;
  return software ? jsonReply(200, softwareResponse(software)) : notFoundReply();
}

const TASK_FIELDS: SieveField<Task>[] = [
  { name: "id", type: "int", get: (t) => t.id },
  { name: "name", type: "string", get: (t) => t.name },
  { name: "isConfigurationTask", type: "bool", get: (t) => t.isConfigurationTask },
  { name: "onboardingOnly", type: "bool", get: (t) => t.onboardingOnly },
  { name: "maintenanceTaskCategory", type: { enum: LOOKUP_ENUMS.taskCategory }, get: (t) => LOOKUP_ENUMS.taskCategory.values[t.category] },
];

function listTasks(seed: Seed, scope: ItemScope, ctx: RequestContext): Reply {
  const result = applySieve(seed.tasks[scope], ctx.query, TASK_FIELDS);
  return "reply" in result ? result.reply : jsonReply(200, result.rows.map(taskResponse));
}
