/**
 * The session review lookups against the sandbox over HTTP on 127.0.0.1, on a fleet of 18 sessions over a week
 * (test/helpers/session-review.ts): each filter alone and combined, the requests they send (the server filters and
 * pages; several statuses are one "or" group), paging past one page, relative windows on an injected clock, the
 * details of a session, the logs lookup, and bad arguments refused before any request.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientFor, resolveSettings } from "../../provider/client";
import { LookupError, findMaintenanceSessionLogs, findMaintenanceSessions, type MaintenanceSessionInfo, type MaintenanceSessionsLookup, type SessionLookupOptions } from "../../provider/lookups";
import { getMaintenanceSessionLogsOutput, getMaintenanceSessions, getMaintenanceSessionsOutput } from "../../sdk/lookups";
import { caught } from "../helpers/scripted-server";
import { REVIEW_NOW, useReviewFleet } from "../helpers/session-review";

const fleet = useReviewFleet();
const DX = "/api/v1/maintenance-sessions/dx";

const find = (args: MaintenanceSessionsLookup, options: SessionLookupOptions = {}) => findMaintenanceSessions(fleet.client(), args, { now: () => REVIEW_NOW, ...options });
const ALL = Array.from({ length: 18 }, (_, i) => 18 - i);
const ids = async (args: MaintenanceSessionsLookup, options: SessionLookupOptions = {}) => (await find(args, options)).sessions.map((s) => s.id);
/** The dx requests the sandbox received since the last clear, as their query parameters (filter and sort parsed). */
function dxRequests(): Record<string, unknown>[] {
  return fleet
    .sandbox()
    .requests.filter((r) => r.path === DX)
    .map((r) => ({ ...r.query, ...(r.query.filter ? { filter: JSON.parse(r.query.filter) } : {}), ...(r.query.sort ? { sort: JSON.parse(r.query.sort) } : {}) }));
}

describe("getMaintenanceSessions: each filter alone", () => {
  it("no filter: every session, newest first, sorted and filtered by the server", async () => {
    fleet.sandbox().clearRequests();
    const list = await find({});
    expect(list.sessions.map((s) => s.id)).toEqual(ALL);
    expect(list).toMatchObject({ truncated: false, from: null, to: null, statusCounts: { Passed: 13, Running: 1, Failed: 3, PartialPassed: 1 } });
    const [request] = dxRequests();
    expect(dxRequests()).toHaveLength(1);
    expect(request).toEqual({ sort: [{ selector: "createdDate", desc: true }, { selector: "id", desc: true }], skip: "0", take: "100" });
  });

  it("status: one name, several (one 'or' group in one request), any case", async () => {
    expect(await ids({ status: "Failed" })).toEqual([16, 8, 3]);
    fleet.sandbox().clearRequests();
    expect(await ids({ status: ["failed" as "Failed", "PartialPassed"] })).toEqual([16, 8, 3, 1]);
    expect(dxRequests()).toHaveLength(1);
    expect(dxRequests()[0]!.filter).toEqual([["sessionStatus", "=", 2], "or", ["sessionStatus", "=", 7]]);
  });

  it("statusGroup: Completed, Failed, InProgress", async () => {
    expect(await ids({ statusGroup: "Failed" })).toEqual([16, 8, 3, 1]);
    expect(await ids({ statusGroup: "InProgress" })).toEqual([5]);
    expect(await ids({ statusGroup: "Completed" })).toEqual(ALL.filter((id) => id !== 5));
    // With status, either matches; all fourteen statuses need no filter at all.
    expect(await ids({ statusGroup: "InProgress", status: "PartialPassed" })).toEqual([5, 1]);
    fleet.sandbox().clearRequests();
    expect(await ids({ statusGroup: ["Completed", "InProgress"] })).toEqual(ALL);
    expect(dxRequests()[0]).not.toHaveProperty("filter");
  });

  it("computer by id, or by name within a tenant (resolved through getComputer)", async () => {
    expect(await ids({ computerId: 6 })).toEqual([12, 7, 2]);
    expect(await ids({ computerName: "contoso-ws001", tenantName: "Contoso" })).toEqual([12, 7, 2]);
    expect(dxRequests().at(-1)).toMatchObject({ computerId: "6", tenantId: "2" });
    const e = await caught(find({ computerName: "CONTOSO-WS001", tenantName: "Fabrikam" }));
    expect(e).toBeInstanceOf(LookupError);
    expect((e as LookupError).message).toMatch(/No computer in tenant 4 named "CONTOSO-WS001"/);
  });

  it("tenant by id or by name; session type", async () => {
    fleet.sandbox().clearRequests();
    expect(await ids({ tenantName: "Fabrikam" })).toEqual([18, 17, 6, 5, 4]);
    expect(dxRequests()).toHaveLength(1);
    expect(dxRequests()[0]).toMatchObject({ tenantId: "4" });
    expect(dxRequests()[0]).not.toHaveProperty("filter");
    expect(await ids({ tenantId: 2 })).toEqual([16, 15, 12, 11, 10, 9, 8, 7, 3, 2, 1]);
    expect(await ids({ sessionType: "Cloud" })).toEqual([9]);
    expect(dxRequests().at(-1)).toMatchObject({ sessionType: "1" });
  });

  it("deployment: the session's own, or one of its actions' (full maintenance); read from each session, bounded", async () => {
    const { A, B, C } = fleet.deployments();
    fleet.sandbox().clearRequests();
    const list = await find({ deploymentId: String(A) });
    expect(list.sessions.map((s) => s.id)).toEqual([16, 15, 12, 11, 10, 3, 2, 1]);
    const [full, ...single] = [list.sessions.filter((s) => s.fullMaintenance), list.sessions.filter((s) => !s.fullMaintenance)];
    expect(full.map((s) => [s.id, s.deploymentId, s.actions.map((a) => a.deploymentId)])).toEqual([[16, null, [A, C]], [15, null, [A, C]]]);
    expect(single[0]!.map((s) => [s.id, s.deploymentId, s.deploymentType, s.actions.map((a) => a.deploymentId)])).toEqual(
      [12, 11, 10, 3, 2, 1].map((id) => [id, A, "Local", [A]]),
    );
    // One page, then every candidate read (18) and a last log line per match (8).
    const reads = fleet.sandbox().requests.filter((r) => /^\/api\/v1\/maintenance-sessions\/\d+$/.test(r.path)).length;
    const lastLogs = fleet.sandbox().requests.filter((r) => r.path.endsWith("/last-log")).length;
    expect([dxRequests().length, reads, lastLogs]).toEqual([1, 18, 8]);
    expect(await ids({ deploymentId: B })).toEqual([18, 17, 6, 5, 4]);
    expect(await ids({ deploymentId: C })).toEqual([16, 15]);
    expect(await ids({ deploymentId: 999 })).toEqual([]);
    // At most limit x 5 candidates are read: limit 1 before June 2 reads 5 of the 14 and says the answer may be incomplete.
    fleet.sandbox().clearRequests();
    const bounded = await find({ deploymentId: B, limit: 1, to: "2025-06-02" }, { pageSize: 3 });
    expect(bounded).toMatchObject({ sessions: [], truncated: true });
    expect(dxRequests().map((r) => [r.skip, r.take])).toEqual([["0", "3"], ["3", "2"]]);
  });

  it("schedule: the dx filter on scheduleId, by number or text", async () => {
    const S = fleet.scheduleId();
    fleet.sandbox().clearRequests();
    expect(await ids({ scheduleId: String(S) })).toEqual([18, 17]);
    expect(dxRequests()[0]!.filter).toEqual(["scheduleId", "=", S]);
    expect(await ids({ scheduleId: S + 1 })).toEqual([]);
  });

  it("window: from (inclusive) and to (exclusive), ISO dates, date-times and times ago on the injected clock", async () => {
    expect(await ids({ from: "3d" })).toEqual([18, 17, 16, 15, 14, 13, 12, 11, 10]);
    expect(await ids({ from: "2025-05-30" })).toEqual(ALL.filter((id) => id >= 4));
    expect(await ids({ to: "2025-05-30" })).toEqual([3, 2, 1]);
    expect(await ids({ from: "2025-05-30T10:01:00Z", to: "2025-05-30T12:03:00+02:00" })).toEqual([8, 7]); // 10:01 to 10:03 UTC
    fleet.sandbox().clearRequests();
    const list = await find({ from: "1w", to: "36h" });
    expect(list).toMatchObject({ from: "2025-05-26T12:00:00.000Z", to: "2025-06-01T00:00:00.000Z" });
    expect(list.sessions.map((s) => s.id)).toEqual([9, 8, 7, 6, 5, 4]);
    expect(dxRequests()[0]!.filter).toEqual([["createdDate", ">=", "2025-05-26T12:00:00.000Z"], "and", ["createdDate", "<", "2025-06-01T00:00:00.000Z"]]);
    // The same arguments on a clock two days later.
    expect(await ids({ from: "3d" }, { now: () => REVIEW_NOW + 2 * 86_400_000 })).toEqual([18, 17, 16, 15]);
    expect(await ids({ from: "5d" }, { now: () => REVIEW_NOW + 2 * 86_400_000 })).toEqual([18, 17, 16, 15, 14, 13, 12, 11, 10]);
    expect(await ids({ from: "1d" }, { now: () => REVIEW_NOW + 2 * 86_400_000 })).toEqual([]);
  });
});

describe("getMaintenanceSessions: filters combined, paging, limit", () => {
  it("combines every filter with and", async () => {
    expect(await ids({ tenantName: "Contoso", statusGroup: "Failed", from: "7d" })).toEqual([16, 8]);
    expect(await ids({ deploymentId: fleet.deployments().A, statusGroup: "Failed" })).toEqual([16, 3, 1]);
    expect(await ids({ computerName: "FAB-DC01", tenantName: "Fabrikam", scheduleId: fleet.scheduleId(), status: "Passed", from: "1d" })).toEqual([18, 17]);
    expect(await ids({ computerId: 11, sessionType: "Computer", to: "1d" })).toEqual([4]);
    expect(await ids({ computerId: 6, from: "3d" })).toEqual([12]);
    expect(await ids({ tenantId: 4, status: ["Passed", "Running"], to: "2025-06-01" })).toEqual([6, 5, 4]);
    fleet.sandbox().clearRequests();
    expect(await ids({ tenantId: 2, sessionType: "Computer", status: ["Failed", "Passed"], from: "2025-05-30", scheduleId: 3 })).toEqual([]);
    expect(dxRequests()[0]).toMatchObject({
      tenantId: "2",
      sessionType: "2",
      filter: [[["sessionStatus", "=", 0], "or", ["sessionStatus", "=", 2]], "and", ["createdDate", ">=", "2025-05-30T00:00:00.000Z"], "and", ["scheduleId", "=", 3]],
    });
  });

  it("pages past one page with skip/take, newest first, and reads limit + 1 rows to tell whether there are more", async () => {
    fleet.sandbox().clearRequests();
    expect(await ids({}, { pageSize: 4 })).toEqual(ALL);
    expect(dxRequests().map((r) => [r.skip, r.take])).toEqual([["0", "4"], ["4", "4"], ["8", "4"], ["12", "4"], ["16", "4"]]);
    fleet.sandbox().clearRequests();
    const five = await find({ limit: 5 }, { pageSize: 3 });
    expect([five.sessions.map((s) => s.id), five.truncated]).toEqual([[18, 17, 16, 15, 14], true]);
    expect(dxRequests().map((r) => [r.skip, r.take])).toEqual([["0", "3"], ["3", "3"]]);
    // Exactly `limit` matches: the extra row is asked for, none comes, so nothing was left out.
    fleet.sandbox().clearRequests();
    const fabrikam = await find({ tenantName: "Fabrikam", limit: 5 }, { pageSize: 2 });
    expect([fabrikam.sessions.map((s) => s.id), fabrikam.truncated]).toEqual([[18, 17, 6, 5, 4], false]);
    expect(dxRequests().map((r) => [r.skip, r.take])).toEqual([["0", "2"], ["2", "2"], ["4", "2"]]);
    expect((await find({ tenantName: "Fabrikam", limit: 4 })).truncated).toBe(true);
  });

  it("limit: 100 by default (101 rows asked for, to tell whether there are more), 1000 at most", async () => {
    fleet.sandbox().clearRequests();
    expect((await find({ status: "Passed" }, { pageSize: 1000 })).sessions).toHaveLength(13);
    await find({ status: "Passed", limit: 1000 }, { pageSize: 1000 });
    await find({ status: "Passed", limit: 1000 });
    expect(dxRequests().map((r) => r.take)).toEqual(["101", "1000", "100"]);
  });
});

describe("getMaintenanceSessions: what each session carries", () => {
  it("statuses, stages, computer and tenant, times, actions with their deployment, origin and last log line", async () => {
    const { A, B, C } = fleet.deployments();
    const { sessions } = await find({ computerId: 8 });
    expect(sessions.map((s) => s.id)).toEqual([16, 3]);
    const [full, failed] = sessions as [MaintenanceSessionInfo, MaintenanceSessionInfo];
    expect(failed).toMatchObject({
      id: 3,
      status: "Failed",
      stages: { detection: "Passed", execution: "Failed", onboarding: "Created" },
      computerId: 8,
      computerName: "CONTOSO-LT022",
      tenantId: 2,
      tenantName: "Contoso",
      createdAt: "2025-05-26T09:00:00.000Z",
      scheduledExecutionAt: null,
      finishedAt: "2025-05-26T09:00:32.000Z",
      durationSeconds: 32,
      fullMaintenance: false,
      onboarding: false,
      scheduleId: null,
      deploymentId: A,
      deploymentType: "Local",
      startedBy: "Sandbox API",
      lastLog: "Install failed: the installer exited with code 1603",
    });
    expect(failed.sessionGroupId).toMatch(/^[0-9a-f-]{36}$/);
    expect(failed.actions).toEqual([expect.objectContaining({ item: "7-Zip", actionType: "Install", result: "Failed", deploymentId: A, deploymentType: "Local" })]);
    expect(failed).not.toHaveProperty("startedByThisRun");
    // Full maintenance: no deployment of its own, one action per deployment that applies.
    expect(full).toMatchObject({ status: "Failed", fullMaintenance: true, deploymentId: null, scheduleId: null, createdAt: "2025-06-02T06:00:00.000Z" });
    expect(full.actions.map((a) => [a.item, a.result, a.deploymentId, a.deploymentType])).toEqual([
      ["7-Zip", "Failed", A, "Local"],
      ["Google Chrome", "Failed", C, "Local"],
    ]);
    // Started by a schedule: at its time (nobody), and by run-now through the API.
    const bySchedule = (await find({ scheduleId: fleet.scheduleId() })).sessions;
    expect(bySchedule.map((s) => [s.id, s.scheduleId, s.startedBy, s.fullMaintenance, s.actions.map((a) => a.deploymentId)])).toEqual([
      [18, fleet.scheduleId(), "Sandbox API", true, [B]],
      [17, fleet.scheduleId(), null, true, [B]],
    ]);
    const [cloud] = (await find({ sessionType: "Cloud" })).sessions;
    expect(cloud).toMatchObject({ fullMaintenance: true, computerId: null, tenantName: "Contoso", deploymentId: null, deploymentType: null, actions: [], status: "Passed" });
    const [running] = (await find({ statusGroup: "InProgress" })).sessions;
    expect(running).toMatchObject({ id: 5, status: "Running", finishedAt: null, durationSeconds: null, lastLog: "Waiting for the installer to finish" });
  });
});

describe("getMaintenanceSessionLogs", () => {
  it("every line, oldest first, with time, type and action; the newest `limit`; one action's lines", async () => {
    const all = await findMaintenanceSessionLogs(fleet.client(), { sessionId: 3 });
    expect(all.lines.length).toBeGreaterThan(3);
    expect(all.truncated).toBe(false);
    expect(all.lines.map((l) => l.time)).toEqual([...all.lines.map((l) => l.time)].sort());
    expect(all.lines.at(-1)).toMatchObject({ message: "Install failed: the installer exited with code 1603", type: "Error", actionId: 3 });
    expect(all.lines.some((l) => l.actionId === null)).toBe(true);
    const last2 = await findMaintenanceSessionLogs(fleet.client(), { sessionId: 3, limit: 2 });
    expect(last2).toEqual({ sessionId: 3, lines: all.lines.slice(-2), truncated: true });
    const action = await findMaintenanceSessionLogs(fleet.client(), { sessionId: 3, actionId: 3 });
    expect(action.lines.length).toBeGreaterThan(0);
    expect(action.lines.length).toBeLessThan(all.lines.length);
    expect(action.lines.every((l) => l.actionId === 3)).toBe(true);
    expect((await findMaintenanceSessionLogs(fleet.client(), { sessionId: 3, actionId: 99 })).lines).toEqual([]);
  });

  it("a full-maintenance session's lines, split by its actions", async () => {
    const [seven, chrome] = (await find({ computerId: 8, from: "1d" })).sessions[0]!.actions.map((a) => a.id);
    const all = (await findMaintenanceSessionLogs(fleet.client(), { sessionId: 16 })).lines;
    const bySeven = (await findMaintenanceSessionLogs(fleet.client(), { sessionId: 16, actionId: seven })).lines;
    const byChrome = (await findMaintenanceSessionLogs(fleet.client(), { sessionId: 16, actionId: chrome })).lines;
    expect([bySeven.length > 0, byChrome.length > 0]).toEqual([true, true]);
    expect(bySeven.some((l) => /7-Zip/.test(l.message))).toBe(true);
    expect(byChrome.some((l) => /Chrome/.test(l.message))).toBe(true);
    expect([...bySeven, ...byChrome].every((l) => all.some((x) => x.id === l.id))).toBe(true);
    expect(all.length).toBeGreaterThan(bySeven.length + byChrome.length);
  });

  it("a session ImmyBot does not have is none", async () => {
    const e = await caught(findMaintenanceSessionLogs(fleet.client(), { sessionId: 4242 }));
    expect(e).toMatchObject({ code: "IMMYBOT_LOOKUP_NONE", message: "No maintenance session with id 4242." });
  });
});

describe("bad arguments fail before any request, naming the argument and the fix", () => {
  it.each<[string, unknown, RegExp]>([
    ["an unknown status", { status: "Faild" }, /^Maintenance sessions lookup: status "Faild" is not a session status; did you mean "Failed"\?$/],
    ["an unknown status among good ones", { status: ["Passed", "Runing"] }, /status "Runing" is not a session status; did you mean "Running"\?/],
    ["an unknown group", { statusGroup: "InProgres" }, /statusGroup "InProgres" is not a status group; did you mean "InProgress"\?/],
    ["an empty status list", { status: [] }, /status is an empty list/],
    ["from after to", { from: "2025-06-01", to: "2025-05-01" }, /from 2025-06-01T00:00:00.000Z is not before to \(2025-05-01T00:00:00.000Z\): swap them/],
    ["a relative from after a relative to", { from: "1d", to: "2d" }, /from 2025-06-01T12:00:00.000Z is not before to/],
    ["a window that is no moment", { from: "yesterday" }, /from "yesterday" is not a moment; write ISO 8601 .* or a time ago \("7d"/],
    ["a date-time without its zone", { to: "2025-06-01T10:00" }, /to "2025-06-01T10:00" is not a moment: add Z \(UTC\) or an offset/],
    ["a date that does not exist", { from: "2025-02-30" }, /from "2025-02-30" is not a moment/],
    ["limit 0", { limit: 0 }, /limit must be from 1 to 1000; got 0/],
    ["limit above the maximum", { limit: 1001 }, /limit must be from 1 to 1000; got 1001: narrow the window/],
    ["a limit that is no whole number", { limit: 2.5 }, /limit must be a whole number from 1 to 1000; got 2.5/],
    ["computer by id and by name", { computerId: 6, computerName: "PC" }, /computerName cannot be given with computerId: give one of them/],
    ["tenant by id and by name", { tenantId: 2, tenantName: "Contoso" }, /tenantName cannot be given with tenantId/],
    ["a tenant's name where the id belongs", { tenantId: "Contoso" }, /tenantId "Contoso" is not a tenant id: give the tenant's id .* \(getTenant\(\{ name \}\)\.id\)/],
    ["a deployment id that is no id", { deploymentId: "chrome" }, /deploymentId "chrome" is not a deployment id: give its id/],
    ["an unknown session type", { sessionType: "Cloudy" }, /sessionType must be one of "Cloud", "Computer", "Person"; got "Cloudy"; did you mean "Cloud"\?/],
    ["an unknown argument", { tenant: "Contoso" }, /tenant is not a known property; did you mean "tenantId"\?/],
  ])("%s", async (_what, args, message) => {
    fleet.sandbox().clearRequests();
    const e = await caught(find(args as MaintenanceSessionsLookup));
    expect(e).toBeInstanceOf(LookupError);
    expect(e).toMatchObject({ code: "IMMYBOT_LOOKUP_ARGS" });
    expect((e as Error).message).toMatch(message);
    expect(fleet.sandbox().requests).toEqual([]);
  });

  it("every problem at once; and the logs lookup's arguments", async () => {
    fleet.sandbox().clearRequests();
    const e = await caught(find({ status: "Faild", limit: 0, from: "soon" } as unknown as MaintenanceSessionsLookup));
    expect((e as Error).message).toMatch(/status .*; limit .*; from .*|status .*; from .*; limit .*/);
    for (const [args, message] of [
      [{}, /sessionId is required/],
      [{ sessionId: 3, limit: 5001 }, /limit must be from 1 to 5000; got 5001/],
      [{ sessionId: "three" }, /sessionId "three" is not a session id/],
      [{ sessionId: 3, actionId: -1 }, /actionId -1 is not a maintenance action id/],
    ] as const) {
      const err = await caught(findMaintenanceSessionLogs(fleet.client(), args as never));
      expect(err).toMatchObject({ code: "IMMYBOT_LOOKUP_ARGS" });
      expect((err as Error).message).toMatch(message);
    }
    expect(fleet.sandbox().requests).toEqual([]);
  });
});

describe("the SDK functions a program calls (settings from IMMYBOT_* variables), and their Output forms", () => {
  const saved = { ...process.env };
  beforeAll(() => {
    Object.assign(process.env, fleet.env());
    pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: () => ({}) }, "immybot-test", "dev", true);
  });
  afterAll(async () => {
    for (const k of Object.keys(fleet.env())) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    // The SDK's shared client only (closeAll would close the fleet's too).
    await clientFor(resolveSettings(() => undefined, fleet.env())).close();
  });
  const value = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

  it("getMaintenanceSessions / getMaintenanceSessionLogs and the Output forms over Pulumi inputs", async () => {
    const list = await getMaintenanceSessions({ tenantName: "Fabrikam", statusGroup: "Completed", from: "2025-05-01" });
    expect(list.sessions.map((s) => s.id)).toEqual([18, 17, 6, 4]);
    const running = getMaintenanceSessionsOutput({ tenantName: pulumi.output(Promise.resolve("Fabrikam")), status: [pulumi.output("Running" as const)] });
    expect((await value(running)).sessions.map((s) => [s.id, s.computerName])).toEqual([[5, "FAB-WS101"]]);
    const log = getMaintenanceSessionLogsOutput({ sessionId: pulumi.output(3), limit: 1 });
    expect(await value(log)).toMatchObject({ sessionId: 3, truncated: true, lines: [{ message: "Install failed: the installer exited with code 1603" }] });
  });

  it("a bad argument is a plain message for `pulumi up` (no stack trace), before any request", async () => {
    fleet.sandbox().clearRequests();
    const e = await caught(getMaintenanceSessions({ status: "Passd" as never }));
    expect(e.message).toMatch(/status "Passd" is not a session status; did you mean "Passed"\?/);
    expect(pulumi.RunError.isInstance(e)).toBe(true);
    expect(fleet.sandbox().requests).toEqual([]);
  });
});
