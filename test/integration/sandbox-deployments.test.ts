/**
 * Deployments (ImmyBot's local target assignments) in the sandbox over real HTTP on 127.0.0.1: the bodies the
 * provider's `toWire` sends, the wire format of the answers, Sieve paging and filters, full-replace PUT, notes,
 * the 400s the server checks against the seed, 404s, the target preview, password parameters echoed in clear
 * text, out-of-band helpers, and deployments that survive a restart (options and CLI `--state`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseInputs } from "../../provider/check";
import { model, toWire } from "../../provider/deployment";
import { DesiredSoftwareState, MaintenanceTaskMode, MaintenanceType, SoftwareProviderType, TargetCategory, TargetEnforcement, TargetGroupFilter, TargetType } from "../../sandbox/enums";
import { Sandbox, SandboxValidationError, type SandboxOptions } from "../../sandbox/server";
import { useSandboxCli } from "../helpers/sandbox-cli";
import { api, tokenFor, useSandboxes, type Answer } from "../helpers/sandbox-http";
import { useTempDir } from "../helpers/temp-dir";

// The sandbox's own tables (checked against the spec): request bodies read as names and carry the integers.
const M = MaintenanceType.values;
const T = TargetType.values;
const C = TargetCategory.values;
const F = TargetGroupFilter.values;
const S = DesiredSoftwareState.values;
const P = SoftwareProviderType.values;
const Mode = MaintenanceTaskMode.values;
const E = TargetEnforcement.values;

const LIST = "/api/v1/target-assignments";
const PREVIEW = `${LIST}/target-preview`;
const PASSWORD = "BIOS-pa55word-in-clear-text";

/** The body the provider sends for these Deployment arguments (its own check and toWire). */
function providerBody(args: Record<string, unknown>, id?: number): Record<string, unknown> {
  const parsed = parseInputs(model, args);
  expect(parsed.failures).toEqual([]);
  return toWire(parsed.value!, id);
}

const chrome = { software: { id: "303", desiredState: "LatestVersion" }, targetType: "AllForTenant", tenantId: 2 };
const bios = { task: { id: "7", scope: "Local" }, parameters: { AdminPassword: PASSWORD, Enforce: true }, targetType: "Tag", target: "1" };

/** A valid software deployment with every field explicit and enums as the spec's integers; tests change one thing at a time. */
const software: Record<string, unknown> = {
  maintenanceType: M.GlobalSoftware,
  maintenanceIdentifier: "303",
  targetType: T.AllForTenant,
  target: null,
  targetCategory: C.Computer,
  targetGroupFilter: F.All,
  tenantId: 2,
  propagateToChildTenants: false,
  allowAccessToParentTenant: false,
  providerLinkId: null,
  providerClientGroupType: null,
  providerDeviceGroupType: null,
  desiredSoftwareState: S.LatestVersion,
  softwareSemanticVersion: null,
  softwareProviderType: P.Inherent,
  maintenanceTaskMode: Mode.Enforce,
  taskParameterValues: null,
  targetEnforcement: E.Required,
  onboardingOnly: false,
  excluded: false,
  licenseId: null,
  providerLinkIdForMaintenanceItem: null,
  visibility: { selfService: false, technicianPod: false },
};

const task: Record<string, unknown> = {
  ...software,
  maintenanceType: M.LocalMaintenanceTask,
  maintenanceIdentifier: "7",
  targetType: T.Tag,
  target: "1",
  tenantId: null,
  desiredSoftwareState: S.NoAction,
  taskParameterValues: { AdminPassword: { value: PASSWORD, allowOverride: false, requiresOverride: false }, Enforce: { value: true, allowOverride: false, requiresOverride: false } },
};

const start = useSandboxes();

type Call = (method: string, path: string, body?: unknown) => Promise<Answer>;

async function ready(options: SandboxOptions = {}): Promise<{ sandbox: Sandbox; call: Call }> {
  const sandbox = await start(options);
  const token = await tokenFor(sandbox.info);
  return { sandbox, call: (method, path, body) => api(sandbox.info.baseUrl, token, method, path, body) };
}

/** A 200 with a body; returns the body. */
async function ok(answer: Promise<Answer>): Promise<any> {
  const a = await answer;
  expect(a.status, a.text).toBe(200);
  return a.json;
}

const ids = (rows: { id: number }[]): number[] => rows.map((r) => r.id);

describe("deployments on the wire", () => {
  it("accepts exactly what the provider's toWire sends, and answers a LocalTargetAssignmentResource with integers", async () => {
    const now = new Date("2025-06-02T10:00:00Z");
    const { call } = await ready({ now: () => now });
    const body = providerBody(chrome);
    expect(body).toMatchObject({ desiredSoftwareState: 5, softwareSemanticVersion: null, softwareProviderType: 3, maintenanceTaskMode: 0, taskParameterValues: null });
    const created = await ok(call("POST", LIST, body));
    expect(created).toMatchObject({
      id: 1,
      maintenanceType: 0,
      maintenanceIdentifier: "303",
      targetType: 21,
      targetCategory: 0,
      targetGroupFilter: 0,
      tenantId: 2,
      desiredSoftwareState: 5,
      softwareProviderType: 3,
      maintenanceTaskMode: 0,
      targetEnforcement: 1,
      databaseType: 1,
      isCore: false,
      sortOrder: 1,
      licenseName: null,
      softwareSemanticVersionString: null,
      taskParameterValues: null,
      visibility: { selfService: false, technicianPod: false },
      createdDateUTC: "2025-06-02T10:00:00.000Z",
      updatedDateUTC: "2025-06-02T10:00:00.000Z",
      updatedBy: "Sandbox API",
      targetText: "All Computers for Tenant: Contoso",
      targetTypeName: "All Computers for Tenant",
      targetScopeName: "Single Tenant",
      targetMissing: false,
      tenantMissing: false,
      notes: null,
    });
    expect(created).not.toHaveProperty("softwareSemanticVersion");

    const task7 = await ok(call("POST", LIST, providerBody(bios)));
    expect(task7).toMatchObject({ id: 2, maintenanceType: 5, maintenanceIdentifier: "7", desiredSoftwareState: 6, targetType: 30, target: "1", targetName: "Canary", targetText: "Tag: Canary" });

    const versioned = await ok(call("POST", LIST, providerBody({ ...chrome, software: { id: "303", desiredState: "ThisVersion", version: "24.08" }, selfService: true })));
    expect(versioned).toMatchObject({
      desiredSoftwareState: 3,
      softwareSemanticVersionString: "24.08",
      softwareSemanticVersion: { major: 24, minor: 8, patch: 0, releaseLabels: [], release: "", isPrerelease: false, hasMetadata: false, metadata: null },
      visibility: { selfService: true, technicianPod: false },
    });

    const put = await ok(call("PUT", `${LIST}/1`, providerBody({ ...chrome, software: { id: "303", desiredState: "UpdateIfFound" }, disabled: true, technicianTools: true }, 1)));
    expect(put).toMatchObject({ id: 1, desiredSoftwareState: 7, excluded: true, visibility: { selfService: false, technicianPod: true } });
  });

  it("takes enums as integers and refuses names with a 400 keyed by JSON path, as the spec types them", async () => {
    const { sandbox, call } = await ready();
    const byInt = { maintenanceType: 0, targetType: 21, targetCategory: 0, targetGroupFilter: 0, desiredSoftwareState: 5, softwareProviderType: 3, maintenanceTaskMode: 0, targetEnforcement: 1 };
    expect(await ok(call("POST", LIST, { ...software, ...byInt }))).toMatchObject(byInt);
    const byName = await call("POST", LIST, { ...software, desiredSoftwareState: "LatestVersion", targetEnforcement: "1" });
    expect(byName.status).toBe(400);
    expect(Object.keys(byName.json.errors).sort()).toEqual(["$.desiredSoftwareState", "$.targetEnforcement", "request"]);
    expect(byName.json.errors["$.desiredSoftwareState"][0]).toMatch(/could not be converted to DesiredSoftwareState \(an integer: one of NewerOrEqualVersion \(0\).*\)\. Path: \$\.desiredSoftwareState\. Got "LatestVersion"\./);
    const preview = await call("POST", PREVIEW, { targetType: "All" });
    expect(preview.json.errors["$.targetType"][0]).toMatch(/TargetType \(an integer/);
    expect(sandbox.deployments()).toHaveLength(1);
  });

  it("with acceptEnumNames also takes names in any case and integers in a string (API notes §1.7)", async () => {
    const { call } = await ready({ acceptEnumNames: true });
    for (const changes of [
      { maintenanceType: "globalsoftware", desiredSoftwareState: "LATESTVERSION", targetEnforcement: "required", softwareProviderType: "Inherent" },
      { maintenanceType: "0", desiredSoftwareState: "5", targetEnforcement: "1" },
    ]) {
      expect(await ok(call("POST", LIST, { ...software, ...changes }))).toMatchObject({ maintenanceType: 0, targetType: 21, desiredSoftwareState: 5, targetEnforcement: 1, softwareProviderType: 3 });
    }
    expect(await ok(call("POST", PREVIEW, { targetType: "all", targetGroupFilter: "Servers" }))).toHaveLength(6);
  });

  it("echoes taskParameterValues in clear text, password parameters included, on every read", async () => {
    const { sandbox, call } = await ready();
    const created = await ok(call("POST", LIST, task));
    const expected = { AdminPassword: { value: PASSWORD, allowOverride: false, requiresOverride: false }, Enforce: { value: true, allowOverride: false, requiresOverride: false } };
    expect(created.taskParameterValues).toEqual(expected);
    expect((await ok(call("GET", `${LIST}/${created.id}`))).taskParameterValues).toEqual(expected);
    expect((await ok(call("GET", LIST)))[0].taskParameterValues).toEqual(expected);
    expect(sandbox.deployment(created.id)!.taskParameterValues).toEqual(expected);
  });

  it("keeps parameter values of any JSON type, and flags left out as null", async () => {
    const { call } = await ready();
    const values = { Drives: { value: { H: "\\\\fs01\\home", S: "\\\\fs01\\shared" } }, Persistent: { value: false, allowOverride: true } };
    const created = await ok(call("POST", LIST, { ...task, maintenanceIdentifier: "8", taskParameterValues: values }));
    expect(created.taskParameterValues).toEqual({
      Drives: { value: { H: "\\\\fs01\\home", S: "\\\\fs01\\shared" }, allowOverride: null, requiresOverride: null },
      Persistent: { value: false, allowOverride: true, requiresOverride: null },
    });
  });

  it("takes a software's configuration-task parameters, and names in any case", async () => {
    const { call } = await ready();
    const lob = {
      ...software,
      maintenanceType: M.LocalSoftware,
      maintenanceIdentifier: "2",
      taskParameterValues: { ServerUrl: { value: "https://lob.contoso.example" }, licensekey: { value: "LOB-KEY-123" } },
    };
    expect(await ok(call("POST", LIST, lob))).toMatchObject({ maintenanceType: 1, taskParameterValues: { licensekey: { value: "LOB-KEY-123" } } });
  });

  it("matches routes without regard to case or a trailing slash", async () => {
    const { call } = await ready();
    expect((await call("POST", "/API/V1/Target-Assignments/", software)).status).toBe(200);
    expect((await ok(call("GET", "/api/v1/target-assignments/1/"))).id).toBe(1);
  });
});

describe("Sieve paging and filters on GET /target-assignments", () => {
  async function withFive(): Promise<Call> {
    const { call } = await ready();
    await ok(call("POST", LIST, software)); // 1: 7-Zip for Contoso
    await ok(call("POST", LIST, { ...software, tenantId: 4 })); // 2: 7-Zip for Fabrikam
    await ok(call("POST", LIST, { ...software, maintenanceIdentifier: "114" })); // 3: Chrome for Contoso
    await ok(call("POST", LIST, task)); // 4: BIOS task on the Canary tag
    await ok(call("POST", LIST, { ...software, maintenanceType: M.LocalSoftware, maintenanceIdentifier: "1", targetType: T.All, tenantId: null })); // 5: local Chrome
    return call;
  }

  it("pages with Page (from 1) and PageSize, answering a bare array without a total", async () => {
    const call = await withFive();
    expect(ids(await ok(call("GET", LIST)))).toEqual([1, 2, 3, 4, 5]);
    expect(ids(await ok(call("GET", `${LIST}?Page=1&PageSize=2`)))).toEqual([1, 2]);
    expect(ids(await ok(call("GET", `${LIST}?Page=3&PageSize=2`)))).toEqual([5]);
    expect(await ok(call("GET", `${LIST}?Page=4&PageSize=2`))).toEqual([]);
    expect(ids(await ok(call("GET", `${LIST}?pagesize=3`)))).toEqual([1, 2, 3]); // names in any case; Page defaults to 1
  });

  it("refuses Page or PageSize below 1, and values that are not numbers", async () => {
    const call = await withFive();
    for (const [query, field, message] of [
      ["Page=0&PageSize=2", "Page", "The field Page must be between 1 and 2147483647."],
      ["PageSize=0", "PageSize", "The field PageSize must be between 1 and 2147483647."],
      ["PageSize=-5", "PageSize", "The field PageSize must be between 1 and 2147483647."],
      ["Page=two", "Page", "The value 'two' is not valid."],
    ] as const) {
      const answer = await call("GET", `${LIST}?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.json.errors[field]).toEqual([message]);
    }
  });

  it("filters with == on id, maintenanceIdentifier, maintenanceType (name or integer) and tenantId; a comma is AND", async () => {
    const call = await withFive();
    const filtered = async (filters: string) => ids(await ok(call("GET", `${LIST}?Filters=${encodeURIComponent(filters)}`)));
    expect(await filtered("maintenanceIdentifier==303")).toEqual([1, 2]);
    expect(await filtered("id==3")).toEqual([3]);
    expect(await filtered("tenantId==4")).toEqual([2]);
    expect(await filtered("tenantId==null")).toEqual([4, 5]);
    expect(await filtered("maintenanceType==LocalMaintenanceTask")).toEqual([4]);
    expect(await filtered("maintenanceType==0")).toEqual([1, 2, 3]);
    expect(await filtered("maintenanceIdentifier==303,tenantId==2")).toEqual([1]);
    expect(await filtered("maintenanceIdentifier==114|303,maintenanceType==GlobalSoftware")).toEqual([1, 2, 3]);
    expect(await filtered("id>=4")).toEqual([4, 5]);
    expect(await filtered("maintenanceIdentifier!=303")).toEqual([3, 4, 5]);
    expect(ids(await ok(call("GET", `${LIST}?Filters=maintenanceType==GlobalSoftware&Page=2&PageSize=2`)))).toEqual([3]);
  });

  it("sorts by id, either way", async () => {
    const call = await withFive();
    expect(ids(await ok(call("GET", `${LIST}?Sorts=-id`)))).toEqual([5, 4, 3, 2, 1]);
    expect(ids(await ok(call("GET", `${LIST}?Sorts=-id&PageSize=2`)))).toEqual([5, 4]);
    expect(ids(await ok(call("GET", `${LIST}?Sorts=maintenanceIdentifier,-id`)))).toEqual([5, 3, 2, 1, 4]);
  });

  it("refuses a filter or sort on a field it does not know, rather than silently matching everything", async () => {
    const call = await withFive();
    const filter = await call("GET", `${LIST}?Filters=softwareId==303`);
    expect(filter.status).toBe(400);
    expect(filter.json.errors.Filters[0]).toMatch(/cannot filter by "softwareId"; filterable fields: id, maintenanceIdentifier, maintenanceType, tenantId/);
    const sort = await call("GET", `${LIST}?Sorts=name`);
    expect(sort.json.errors.Sorts[0]).toMatch(/cannot sort by "name"/);
    expect((await call("GET", `${LIST}?Filters=id==abc`)).json.errors.Filters[0]).toMatch(/"abc" is not a whole number/);
    expect((await call("GET", `${LIST}?Filters=id`)).json.errors.Filters[0]).toMatch(/is not a filter term/);
  });
});

describe("GET, PUT, DELETE and notes by id", () => {
  it("PUT replaces the whole deployment: fields left out take .NET zero values; notes and creation stay", async () => {
    let now = new Date("2025-06-02T10:00:00Z");
    const { call } = await ready({ now: () => now });
    const created = await ok(call("POST", LIST, { ...task, visibility: { selfService: true, technicianPod: true } }));
    expect((await call("POST", `${LIST}/${created.id}/notes`, { notes: "owned by the platform team" })).status).toBe(200);
    now = new Date("2025-06-02T10:30:00Z");
    const { taskParameterValues: _p, visibility: _v, tenantId: _t, ...rest } = task;
    const updated = await ok(call("PUT", `${LIST}/${created.id}`, { ...rest, id: created.id, maintenanceTaskMode: Mode.Audit }));
    expect(updated).toMatchObject({
      id: created.id,
      maintenanceTaskMode: 1,
      taskParameterValues: null,
      visibility: { selfService: false, technicianPod: false },
      tenantId: null,
      notes: "owned by the platform team",
      createdDateUTC: "2025-06-02T10:00:00.000Z",
      updatedDateUTC: "2025-06-02T10:30:00.000Z",
    });
    expect(await ok(call("GET", `${LIST}/${created.id}`))).toEqual(updated);
  });

  it("refuses a PUT whose body id differs from the path id (0 when left out)", async () => {
    const { call } = await ready();
    const { id } = await ok(call("POST", LIST, software));
    expect((await call("PUT", `${LIST}/${id}`, { ...software, id: id + 1 })).json.errors).toEqual({ Id: [`The id in the body (${id + 1}) must equal the deployment id in the path (${id}).`] });
    expect((await call("PUT", `${LIST}/${id}`, software)).json.errors.Id[0]).toMatch(/body \(0\)/);
  });

  it("DELETE answers 200 without a body; then GET, PUT, DELETE and notes answer 404 ProblemDetails", async () => {
    const { call } = await ready();
    const { id } = await ok(call("POST", LIST, software));
    const deleted = await call("DELETE", `${LIST}/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.text).toBe("");
    for (const [method, path, body] of [
      ["GET", `${LIST}/${id}`],
      ["PUT", `${LIST}/${id}`, { ...software, id }],
      ["DELETE", `${LIST}/${id}`],
      ["POST", `${LIST}/${id}/notes`, { notes: "x" }],
    ] as const) {
      const answer = await call(method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.json).toMatchObject({ type: "https://tools.ietf.org/html/rfc9110#section-15.5.5", title: "Not Found", status: 404 });
    }
  });

  it("answers 400 for a path id that is not an integer", async () => {
    const { call } = await ready();
    expect((await call("GET", `${LIST}/abc`)).json.errors).toEqual({ id: ["The value 'abc' is not valid."] });
  });

  it("sets notes with who and when; null clears them; the answer is an empty 200", async () => {
    let now = new Date("2025-06-02T10:00:00Z");
    const { sandbox, call } = await ready({ now: () => now });
    const { id, updatedDateUTC } = await ok(call("POST", LIST, software));
    now = new Date("2025-06-02T10:45:00Z"); // within the token's hour
    const answer = await call("POST", `${LIST}/${id}/notes`, { notes: "Pinned for the ERP upgrade" });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe("");
    expect(await ok(call("GET", `${LIST}/${id}`))).toMatchObject({
      notes: "Pinned for the ERP upgrade",
      notesUpdatedByUserName: "Sandbox API",
      notesUpdatedUtc: "2025-06-02T10:45:00.000Z",
      updatedDateUTC,
    });
    expect((await call("POST", `${LIST}/${id}/notes`, { notes: null })).status).toBe(200);
    expect(sandbox.deployment(id)!.notes).toBeNull();
    expect((await call("POST", `${LIST}/${id}/notes`, { note: "typo" })).json.errors["$.note"][0]).toMatch(/could not be mapped to any member of UpdateNotesPayload/);
    const plain = await fetch(`${sandbox.info.baseUrl}${LIST}/${id}/notes`, { method: "POST", headers: { authorization: `Bearer ${await tokenFor(sandbox.info)}`, "content-type": "text/plain" }, body: "hi" });
    expect(plain.status).toBe(415);
  });
});

describe("400 answers", () => {
  async function rejected(call: Call, body: Record<string, unknown>): Promise<Record<string, string[]>> {
    const answer = await call("POST", LIST, body);
    expect(answer.status, answer.text).toBe(400);
    expect(answer.json).toMatchObject({ type: "https://tools.ietf.org/html/rfc9110#section-15.5.1", title: "One or more validation errors occurred.", status: 400 });
    expect(answer.text).not.toContain(PASSWORD);
    return answer.json.errors;
  }

  it.each([
    ["an enum by name", software, { desiredSoftwareState: "NotPresent" }, "$.desiredSoftwareState", /DesiredSoftwareState \(an integer: one of NewerOrEqualVersion \(0\), NotPresent \(1\)/],
    ["an enum integer that is not a member", software, { maintenanceTaskMode: 9 }, "MaintenanceTaskMode", /maintenanceTaskMode 9 is not a MaintenanceTaskMode; send one of Enforce \(0\), Audit \(1\)/],
    ["targetEnforcement left out", software, { targetEnforcement: undefined }, "TargetEnforcement", /targetEnforcement is missing or 0, which is not a TargetEnforcement; send one of Required \(1\), Optional \(2\), Adhoc \(3\), Onboarding \(4\)/],
    ["targetEnforcement 0", software, { targetEnforcement: 0 }, "TargetEnforcement", /missing or 0/],
    ["softwareProviderType left out (no 0 member)", software, { softwareProviderType: undefined }, "SoftwareProviderType", /Ninite \(1\), Chocolatey \(2\), Inherent \(3\)/],
    ["targetType left out", software, { targetType: undefined }, "TargetType", /targetType is missing or 0/],
    ["maintenanceIdentifier left out", software, { maintenanceIdentifier: undefined }, "MaintenanceIdentifier", /maintenanceIdentifier is required/],
    ["an empty maintenanceIdentifier", software, { maintenanceIdentifier: "" }, "MaintenanceIdentifier", /maintenanceIdentifier is required/],
    ["global software that does not exist", software, { maintenanceIdentifier: "999999" }, "MaintenanceIdentifier", /there is no global software with id "999999" \(maintenanceType GlobalSoftware\); GET \/api\/v1\/software\/global lists them/],
    ["a local software id sent as global", software, { maintenanceIdentifier: "2" }, "MaintenanceIdentifier", /no global software with id "2"/],
    ["local software that does not exist", software, { maintenanceType: M.LocalSoftware, maintenanceIdentifier: "303" }, "MaintenanceIdentifier", /no local software with id "303"/],
    ["a local task that does not exist", task, { maintenanceIdentifier: "12", taskParameterValues: null }, "MaintenanceIdentifier", /no local maintenance task with id "12"/],
    ["a global task that does not exist", task, { maintenanceType: M.GlobalMaintenanceTask, taskParameterValues: null }, "MaintenanceIdentifier", /no global maintenance task with id "7"/],
    ["an identifier that is not an id", software, { maintenanceIdentifier: "7-Zip" }, "MaintenanceIdentifier", /no global software with id "7-Zip"/],
    ["a configuration task on its own", task, { maintenanceIdentifier: "9", taskParameterValues: null }, "MaintenanceIdentifier", /local task 9 "Configure Contoso Line-of-Business App" is a configuration task, which cannot be deployed on its own: deploy the software it configures \(local software 2 "Contoso Line-of-Business App"\)/],
    ["WindowsUpdate as the item", software, { maintenanceType: M.WindowsUpdate }, "MaintenanceType", /is not deployable/],
    ["ThisVersion without a version", software, { desiredSoftwareState: S.ThisVersion }, "SoftwareSemanticVersion", /desiredSoftwareState ThisVersion needs the version: set softwareSemanticVersion to a version string, e\.g\. "24\.08" \(7-Zip has 23\.01, 24\.07, 24\.08\)/],
    ["NewerOrEqualVersion without a version", software, { desiredSoftwareState: S.NewerOrEqualVersion }, "SoftwareSemanticVersion", /needs the version/],
    ["OlderOrEqualVersion without a version", software, { desiredSoftwareState: S.OlderOrEqualVersion, softwareSemanticVersion: "" }, "SoftwareSemanticVersion", /needs the version/],
    ["desiredSoftwareState left out (0 is NewerOrEqualVersion)", software, { desiredSoftwareState: undefined }, "SoftwareSemanticVersion", /NewerOrEqualVersion needs the version/],
    ["a version that is not one", software, { desiredSoftwareState: S.ThisVersion, softwareSemanticVersion: "latest" }, "SoftwareSemanticVersion", /"latest" is not a version/],
    ["a version sent as the spec's object", software, { softwareSemanticVersion: { major: 24, minor: 8 } }, "$.softwareSemanticVersion", /a version string \(e\.g\. "24\.08"\) or null/],
    ["AllForTenant without a tenant", software, { tenantId: null }, "TenantId", /AllForTenant needs the tenant/],
    ["a tenant that does not exist", software, { tenantId: 99 }, "TenantId", /there is no tenant 99/],
    ["a computer that does not exist", software, { targetType: T.Computer, target: "99" }, "Target", /there is no computer 99 \(targetType Computer\)/],
    ["a Computer target without its id", software, { targetType: T.Computer, target: null }, "Target", /targetType Computer needs target: the computer's id as a string/],
    ["a computer target that is not an id", software, { targetType: T.Computer, target: "CONTOSO-WS001" }, "Target", /target "CONTOSO-WS001" is not a computer id/],
    ["a tag that does not exist", software, { targetType: T.Tag, target: "42", tenantId: null }, "Target", /there is no tag 42/],
    ["a specific tenant that does not exist", software, { targetType: T.SpecificTenant, targetCategory: C.Tenant, target: "99", tenantId: null }, "Target", /there is no tenant 99/],
    ["a parameter the task does not declare", task, { taskParameterValues: { AdminPassword: { value: PASSWORD }, BiosPassword: { value: PASSWORD } } }, "TaskParameterValues", /taskParameterValues names a parameter "BiosPassword" that local task 7 "Set BIOS password" does not declare; it takes AdminPassword, Enforce\./],
    ["parameters for software without a configuration task", software, { taskParameterValues: { Silent: { value: true }, Path: { value: "C:\\7z" } } }, "TaskParameterValues", /parameters "Silent", "Path" that global software 303 "7-Zip" does not declare; it has no configuration task, so it takes no parameters/],
    ["a parameter the software's configuration task does not declare", software, { maintenanceType: M.LocalSoftware, maintenanceIdentifier: "2", taskParameterValues: { Server: { value: "x" } } }, "TaskParameterValues", /local software 2 "Contoso Line-of-Business App" \(its configuration task local task 9 "Configure Contoso Line-of-Business App"\) does not declare; it takes ServerUrl, LicenseKey, Channel/],
    ["a parameter value without its wrapper object", task, { taskParameterValues: { AdminPassword: PASSWORD } }, "$.taskParameterValues.AdminPassword", /parameter "AdminPassword" needs an object \{ "value": \.\.\., "allowOverride": bool, "requiresOverride": bool \}, not a bare value/],
    ["a parameter flag that is not a boolean", task, { taskParameterValues: { AdminPassword: { value: PASSWORD, allowOverride: "yes" } } }, "$.taskParameterValues.AdminPassword.allowOverride", /System\.Boolean/],
    ["a member DeploymentParameterValue lacks", task, { taskParameterValues: { AdminPassword: { value: PASSWORD, secret: true } } }, "$.taskParameterValues.AdminPassword.secret", /could not be mapped to any member of DeploymentParameterValue/],
    ["taskParameterValues as a list", task, { taskParameterValues: [{ name: "AdminPassword", value: PASSWORD }] }, "$.taskParameterValues", /Dictionary<String, DeploymentParameterValue>/],
    ["a field the payload lacks", software, { softwareId: 303 }, "$.softwareId", /could not be mapped to any member of CreateLocalTargetAssignmentPayload/],
    ["visibility with a member it lacks", software, { visibility: { selfService: true, portal: true } }, "$.visibility", /TargetAssignmentVisibilityPayload/],
  ])("for %s", async (_what, base, changes, field, message) => {
    const { sandbox, call } = await ready();
    const errors = await rejected(call, { ...base, ...changes });
    expect(Object.keys(errors)).toContain(field);
    expect(errors[field]!.join("\n")).toMatch(message);
    expect(sandbox.deployments()).toEqual([]);
  });

  it("reports every problem at once, and skips rules that depend on an enum that is wrong", async () => {
    const { call } = await ready();
    const errors = await rejected(call, { ...task, targetEnforcement: 0, tenantId: 99, taskParameterValues: { Nope: { value: 1 } } });
    expect(Object.keys(errors).sort()).toEqual(["TargetEnforcement", "TaskParameterValues", "TenantId"]);
    const badType = await rejected(call, { ...task, maintenanceType: 42 });
    expect(Object.keys(badType)).toEqual(["MaintenanceType"]);
  });

  it("accepts the edge cases next to those rules", async () => {
    const { call } = await ready();
    for (const changes of [
      { desiredSoftwareState: S.ThisVersion, softwareSemanticVersion: "24.08" },
      { desiredSoftwareState: S.NewerOrEqualVersion, softwareSemanticVersion: "24.8.0" },
      { desiredSoftwareState: S.OlderOrEqualVersion, softwareSemanticVersion: "25.0.0-beta.1+build.7" },
      { desiredSoftwareState: S.NotPresent },
      { desiredSoftwareState: S.NoAction, targetEnforcement: E.Onboarding, onboardingOnly: true },
      { targetType: T.All, tenantId: null },
      { targetType: T.Computer, target: "6", tenantId: 2 },
      { targetType: T.Tag, target: "2", tenantId: null, targetGroupFilter: F.Servers },
      { targetType: T.FilterScript, target: "12", tenantId: null }, // keys the seed does not hold are taken as they are
      { maintenanceType: M.ChocolateySoftware, maintenanceIdentifier: "notepadplusplus" },
      { maintenanceType: M.LocalSoftware, maintenanceIdentifier: "1" },
      { visibility: null },
      { visibility: { SelfService: true } },
      { taskParameterValues: {} },
    ]) {
      const answer = await call("POST", LIST, { ...software, ...changes });
      expect(answer.status, `${JSON.stringify(changes)}: ${answer.text}`).toBe(200);
    }
  });

  it("refuses a body that is not JSON, an empty body and a JSON array; 415 for text/plain", async () => {
    const { sandbox, call } = await ready();
    expect((await call("POST", LIST, "{nope")).json.errors.$[0]).toMatch(/not valid JSON/);
    expect((await call("POST", LIST, "")).json.errors[""]).toEqual(["A non-empty request body is required."]);
    expect((await call("POST", LIST, "[]")).json.errors.$[0]).toMatch(/expected an object/);
    const res = await fetch(sandbox.info.baseUrl + LIST, { method: "POST", headers: { authorization: `Bearer ${await tokenFor(sandbox.info)}`, "content-type": "text/plain" }, body: JSON.stringify(software) });
    expect(res.status).toBe(415);
  });
});

describe("target preview", () => {
  async function preview(call: Call, request: Record<string, unknown>): Promise<number[]> {
    return ids(await ok(call("POST", PREVIEW, request)));
  }

  it("computes the reached computers from the seed, per target type", async () => {
    const { call } = await ready();
    expect(await preview(call, { targetType: T.All })).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(await preview(call, { targetType: T.All, tenantId: 2 })).toEqual([3, 4, 5, 6, 7, 8]);
    expect(await preview(call, { targetType: T.AllForTenant, tenantId: 2 })).toEqual([3, 4, 5, 6, 7, 8]);
    expect(await preview(call, { targetType: T.AllForTenant, tenantId: 2, propagateToChildTenants: true })).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await preview(call, { targetType: T.AllForTenant, tenantId: 3 })).toEqual([9, 10]);
    expect(await preview(call, { targetType: T.Computer, target: "6" })).toEqual([6]);
    expect(await preview(call, { targetType: T.Computer, target: "6", tenantId: 4 })).toEqual([]);
    expect(await preview(call, { targetType: T.Tag, target: "1" })).toEqual([1, 6, 10]);
    expect(await preview(call, { targetType: T.Tag, target: "1", tenantId: 2 })).toEqual([6]);
    expect(await preview(call, { targetType: T.Tag, target: "2" })).toEqual([2, 3, 4, 5, 9, 11]);
    expect(await preview(call, { targetType: T.FilterScript, target: "12" })).toEqual([]);
  });

  it("applies targetGroupFilter by device class, and onboardingOnly", async () => {
    const { call } = await ready();
    const all = { targetType: T.All };
    expect(await preview(call, { ...all, targetGroupFilter: F.Servers })).toEqual([2, 3, 4, 5, 9, 11]);
    expect(await preview(call, { ...all, targetGroupFilter: F.Workstations })).toEqual([1, 6, 10, 12]);
    expect(await preview(call, { ...all, targetGroupFilter: F.PortableDevices })).toEqual([7, 8, 13]);
    expect(await preview(call, { ...all, targetGroupFilter: F.WorkstationsAndPortableDevices })).toEqual([1, 6, 7, 8, 10, 12, 13]);
    expect(await preview(call, { ...all, targetGroupFilter: F.DomainControllers })).toEqual([3, 4, 11]);
    expect(await preview(call, { ...all, targetGroupFilter: 6 })).toEqual([3, 11]);
    expect(await preview(call, { ...all, onboardingOnly: true })).toEqual([10]);
  });

  it("answers CalculateTargetedComputerResponse rows (ImmyBot's short keys), offline computers included", async () => {
    const { call } = await ready();
    const [laptop] = await ok(call("POST", PREVIEW, { targetType: T.Computer, target: "7" }));
    expect(laptop).toEqual({ id: 7, cn: "CONTOSO-LT014", on: false, tn: "Contoso", ppi: 3, ppn: "Alex Wilber", ti: 2, os: "Windows 11 Enterprise 22H2", obs: 2, sn: "PF3LT014", dr: 1, sb: false, ct: [10] });
  });

  it("answers 400 for targets that name nothing, or miss their tenant", async () => {
    const { call } = await ready();
    for (const [request, field, message] of [
      [{ targetType: T.AllForTenant }, "TenantId", /AllForTenant needs the tenant/],
      [{ targetType: T.All, tenantId: 99 }, "TenantId", /there is no tenant 99/],
      [{ targetType: T.Computer, target: "99" }, "Target", /there is no computer 99/],
      [{ targetType: T.Tag, target: "7" }, "Target", /there is no tag 7/],
      [{}, "TargetType", /targetType is missing or 0/],
      [{ targetType: T.All, targetGroupFilter: 9 }, "TargetGroupFilter", /targetGroupFilter 9 is not a TargetGroupFilter/],
      [{ targetType: T.All, targetCategory: C.Computer }, "$.targetCategory", /could not be mapped to any member of CalculateTargetsRequest/],
    ] as const) {
      const answer = await call("POST", PREVIEW, request);
      expect(answer.status, JSON.stringify(request)).toBe(400);
      expect(answer.json.errors[field].join("\n")).toMatch(message);
    }
  });
});

describe("routes and auth", () => {
  it("checks the token on every deployment route", async () => {
    const sandbox = await start();
    for (const [method, path] of [["GET", LIST], ["POST", LIST], ["GET", `${LIST}/1`], ["PUT", `${LIST}/1`], ["DELETE", `${LIST}/1`], ["POST", `${LIST}/1/notes`], ["POST", PREVIEW]] as const) {
      const answer = await api(sandbox.info.baseUrl, null, method, path, method === "POST" || method === "PUT" ? software : undefined);
      expect(answer.status, `${method} ${path}`).toBe(401);
    }
  });

  it("leaves the real API's other /target-assignments/ routes unknown (the SPA), not bad ids", async () => {
    const { call } = await ready();
    for (const path of [`${LIST}/maintenance-item-orders`, `${LIST}/Change-Requests`, `${LIST}/recommended-approvals/`, `${LIST}/global/5/type`, `${LIST}/global/create`]) {
      const answer = await call("GET", path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get("content-type"), path).toBe("text/html; charset=utf-8");
    }
    expect((await call("GET", `${LIST}/abc`)).status).toBe(400);
  });

  it("answers 405 with Allow for a wrong verb", async () => {
    const { call } = await ready();
    expect((await call("PATCH", `${LIST}/1`, {})).headers.get("allow")).toBe("GET, PUT, DELETE");
    expect((await call("GET", PREVIEW)).headers.get("allow")).toBe("POST");
    expect((await call("GET", `${LIST}/1/notes`)).status).toBe(405);
  });
});

describe("out-of-band helpers", () => {
  it("deployments() and deployment() return exactly what GET returns", async () => {
    const { sandbox, call } = await ready();
    await ok(call("POST", LIST, software));
    await ok(call("POST", LIST, task));
    expect(sandbox.deployments()).toEqual(await ok(call("GET", LIST)));
    expect(sandbox.deployment(2)).toEqual(await ok(call("GET", `${LIST}/2`)));
    expect(sandbox.deployment(3)).toBeUndefined();
  });

  it("createDeployment() and editDeployment() act like a person in the UI: validated, names or integers, audit fields bumped", async () => {
    let now = new Date("2025-06-02T10:00:00Z");
    const { sandbox, call } = await ready({ now: () => now });
    const created = sandbox.createDeployment({ maintenanceType: 0, maintenanceIdentifier: "303", desiredSoftwareState: "AnyVersion", targetType: "AllForTenant", tenantId: 4, targetEnforcement: 1, softwareProviderType: 3 });
    expect(created).toMatchObject({ id: 1, desiredSoftwareState: 2, updatedBy: "Sandbox UI" });
    now = new Date("2025-06-02T10:20:00Z");
    const edited = sandbox.editDeployment(1, { excluded: true, desiredSoftwareState: 1 });
    expect(edited).toMatchObject({ excluded: true, desiredSoftwareState: 1, tenantId: 4, updatedBy: "Sandbox UI", updatedDateUTC: now.toISOString(), createdDateUTC: "2025-06-02T10:00:00.000Z" });
    expect(await ok(call("GET", `${LIST}/1`))).toEqual(edited);
    expect(() => sandbox.editDeployment(1, { maintenanceIdentifier: "999999" })).toThrow(SandboxValidationError);
    expect(() => sandbox.editDeployment(1, { maintenanceIdentifier: "999999" })).toThrow(/^deployment edit rejected: MaintenanceIdentifier: there is no global software/);
    expect(() => sandbox.createDeployment({ softwareId: 1 } as never)).toThrow(/could not be mapped/);
    expect(() => sandbox.editDeployment(9, {})).toThrow(/no deployment 9/);
    expect(sandbox.deployment(1)!.maintenanceIdentifier).toBe("303");
  });

  it("deleteDeployment() works out of band; snapshot() holds the deployments and the next id", async () => {
    const { sandbox, call } = await ready();
    await ok(call("POST", LIST, task));
    const snapshot = sandbox.snapshot();
    expect(snapshot).toMatchObject({ nextDeploymentId: 2, deployments: [{ id: 1, maintenanceIdentifier: "7", taskParameterValues: { AdminPassword: { value: PASSWORD } } }] });
    snapshot.deployments.length = 0;
    expect(sandbox.deployments()).toHaveLength(1);
    expect(sandbox.deleteDeployment(1)).toBe(true);
    expect(sandbox.deleteDeployment(1)).toBe(false);
    expect((await call("GET", `${LIST}/1`)).status).toBe(404);
  });
});

describe("state file", () => {
  const tempPath = useTempDir("immybot-sandbox-deployments-");

  it("keeps deployments and their ids across a restart", async () => {
    const stateFile = tempPath("state.json");
    const first = await ready({ stateFile });
    await ok(first.call("POST", LIST, software));
    await ok(first.call("POST", LIST, task));
    expect((await first.call("POST", `${LIST}/1/notes`, { notes: "kept" })).status).toBe(200);
    expect((await first.call("DELETE", `${LIST}/2`)).status).toBe(200);
    const before = first.sandbox.deployments();
    await first.sandbox.stop();

    const second = await ready({ stateFile });
    expect(second.sandbox.deployments()).toEqual(before);
    expect((await ok(second.call("POST", LIST, task))).id).toBe(3);
    expect(JSON.parse(readFileSync(stateFile, "utf8"))).toMatchObject({ nextDeploymentId: 4, deployments: [{ id: 1, notes: "kept" }, { id: 3 }] });
  });

  it("reads a state file written before deployments existed", async () => {
    const stateFile = tempPath("old.json");
    writeFileSync(stateFile, JSON.stringify({ version: 1, credentials: { azureTenantId: "", clientId: "", clientSecret: "" }, nextScheduleId: 5, schedules: [], tokens: {} }));
    const { sandbox, call } = await ready({ stateFile });
    expect(sandbox.deployments()).toEqual([]);
    expect((await ok(call("POST", LIST, software))).id).toBe(1);
    expect(sandbox.snapshot().nextScheduleId).toBe(5);
  });
});

describe("CLI --state", () => {
  const cli = useSandboxCli();
  const tempPath = useTempDir("immybot-sandbox-cli-deployments-");

  it("serves the deployments of the previous run, password parameters included, and keeps counting ids", async () => {
    const stateFile = tempPath("state.json");
    const first = await cli.start(["--state", stateFile]);
    const token = await tokenFor(first.info);
    expect((await api(first.info.baseUrl, token, "POST", LIST, task)).json.id).toBe(1);
    expect((await api(first.info.baseUrl, token, "POST", LIST, software)).json.id).toBe(2);
    expect(await first.stop()).toBe(0);

    const second = await cli.start(["--state", stateFile]);
    const again = await api(second.info.baseUrl, token, "GET", `${LIST}/1`); // the token outlives the restart too
    expect(again.status).toBe(200);
    expect(again.json.taskParameterValues.AdminPassword.value).toBe(PASSWORD);
    expect((await api(second.info.baseUrl, token, "POST", LIST, software)).json.id).toBe(3);
    expect(await second.stop()).toBe(0);
  });
});
