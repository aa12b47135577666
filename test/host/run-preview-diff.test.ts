/**
 * The blast radius at preview never changes the diff (provider/run-preview.ts), through Pulumi's real
 * dynamic-provider host against the sandbox: a computer that joins the tenant after a run started neither replaces
 * nor updates it (a later preview, from the state alone, against the same ImmyBot with one more computer);
 * `plannedTargets` is never compared; a state written before it existed stays as it is; a run's create resolves
 * its targets for itself; a replacement (changed `triggers`) shows the reach of the moment.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../../sandbox/server";
import { ProviderHost, serializedProvider, urnFor } from "../helpers/host";
import { CONTOSO, CONTOSO_7ZIP, SIX, checkNew, printed } from "../helpers/run-preview";
import { TARGET_PREVIEW, writeRequests } from "../helpers/scenario";
import { useTempDir } from "../helpers/temp-dir";

const tmp = useTempDir("run-preview-diff-");
let provider: string;
/** Started by each test that needs them; stopped after it. */
const open: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  provider = await serializedProvider("MaintenanceSession");
});

afterAll(async () => {
  for (const o of open.reverse()) await o.stop();
});

/** A sandbox (sessions fast, visible at once) and a host configured for it. */
async function immyBot(options: Parameters<typeof Sandbox.start>[0] = {}): Promise<{ sandbox: Sandbox; host: ProviderHost }> {
  const sandbox = await Sandbox.start({ port: 0, sessionTimeScale: 20, sessionEnqueueDelayMs: 0, ...options });
  open.push(sandbox);
  const host = await ProviderHost.start();
  open.push(host);
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  await host.configure({ "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret });
  return { sandbox, host };
}

/**
 * Waits only until the sessions exist. Detection only, and the offline laptop waits for its agent: no session
 * fails, even when a loaded machine makes the step slower than a session (CONTOSO-LT022's install fails).
 */
const RUN = { waitFor: "none", detectionOnly: true, offlineBehavior: "ApplyOnConnect" };
const NO_CHANGE = { changes: "none", replaces: [], deleteBeforeReplace: false };

describe("a run that already started, when ImmyBot's answer changes", () => {
  it("is neither replaced nor updated when a computer joins the tenant, and a new run shows the newcomer", async () => {
    // `pulumi up` against ImmyBot with Contoso's six computers.
    const stateFile = tmp("immybot.json");
    const before = await immyBot({ stateFile });
    const urn = urnFor("MaintenanceSession", "contoso-7zip");
    const id = String(before.sandbox.createDeployment(CONTOSO_7ZIP).id);
    const args = { deploymentId: id, triggers: ["release-1"], ...RUN };
    const inputs = await checkNew(before.host, provider, "contoso-7zip", args);
    expect(inputs.plannedTargets).toBe(SIX);
    const created = await before.host.create(urn, inputs);
    expect(created.properties.plannedTargets).toBe(SIX);
    expect(created.properties.targets).toHaveLength(6);
    const seed = before.sandbox.seed();
    await before.host.stop();
    await before.sandbox.stop();

    // The same ImmyBot (its state file) after CONTOSO-WS002 joined Contoso; a later `pulumi preview` (a new host).
    seed.computers = [...(seed.computers ?? []), { id: 14, name: "CONTOSO-WS002", tenantId: 2, kind: "Workstation", tagIds: [] }];
    const after = await immyBot({ stateFile, seed });
    after.sandbox.clearRequests();
    const again = await after.host.check(urn, inputs, { ...args, __provider: provider });
    expect(again.failures).toEqual([]);
    expect(again.inputs.plannedTargets).toBe(SIX); // the stored one: no run starts, nothing is asked
    expect(after.sandbox.requests).toEqual([]);
    expect(await after.host.diff(urn, created.id, created.properties, again.inputs)).toEqual(NO_CHANGE);

    // A refresh reads the run's sessions and keeps what it was started on (and what the preview said).
    const read = await after.host.read(urn, created.id, created.properties);
    expect(read.properties.targets).toEqual(created.properties.targets);
    expect([read.properties.plannedTargets, read.inputs?.plannedTargets]).toEqual([SIX, SIX]);
    const afterRefresh = await after.host.check(urn, read.inputs!, { ...args, __provider: provider });
    expect(await after.host.diff(urn, created.id, read.properties, afterRefresh.inputs)).toEqual(NO_CHANGE);
    expect(writeRequests(after.sandbox)).toEqual([]);

    // A new run of the same deployment would reach the newcomer.
    const next = await checkNew(after.host, provider, "next", args);
    expect(next.plannedTargets).toBe(`7 computers: ${CONTOSO.slice(0, 5).join(", ")} and 2 more`);
  }, 60_000); // two sandboxes and two hosts started: slow on a loaded machine
});

describe("plannedTargets, which only says", () => {
  let sandbox: Sandbox;
  let host: ProviderHost;
  beforeAll(async () => {
    ({ sandbox, host } = await immyBot());
  });
  const deployment = (fields: Record<string, unknown> = {}) => String(sandbox.createDeployment({ ...CONTOSO_7ZIP, ...fields }).id);

  it("is never compared: another text, or none in a state written before it existed, is no change", async () => {
    const urn = urnFor("MaintenanceSession", "compared");
    const args = { deploymentId: deployment(), computers: [6], triggers: ["1"] };
    const inputs = await checkNew(host, provider, "compared", args);
    expect(inputs.plannedTargets).toBe("1 computer: CONTOSO-WS001");
    expect(await host.diff(urn, "run", { ...inputs, plannedTargets: "could not resolve the targets: no answer within 10s" }, inputs)).toEqual(NO_CHANGE);

    const { plannedTargets: _none, ...older } = inputs;
    sandbox.clearRequests();
    const checked = await host.check(urn, older, { ...args, __provider: provider });
    expect(checked.inputs).not.toHaveProperty("plannedTargets");
    expect(sandbox.requests).toEqual([]);
    expect(await host.diff(urn, "run", older, checked.inputs)).toEqual(NO_CHANGE);
  });

  it("does not decide what a run starts on: create resolves the deployment's computers again", async () => {
    const id = deployment();
    const urn = urnFor("MaintenanceSession", "resolves");
    const inputs = await checkNew(host, provider, "resolves", { deploymentId: id, triggers: ["1"], ...RUN });
    expect(inputs.plannedTargets).toBe(SIX);
    // Between preview and up, Contoso Labs' two computers come under the deployment.
    sandbox.editDeployment(Number(id), { propagateToChildTenants: true });
    sandbox.clearRequests();
    const created = await host.create(urn, inputs);
    expect(sandbox.requests.filter((r) => r.path === TARGET_PREVIEW)).toHaveLength(1);
    expect(created.properties.targets).toEqual([3, 4, 5, 6, 7, 8, 9, 10].map((n) => ({ kind: "computer", id: n })));
    expect(created.properties.plannedTargets).toBe(SIX); // what the preview said, kept as it was
  });

  it("shows the reach of the moment for the replacement when triggers change", async () => {
    const id = deployment();
    const urn = urnFor("MaintenanceSession", "replaced");
    const args = { deploymentId: id, triggers: ["release-1"], ...RUN };
    const inputs = await checkNew(host, provider, "replaced", args);
    const created = await host.create(urn, inputs);
    sandbox.editDeployment(Number(id), { propagateToChildTenants: true });

    // The engine checks with olds, diffs, and, for a replace, checks again without olds.
    const next = { ...args, triggers: ["release-2"] };
    const withOlds = await host.check(urn, inputs, { ...next, __provider: provider });
    expect(withOlds.inputs.plannedTargets).toBe(SIX);
    expect(await host.diff(urn, created.id, created.properties, withOlds.inputs)).toEqual({ changes: "some", replaces: ["triggers"], deleteBeforeReplace: false });
    sandbox.clearRequests();
    const replacement = await checkNew(host, provider, "replaced", next);
    const eight = `8 computers: ${CONTOSO.slice(0, 5).join(", ")} and 3 more`;
    expect(replacement.plannedTargets).toBe(eight);
    await printed(host, `immybot: MaintenanceSession of deployment ${id}: a new run would start on ${eight}\n`);
    expect(sandbox.requests.filter((r) => r.path.startsWith("/api/")).map((r) => `${r.method} ${r.path}`)).toEqual([`GET /api/v1/target-assignments/${id}`, `POST ${TARGET_PREVIEW}`]);
  });
});
