/**
 * TagMembership through Pulumi's real dynamic-provider host against the sandbox: it adds the tag to exactly the
 * computers and tenants it lists, leaves others that carry the tag alone (also on update and delete), and a
 * membership removed by hand shows on refresh.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../../sandbox/server";
import { ProviderHost, serializedProvider, urnFor } from "../helpers/host";
import { api, tokenFor } from "../helpers/sandbox-http";

let sandbox: Sandbox;
let host: ProviderHost;
let provider: string;
let token: string;

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0 });
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  [host, provider, token] = await Promise.all([ProviderHost.start(), serializedProvider("TagMembership"), tokenFor(sandbox.info)]);
  await host.configure({ "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret });
});

afterAll(async () => {
  await host?.stop();
  await sandbox?.stop();
});

const call = (method: string, path: string, body?: unknown) => api(sandbox, token, method, path, body);
/** The computers (and tenants) that carry `tag`, read from their own answers. */
async function carriers(tag: number): Promise<{ computers: number[]; tenants: number[] }> {
  const computers = (await call("GET", "/api/v1/computers?pageSize=1000")).json as { id: number }[];
  const tenants = (await call("GET", "/api/v1/tenants")).json as { id: number; tenantTagIds: number[] }[];
  expect(computers.length).toBeGreaterThan(5);
  const withTag: number[] = [];
  for (const c of computers) if (((await call("GET", `/api/v1/computers/${c.id}`)).json.computerTagIds as number[]).includes(tag)) withTag.push(c.id);
  return { computers: withTag, tenants: tenants.filter((t) => t.tenantTagIds.includes(tag)).map((t) => t.id) };
}

describe("TagMembership through the dynamic-provider host", () => {
  it("owns only its own memberships: create, drift on refresh, update, delete leave others alone", async () => {
    const tag = (await call("POST", "/api/v1/tags", { name: "Ring 0" })).json.id as number;
    // Set by hand before Pulumi: computer 9 carries the tag and is no member of the resource.
    await call("POST", "/api/v1/computers/add-tags", { entityIds: [9], tagIds: [tag] });

    const urn = urnFor("TagMembership", "ring0");
    const news = { tagId: String(tag), computers: [7, 6], tenants: [3], __provider: provider };
    const checked = await host.check(urn, {}, news);
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toMatchObject({ computers: [6, 7], tenants: [3] });
    const created = await host.create(urn, checked.inputs);
    expect(created.id).toBe(String(tag));
    expect(await carriers(tag)).toEqual({ computers: [6, 7, 9], tenants: [3] });

    const read = await host.read(urn, created.id, created.properties);
    expect(read.inputs).toMatchObject({ tagId: String(tag), computers: [6, 7], tenants: [3] });
    expect((await host.diff(urn, created.id, read.properties, checked.inputs)).changes).toBe("none");

    // Removed by hand: refresh shows it, the next up puts it back.
    await call("POST", "/api/v1/computers/remove-tags", { entityIds: [7], tagIds: [tag] });
    const drifted = await host.read(urn, created.id, read.properties);
    expect(drifted.inputs).toMatchObject({ computers: [6], tenants: [3] });
    expect((await host.diff(urn, created.id, drifted.properties, checked.inputs)).changes).toBe("some");

    // Update: 7 back, 6 out, 10 in; the tenant dropped; 9 (not ours) untouched.
    const changed = await host.check(urn, drifted.inputs!, { tagId: String(tag), computers: [7, 10], __provider: provider });
    expect(changed.failures).toEqual([]);
    expect(await host.diff(urn, created.id, drifted.properties, changed.inputs)).toMatchObject({ changes: "some", replaces: [] });
    const updated = await host.update(urn, created.id, drifted.properties, changed.inputs);
    expect(updated.properties).toMatchObject({ computers: [7, 10], tenants: [] });
    expect(await carriers(tag)).toEqual({ computers: [7, 9, 10], tenants: [] });

    // Another tag replaces the resource.
    const other = await host.check(urn, changed.inputs, { tagId: "1", computers: [7, 10], __provider: provider });
    expect((await host.diff(urn, created.id, updated.properties, other.inputs)).replaces).toEqual(["tagId"]);

    await host.delete(urn, created.id, updated.properties);
    expect(await carriers(tag)).toEqual({ computers: [9], tenants: [] });

    // The tag deleted outside Pulumi: refresh drops the membership, delete is no error.
    await call("DELETE", `/api/v1/tags/${tag}`);
    expect((await host.read(urn, created.id, updated.properties)).id).toBe("");
    await host.delete(urn, created.id, updated.properties);
  });

  it("fails check naming the field and the fix, before any request", async () => {
    sandbox.clearRequests();
    const urn = urnFor("TagMembership", "bad");
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ computers: [6] }, "tagId", /required|tag id/],
      [{ tagId: "Canary", computers: [6] }, "tagId", /tag id/],
      [{ tagId: "1" }, "computers", /both empty/],
      [{ tagId: "1", computers: [6, 6] }, "computers", /more than once/],
      [{ tagId: "1", tenants: [0] }, "tenants[0]", /.+/],
    ];
    expect(cases.length).toBe(5);
    for (const [args, property, reason] of cases) {
      const checked = await host.check(urn, {}, { ...args, __provider: provider });
      expect(checked.failures.map((f) => f.property), JSON.stringify(args)).toEqual([property]);
      expect(checked.failures[0]!.reason).toMatch(reason);
    }
    expect(sandbox.requests.filter((r) => r.path.startsWith("/api/"))).toEqual([]);
  });
});
