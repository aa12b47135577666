/**
 * The lookup routes against ImmyBot's own OpenAPI spec (May 2025, the committed subset): every JSON 200 body of
 * every seeded item must validate.
 *
 * Two families are untyped in the spec (their 200 has no content): `/maintenance-tasks/{global,local}[/{id}]`
 * and `/tags[/{tagId}]`. For those the test checks that the spec still documents no body (so it notices when a
 * newer spec types them), and validates what the spec does have: the `MaintenanceTask` and `Tag` entity schemas.
 */
import { describe, expect, it } from "vitest";
import { expectJsonOk } from "../helpers/sandbox-http";
import { useSpecSandbox } from "../helpers/spec-sandbox";

const { spec, call, expectSpecBody, sandbox } = useSpecSandbox();
/** The ids of rows, ascending; the seed's must not be empty (the loops over the answers would check nothing). */
const ids = (rows: readonly { id: number }[] | undefined) => {
  expect(rows?.length, "the seed has none").toBeGreaterThan(0);
  return rows!.map((r) => r.id).sort((a, b) => a - b);
};
const API = "/api/v1";
const get = (path: string) => call("GET", path);

/** A 200 JSON answer whose body the spec accepts for `GET template`; returns the body. */
async function specBody(path: string, template: string): Promise<any> {
  return expectSpecBody(await get(path), "GET", template, path);
}

/** A 200 JSON answer of an untyped route, checked against a spec schema by name; returns the body. */
async function schemaBody(path: string, template: string, schema: string, list: boolean): Promise<any> {
  expect(spec.responseSchema("GET", template), `${template} got a typed body in the spec; validate against it`).toBeUndefined();
  const answer = await get(path);
  expectJsonOk(answer);
  const items: unknown[] = list ? answer.json : [answer.json];
  expect(Array.isArray(items)).toBe(true);
  expect(items.length, `${path} answered no item to check`).toBeGreaterThan(0);
  for (const item of items) expect(spec.validateSchema(schema, item).errors, path).toEqual([]);
  return answer.json;
}

describe("typed lookup responses validate against the spec", () => {
  it("GET /tenants (plain, filtered, paged) and /tenants/{id} for every tenant", async () => {
    const tenants = await specBody(`${API}/tenants`, `${API}/tenants`);
    await specBody(`${API}/tenants?Filters=isMsp==false&Sorts=-name&Page=1&PageSize=2`, `${API}/tenants`);
    expect(ids(tenants)).toEqual(ids(sandbox().seed().tenants));
    for (const t of tenants) await specBody(`${API}/tenants/${t.id}`, `${API}/tenants/{id}`);
  });

  it("GET /computers with and without its filters", async () => {
    for (const query of ["", "?name=contoso", "?tenantId=4&pageSize=2", "?orderByUpdatedDate=true", "?name=nothing-matches"]) {
      await specBody(`${API}/computers${query}`, `${API}/computers`);
    }
  });

  it("GET /computers/paged with and without its filters", async () => {
    for (const query of ["", "?skip=3&take=4", "?filter=fab&sort=computerName&sortDesc=false", "?includeOffline=false&onboardingOnly=true", "?deletedOnly=true"]) {
      await specBody(`${API}/computers/paged${query}`, `${API}/computers/paged`);
    }
  });

  it("GET /computers/{computerId} for every computer, with each include option", async () => {
    const rows = await specBody(`${API}/computers`, `${API}/computers`);
    expect(rows.length).toBeGreaterThan(10);
    for (const c of rows) await specBody(`${API}/computers/${c.id}`, `${API}/computers/{computerId}`);
    await specBody(`${API}/computers/7?includeSessions=true&includeProviderAgents=true&includePrimaryPerson=false&includeAdditionalPersons=false`, `${API}/computers/{computerId}`);
  });

  it.each(["global", "local"])("GET /software/%s and each item by its identifier", async (scope) => {
    const list = await specBody(`${API}/software/${scope}`, `${API}/software/${scope}`);
    expect(list.length).toBeGreaterThan(0);
    for (const s of list) await specBody(`${API}/software/${scope}/${s.identifier}`, `${API}/software/${scope}/{softwareIdentifier}`);
  });
});

describe("untyped lookup responses validate against the spec's entities", () => {
  it.each(["global", "local"])("GET /maintenance-tasks/%s (Sieve) and each task, as the MaintenanceTask entity", async (scope) => {
    const list = await schemaBody(`${API}/maintenance-tasks/${scope}`, `${API}/maintenance-tasks/${scope}`, "MaintenanceTask", true);
    await schemaBody(`${API}/maintenance-tasks/${scope}?Sorts=-name&PageSize=2`, `${API}/maintenance-tasks/${scope}`, "MaintenanceTask", true);
    const seeded = sandbox().seed().maintenanceTasks?.[scope as "global" | "local"] ?? [];
    expect(ids(list)).toEqual(ids(seeded));
    let parameters = 0;
    for (const t of list) {
      const task = await schemaBody(`${API}/maintenance-tasks/${scope}/${t.id}`, `${API}/maintenance-tasks/${scope}/{id}`, "MaintenanceTask", false);
      // What the API notes list for a task, which the entity schema does not require.
      expect(Object.keys(task)).toEqual(expect.arrayContaining(["id", "name", "databaseType", "maintenanceTaskCategory", "isConfigurationTask", "onboardingOnly", "parameters"]));
      for (const p of task.parameters) {
        expect(Object.keys(p)).toEqual(expect.arrayContaining(["id", "name", "dataType", "required", "defaultValue", "selectableValues", "hidden", "order"]));
        parameters++;
      }
    }
    // Some tasks have none, but every seeded parameter was checked.
    expect(parameters).toBe(seeded.reduce((n, t) => n + (t.parameters?.length ?? 0), 0));
    expect(parameters).toBeGreaterThan(0);
  });

  it("GET /tags and each tag, as the Tag entity", async () => {
    const tags = await schemaBody(`${API}/tags`, `${API}/tags`, "Tag", true);
    await schemaBody(`${API}/tags?name=serv&pageSize=1`, `${API}/tags`, "Tag", true);
    expect(ids(tags)).toEqual(ids(sandbox().seed().tags));
    for (const t of tags) {
      expect(Object.keys(await schemaBody(`${API}/tags/${t.id}`, `${API}/tags/{tagId}`, "Tag", false)).sort()).toEqual(["color", "description", "id", "name"]);
    }
  });
});

describe("the spec check can fail", () => {
  it("rejects a computer detail with `name` instead of `computerName`, and a search row without its tenant", async () => {
    const detail = (await get(`${API}/computers/3`)).json;
    const { computerName, ...renamed } = detail;
    expect(spec.validateResponse("GET", `${API}/computers/{computerId}`, { ...renamed, name: computerName }).errors.join("\n")).toMatch(/additional properties \(name\)/);
    const [row] = (await get(`${API}/computers?pageSize=1`)).json;
    const { tenant: _tenant, ...withoutTenant } = row;
    expect(spec.validateResponse("GET", `${API}/computers`, [withoutTenant]).errors.join("\n")).toMatch(/must have required property 'tenant'/);
  });

  it("rejects /computers/paged as a bare array, and a tenant with an enum-like name for its id", async () => {
    const page = (await get(`${API}/computers/paged`)).json;
    expect(spec.validateResponse("GET", `${API}/computers/paged`, page.results).valid).toBe(false);
    expect(spec.validateResponse("GET", `${API}/tenants/{id}`, { id: "2", name: "Contoso" }).errors.join("\n")).toMatch(/\/id: must be integer/);
  });

  it("rejects a task parameter whose defaultValue is not text, and a tag with a field the entity lacks", () => {
    const task = { id: 7, name: "Set BIOS password", parameters: [{ id: 702, name: "Enforce", dataType: 2, defaultValue: false }] };
    expect(spec.validateSchema("MaintenanceTask", task).errors.join("\n")).toMatch(/\/parameters\/0\/defaultValue: must be string,null/);
    expect(spec.validateSchema("Tag", { id: 1, name: "Canary", colour: "#fff" }).errors.join("\n")).toMatch(/additional properties \(colour\)/);
  });
});
