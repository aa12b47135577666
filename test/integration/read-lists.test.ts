/**
 * Reads served from one list per scope per run (provider/read-lists.ts), in-process against the sandbox: the
 * lifecycle's `read` of Schedule and Deployment, with the sandbox's request log as the witness. Objects are made and
 * changed by hand in the sandbox (not writes of this process) unless a test says otherwise. Each test starts with a
 * new client, as a new provider host would.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeAll } from "../../provider/client";
import { configure } from "../../provider/context";
import { parseInputs } from "../../provider/check";
import * as deployment from "../../provider/deployment";
import { fromList } from "../../provider/read-lists";
import * as schedule from "../../provider/schedule";
import { Sandbox } from "../../sandbox/server";

let sandbox: Sandbox;
const PROVIDER = "exports.handler = () => require('pulumi-immybot/dist/provider')";

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0 });
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  const config: Record<string, string> = {
    "immybot:baseUrl": baseUrl,
    "immybot:tokenUrl": tokenUrl,
    "immybot:clientId": clientId,
    "immybot:clientSecret": clientSecret,
    "immybot:leftoverMinutes": "0",
  };
  configure({ get: (k) => config[k] });
});
beforeEach(async () => {
  await closeAll(); // a new client: no list of an earlier test
  for (const s of sandbox.schedules()) sandbox.deleteSchedule(s.id);
  for (const d of sandbox.deployments()) sandbox.deleteDeployment(d.id);
  sandbox.clearRequests();
});
afterAll(async () => {
  await closeAll();
  await sandbox?.stop();
});

/** A schedule made by hand in tenant `tenantId` (undefined: for all tenants), detected at minute `i`. */
function handMadeSchedule(i: number, tenantId?: number): { id: string; props: Record<string, unknown> } {
  const time = `20:${String(i % 60).padStart(2, "0")}`;
  const target = tenantId === undefined ? { targetType: "All" } : { targetType: "AllForTenant", tenantId };
  const s = sandbox.createSchedule({ ...target, time, maintenanceTime: "22:00", offlineBehavior: "Skip" });
  return { id: String(s.id), props: { ...target, detectionTime: time } };
}

/** A deployment of software 303 made by hand in tenant `tenantId` (undefined: cross-tenant). */
function handMadeDeployment(tenantId?: number): { id: string; props: Record<string, unknown> } {
  const target = tenantId === undefined ? { targetType: "All" } : { targetType: "AllForTenant", tenantId };
  const d = sandbox.createDeployment({ ...target, maintenanceType: "GlobalSoftware", maintenanceIdentifier: "303", desiredSoftwareState: "LatestVersion", softwareProviderType: "Inherent", targetEnforcement: "Required" });
  return { id: String(d.id), props: { ...target, software: { id: "303", desiredState: "LatestVersion" } } };
}

/** The API requests since the last clearRequests(), as "GET /path?query". */
function apiRequests(): string[] {
  return sandbox.requests
    .filter((r) => r.path.startsWith("/api/"))
    .map((r) => `${r.method} ${r.path}${Object.keys(r.query).length ? `?${new URLSearchParams(r.query)}` : ""}`);
}

const schedules = (query = "") => `GET /api/v1/schedules${query}`;
const deployments = (filter: string, page = 1) => `GET /api/v1/target-assignments?${new URLSearchParams({ Filters: filter, Page: String(page), PageSize: "1000" })}`;

describe("reads share one list per scope per run", () => {
  it("reads 50 schedules of two tenants with one list each, every one as ImmyBot holds it", async () => {
    const made = Array.from({ length: 50 }, (_, i) => handMadeSchedule(i, i < 30 ? 3 : 4));
    const read = await Promise.all(made.map((m) => schedule.lifecycle.read(m.id, m.props)));
    expect(read.map((r) => r.id)).toEqual(made.map((m) => m.id));
    expect(read.map((r) => r.props?.detectionTime)).toEqual(made.map((m) => m.props.detectionTime));
    expect(read.map((r) => r.inputs?.tenantId)).toEqual(made.map((m) => m.props.tenantId));
    expect(apiRequests().sort()).toEqual([schedules("?tenantId=3"), schedules("?tenantId=4")]);
  });

  it("tenant scope: a tenant's deployments from the tenant's list, cross-tenant ones from the list without a tenant", async () => {
    const made = [handMadeDeployment(3), handMadeDeployment(3), handMadeDeployment(), handMadeDeployment(4)];
    const crossTenantSchedule = handMadeSchedule(1);
    const read = await Promise.all(made.map((m) => deployment.lifecycle.read(m.id, m.props)));
    expect(read.map((r) => r.id)).toEqual(made.map((m) => m.id));
    expect(read.map((r) => r.inputs?.tenantId)).toEqual([3, 3, undefined, 4]);
    expect((await schedule.lifecycle.read(crossTenantSchedule.id, crossTenantSchedule.props)).id).toBe(crossTenantSchedule.id);
    expect(apiRequests().sort()).toEqual([deployments("tenantId==3"), deployments("tenantId==4"), deployments("tenantId==null"), schedules()].sort());
  });

  it("pages past one page of a long list", async () => {
    const made = Array.from({ length: 1001 }, () => handMadeDeployment(2));
    const picked = [made[0]!, made[999]!, made[1000]!];
    const read = await Promise.all(picked.map((m) => deployment.lifecycle.read(m.id, m.props)));
    expect(read.map((r) => r.id)).toEqual(picked.map((m) => m.id));
    expect(apiRequests()).toEqual([deployments("tenantId==2", 1), deployments("tenantId==2", 2)]);
  });

  it("reads by id what has no scope in state (Schedule.get, import)", async () => {
    const m = handMadeSchedule(5, 3);
    expect((await schedule.lifecycle.read(m.id, {})).props).toMatchObject({ tenantId: 3, detectionTime: "20:05" });
    expect(apiRequests()).toEqual([`GET /api/v1/schedules/${m.id}`]);
  });
});

describe("what the lists find", () => {
  it("a schedule and a deployment deleted by hand are missing from their lists, confirmed gone by one GET each", async () => {
    const [kept, gone] = [handMadeSchedule(1, 3), handMadeSchedule(2, 3)];
    const [keptD, goneD] = [handMadeDeployment(3), handMadeDeployment(3)];
    sandbox.deleteSchedule(Number(gone.id));
    sandbox.deleteDeployment(Number(goneD.id));
    const read = await Promise.all([kept, gone].map((m) => schedule.lifecycle.read(m.id, m.props)));
    const readD = await Promise.all([keptD, goneD].map((m) => deployment.lifecycle.read(m.id, m.props)));
    expect(read.map((r) => r.id)).toEqual([kept.id, ""]);
    expect(readD.map((r) => r.id)).toEqual([keptD.id, ""]);
    expect(apiRequests().sort()).toEqual(
      [schedules("?tenantId=3"), `GET /api/v1/schedules/${gone.id}`, deployments("tenantId==3"), `GET /api/v1/target-assignments/${goneD.id}`].sort(),
    );
  });

  it("changes made by hand show in what is read (drift found)", async () => {
    const [a, b] = [handMadeSchedule(1, 3), handMadeSchedule(2, 3)];
    const d = handMadeDeployment(3);
    sandbox.editSchedule(Number(b.id), { rebootPreference: "Suppress", time: "18:00" });
    sandbox.editDeployment(Number(d.id), { excluded: true, desiredSoftwareState: "NotPresent" });
    const [ra, rb] = await Promise.all([a, b].map((m) => schedule.lifecycle.read(m.id, m.props)));
    expect(ra!.inputs).toMatchObject({ detectionTime: "20:01", rebootPreference: "Normal" });
    expect(rb!.inputs).toMatchObject({ detectionTime: "18:00", rebootPreference: "Suppress" });
    expect((await deployment.lifecycle.read(d.id, d.props)).inputs).toMatchObject({ disabled: true, software: { desiredState: "NotPresent" } });
  });

  it("an object created after its scope was listed, or moved to another tenant by hand, is found by one GET", async () => {
    const first = handMadeSchedule(1, 3);
    const moved = handMadeSchedule(2, 3);
    sandbox.editSchedule(Number(moved.id), { tenantId: 4 });
    expect((await schedule.lifecycle.read(first.id, first.props)).id).toBe(first.id);
    const later = handMadeSchedule(3, 3); // made while the run reads: not in the list it fetched
    expect((await schedule.lifecycle.read(later.id, later.props)).inputs).toMatchObject({ tenantId: 3, detectionTime: "20:03" });
    expect((await schedule.lifecycle.read(moved.id, moved.props)).inputs).toMatchObject({ tenantId: 4 });
    expect(apiRequests()).toEqual([schedules("?tenantId=3"), `GET /api/v1/schedules/${later.id}`, `GET /api/v1/schedules/${moved.id}`]);
  });
});

describe("a list is never older than the run, nor than a write of this process", () => {
  it("a second read of an object the list already served (a later run in the same process) fetches the list again", async () => {
    const [a, b] = [handMadeSchedule(1, 3), handMadeSchedule(2, 3)];
    await schedule.lifecycle.read(a.id, a.props);
    await schedule.lifecycle.read(b.id, b.props);
    sandbox.editSchedule(Number(a.id), { time: "19:00" });
    sandbox.editSchedule(Number(b.id), { time: "19:30" });
    expect((await schedule.lifecycle.read(a.id, a.props)).inputs).toMatchObject({ detectionTime: "19:00" });
    expect((await schedule.lifecycle.read(b.id, b.props)).inputs).toMatchObject({ detectionTime: "19:30" });
    expect(apiRequests()).toEqual([schedules("?tenantId=3"), schedules("?tenantId=3")]);
  });

  it("after a write of this process, the next read fetches the list again and sees changes made since", async () => {
    const [a, b, c] = [handMadeSchedule(1, 3), handMadeSchedule(2, 3), handMadeSchedule(3, 3)];
    await schedule.lifecycle.read(a.id, a.props);
    const news = { ...parseInputs(schedule.model, { targetType: "AllForTenant", tenantId: 3, detectionTime: "20:02", executionTime: "23:00" }).inputs, __provider: PROVIDER };
    await schedule.lifecycle.update(b.id, b.props, news);
    sandbox.editSchedule(Number(c.id), { time: "17:00" });
    expect((await schedule.lifecycle.read(b.id, b.props)).inputs).toMatchObject({ executionTime: "23:00" });
    expect((await schedule.lifecycle.read(c.id, c.props)).inputs).toMatchObject({ detectionTime: "17:00" });
    expect(apiRequests()).toEqual([schedules("?tenantId=3"), `PUT /api/v1/schedules/${b.id}`, schedules("?tenantId=3")]);
  });
});

describe("fromList (the rules, with a stand-in client)", () => {
  /** A client stand-in: only the write generation is read. */
  const standIn = () => {
    let generation = 0;
    return { api: { writeGeneration: () => generation } as never, write: () => generation++ };
  };
  const deferred = <T,>() => {
    let resolve!: (v: T) => void;
    const promise = new Promise<T>((r) => (resolve = r));
    return { promise, resolve };
  };

  it("a list whose answer arrives after a write began is not used; the next read fetches it again", async () => {
    const { api, write } = standIn();
    const answer = deferred<Record<string, unknown>[]>();
    let fetches = 0;
    const scope = { key: "tenant 3", fetch: () => (fetches++ === 0 ? answer.promise : Promise.resolve([{ id: 1, v: "new" }])) };
    const pending = fromList(api, "Schedule", scope, "1");
    write(); // a PUT sent while the list is on its way
    answer.resolve([{ id: 1, v: "old" }]);
    expect(await pending).toBeUndefined(); // the caller reads it by id instead
    expect(await fromList(api, "Schedule", scope, "1")).toEqual({ id: 1, v: "new" });
    expect(fetches).toBe(2);
  });

  it("reads waiting for the same list share its one request; a failed list falls back to a GET per read until the next write", async () => {
    const { api, write } = standIn();
    let fetches = 0;
    const failing = { key: "tenant 3", fetch: () => (fetches++, Promise.reject(new Error("500"))) };
    expect(await Promise.all(["1", "2", "3"].map((id) => fromList(api, "Schedule", failing, id)))).toEqual([undefined, undefined, undefined]);
    expect(fetches).toBe(1);
    write();
    await fromList(api, "Schedule", failing, "4");
    expect(fetches).toBe(2);
  });
});
