/**
 * Lookups against the sandbox's lookup routes and seed data (tenants MSP 1, "Contoso" 2, "Contoso Labs" 3,
 * "Fabrikam" 4; computers; software incl. Global 7-Zip 303 and "Google Chrome" in both scopes; Local task 7
 * "Set BIOS password"; tags "Canary" 1, "Servers" 2): each lookup by name and by id, none with close matches,
 * several with every candidate, and the SDK functions a program calls (settings from IMMYBOT_* variables).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImmyBotClient, closeAll, resolveSettings } from "../../provider/client";
import { LookupError, findComputer, findMaintenanceTask, findSoftware, findTag, findTenant, type Computer } from "../../provider/lookups";
import { Sandbox, type SeedData } from "../../sandbox/server";
import { getComputer, getMaintenanceTask, getSoftware, getSoftwareOutput, getTag, getTenant, getTenantOutput } from "../../sdk/lookups";
import { caught } from "../helpers/scripted-server";

let sandbox: Sandbox;
let client: ImmyBotClient;
/** Every seeded computer, as the lookup maps it. */
let computers: Computer[];
const env = ["IMMYBOT_BASE_URL", "IMMYBOT_TOKEN_URL", "IMMYBOT_CLIENT_ID", "IMMYBOT_CLIENT_SECRET"] as const;
const savedEnv = Object.fromEntries(env.map((k) => [k, process.env[k]]));

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0 });
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  const config: Record<string, string> = {
    "immybot:baseUrl": baseUrl,
    "immybot:tokenUrl": tokenUrl,
    "immybot:clientId": clientId,
    "immybot:clientSecret": clientSecret,
  };
  client = new ImmyBotClient(resolveSettings((k) => config[k], {}));
  // The SDK reads stack config, then IMMYBOT_* variables: a program run with only the variables set.
  Object.assign(process.env, { IMMYBOT_BASE_URL: baseUrl, IMMYBOT_TOKEN_URL: tokenUrl, IMMYBOT_CLIENT_ID: clientId, IMMYBOT_CLIENT_SECRET: clientSecret });
  pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: () => ({}) }, "immybot-test", "dev", true);
  const page = await client.get<{ results: { id: number }[] }>("/api/v1/computers/paged", { skip: 0, take: 1000 });
  computers = await Promise.all(page.results.map((c) => findComputer(client, { id: c.id })));
});

afterAll(async () => {
  for (const k of env) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  await client?.close();
  await closeAll();
  await sandbox?.stop();
});

async function lookupError(p: Promise<unknown>): Promise<LookupError> {
  const e = await caught(p);
  expect(e).toBeInstanceOf(LookupError);
  return e as LookupError;
}

describe("tenants", () => {
  it("by name (any case) and by id", async () => {
    expect(await findTenant(client, { name: "  contoso " })).toMatchObject({ id: 2, name: "Contoso", isMsp: false });
    expect(await findTenant(client, { id: 3 })).toMatchObject({ id: 3, name: "Contoso Labs" });
    expect(await findTenant(client, { id: 1 })).toMatchObject({ id: 1, isMsp: true });
    expect(await findTenant(client, { name: "Fabrikam" })).toMatchObject({ id: 4 });
  });

  it("none, with close matches; an unknown id is none", async () => {
    const e = await lookupError(findTenant(client, { name: "Contso" }));
    expect(e.code).toBe("IMMYBOT_LOOKUP_NONE");
    expect(e.message).toBe('No tenant named "Contso". Close matches: "Contoso" (id 2), "Contoso Labs" (id 3).');
    expect((await lookupError(findTenant(client, { id: 9999 }))).message).toBe("No tenant with id 9999.");
  });
});

describe("computers", () => {
  it("the seed has computers", () => {
    expect(computers.length).toBeGreaterThan(0);
    expect(computers.every((c) => c.name !== "" && c.tenantId > 0)).toBe(true);
  });

  it("by name (any case) and by id agree", async () => {
    const names = new Map<string, number>();
    for (const c of computers) names.set(c.name.toLowerCase(), (names.get(c.name.toLowerCase()) ?? 0) + 1);
    const unique = computers.find((c) => names.get(c.name.toLowerCase()) === 1) as Computer;
    expect(unique).toBeDefined();
    expect(await findComputer(client, { name: unique.name.toUpperCase() })).toEqual(unique);
    expect(await findComputer(client, { name: unique.name, tenantId: unique.tenantId })).toEqual(unique);
    const other = await lookupError(findComputer(client, { name: unique.name, tenantId: unique.tenantId === 4 ? 2 : 4 }));
    expect(other.message).toContain(`of that name in other tenants: ${JSON.stringify(unique.name)} (id ${unique.id}, tenant ${unique.tenantId}`);
  });

  it("none, with close matches (a typo of a seeded name)", async () => {
    const c = computers.find((x) => x.name.length >= 6) as Computer;
    const typo = c.name.slice(0, -1);
    const e = await lookupError(findComputer(client, { name: `${typo}#` }));
    expect(e.message).toMatch(new RegExp(`^No computer named "${typo}#"\\. Close matches: .*${JSON.stringify(c.name).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(id ${c.id}, tenant ${c.tenantId}`));
    expect((await lookupError(findComputer(client, { id: 999999 }))).message).toBe("No computer with id 999999.");
  });

  // Several computers of one name: the default seed has none; "a larger instance" below adds one.
});

describe("software", () => {
  it("by name and by id", async () => {
    const sevenZip = { id: "303", name: "7-Zip", scope: "Global", maintenanceType: "GlobalSoftware" };
    expect(await findSoftware(client, { name: "7-zip" })).toEqual(sevenZip);
    expect(await findSoftware(client, { id: "303", scope: "Global" })).toEqual(sevenZip);
    expect(await findSoftware(client, { id: 303 })).toMatchObject({ name: "7-Zip" });
  });

  it("several: Google Chrome in both scopes, listed with scope; scope picks one", async () => {
    const e = await lookupError(findSoftware(client, { name: "Google Chrome" }));
    expect(e.code).toBe("IMMYBOT_LOOKUP_AMBIGUOUS");
    expect(e.message).toMatch(/^2 software items are named "Google Chrome": "Google Chrome" \(id \d+, Global\), "Google Chrome" \(id \d+, Local\)\. Pass `scope`/);
    expect(await findSoftware(client, { name: "google chrome", scope: "Local" })).toMatchObject({ scope: "Local", maintenanceType: "LocalSoftware" });
    expect(await findSoftware(client, { name: "google chrome", scope: "Global" })).toMatchObject({ scope: "Global", maintenanceType: "GlobalSoftware" });
  });

  it("with its configuration task, whose parameters a deployment of it takes", async () => {
    expect(await findSoftware(client, { name: "Contoso Line-of-Business App" })).toEqual({
      id: "2",
      name: "Contoso Line-of-Business App",
      scope: "Local",
      maintenanceType: "LocalSoftware",
      configurationTask: { id: "9", scope: "Local" },
    });
  });

  it("none, with close matches", async () => {
    const e = await lookupError(findSoftware(client, { name: "7zip" }));
    expect(e.message).toMatch(/^No software named "7zip"\. Close matches: "7-Zip" \(id 303, Global\)/);
    expect((await lookupError(findSoftware(client, { id: "999999" }))).message).toBe('No software with id "999999".');
  });
});

describe("maintenance tasks", () => {
  it("by name and by id, with parameters", async () => {
    const byName = await findMaintenanceTask(client, { name: "set bios password" });
    expect(byName).toMatchObject({ id: "7", name: "Set BIOS password", scope: "Local", maintenanceType: "LocalMaintenanceTask" });
    // Integer dataType on the wire -> the type's name; the Password parameter is what belongs in a secret.
    expect(byName.parameters).toEqual([
      { name: "AdminPassword", type: "Password", required: true, hidden: false },
      { name: "Enforce", type: "Boolean", required: false, hidden: false },
    ]);
    expect(byName.isConfigurationTask).toBe(false);
    expect(await findMaintenanceTask(client, { id: "7", scope: "Local" })).toEqual(byName);
    expect(await findMaintenanceTask(client, { name: "Configure Contoso Line-of-Business App" })).toMatchObject({
      id: "9",
      isConfigurationTask: true,
      parameters: [{ name: "ServerUrl", type: "Uri" }, { name: "LicenseKey", type: "Password" }, { name: "Channel", type: "Select" }],
    });
  });

  it("none, with close matches", async () => {
    const e = await lookupError(findMaintenanceTask(client, { name: "Set BIOS pasword" }));
    expect(e.message).toMatch(/^No maintenance task named "Set BIOS pasword"\. Close matches: "Set BIOS password" \(id 7, Local\)/);
    expect((await lookupError(findMaintenanceTask(client, { id: 999999, scope: "Local" }))).message).toBe('No Local maintenance task with id "999999".');
  });
});

describe("tags", () => {
  it("by name and by id", async () => {
    expect(await findTag(client, { name: "CANARY" })).toEqual({ id: 1, name: "Canary" });
    expect(await findTag(client, { id: 2 })).toEqual({ id: 2, name: "Servers" });
  });

  it("none, with close matches", async () => {
    expect((await lookupError(findTag(client, { name: "Canery" }))).message).toBe('No tag named "Canery". Close matches: "Canary" (id 1).');
    expect((await lookupError(findTag(client, { id: 999 }))).message).toBe("No tag with id 999.");
  });
});

describe("sdk functions (settings from IMMYBOT_* variables)", () => {
  it("getTenant, getComputer, getSoftware, getMaintenanceTask, getTag", async () => {
    expect(await getTenant({ name: "Contoso Labs" })).toMatchObject({ id: 3 });
    const first = computers[0] as Computer;
    expect(await getComputer({ id: first.id })).toEqual(first);
    expect(await getSoftware({ name: "7-Zip", scope: "Global" })).toMatchObject({ id: "303" });
    expect(await getMaintenanceTask({ id: 7, scope: "Local" })).toMatchObject({ name: "Set BIOS password" });
    expect(await getTag({ name: "servers" })).toEqual({ id: 2, name: "Servers" });
    const e = await caught(getTag({ name: "Canery" }));
    expect(e.message).toBe('No tag named "Canery". Close matches: "Canary" (id 1).');
    expect(pulumi.RunError.isInstance(e)).toBe(true); // printed by `pulumi up` without a stack trace
  });

  it("Output forms over Pulumi inputs", async () => {
    const tenant = getTenantOutput({ name: pulumi.output(Promise.resolve("Fabrikam")) });
    expect(await new Promise((resolve) => tenant.id.apply(resolve))).toBe(4);
    const chrome = getSoftwareOutput({ name: "Google Chrome", scope: pulumi.output("Local" as const) });
    expect(await new Promise((resolve) => chrome.maintenanceType.apply(resolve))).toBe("LocalSoftware");
  });
});

describe("a larger instance (own seed): Sieve and skip/take walks past one page, twins across tenants", () => {
  let big: Sandbox;
  let bigClient: ImmyBotClient;
  const seedFile = join(__dirname, "../../sandbox/default-seed.json");

  beforeAll(async () => {
    const seed = JSON.parse(readFileSync(seedFile, "utf8")) as SeedData & { tenants: { id: number; name: string }[]; computers: Record<string, unknown>[] };
    for (let i = 0; i < 510; i++) seed.tenants.push({ id: 100 + i, name: `Customer ${String(i).padStart(3, "0")}` });
    for (let i = 0; i < 600; i++) {
      seed.computers.push({ id: 1000 + i, name: `CUST-WS${String(i).padStart(4, "0")}`, tenantId: 100 + (i % 510), kind: "Workstation", updatedDate: "2025-05-01T00:00:00Z" });
    }
    seed.computers.push({ id: 2000, name: "contoso-ws001", tenantId: 4, kind: "Workstation", updatedDate: "2025-05-01T00:00:00Z" });
    big = await Sandbox.start({ port: 0, seed });
    const { baseUrl, tokenUrl, clientId, clientSecret } = big.info;
    const config: Record<string, string> = { "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret };
    bigClient = new ImmyBotClient(resolveSettings((k) => config[k], {}));
  });

  afterAll(async () => {
    await bigClient?.close();
    await big?.stop();
  });

  it("finds a tenant on the second Sieve page and a computer on the second skip/take page", async () => {
    expect(await findTenant(bigClient, { name: "customer 509" })).toMatchObject({ id: 609 });
    expect(await findComputer(bigClient, { name: "CUST-WS0599" })).toMatchObject({ id: 1599, tenantId: 100 + (599 % 510) });
    expect(bigClient.stats().requests).toBe(2 + 2); // tenants: pages 1 and 2; computers: skip 0 and 500
  });

  it("several computers of one name in different tenants: every candidate, then tenantId picks one", async () => {
    const e = await lookupError(findComputer(bigClient, { name: "CONTOSO-WS001" }));
    expect(e.code).toBe("IMMYBOT_LOOKUP_AMBIGUOUS");
    expect(e.message).toBe(
      '2 computers are named "CONTOSO-WS001": "CONTOSO-WS001" (id 6, tenant 2 "Contoso"), "contoso-ws001" (id 2000, tenant 4 "Fabrikam"). Pass `tenantId` or `id` to choose one.',
    );
    expect(await findComputer(bigClient, { name: "CONTOSO-WS001", tenantId: 4 })).toMatchObject({ id: 2000 });
  });
});
