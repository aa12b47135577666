/**
 * The sandbox's lookup routes over real HTTP on 127.0.0.1, each in its real route's paging style (Sieve for
 * tenants and tasks, a `pageSize` ceiling without page 2 for `/computers`, skip/take with a count for
 * `/computers/paged`, unpaged software and tags), 404s, and the seed: built in, from a file or an object,
 * through the CLI, and refused with a message when it is broken.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { Sandbox, SeedError, type SandboxOptions, type SeedData } from "../../sandbox/server";
import { useSandboxCli } from "../helpers/sandbox-cli";
import { api, expectJsonOk, tokenFor, useSandboxes, type Answer } from "../helpers/sandbox-http";
import { useTempDir } from "../helpers/temp-dir";

const REPO = resolve(__dirname, "../..");
const API = "/api/v1";

const start = useSandboxes();



type Get = (path: string) => Promise<Answer>;

async function ready(options: SandboxOptions = {}): Promise<{ sandbox: Sandbox; get: Get; call: (method: string, path: string, body?: unknown) => Promise<Answer> }> {
  const sandbox = await start(options);
  const token = await tokenFor(sandbox.info);
  return { sandbox, get: (path) => api(sandbox.info.baseUrl, token, "GET", path), call: (method, path, body) => api(sandbox.info.baseUrl, token, method, path, body) };
}

async function ok(answer: Promise<Answer>): Promise<any> {
  const a = await answer;
  expectJsonOk(a);
  return a.json;
}

const ids = (rows: { id: number }[]): number[] => rows.map((r) => r.id);
const names = (rows: { name: string }[]): string[] => rows.map((r) => r.name);

async function expect400(answer: Promise<Answer>, field: string, message: RegExp): Promise<void> {
  const a = await answer;
  expect(a.status, a.text).toBe(400);
  expect(a.json.errors[field].join("\n")).toMatch(message);
}

async function expect404(answer: Promise<Answer>): Promise<void> {
  const a = await answer;
  expect(a.status, a.text).toBe(404);
  expect(a.json).toMatchObject({ title: "Not Found", status: 404 });
}

describe("tenants (Sieve)", () => {
  it("lists the seeded tenants as a bare array, MSP first", async () => {
    const { get } = await ready();
    const tenants = await ok(get(`${API}/tenants`));
    expect(tenants.map((t: any) => [t.id, t.name, t.isMsp, t.parentTenantId])).toEqual([
      [1, "Northwind IT", true, null],
      [2, "Contoso", false, null],
      [3, "Contoso Labs", false, 2],
      [4, "Fabrikam", false, null],
    ]);
    expect(tenants[1]).toMatchObject({ slug: "contoso", active: true, ownerTenantId: 1, tenantTagIds: [1], tenantTagNames: ["Canary"], markedForDeletionAtUtc: null });
  });

  it("pages, filters and sorts like any Sieve list", async () => {
    const { get } = await ready();
    expect(ids(await ok(get(`${API}/tenants?Page=2&PageSize=3`)))).toEqual([4]);
    expect(ids(await ok(get(`${API}/tenants?Filters=name==Contoso`)))).toEqual([2]);
    expect(ids(await ok(get(`${API}/tenants?Filters=name@=Contoso`)))).toEqual([2, 3]);
    expect(ids(await ok(get(`${API}/tenants?Filters=name==*contoso labs`)))).toEqual([3]);
    expect(ids(await ok(get(`${API}/tenants?Filters=name==contoso`)))).toEqual([]); // == is case-sensitive without *
    expect(ids(await ok(get(`${API}/tenants?Filters=isMsp==false,parentTenantId==null`)))).toEqual([2, 4]);
    expect(ids(await ok(get(`${API}/tenants?Filters=(name|slug)_=fab`)))).toEqual([4]);
    expect(names(await ok(get(`${API}/tenants?Sorts=-name&PageSize=2`)))).toEqual(["Northwind IT", "Fabrikam"]);
    await expect400(get(`${API}/tenants?Filters=domain==contoso.com`), "Filters", /cannot filter by "domain"/);
    await expect400(get(`${API}/tenants?Page=0`), "Page", /between 1 and 2147483647/);
    await expect400(get(`${API}/tenants?Filters=id@=1`), "Filters", /@= only applies to text; id is a whole number/);
  });

  it("gets one by id; 404 when there is none, 400 when the id is not a number", async () => {
    const { get } = await ready();
    expect(await ok(get(`${API}/tenants/3`))).toMatchObject({ id: 3, name: "Contoso Labs", parentTenantId: 2, ownerTenantId: 1, isMsp: false });
    await expect404(get(`${API}/tenants/99`));
    await expect400(get(`${API}/tenants/contoso`), "id", /The value 'contoso' is not valid/);
  });
});

describe("computers", () => {
  it("GET /computers: ComputerSearch rows, name contains (any case), tenantId", async () => {
    const { get } = await ready();
    const all = await ok(get(`${API}/computers`));
    expect(all).toHaveLength(13);
    expect(all[6]).toEqual({ id: 7, name: "CONTOSO-LT014", tenant: "Contoso", tenantId: 2, online: false, updatedDate: "2025-04-11T16:20:00Z", excludeFromMaintenance: false });
    expect(ids(await ok(get(`${API}/computers?name=contoso`)))).toEqual([3, 4, 5, 6, 7, 8]);
    expect(ids(await ok(get(`${API}/computers?name=-lt`)))).toEqual([7, 8, 13]);
    expect(ids(await ok(get(`${API}/computers?tenantId=3`)))).toEqual([9, 10]);
    expect(ids(await ok(get(`${API}/computers?name=dc0&tenantId=2`)))).toEqual([3, 4]);
  });

  it("GET /computers: pageSize (default 25) is a ceiling and there is no page 2", async () => {
    const { get } = await ready();
    expect(ids(await ok(get(`${API}/computers?pageSize=5`)))).toEqual([1, 2, 3, 4, 5]);
    expect(ids(await ok(get(`${API}/computers?pageSize=5&page=2`)))).toEqual([1, 2, 3, 4, 5]);
    expect(ids(await ok(get(`${API}/computers?pageSize=5&skip=5`)))).toEqual([1, 2, 3, 4, 5]);
    expect(await ok(get(`${API}/computers?pageSize=0`))).toEqual([]);
    expect(ids(await ok(get(`${API}/computers?orderByUpdatedDate=true&pageSize=3`)))).toEqual([10, 8, 6]); // most recently updated first
    await expect400(get(`${API}/computers?pageSize=lots`), "pageSize", /The value 'lots' is not valid/);
  });

  it("GET /computers/paged: {count, results} with skip/take; count is the total before paging", async () => {
    const { get } = await ready();
    const first = await ok(get(`${API}/computers/paged`));
    expect(first.count).toBe(13);
    expect(first.results).toHaveLength(13);
    expect(first.results[5]).toMatchObject({ id: 6, computerName: "CONTOSO-WS001", tenantName: "Contoso", isOnline: true, primaryUserFirstName: "Megan", computerTagIds: [1], onboardingStatus: 2, chassisTypes: [3] });
    const page = await ok(get(`${API}/computers/paged?skip=10&take=5`));
    expect([page.count, ids(page.results)]).toEqual([13, [11, 12, 13]]);
    // Walking the pages the way a client must: skip by what arrived, until count.
    const seen: number[] = [];
    for (let skip = 0; ; ) {
      const { count, results } = await ok(get(`${API}/computers/paged?skip=${skip}&take=4`));
      seen.push(...ids(results));
      skip += results.length;
      if (skip >= count) break;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it("GET /computers/paged: filter, tenantId, includeOffline, onboardingOnly and sort", async () => {
    const { get } = await ready();
    const paged = async (query: string) => {
      const body = await ok(get(`${API}/computers/paged?${query}`));
      expect(body.count).toBe(body.results.length);
      return ids(body.results);
    };
    expect(await paged("filter=contoso")).toEqual([3, 4, 5, 6, 7, 8, 9, 10]); // the tenant name matches too: "Contoso Labs"
    expect(await paged("filter=megan")).toEqual([6]); // the primary user
    expect(await paged("tenantId=4")).toEqual([11, 12, 13]);
    expect(await paged("includeOffline=false&tenantId=2")).toEqual([3, 4, 5, 6, 8]);
    expect(await paged("onboardingOnly=true")).toEqual([10]);
    expect(await paged("deletedOnly=true")).toEqual([]);
    expect(await paged("sort=computerName&sortDesc=false&tenantId=4")).toEqual([11, 13, 12]);
    expect(await paged("sort=computerName&tenantId=4")).toEqual([12, 13, 11]); // sortDesc defaults to true
    await expect400(get(`${API}/computers/paged?sort=ram`), "sort", /cannot sort by "ram"/);
    await expect400(get(`${API}/computers/paged?take=x`), "take", /not valid/);
    await expect400(get(`${API}/computers/paged?includeOffline=maybe`), "includeOffline", /not valid/);
  });

  it("GET /computers/{id}: the detail names the computer `computerName`, with its tenant and device class", async () => {
    const { get } = await ready();
    const dc = await ok(get(`${API}/computers/3`));
    expect(dc).toMatchObject({ id: 3, computerName: "CONTOSO-DC01", tenantId: 2, tenantName: "Contoso", isOnline: true, isServer: true, isDomainController: true, isPortable: false, isDesktop: false, onboardingStatus: 2, tenant: { id: 2, name: "Contoso" } });
    expect(dc).not.toHaveProperty("name");
    const laptop = await ok(get(`${API}/computers/7`));
    expect(laptop).toMatchObject({ isOnline: false, isPortable: true, primaryPersonId: 3, primaryPerson: { firstName: "Alex", lastName: "Wilber", emailAddress: "alex.wilber@contoso.example" }, sessions: null });
    expect(await ok(get(`${API}/computers/7?includePrimaryPerson=false&includeSessions=true`))).toMatchObject({ primaryPersonId: 3, sessions: [] });
    expect(await ok(get(`${API}/computers/7?includePrimaryPerson=false`))).not.toHaveProperty("primaryPerson");
    await expect404(get(`${API}/computers/99`));
    await expect400(get(`${API}/computers/abc`), "computerId", /not valid/);
  });
});

describe("software (unpaged)", () => {
  it("lists global and local software; Google Chrome is in both scopes", async () => {
    const { get } = await ready();
    const global = await ok(get(`${API}/software/global`));
    expect(global.map((s: any) => [s.id, s.name])).toEqual([
      [114, "Google Chrome"],
      [118, "Mozilla Firefox"],
      [155, "Adobe Acrobat Reader"],
      [303, "7-Zip"],
    ]);
    const local = await ok(get(`${API}/software/local`));
    expect(local.map((s: any) => [s.id, s.name])).toEqual([
      [1, "Google Chrome"],
      [2, "Contoso Line-of-Business App"],
    ]);
    expect(ids(await ok(get(`${API}/software/global?include=softwareVersions&Page=2&PageSize=1`)))).toHaveLength(4); // no paging here
  });

  it("gets one by its string identifier, with versions and its configuration task", async () => {
    const { get } = await ready();
    const sevenZip = await ok(get(`${API}/software/global/303`));
    expect(sevenZip).toMatchObject({ id: 303, identifier: "303", name: "7-Zip", softwareType: 0, maintenanceTaskId: null });
    expect(sevenZip.softwareVersions.map((v: any) => v.semanticVersionString)).toEqual(["23.01", "24.07", "24.08"]);
    expect(sevenZip.softwareVersions[2]).toMatchObject({ displayVersion: "24.08", softwareId: 303, semanticVersion: { major: 24, minor: 8, patch: 0 } });
    expect(await ok(get(`${API}/software/local/2`))).toMatchObject({ name: "Contoso Line-of-Business App", softwareType: 1, ownerTenantId: 2, maintenanceTaskId: 9, maintenanceTaskType: 1, tenantSoftware: [2] });
    await expect404(get(`${API}/software/global/2`)); // a local id
    await expect404(get(`${API}/software/local/303`));
    await expect404(get(`${API}/software/global/7-zip`)); // a string key: not found, not a 400
  });
});

describe("maintenance tasks (Sieve)", () => {
  it("lists global and local tasks with their parameters", async () => {
    const { get } = await ready();
    expect(names(await ok(get(`${API}/maintenance-tasks/global`)))).toEqual(["Enable BitLocker", "Set Time Zone", "Disable Windows Consumer Features", "Microsoft 365 Tenant Baseline"]);
    const local = await ok(get(`${API}/maintenance-tasks/local`));
    expect(local.map((t: any) => [t.id, t.name, t.isConfigurationTask, t.databaseType])).toEqual([
      [7, "Set BIOS password", false, 1],
      [8, "Map network drives", false, 1],
      [9, "Configure Contoso Line-of-Business App", true, 1],
      [10, "Rename computer to naming standard", false, 1],
    ]);
    expect(ids(await ok(get(`${API}/maintenance-tasks/local?Filters=isConfigurationTask==true`)))).toEqual([9]);
    expect(ids(await ok(get(`${API}/maintenance-tasks/local?Filters=name@=*bios`)))).toEqual([7]);
    expect(ids(await ok(get(`${API}/maintenance-tasks/global?Filters=maintenanceTaskCategory==Tenant`)))).toEqual([30]);
    expect(ids(await ok(get(`${API}/maintenance-tasks/local?Sorts=-id&Page=1&PageSize=2`)))).toEqual([10, 9]);
    await expect400(get(`${API}/maintenance-tasks/global?PageSize=0`), "PageSize", /between 1/);
  });

  it("gets one by id: task 7 has a Password and a Boolean parameter", async () => {
    const { get } = await ready();
    const bios = await ok(get(`${API}/maintenance-tasks/local/7`));
    expect(bios).toMatchObject({ id: 7, name: "Set BIOS password", databaseType: 1, maintenanceTaskCategory: 0, isConfigurationTask: false, onboardingOnly: false });
    expect(bios.parameters).toEqual([
      { id: 701, maintenanceTaskId: 7, name: "AdminPassword", dataType: 4, required: true, defaultValue: null, selectableValues: null, hidden: false, order: 0, notes: null },
      { id: 702, maintenanceTaskId: 7, name: "Enforce", dataType: 2, required: false, defaultValue: "false", selectableValues: null, hidden: false, order: 1, notes: null },
    ]);
    expect((await ok(get(`${API}/maintenance-tasks/global/12`))).parameters[0]).toMatchObject({ name: "EncryptionMethod", dataType: 3, selectableValues: ["XtsAes128", "XtsAes256"] });
    await expect404(get(`${API}/maintenance-tasks/global/7`));
    await expect400(get(`${API}/maintenance-tasks/local/seven`), "id", /not valid/);
  });
});

describe("tags (unpaged)", () => {
  it("lists, filters by name and caps with pageSize; gets one by id", async () => {
    const { get } = await ready();
    expect(await ok(get(`${API}/tags`))).toEqual([
      { id: 1, name: "Canary", description: "Gets changes first, a week before everyone else", color: "#f59e0b" },
      { id: 2, name: "Servers", description: "Managed servers (patched in the weekend window)", color: "#2563eb" },
    ]);
    expect(names(await ok(get(`${API}/tags?name=CAN`)))).toEqual(["Canary"]);
    expect(names(await ok(get(`${API}/tags?pageSize=1`)))).toEqual(["Canary"]);
    expect(await ok(get(`${API}/tags/2`))).toMatchObject({ id: 2, name: "Servers" });
    await expect404(get(`${API}/tags/3`));
  });
});

describe("routes and auth", () => {
  it("checks the token on every lookup route", async () => {
    const sandbox = await start();
    for (const path of [
      "/tenants", "/tenants/1", "/computers", "/computers/paged", "/computers/1", "/software/global", "/software/global/303",
      "/software/local", "/software/local/1", "/maintenance-tasks/global", "/maintenance-tasks/global/12", "/maintenance-tasks/local",
      "/maintenance-tasks/local/7", "/tags", "/tags/1",
    ]) {
      expect((await api(sandbox.info.baseUrl, null, "GET", API + path)).status, path).toBe(401);
    }
  });

  it("leaves the real API's other routes beside {id} unknown (the SPA), not bad ids", async () => {
    const { get } = await ready();
    for (const path of ["/computers/dx", "/computers/inventory", "/tenants/software-from-inventory", "/tenants/bulk-create"]) {
      const answer = await get(API + path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get("content-type"), path).toBe("text/html; charset=utf-8");
    }
  });

  it("is read-only: other verbs answer 405", async () => {
    const { call } = await ready();
    expect((await call("POST", `${API}/tenants`, {})).status).toBe(405);
    expect((await call("PUT", `${API}/computers/1`, {})).headers.get("allow")).toBe("GET");
    expect((await call("DELETE", `${API}/software/global/303`)).status).toBe(405);
  });
});

/** A small seed of its own: one tenant, one computer, one software, one task with a secret parameter, one tag. */
const tinySeed: SeedData = {
  tenants: [{ id: 10, name: "Tailspin Toys" }],
  tags: [{ id: 5, name: "Kiosk" }],
  computers: [{ id: 100, name: "TAIL-KIOSK1", tenantId: 10, kind: "Workstation", tagIds: [5] }],
  software: { global: [{ id: 900, name: "Notepad++", versions: ["8.6.9"] }] },
  maintenanceTasks: { local: [{ id: 50, name: "Set kiosk PIN", parameters: [{ name: "Pin", dataType: "Password", required: true }] }] },
};

describe("the seed", () => {
  const tempPath = useTempDir("immybot-sandbox-seed-");

  it("is built in, from sandbox/default-seed.json", async () => {
    const sandbox = await start();
    expect(sandbox.seed()).toEqual(JSON.parse(readFileSync(join(REPO, "sandbox/default-seed.json"), "utf8")));
  });

  it("replaces the built-in one from a JSON file: lookups and deployment checks use it, sections left out are empty", async () => {
    const file = tempPath("tiny.json");
    writeFileSync(file, JSON.stringify(tinySeed));
    const { get, call } = await ready({ seed: file });
    expect(names(await ok(get(`${API}/tenants`)))).toEqual(["Tailspin Toys"]);
    expect(await ok(get(`${API}/computers/100`))).toMatchObject({ computerName: "TAIL-KIOSK1", tenant: { name: "Tailspin Toys" }, deviceId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(await ok(get(`${API}/software/local`))).toEqual([]);
    expect(await ok(get(`${API}/maintenance-tasks/global`))).toEqual([]);
    expect((await ok(get(`${API}/maintenance-tasks/local/50`))).parameters[0]).toMatchObject({ id: 5001, name: "Pin", dataType: 4 });

    const deployment = {
      maintenanceType: 5, // LocalMaintenanceTask
      maintenanceIdentifier: "50",
      targetType: 30, // Tag
      target: "5",
      targetEnforcement: 1, // Required
      softwareProviderType: 3, // Inherent
      taskParameterValues: { Pin: { value: "2468", allowOverride: false, requiresOverride: false } },
    };
    expect(await ok(call("POST", `${API}/target-assignments`, deployment))).toMatchObject({ targetText: "Tag: Kiosk", taskParameterValues: { Pin: { value: "2468" } } });
    const gone = await call("POST", `${API}/target-assignments`, { ...deployment, maintenanceIdentifier: "7" });
    expect(gone.json.errors.MaintenanceIdentifier[0]).toMatch(/no local maintenance task with id "7"/);
    expect(ids(await ok(call("POST", `${API}/target-assignments/target-preview`, { targetType: 30, target: "5" })))).toEqual([100]);
  });

  it("takes the seed as an object, and hands back a copy", async () => {
    const sandbox = await start({ seed: tinySeed });
    const copy = sandbox.seed();
    expect(copy).toEqual(tinySeed);
    copy.tenants!.length = 0;
    expect(sandbox.seed().tenants).toHaveLength(1);
  });

  it("shows deployments whose target left the seed as missing, after a restart with another seed", async () => {
    const stateFile = tempPath("state-seed-swap.json");
    const first = await ready({ stateFile });
    const created = await ok(first.call("POST", `${API}/target-assignments`, { maintenanceType: 0, maintenanceIdentifier: "303", desiredSoftwareState: 5, targetType: 2, target: "6", tenantId: 2, targetEnforcement: 1, softwareProviderType: 3 }));
    expect(created).toMatchObject({ targetMissing: false, tenantMissing: false, targetName: "CONTOSO-WS001" });
    await first.sandbox.stop();
    const second = await start({ stateFile, seed: tinySeed });
    expect(second.deployment(created.id)).toMatchObject({ targetMissing: true, tenantMissing: true, targetName: null, targetText: "Computer: 6" });
  });

  it.each([
    ["a reference to a tenant that is not there", { tenants: [{ id: 1, name: "A" }], computers: [{ id: 1, name: "PC", tenantId: 2, kind: "Laptop" }] }, /computer 1: tenantId 2 is not in tenants/],
    ["a tag that is not there", { tenants: [{ id: 1, name: "A", tagIds: [9] }] }, /tenant 1: tag 9 is not in tags/],
    ["an id used twice", { tags: [{ id: 1, name: "A" }, { id: 1, name: "B" }] }, /tags: id 1 is used twice/],
    ["a configuration task that is not one", { software: { global: [{ id: 1, name: "X", configurationTaskId: 2 }] }, maintenanceTasks: { global: [{ id: 2, name: "T" }] } }, /task 2 "T" is its configuration task but has isConfigurationTask false/],
    ["a device class it does not know", { computers: [{ id: 1, name: "PC", tenantId: 1, kind: "Tablet" }] }, /computers\[0\]\.kind/],
    ["a version that is not one", { software: { local: [{ id: 1, name: "X", versions: ["latest"] }] } }, /"latest" is not a version/],
    ["a key it does not know", { tenant: [] }, /Unrecognized key: "tenant"/],
    ["a global deployment of an item not in the global catalog", { globalDeployments: [{ id: 1, maintenanceIdentifier: "303" }] }, /global deployment 1: software\.global has no id 303/],
  ])("refuses %s, naming the problem", async (_what, seed, message) => {
    await expect(Sandbox.start({ seed: seed as SeedData })).rejects.toThrow(SeedError);
    await expect(Sandbox.start({ seed: seed as SeedData })).rejects.toThrow(message);
  });

  it("refuses a seed file that is missing or not JSON", async () => {
    await expect(Sandbox.start({ seed: tempPath("nope.json") })).rejects.toThrow(/cannot read the seed file .*nope\.json/);
    const broken = tempPath("broken.json");
    writeFileSync(broken, "{ tenants: ");
    await expect(Sandbox.start({ seed: broken })).rejects.toThrow(/seed file .*broken\.json is not valid JSON/);
  });
});

describe("CLI --seed-file", () => {
  const cli = useSandboxCli();
  const tempPath = useTempDir("immybot-sandbox-cli-seed-");

  it("serves the file's data (compiled code finds the built-in seed too)", async () => {
    const file = tempPath("tiny.json");
    writeFileSync(file, JSON.stringify(tinySeed));
    const { info, nextLine, stop } = await cli.start(["--seed-file", file]);
    const described: string[] = [];
    for (let i = 0; i < 8; i++) described.push(await nextLine());
    expect(described.join("\n")).toMatch(/seed: .*tiny\.json: 1 tenants, 1 computers, 1 software, 1 tasks, 1 tags/);
    const token = await tokenFor(info);
    expect((await api(info.baseUrl, token, "GET", `${API}/tenants`)).json.map((t: any) => t.name)).toEqual(["Tailspin Toys"]);
    expect(await stop()).toBe(0);

    const builtIn = await cli.start([]);
    expect((await api(builtIn.info.baseUrl, await tokenFor(builtIn.info), "GET", `${API}/tenants/2`)).json.name).toBe("Contoso");
    expect(await builtIn.stop()).toBe(0);
  });

  it("exits 3 (could not finish) with the seed's problems when the file is broken", async () => {
    const file = tempPath("bad.json");
    writeFileSync(file, JSON.stringify({ computers: [{ id: 1, name: "PC", tenantId: 7, kind: "Server" }] }));
    const { exit, stderr } = cli.launch(["--seed-file", file]);
    expect(await exit).toBe(3);
    expect(stderr()).toMatch(/^pulumi-immybot sandbox: the seed file .*bad\.json is not a valid sandbox seed:\n✖ computer 1: tenantId 7 is not in tenants/);
  });
});
