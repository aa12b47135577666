/**
 * Tag through Pulumi's real dynamic-provider host over gRPC against the sandbox: check, create, read, diff,
 * update (ImmyBot's POST /tags/{tagId}), drift on refresh, adopt, delete; bad arguments fail at check, naming the
 * field, before any request.
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
  [host, provider, token] = await Promise.all([ProviderHost.start(), serializedProvider("Tag"), tokenFor(sandbox.info)]);
  await host.configure({ "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret });
});

afterAll(async () => {
  await host?.stop();
  await sandbox?.stop();
});

const call = (method: string, path: string, body?: unknown) => api(sandbox, token, method, path, body);
const tagIn = async (id: string) => (await call("GET", `/api/v1/tags/${id}`)).json;

describe("Tag through the dynamic-provider host", () => {
  it("creates, reads, updates in place, shows a change made by hand and deletes", async () => {
    const urn = urnFor("Tag", "pilot");
    const news = { name: "Pilot ring", description: "second ring", color: "#22C55E", __provider: provider };
    const checked = await host.check(urn, {}, news);
    expect(checked.failures).toEqual([]);
    const created = await host.create(urn, checked.inputs);
    expect(created.id).toMatch(/^\d+$/);
    expect(created.properties).toMatchObject({ name: "Pilot ring", description: "second ring", color: "#22C55E", tagId: created.id });
    expect(await tagIn(created.id)).toEqual({ id: Number(created.id), name: "Pilot ring", description: "second ring", color: "#22C55E" });

    const read = await host.read(urn, created.id, created.properties);
    expect(read.properties).toEqual(created.properties);
    expect((await host.diff(urn, created.id, read.properties, (await host.check(urn, read.inputs!, news)).inputs)).changes).toBe("none");

    const renamed = await host.check(urn, read.inputs!, { name: "Ring 1", __provider: provider });
    expect(await host.diff(urn, created.id, read.properties, renamed.inputs)).toMatchObject({ changes: "some", replaces: [] });
    const updated = await host.update(urn, created.id, read.properties, renamed.inputs);
    expect(updated.properties).toMatchObject({ name: "Ring 1", tagId: created.id });
    expect(updated.properties).not.toHaveProperty("description");
    expect(await tagIn(created.id)).toEqual({ id: Number(created.id), name: "Ring 1", description: null, color: null });

    // Renamed by hand: refresh shows it, and the next diff wants it back.
    await call("POST", `/api/v1/tags/${created.id}`, { id: Number(created.id), name: "Ring one", color: "#000000" });
    const drifted = await host.read(urn, created.id, updated.properties);
    expect(drifted.inputs).toMatchObject({ name: "Ring one", color: "#000000" });
    expect((await host.diff(urn, created.id, drifted.properties, renamed.inputs)).changes).toBe("some");

    await host.delete(urn, created.id, drifted.properties);
    expect((await call("GET", `/api/v1/tags/${created.id}`)).status).toBe(404);
    // Gone outside Pulumi: refresh drops it; a second delete is no error.
    expect((await host.read(urn, created.id, drifted.properties)).id).toBe("");
    await host.delete(urn, created.id, drifted.properties);
  });

  it("says before creating a tag whose name ImmyBot already has (in another case) that adoptId takes it over, and creates no other", async () => {
    const urn = urnFor("Tag", "servers-again");
    const before = (await call("GET", "/api/v1/tags")).json as { id: number; name: string }[];
    const servers = before.find((t) => t.name === "Servers")!;
    const checked = await host.check(urn, {}, { name: "SERVERS", __provider: provider });
    const created = await host.create(urn, checked.inputs);
    expect(host.logs.stdout).toContain(`already has tag ${servers.id} of this name, held by no resource of this run so far`);
    expect(host.logs.stdout).toContain(`set \`adoptId: "${servers.id}"\``);
    // Created anyway (a resource this run renames may hold the old one), exactly once.
    const after = (await call("GET", "/api/v1/tags")).json as { id: number; name: string }[];
    expect(after.map((t) => t.id).sort((a, b) => a - b)).toEqual([...before.map((t) => t.id), Number(created.id)].sort((a, b) => a - b));

    // A name no tag has: no such line.
    const quiet = urnFor("Tag", "fresh-name");
    const logged = host.logs.stdout.length;
    const fresh = await host.create(quiet, (await host.check(quiet, {}, { name: "Ring 7", __provider: provider })).inputs);
    expect(host.logs.stdout.slice(logged)).not.toContain("already has tag");
    await host.delete(urn, created.id, created.properties);
    await host.delete(quiet, fresh.id, fresh.properties);
  });

  it("adopts an existing tag by id and brings it to the arguments without a second tag", async () => {
    const existing = (await call("POST", "/api/v1/tags", { name: "Broad", description: "everyone else" })).json as { id: number };
    const before = (await call("GET", "/api/v1/tags")).json.length as number;
    const urn = urnFor("Tag", "broad");
    const checked = await host.check(urn, {}, { name: "Broad", color: "#2563eb", adoptId: String(existing.id), __provider: provider });
    expect(checked.failures).toEqual([]);
    const adopted = await host.create(urn, checked.inputs);
    expect(adopted.id).toBe(String(existing.id));
    expect(adopted.properties).toMatchObject({ name: "Broad", color: "#2563eb", adoptId: String(existing.id) });
    expect(await tagIn(adopted.id)).toEqual({ id: existing.id, name: "Broad", description: null, color: "#2563eb" });
    expect((await call("GET", "/api/v1/tags")).json.length).toBe(before);

    const missing = await host.check(urn, {}, { name: "Broad", adoptId: "999", __provider: provider });
    await expect(host.create(urn, missing.inputs)).rejects.toThrow(/IMMYBOT_ADOPT_MISSING|no tag with id 999/);
  });

  it("fails check naming the field and the fix, before any request", async () => {
    sandbox.clearRequests();
    const urn = urnFor("Tag", "bad");
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{}, "name", /required/],
      [{ name: "  " }, "name", /must not be empty/],
      [{ name: "x", color: "orange" }, "color", /#rrggbb/],
      [{ name: "x", description: "" }, "description", /omit description/],
      [{ name: "x", adoptId: "abc" }, "adoptId", /tag id/],
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
