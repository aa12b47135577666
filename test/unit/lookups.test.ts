/**
 * Lookups: the matching (one, none with close matches, several with every candidate, case and spaces), the
 * argument checks (before any request), and each list route's own paging over real HTTP on 127.0.0.1: Sieve pages
 * until a short one, `/computers/paged` skip/take until `count`, unpaged software and tags, GET by id with 404.
 */
import { describe, expect, it } from "vitest";
import { clientFor, resolveSettings, type ImmyBotClient } from "../../provider/client";
import { editDistance } from "../../provider/models/similar";
import {
  LookupError,
  closeMatches,
  closeness,
  exactlyOne,
  findComputer,
  findMaintenanceTask,
  findSoftware,
  findTag,
  findTenant,
  type CandidateKind,
  type Computer,
} from "../../provider/lookups";
import { caught, clientConfig, reply, useScriptedServer, type LoggedRequest, type Reply } from "../helpers/scripted-server";

const scripted = useScriptedServer();

function client(): ImmyBotClient {
  scripted.server.on("POST /test-tenant/oauth2/v2.0/token", reply.token());
  return clientFor(resolveSettings(clientConfig(scripted.server), {}));
}

/** API requests (the token request left out). */
function apiRequests(): LoggedRequest[] {
  return scripted.server.requests.filter((r) => r.path.startsWith("/api/"));
}

async function lookupError(p: Promise<unknown>): Promise<LookupError> {
  const e = await caught(p);
  expect(e).toBeInstanceOf(LookupError);
  return e as LookupError;
}

const tenants = [
  { id: 1, name: "Immense MSP", isMsp: true, active: true },
  { id: 2, name: "Contoso", slug: "contoso", isMsp: false, active: true },
  { id: 3, name: "Contoso Labs", parentTenantId: 2, isMsp: false, active: true },
  { id: 4, name: "Fabrikam", isMsp: false, active: false },
];

const tenantKind: CandidateKind<{ id: number; name: string }> = {
  noun: "tenant",
  plural: "tenants",
  name: (t) => t.name,
  id: (t) => t.id,
  disambiguate: () => "Pass `id` to choose one.",
};

describe("matching", () => {
  it("finds the one item of that name, ignoring case and surrounding spaces", () => {
    expect(exactlyOne(tenantKind, { name: "  contoso " }, tenants)).toMatchObject({ id: 2 });
    expect(exactlyOne(tenantKind, { name: "CONTOSO LABS" }, tenants)).toMatchObject({ id: 3 });
    expect(exactlyOne(tenantKind, { id: 4 }, tenants)).toMatchObject({ name: "Fabrikam" });
  });

  it("names close matches when nothing matches: a typo of the whole name or of a part of it", async () => {
    const e = await lookupError((async () => exactlyOne(tenantKind, { name: "Contso" }, tenants))());
    expect(e.code).toBe("IMMYBOT_LOOKUP_NONE");
    expect(e.message).toBe('No tenant named "Contso". Close matches: "Contoso" (id 2), "Contoso Labs" (id 3).');
    expect(e.candidates).toEqual([
      { id: 2, name: "Contoso" },
      { id: 3, name: "Contoso Labs" },
    ]);
    // A part of a name, and a name inside a longer query.
    expect(() => exactlyOne(tenantKind, { name: "Fabri" }, tenants)).toThrow('Close matches: "Fabrikam" (id 4)');
    expect(() => exactlyOne(tenantKind, { name: "Fabrikam Inc." }, tenants)).toThrow('Close matches: "Fabrikam" (id 4)');
  });

  it("says so when no name is close, and when the list is empty", () => {
    expect(() => exactlyOne(tenantKind, { name: "Northwind" }, tenants)).toThrow('No tenant named "Northwind". No similar name among 4 tenants.');
    expect(() => exactlyOne(tenantKind, { name: "Northwind" }, [])).toThrow('No tenant named "Northwind". ImmyBot lists no tenants.');
    expect(() => exactlyOne(tenantKind, { id: 9 }, [])).toThrow(/^No tenant with id 9\.$/);
  });

  it("lists every candidate with its id when several have the name, and says how to choose", async () => {
    const twins = [...tenants, { id: 7, name: "contoso " }];
    const e = await lookupError((async () => exactlyOne(tenantKind, { name: "Contoso" }, twins))());
    expect(e.code).toBe("IMMYBOT_LOOKUP_AMBIGUOUS");
    expect(e.message).toBe('2 tenants are named "Contoso": "Contoso" (id 2), "contoso " (id 7). Pass `id` to choose one.');
    expect(e.candidates.map((c) => c.id)).toEqual([2, 7]);
  });

  it("restricts to a scope and lists same-named items outside it", () => {
    const kind: CandidateKind<Computer> = {
      noun: "computer",
      plural: "computers",
      name: (c) => c.name,
      id: (c) => c.id,
      detail: (c) => `tenant ${c.tenantId}`,
      disambiguate: () => "Pass `tenantId` or `id` to choose one.",
    };
    const computers: Computer[] = [
      { id: 10, name: "PC-01", tenantId: 2, online: true },
      { id: 11, name: "PC-01", tenantId: 4, online: false },
    ];
    const inTenant = (tenantId: number) => ({ label: `in tenant ${tenantId}`, outside: "in other tenants", test: (c: Computer) => c.tenantId === tenantId });
    expect(exactlyOne(kind, { name: "pc-01" }, computers, inTenant(4)).id).toBe(11);
    expect(() => exactlyOne(kind, { name: "PC-01" }, computers, inTenant(3))).toThrow(
      'No computer in tenant 3 named "PC-01". Computers of that name in other tenants: "PC-01" (id 10, tenant 2), "PC-01" (id 11, tenant 4). ImmyBot lists no computers in tenant 3.',
    );
  });

  it("edit distance, whole and anywhere in the text", () => {
    expect(editDistance("contso", "contoso")).toBe(1);
    expect(editDistance("contso", "contoso labs")).toBe(6);
    expect(editDistance("contso", "contoso labs", true)).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("abc", "", true)).toBe(3);
    expect(closeness("Canery", "Canary")).toBe(1);
    expect(closeness("Servers", "Canary")).toBeUndefined();
    expect(closeness("ab", "cab")).toBeUndefined(); // two letters must match exactly (as a part)
    expect(closeness("7zip", "7-Zip")).toBe(1);
    expect(closeMatches("chrome", [{ n: "Google Chrome" }, { n: "Chromium" }, { n: "Firefox" }], (x) => x.n).map((x) => x.n)).toEqual(["Google Chrome", "Chromium"]);
  });
});

describe("arguments are checked before any request", () => {
  it.each([
    ["neither name nor id", () => findTenant(client(), {}), "Tenant lookup: pass `name` (e.g. \"Contoso\") or `id` (e.g. 2)."],
    ["both", () => findTag(client(), { name: "Canary", id: 1 }), "Tag lookup: pass either `name` or `id`, not both."],
    ["an empty name", () => findComputer(client(), { name: "  " }), "Computer lookup: `name` must be a non-empty string"],
    ["a bad id", () => findTenant(client(), { id: -2 }), "Tenant lookup: `id` must be a positive integer, e.g. 2 (got -2)."],
    ["a bad software id", () => findSoftware(client(), { id: "seven" }), 'Software lookup: `id` must be a numeric id, e.g. "303" (got "seven").'],
    ["a bad scope", () => findSoftware(client(), { name: "7-Zip", scope: "global" as never }), 'Software lookup: `scope` must be "Global" or "Local" (got "global")'],
    ["a bad tenantId", () => findComputer(client(), { name: "PC", tenantId: 1.5 }), "Computer lookup: `tenantId` must be a positive integer"],
    ["no object", () => findMaintenanceTask(client(), undefined as never), "Maintenance task lookup: pass an object"],
  ])("%s", async (_, run, message) => {
    const e = await lookupError(run());
    expect(e.code).toBe("IMMYBOT_LOOKUP_ARGS");
    expect(e.message).toContain(message);
    expect(scripted.server.requests).toEqual([]);
  });
});

/** A Sieve route over `rows`: pages by `Page`/`PageSize`, a bare array, no total. */
function sieve(rows: readonly unknown[]): Reply {
  return (req, res) => {
    const page = Number(req.query.get("Page"));
    const size = Number(req.query.get("PageSize"));
    reply.json(200, rows.slice((page - 1) * size, page * size))(req, res);
  };
}

describe("tenants: Sieve pages until a short one", () => {
  it("reads three pages, stops on the short third, and finds the tenant on it", async () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ id: 100 + i, name: `Customer ${i}`, isMsp: false, active: true }));
    scripted.server.on("GET /api/v1/tenants", sieve([...many, ...tenants.slice(1)]));
    const found = await findTenant(client(), { name: "contoso labs" });
    expect(found).toEqual({ id: 3, name: "Contoso Labs", parentTenantId: 2, isMsp: false, active: true });
    const pages = apiRequests().map((r) => [r.query.get("Page"), r.query.get("PageSize")]);
    expect(pages).toEqual([
      ["1", "500"],
      ["2", "500"],
      ["3", "500"],
    ]);
  });

  it("maps a tenant by id (optional fields left out), and a 404 is 'none'", async () => {
    scripted.server
      .on("GET /api/v1/tenants/2", reply.json(200, { ...tenants[1], parentTenantId: null, ownerTenantId: 1, tenantTagIds: [] }))
      .on("GET /api/v1/tenants/99", reply.json(404, { message: "Tenant not found" }));
    expect(await findTenant(client(), { id: 2 })).toEqual({ id: 2, name: "Contoso", slug: "contoso", isMsp: false, active: true });
    const e = await lookupError(findTenant(client(), { id: 99 }));
    expect(e).toMatchObject({ code: "IMMYBOT_LOOKUP_NONE", message: "No tenant with id 99." });
    expect(apiRequests().map((r) => r.path)).toEqual(["/api/v1/tenants/2", "/api/v1/tenants/99"]);
  });

  it("an error other than 404 is the client's error, not 'none'", async () => {
    scripted.server.on("GET /api/v1/tenants/5", reply.json(403, { message: "Forbidden" }));
    const e = await caught(findTenant(client(), { id: 5 }));
    expect(e).not.toBeInstanceOf(LookupError);
    expect(e.message).toContain("403");
  });
});

/** `/computers/paged` over `rows`: `{count, results}` by skip/take, at most `cap` rows per answer. */
function computersPaged(rows: readonly unknown[], cap = Infinity): Reply {
  return (req, res) => {
    const skip = Number(req.query.get("skip") ?? 0);
    const take = Math.min(Number(req.query.get("take") ?? 50), cap);
    reply.json(200, { count: rows.length, results: rows.slice(skip, skip + take) })(req, res);
  };
}

const fleet = Array.from({ length: 1203 }, (_, i) => ({
  id: 1000 + i,
  computerName: `WS-${String(i).padStart(4, "0")}`,
  tenantId: 2 + (i % 3),
  tenantName: ["Contoso", "Contoso Labs", "Fabrikam"][i % 3],
  isOnline: i % 2 === 0,
}));
const twins = [
  { id: 7, computerName: "FRONTDESK", tenantId: 2, tenantName: "Contoso", isOnline: true },
  { id: 8, computerName: "frontdesk", tenantId: 4, tenantName: "Fabrikam", isOnline: false },
];

describe("computers: /computers/paged, skip/take until count", () => {
  it("walks skip 0, 500, 1000 to the count and filters the tenant itself", async () => {
    scripted.server.on("GET /api/v1/computers/paged", computersPaged([...fleet, ...twins]));
    const found = await findComputer(client(), { name: "FrontDesk", tenantId: 4 });
    expect(found).toEqual({ id: 8, name: "frontdesk", tenantId: 4, tenantName: "Fabrikam", online: false });
    const reqs = apiRequests();
    expect(reqs.map((r) => [r.query.get("skip"), r.query.get("take")])).toEqual([
      ["0", "500"],
      ["500", "500"],
      ["1000", "500"],
    ]);
    expect(reqs.every((r) => !r.query.has("tenantId"))).toBe(true);
  });

  it("advances by the rows received when the server caps take, and stops at count", async () => {
    scripted.server.on("GET /api/v1/computers/paged", computersPaged([...fleet.slice(0, 250), ...twins], 100));
    const found = await findComputer(client(), { name: "WS-0249" });
    expect(found.id).toBe(1249);
    expect(apiRequests().map((r) => r.query.get("skip"))).toEqual(["0", "100", "200"]);
  });

  it("several of a name in different tenants: every candidate with its tenant, pass tenantId or id", async () => {
    scripted.server.on("GET /api/v1/computers/paged", computersPaged(twins));
    const e = await lookupError(findComputer(client(), { name: "frontdesk" }));
    expect(e.message).toBe(
      '2 computers are named "frontdesk": "FRONTDESK" (id 7, tenant 2 "Contoso"), "frontdesk" (id 8, tenant 4 "Fabrikam"). Pass `tenantId` or `id` to choose one.',
    );
  });

  it("stops on an empty page even when count promises more", async () => {
    scripted.server.on("GET /api/v1/computers/paged", reply.json(200, { count: 10, results: [twins[0]] }), reply.json(200, { count: 10, results: [] }));
    expect((await findComputer(client(), { name: "FRONTDESK" })).id).toBe(7);
    expect(apiRequests()).toHaveLength(2);
  });

  it("by id: GET /computers/{id} (computerName, isOnline), checked against tenantId", async () => {
    scripted.server.on("GET /api/v1/computers/7", reply.json(200, { ...twins[0], deviceId: "d", primaryPersonId: null }));
    expect(await findComputer(client(), { id: 7 })).toEqual({ id: 7, name: "FRONTDESK", tenantId: 2, tenantName: "Contoso", online: true });
    // Without the persons ImmyBot adds by default.
    expect(Object.fromEntries(apiRequests()[0]!.query)).toEqual({ includePrimaryPerson: "false", includeAdditionalPersons: "false" });
    const e = await lookupError(findComputer(client(), { id: 7, tenantId: 4 }));
    expect(e.message).toBe('No computer in tenant 4 with id 7. Computers with that id in other tenants: "FRONTDESK" (id 7, tenant 2 "Contoso").');
  });
});

const globalSoftware = [
  { id: 303, name: "7-Zip", softwareType: 0 },
  { id: 12, name: "Google Chrome", softwareType: 0 },
];
const localSoftware = [{ id: 5, name: "Google Chrome", ownerTenantId: null }];

describe("software: unpaged /software/global and /software/local", () => {
  it("reads both scopes once each, unpaged, and returns the one match", async () => {
    scripted.server.on("GET /api/v1/software/global", reply.json(200, globalSoftware)).on("GET /api/v1/software/local", reply.json(200, localSoftware));
    expect(await findSoftware(client(), { name: "7-zip" })).toEqual({ id: "303", name: "7-Zip", scope: "Global", maintenanceType: "GlobalSoftware" });
    expect(apiRequests().map((r) => `${r.path}?${r.query}`).sort()).toEqual(["/api/v1/software/global?", "/api/v1/software/local?"]);
  });

  it("the same name in both scopes is ambiguous, with scope in the list; scope picks one", async () => {
    scripted.server.on("GET /api/v1/software/global", reply.json(200, globalSoftware)).on("GET /api/v1/software/local", reply.json(200, localSoftware));
    const e = await lookupError(findSoftware(client(), { name: "google chrome" }));
    expect(e.message).toBe(
      '2 software items are named "google chrome": "Google Chrome" (id 12, Global), "Google Chrome" (id 5, Local). ' +
        'Pass `scope` ("Global" or "Local") or `id` (with `scope`) to choose one.',
    );
    expect(e.candidates).toEqual([
      { id: "12", name: "Google Chrome", detail: "Global" },
      { id: "5", name: "Google Chrome", detail: "Local" },
    ]);
    scripted.server.reset();
    scripted.server.on("GET /api/v1/software/local", reply.json(200, localSoftware));
    expect(await findSoftware(client(), { name: "Google Chrome", scope: "Local" })).toEqual({ id: "5", name: "Google Chrome", scope: "Local", maintenanceType: "LocalSoftware" });
    expect(apiRequests().map((r) => r.path)).toEqual(["/api/v1/software/local"]);
  });

  it("by id asks both scopes; 404 in one is fine, 404 in both is 'none', found in both needs scope", async () => {
    scripted.server
      .on("GET /api/v1/software/global/303", reply.json(200, globalSoftware[0]))
      .on("GET /api/v1/software/local/303", reply.json(404, { message: "not found" }))
      .on("GET /api/v1/software/global/5", reply.json(200, { id: 5, name: "Zoom" }))
      .on("GET /api/v1/software/local/5", reply.json(200, localSoftware[0]));
    expect(await findSoftware(client(), { id: "303" })).toMatchObject({ id: "303", scope: "Global" });
    expect(await findSoftware(client(), { id: 5, scope: "Local" })).toMatchObject({ id: "5", name: "Google Chrome", scope: "Local" });
    const both = await lookupError(findSoftware(client(), { id: "5" }));
    expect(both.message).toBe('2 software items have id "5": "Zoom" (id 5, Global), "Google Chrome" (id 5, Local). Pass `scope` ("Global" or "Local") to choose one.');
    const none = await lookupError(findSoftware(client(), { id: "999" }));
    expect(none.message).toBe('No software with id "999".');
    expect(none.code).toBe("IMMYBOT_LOOKUP_NONE");
  });

  it("a close match in the Global catalog is named with its scope", async () => {
    scripted.server.on("GET /api/v1/software/global", reply.json(200, globalSoftware));
    expect(await caught(findSoftware(client(), { name: "7zip", scope: "Global" }))).toHaveProperty(
      "message",
      'No Global software named "7zip". Close matches: "7-Zip" (id 303).',
    );
  });
});

const bios = {
  id: 7,
  name: "Set BIOS password",
  databaseType: 1,
  isConfigurationTask: false,
  parameters: [
    { name: "Enforce", dataType: 2, required: false, hidden: false, order: 2 },
    { name: "AdminPassword", dataType: 4, required: true, hidden: false, order: 1 },
    { name: "Internal", dataType: "Text", required: false, hidden: true, order: 3 },
  ],
};

describe("maintenance tasks: Sieve /maintenance-tasks/{global,local}, then the task itself", () => {
  it("pages both scopes, then GETs the match for its parameters (types by name, in order)", async () => {
    const globals = Array.from({ length: 500 }, (_, i) => ({ id: i + 1, name: `Global task ${i}`, databaseType: 0 }));
    scripted.server
      .on("GET /api/v1/maintenance-tasks/global", sieve(globals))
      .on("GET /api/v1/maintenance-tasks/local", sieve([{ id: 7, name: "Set BIOS password", databaseType: 1 }]))
      .on("GET /api/v1/maintenance-tasks/local/7", reply.json(200, bios));
    expect(await findMaintenanceTask(client(), { name: "set bios password" })).toEqual({
      id: "7",
      name: "Set BIOS password",
      scope: "Local",
      maintenanceType: "LocalMaintenanceTask",
      isConfigurationTask: false,
      parameters: [
        { name: "AdminPassword", type: "Password", required: true, hidden: false },
        { name: "Enforce", type: "Boolean", required: false, hidden: false },
        { name: "Internal", type: "Text", required: false, hidden: true },
      ],
    });
    const paths = apiRequests().map((r) => `${r.path} ${r.query.get("Page") ?? ""}`.trim());
    expect(paths.sort()).toEqual([
      "/api/v1/maintenance-tasks/global 1",
      "/api/v1/maintenance-tasks/global 2", // a full page of 500 asks for the next one
      "/api/v1/maintenance-tasks/local 1",
      "/api/v1/maintenance-tasks/local/7",
    ]);
  });

  it("by id with scope: one GET; 404 is 'none'", async () => {
    scripted.server.on("GET /api/v1/maintenance-tasks/local/7", reply.json(200, bios)).on("GET /api/v1/maintenance-tasks/global/7", reply.json(404, {}));
    expect(await findMaintenanceTask(client(), { id: "7", scope: "Local" })).toMatchObject({ id: "7", scope: "Local", parameters: expect.any(Array) });
    expect(apiRequests()).toHaveLength(1);
    expect((await lookupError(findMaintenanceTask(client(), { id: 7, scope: "Global" }))).message).toBe('No Global maintenance task with id "7".');
  });
});

describe("tags: unpaged /tags", () => {
  it("one request, case-insensitive match, close matches on a typo", async () => {
    scripted.server.on("GET /api/v1/tags", reply.json(200, [{ id: 1, name: "Canary", color: "#ff0" }, { id: 2, name: "Servers" }]));
    expect(await findTag(client(), { name: "canary" })).toEqual({ id: 1, name: "Canary" });
    expect(apiRequests()).toHaveLength(1);
    expect((await lookupError(findTag(client(), { name: "Server" }))).message).toBe('No tag named "Server". Close matches: "Servers" (id 2).');
  });

  it("by id: GET /tags/{id}; 404 is 'none'", async () => {
    scripted.server.on("GET /api/v1/tags/2", reply.json(200, { id: 2, name: "Servers", description: null })).on("GET /api/v1/tags/3", reply.json(404, {}));
    expect(await findTag(client(), { id: 2 })).toEqual({ id: 2, name: "Servers" });
    expect((await lookupError(findTag(client(), { id: 3 }))).message).toBe("No tag with id 3.");
  });

  it("an answer that is not a list is an error that names the route", async () => {
    scripted.server.on("GET /api/v1/tags", reply.json(200, { data: [] }));
    expect((await caught(findTag(client(), { name: "Canary" }))).message).toContain("GET /api/v1/tags did not answer a list");
  });
});
