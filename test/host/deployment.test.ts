/**
 * Deployment through Pulumi's real dynamic-provider host against the sandbox: the whole lifecycle with the
 * sandbox's state asserted after each step, a task with a password parameter (never in plain text in the stored
 * inputs, `__provider` or logs), a Schedule bound to a Deployment, adopt and drift.
 */
import { join } from "node:path";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../../sandbox/server";
import { HostError, ProviderHost, REPO, serializedProvider, urnFor } from "../helpers/host";
import { forwardToHost, SECRET_SIG, value, type Registration } from "../helpers/program";

const require = createRequire(__filename);
const PASSWORD = "BIOS-pa55word-do-not-print";

let sandbox: Sandbox;
let host: ProviderHost;
let provider: string;

const chrome = { software: { id: "303", desiredState: "LatestVersion" }, targetType: "AllForTenant", tenantId: 2 };

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0 });
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  [host, provider] = await Promise.all([ProviderHost.start(), serializedProvider("Deployment")]);
  await host.configure({ "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret });
});

afterAll(async () => {
  await host?.stop();
  await sandbox?.stop();
});

describe("Deployment through the dynamic-provider host", () => {
  it("runs the whole lifecycle, and the sandbox follows each step", async () => {
    const urn = urnFor("Deployment", "chrome");
    const news = { ...chrome, __provider: provider };
    const checked = await host.check(urn, {}, news);
    expect(checked.failures).toEqual([]);

    const created = await host.create(urn, checked.inputs);
    expect(sandbox.deployment(Number(created.id))).toMatchObject({ maintenanceType: 0, maintenanceIdentifier: "303", desiredSoftwareState: 5, targetType: 21, tenantId: 2, targetEnforcement: 1, databaseType: 1 });
    expect(created.properties).toMatchObject({ ...chrome, databaseType: "Local", maintenanceType: "GlobalSoftware", maintenanceIdentifier: "303" });

    const read = await host.read(urn, created.id, created.properties);
    expect(read.properties).toEqual(created.properties);
    expect(read.inputs).toEqual(checked.inputs);
    expect((await host.diff(urn, created.id, read.properties, (await host.check(urn, read.inputs!, news)).inputs)).changes).toBe("none");

    const changed = (await host.check(urn, read.inputs!, { ...news, software: { id: "303", desiredState: "UpdateIfFound" }, notes: "managed by Pulumi" })).inputs;
    expect(await host.diff(urn, created.id, read.properties, changed)).toMatchObject({ changes: "some", replaces: [] });
    const updated = await host.update(urn, created.id, read.properties, changed);
    expect(sandbox.deployment(Number(created.id))).toMatchObject({ desiredSoftwareState: 7, notes: "managed by Pulumi" });
    expect(sandbox.deployments()).toHaveLength(1);

    const reread = await host.read(urn, created.id, updated.properties);
    expect(reread.properties).toMatchObject({ software: { desiredState: "UpdateIfFound" }, notes: "managed by Pulumi" });
    expect((await host.diff(urn, created.id, reread.properties, changed)).changes).toBe("none");

    await host.delete(urn, created.id, reread.properties);
    expect(sandbox.deployment(Number(created.id))).toBeUndefined();
    await host.delete(urn, created.id, reread.properties);
    expect((await host.read(urn, created.id, reread.properties)).id).toBe("");
  });

  it("passes ImmyBot's own 400 through with its message when an item does not exist", async () => {
    const urn = urnFor("Deployment", "ghost");
    const news = (await host.check(urn, {}, { ...chrome, software: { id: "999999", desiredState: "LatestVersion" }, __provider: provider })).inputs;
    await expect(host.create(urn, news)).rejects.toThrow(/400/);
  });

  it("finds a change made by hand and puts it back", async () => {
    const urn = urnFor("Deployment", "drift");
    const news = (await host.check(urn, {}, { ...chrome, __provider: provider })).inputs;
    const { id, properties } = await host.create(urn, news);
    sandbox.editDeployment(Number(id), { excluded: true, desiredSoftwareState: 1 });
    const refreshed = await host.read(urn, id, properties);
    expect(refreshed.properties).toMatchObject({ disabled: true, software: { desiredState: "NotPresent" } });
    expect((await host.diff(urn, id, refreshed.properties, news)).changes).toBe("some");
    await host.update(urn, id, refreshed.properties, news);
    expect(sandbox.deployment(Number(id))).toMatchObject({ excluded: false, desiredSoftwareState: 5 });
    await host.delete(urn, id, properties);
  });

  it("an update of a deployment deleted by hand fails, says to refresh, and creates nothing", async () => {
    const urn = urnFor("Deployment", "deleted-by-hand");
    const news = (await host.check(urn, {}, { ...chrome, __provider: provider })).inputs;
    const { id, properties } = await host.create(urn, news);
    expect(sandbox.deleteDeployment(Number(id))).toBe(true);
    const changed = await host.check(urn, news, { ...chrome, enforcement: "Optional", notes: "changed", __provider: provider });
    expect(changed.failures).toEqual([]);
    sandbox.clearRequests();
    const err = await host.update(urn, id, properties, changed.inputs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).message).toContain(
      `Deployment ${id} no longer exists in ImmyBot (deleted outside Pulumi). Run \`pulumi refresh\` to drop it from the state, then \`pulumi up\` to create it again.`,
    );
    expect((err as HostError).initFailure).toBeUndefined();
    // One PUT, answered 404; no notes written, nothing created in its place.
    const api = sandbox.requests.filter((r) => r.path.startsWith("/api/")).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(api).toEqual([`PUT /api/v1/target-assignments/${id} 404`]);
    expect(sandbox.deployment(Number(id))).toBeUndefined();
  });

  it("adopts an existing deployment without creating one", async () => {
    const existing = sandbox.createDeployment({ maintenanceType: 0, maintenanceIdentifier: "303", desiredSoftwareState: 2, targetType: 21, targetCategory: 0, tenantId: 4, targetEnforcement: 1, softwareProviderType: 3 });
    sandbox.clearRequests();
    const urn = urnFor("Deployment", "adopted");
    const news = (await host.check(urn, {}, { ...chrome, tenantId: 4, adoptId: String(existing.id), __provider: provider })).inputs;
    const adopted = await host.create(urn, news);
    expect(adopted.id).toBe(String(existing.id));
    expect(sandbox.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/target-assignments")).toEqual([]);
    expect(sandbox.deployment(existing.id)).toMatchObject({ desiredSoftwareState: 5 });
    expect((await host.diff(urn, adopted.id, adopted.properties, news)).changes).toBe("none");
    await host.delete(urn, adopted.id, adopted.properties);
  });
});

describe("Deployment and Schedule in a program", () => {
  let registered: Registration[];
  let secretOutputs: Map<string, string[]>;
  beforeAll(() => {
    ({ registered, secretOutputs } = forwardToHost(host));
  });

  it("keeps the password parameter secret, and limits a Schedule to the deployment's item", async () => {
    const { Deployment, Schedule } = require(join(REPO, "dist/sdk/index.js"));
    const bios = new Deployment("bios", { task: { id: "7", scope: "Local" }, parameters: { AdminPassword: PASSWORD, Enforce: true }, targetType: "Tag", target: "1" });
    const nightly = new Schedule("bios-nightly", { targetType: "All", detectionTime: "01:00", deployment: bios });
    const [depId, schedId] = [await value<string>(bios.id), await value<string>(nightly.id)];

    // ImmyBot holds and returns the password in clear text (that is why it must be a secret on our side).
    expect(sandbox.deployment(Number(depId))?.taskParameterValues).toMatchObject({ AdminPassword: { value: PASSWORD } });
    // The schedule is limited to the deployment's item.
    expect(sandbox.schedule(Number(schedId))).toMatchObject({ maintenanceType: 5, maintenanceIdentifier: "7" });

    // What the engine stores as inputs: the parameters travel wrapped as a secret (encrypted in state) ...
    const reg = registered.find((r) => r.name === "bios")!;
    expect(reg.inputs.parameters).toMatchObject({ "4dabf18193072939515e22adb298388d": SECRET_SIG });
    // ... the outputs of that name are declared secret ...
    expect(secretOutputs.get("bios")).toContain("parameters");
    // ... and nothing else of the registration, __provider included, holds the password.
    const { parameters: _secret, ...rest } = reg.inputs;
    expect(JSON.stringify(rest)).not.toContain(PASSWORD);
    expect(host.logs.stderr + host.logs.stdout).not.toContain(PASSWORD);

    // The bound schedule's lifecycle continues through the host: refresh, an empty plan, then destroy.
    const sUrn = urnFor("Schedule", "bios-nightly");
    const sProps = { ...(await host.read(sUrn, schedId, { __provider: registered.find((r) => r.name === "bios-nightly")!.inputs.__provider })) };
    expect(sProps.properties).toMatchObject({ maintenanceType: "LocalMaintenanceTask", maintenanceIdentifier: "7" });
    const sNews = (await host.check(sUrn, {}, { ...sProps.inputs! })).inputs;
    expect((await host.diff(sUrn, schedId, sProps.properties, sNews)).changes).toBe("none");
    await host.delete(sUrn, schedId, sProps.properties);
    expect(sandbox.schedule(Number(schedId))).toBeUndefined();

    // Deployment.get reads one by id without managing it.
    const got = Deployment.get("bios-again", depId);
    expect(await value(got.task)).toEqual({ id: "7", scope: "Local", mode: "Enforce" });
    expect(await value(got.databaseType)).toBe("Local");
    expect(sandbox.deployments().filter((d) => d.id === Number(depId))).toHaveLength(1);
  });
});
