/**
 * examples/policy-repo, deployed as `pulumi up` would, through the engine harness (test/helpers/engine.ts) and
 * Pulumi's real dynamic-provider host against a sandbox, on a copy of its tenants/ directory (config `policyDir`):
 * up (the canary tag, its members and the rollout ring by ring too), a second up that writes nothing, one YAML value edited, one entry removed, drift made in the sandbox, invalid
 * files and unknown names, and destroy. The tests run in order on one stack.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import type { DeploymentResponse, ScheduleResponse } from "../../sandbox/server";
import { Engine, EngineError } from "../helpers/engine";
import { REPO } from "../helpers/host";
import { useScenario, writeRequests } from "../helpers/scenario";
import { api, tokenFor } from "../helpers/sandbox-http";
import { useTempDir } from "../helpers/temp-dir";

const EXAMPLE = join(REPO, "examples/policy-repo");
const PROGRAM = join(EXAMPLE, "index.ts");
const PASSWORD = "bios-Pa55-from-the-stack-config";
const ctx = useScenario();
const tmp = useTempDir("policy-scenario-");

const ALL = [
  "contoso-7zip",
  "contoso-7zip-now",
  "contoso-7zip-rings",
  "contoso-Contoso-Canary",
  "contoso-Contoso-Canary-members",
  "contoso-bios-password",
  "contoso-servers-7zip-nightly",
  "contoso-weekly",
  "fabrikam-chrome",
  "fabrikam-weekend",
];

let engine: Engine;
let before: { schedules: ScheduleResponse[]; deployments: DeploymentResponse[] };
const policyDir = () => tmp("tenants");
const engineFor = () =>
  new Engine({
    hostConfig: ctx.hostConfig,
    stateFile: tmp("stack.json"),
    stack: "prod",
    env: ctx.env,
    config: { "immybot-policy:policyDir": policyDir(), "immybot-policy:biosPassword": PASSWORD },
    secretConfig: ["immybot-policy:biosPassword"],
  });
const idOf = (name: string) => Number(engine.resource(name)!.id);
/** The ids of the computers that carry tag `tag` in the sandbox, ascending. */
async function carriers(tag: number): Promise<number[]> {
  const token = await tokenFor(ctx.sandbox.info);
  const out: number[] = [];
  for (const c of ctx.sandbox.seed().computers ?? []) {
    if (((await api(ctx.sandbox, token, "GET", `/api/v1/computers/${c.id}`)).json.computerTagIds as number[]).includes(tag)) out.push(c.id);
  }
  return out;
}
const computerId = (name: string) => ctx.sandbox.seed().computers!.find((c) => c.name === name)!.id;
const ops = (r: { steps: { op: string; name: string }[] }) => r.steps.map((s) => `${s.op} ${s.name}`).sort();
const same = (names: string[]) => names.map((n) => `same ${n}`);
const without = (...names: string[]) => ALL.filter((n) => !names.includes(n));

/** Changes one policy file of the copy, keeping its comments (`edit` gets the parsed YAML document). */
function editPolicy(file: string, edit: (doc: ReturnType<typeof parseDocument>) => void): void {
  const path = join(policyDir(), file);
  const doc = parseDocument(readFileSync(path, "utf8"));
  edit(doc);
  writeFileSync(path, doc.toString());
}

beforeAll(() => {
  cpSync(join(EXAMPLE, "tenants"), policyDir(), { recursive: true });
  engine = engineFor();
  before = { schedules: ctx.sandbox.schedules(), deployments: ctx.sandbox.deployments() };
});

describe("policy-repo through the engine harness", () => {
  it("preview plans one create per entry of every file and writes nothing", async () => {
    ctx.sandbox.clearRequests();
    const plan = await engine.preview(PROGRAM);
    expect(ops(plan)).toEqual(ALL.map((n) => `create ${n}`));
    expect(writeRequests(ctx.sandbox)).toEqual([]);
    expect(existsSync(tmp("stack.json"))).toBe(false);
  });

  it("up creates every schedule, deployment and session of the files, with names resolved and the password from the config", async () => {
    ctx.sandbox.clearRequests();
    const r = await engine.up(PROGRAM);
    expect(ops(r)).toEqual(ALL.map((n) => `create ${n}`));
    const writes = writeRequests(ctx.sandbox);
    expect(writes.filter((w) => w === "POST /api/v1/schedules")).toHaveLength(3);
    expect(writes.filter((w) => w === "POST /api/v1/target-assignments")).toHaveLength(3);
    // The session's run, the rollout's canary ring (one batch) and its broad ring (4 computers, 2 at once: 2 batches).
    expect(writes.filter((w) => w === "POST /api/v1/run-immy-service-new")).toHaveLength(4);
    expect(writes.filter((w) => w === "POST /api/v1/tags")).toHaveLength(1);
    expect(writes.filter((w) => w === "POST /api/v1/computers/add-tags")).toHaveLength(1);

    const seed = ctx.sandbox.seed();
    const tenant = (name: string) => seed.tenants!.find((t) => t.name === name)!.id;
    expect(ctx.sandbox.schedule(idOf("contoso-weekly"))).toMatchObject({ tenantId: tenant("Contoso"), day: 6, time: "20:00", maintenanceTime: "22:00" });
    expect(ctx.sandbox.schedule(idOf("fabrikam-weekend"))).toMatchObject({ tenantId: tenant("Fabrikam"), customCronExpression: "0 23 * * 6", timeZoneInfoId: "America/New_York" });
    expect(ctx.sandbox.deployment(idOf("contoso-7zip"))).toMatchObject({ maintenanceIdentifier: "303", tenantId: tenant("Contoso") });
    expect(ctx.sandbox.deployment(idOf("fabrikam-chrome"))).toMatchObject({ maintenanceIdentifier: "114", tenantId: tenant("Fabrikam") });
    expect(JSON.stringify(ctx.sandbox.deployment(idOf("contoso-bios-password"))!.taskParameterValues)).toContain(PASSWORD);
    expect(ctx.sandbox.schedules()).toHaveLength(before.schedules.length + 3);
    expect(ctx.sandbox.deployments()).toHaveLength(before.deployments.length + 3);

    // The canary tag, made by `up`, carried by the two computers the file lists.
    const canary = idOf("contoso-Contoso-Canary");
    expect(engine.resource("contoso-Contoso-Canary")!.outputs).toMatchObject({ name: "Contoso-Canary", tagId: String(canary), color: "#f59e0b" });
    expect(await carriers(canary)).toEqual([computerId("CONTOSO-DC02"), computerId("CONTOSO-WS001")].sort((a, b) => a - b));
    // The rollout: the canary ring is the tag's computers, then the rest of 7zip's targets; both passed their gates.
    const rollout = engine.resource("contoso-7zip-rings")!.outputs as { result: string; deploymentId: string; rings: { tag?: string }[]; ringResults: { name: string; status: string; computers: number[]; failures: number; batches: unknown[] }[] };
    expect(rollout).toMatchObject({ result: "Succeeded", deploymentId: String(idOf("contoso-7zip")) });
    expect(rollout.rings[0]!.tag).toBe(String(canary));
    expect(rollout.ringResults.map((r) => [r.name, r.status, r.computers.length, r.batches.length])).toEqual([
      ["canary", "Passed", 2, 1],
      ["broad", "Passed", 4, 2],
    ]);
    expect(rollout.ringResults[0]!.computers).toEqual(await carriers(canary));
    // The broad ring: the rest of Contoso (DC01, FS01, LT014, LT022); LT014 is offline (skipped) and LT022's installs
    // fail in the seed: the two failures its gate allows.
    expect(rollout.ringResults[1]!.computers).toEqual(["CONTOSO-DC01", "CONTOSO-FS01", "CONTOSO-LT014", "CONTOSO-LT022"].map(computerId));
    expect(rollout.ringResults[1]!.failures).toBe(2);

    const run = engine.resource("contoso-7zip-now")!;
    expect(run.outputs).toMatchObject({ result: "Succeeded", statusCounts: { Passed: 1 }, deploymentId: String(idOf("contoso-7zip")) });
    // A session runs after the deployment it enforces; the schedule limited to 7zip's item after 7zip too.
    const order = engine.resources.map((x) => x.urn.split("::").pop());
    expect(order.indexOf("contoso-7zip-now")).toBeGreaterThan(order.indexOf("contoso-7zip"));
    expect(order.indexOf("contoso-servers-7zip-nightly")).toBeGreaterThan(order.indexOf("contoso-7zip"));
    // The tag, then its members, then the rollout whose first ring is the tag.
    expect(order.indexOf("contoso-Contoso-Canary-members")).toBeGreaterThan(order.indexOf("contoso-Contoso-Canary"));
    expect(order.indexOf("contoso-7zip-rings")).toBeGreaterThan(order.indexOf("contoso-Contoso-Canary-members"));

    expect(r.outputs).toMatchObject({
      tenants: { contoso: { id: tenant("Contoso"), name: "Contoso" }, fabrikam: { id: tenant("Fabrikam"), name: "Fabrikam" } },
      deploymentIds: { "contoso/7zip": String(idOf("contoso-7zip")), "fabrikam/chrome": String(idOf("fabrikam-chrome")) },
      sessionResults: { "contoso/7zip-now": { result: "Succeeded", statusCounts: { Passed: 1 } } },
      rolloutResults: { "contoso/7zip-rings": { result: "Succeeded", failedRing: null } },
    });
  });

  it("a second up, from the state file alone (a new engine), sends no write request", async () => {
    engine = engineFor();
    expect(engine.resources.map((x) => x.urn.split("::").pop()).sort()).toEqual(ALL);
    ctx.sandbox.clearRequests();
    expect(ops(await engine.up(PROGRAM))).toEqual(same(ALL));
    expect(writeRequests(ctx.sandbox)).toEqual([]);
  });

  it("editing one value in a file updates exactly that schedule", async () => {
    editPolicy("contoso.yaml", (doc) => doc.setIn(["schedules", 0, "detectionTime"], "19:00"));
    ctx.sandbox.clearRequests();
    const plan = await engine.preview(PROGRAM);
    expect(ops(plan)).toEqual([...same(without("contoso-weekly")), "update contoso-weekly"].sort());
    expect(writeRequests(ctx.sandbox)).toEqual([]);

    const r = await engine.up(PROGRAM);
    expect(ops(r)).toEqual(ops(plan));
    expect(writeRequests(ctx.sandbox)).toEqual([`PUT /api/v1/schedules/${idOf("contoso-weekly")}`]);
    expect(ctx.sandbox.schedule(idOf("contoso-weekly"))).toMatchObject({ time: "19:00", maintenanceTime: "22:00" });
  });

  it("removing an entry deletes exactly that deployment", async () => {
    const chrome = idOf("fabrikam-chrome");
    editPolicy("fabrikam.yaml", (doc) => doc.delete("deployments"));
    ctx.sandbox.clearRequests();
    expect(ops(await engine.preview(PROGRAM))).toEqual([...same(without("fabrikam-chrome")), "delete fabrikam-chrome"].sort());
    expect(writeRequests(ctx.sandbox)).toEqual([]);
    const r = await engine.up(PROGRAM);
    expect(ops(r)).toEqual([...same(without("fabrikam-chrome")), "delete fabrikam-chrome"].sort());
    expect(writeRequests(ctx.sandbox)).toEqual([`DELETE /api/v1/target-assignments/${chrome}`]);
    expect(ctx.sandbox.deployment(chrome)).toBeUndefined();
    expect(engine.resource("fabrikam-chrome")).toBeUndefined();
    expect(r.outputs.deploymentIds).not.toHaveProperty("fabrikam/chrome");
  });

  it("refresh finds changes made in ImmyBot by hand, and the next up puts them back", async () => {
    const declared = ctx.sandbox.schedule(idOf("fabrikam-weekend"))!.rebootPreference; // Prompt, as the file says
    ctx.sandbox.editSchedule(idOf("fabrikam-weekend"), { rebootPreference: "Suppress" });
    ctx.sandbox.editDeployment(idOf("contoso-7zip"), { excluded: true });
    ctx.sandbox.clearRequests();
    await engine.refresh();
    expect(writeRequests(ctx.sandbox)).toEqual([]);
    expect(engine.resource("fabrikam-weekend")!.outputs).toMatchObject({ rebootPreference: "Suppress" });
    expect(engine.resource("contoso-7zip")!.outputs).toMatchObject({ disabled: true });

    const r = await engine.up(PROGRAM);
    expect(ops(r)).toEqual([...same(without("fabrikam-chrome", "fabrikam-weekend", "contoso-7zip")), "update contoso-7zip", "update fabrikam-weekend"].sort());
    expect(writeRequests(ctx.sandbox).sort()).toEqual([`PUT /api/v1/schedules/${idOf("fabrikam-weekend")}`, `PUT /api/v1/target-assignments/${idOf("contoso-7zip")}`]);
    expect(ctx.sandbox.schedule(idOf("fabrikam-weekend"))).toMatchObject({ rebootPreference: declared });
    expect(ctx.sandbox.deployment(idOf("contoso-7zip"))).toMatchObject({ excluded: false });
  });

  it("invalid files stop the up before any request reaches ImmyBot, with every problem of every file reported", async () => {
    const state = engine.resources;
    const original = readFileSync(join(policyDir(), "contoso.yaml"), "utf8");
    editPolicy("contoso.yaml", (doc) => {
      doc.setIn(["schedules", 0, "detectionTime"], "25:00");
      doc.setIn(["schedules", 1, "rebootPreferenc"], "Suppress");
      doc.setIn(["sessions", 0, "deployment"], "7zp");
    });
    writeFileSync(join(policyDir(), "northwind.yaml"), "tenant: Northwind IT\nschedules:\n  - name: weekly\n    target: all\n    dayOfWeek: Caturday\n");
    ctx.sandbox.clearRequests();
    try {
      const e = await engine.up(PROGRAM).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(EngineError);
      const message = (e as Error).message;
      expect(message).toMatch(/contoso\.yaml: schedules\[0\]\.detectionTime/);
      expect(message).toMatch(/contoso\.yaml: schedules\[1\]\.rebootPreferenc/);
      expect(message).toMatch(/contoso\.yaml: sessions\[0\]\.deployment/);
      expect(message).toMatch(/northwind\.yaml: schedules\[0\]\.dayOfWeek/);
      expect(ctx.sandbox.requests).toEqual([]); // not even a token or a lookup
      expect(engine.resources).toEqual(state);
    } finally {
      writeFileSync(join(policyDir(), "contoso.yaml"), original);
      rmSync(join(policyDir(), "northwind.yaml"));
    }
  });

  it("a name that does not resolve fails every resource, writes nothing and deletes nothing", async () => {
    writeFileSync(join(policyDir(), "northwind.yaml"), "tenant: Northwind\nschedules:\n  - name: weekly\n    target: all\n    detectionTime: \"03:00\"\n");
    const state = engine.resources;
    ctx.sandbox.clearRequests();
    try {
      await expect(engine.up(PROGRAM)).rejects.toThrow(/northwind\.yaml: tenant: .*Northwind IT/s);
      expect(writeRequests(ctx.sandbox)).toEqual([]);
      expect(engine.resources).toEqual(state);
    } finally {
      rmSync(join(policyDir(), "northwind.yaml"));
    }
  });

  it("destroy leaves the schedules and deployments as they were before the first up (the finished run stays, as runs do)", async () => {
    const canary = idOf("contoso-Contoso-Canary");
    const sessionsBefore = ctx.sandbox.sessions();
    ctx.sandbox.clearRequests();
    const r = await engine.destroy();
    expect(ops(r)).toEqual(without("fabrikam-chrome").map((n) => `delete ${n}`));
    const names = r.steps.map((x) => x.name); // dependents first
    expect(names.indexOf("contoso-7zip-now")).toBeLessThan(names.indexOf("contoso-7zip"));
    expect(names.indexOf("contoso-servers-7zip-nightly")).toBeLessThan(names.indexOf("contoso-7zip"));
    // The finished runs are not cancelled; the canary tag's members are removed, then the tag.
    expect(writeRequests(ctx.sandbox).filter((w) => !w.startsWith("DELETE "))).toEqual(["POST /api/v1/computers/remove-tags"]);
    expect(writeRequests(ctx.sandbox)).toContain(`DELETE /api/v1/tags/${canary}`);
    expect(ctx.clock.quiet(), "the sandbox's clock passed a 5-minute mark: next occurrences moved on").toBe(true);
    expect(ctx.sandbox.schedules()).toEqual(before.schedules);
    expect(ctx.sandbox.deployments()).toEqual(before.deployments);
    expect(ctx.sandbox.sessions()).toEqual(sessionsBefore);
    expect(engineFor().resources).toEqual([]);
    expect(await carriers(canary)).toEqual([]);
  });
});
