/**
 * The deployment routes (target assignments, notes, target preview) against ImmyBot's own OpenAPI spec (May
 * 2025, the committed subset): every JSON 200 body must validate, bodies without a documented JSON answer must be
 * empty, and the validator must reject what the spec forbids. The enum tables are checked in sandbox-enums.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parseInputs } from "../../provider/check";
import { model, toWire } from "../../provider/deployment";
import { DEPLOYMENT_FIELD_NAMES } from "../../sandbox/deployment-model";
import { useSpecSandbox } from "../helpers/spec-sandbox";

const { spec, call, expectSpecBody } = useSpecSandbox();

const LIST = "/api/v1/target-assignments";
const ONE = "/api/v1/target-assignments/{id}";
const NOTES = "/api/v1/target-assignments/{id}/notes";
const PREVIEW = "/api/v1/target-assignments/target-preview";
const GLOBAL = "/api/v1/target-assignments/global";
const GLOBAL_ONE = "/api/v1/target-assignments/global/{id}";

/** The bodies the provider sends (its own check and toWire), for the shapes a user can ask for. */
function providerBody(args: Record<string, unknown>, id?: number): Record<string, unknown> {
  const parsed = parseInputs(model, args);
  expect(parsed.failures).toEqual([]);
  return toWire(parsed.value!, id);
}

const PROVIDER_ARGS: Record<string, Record<string, unknown>> = {
  "global software, latest, for a tenant": { software: { id: "303", desiredState: "LatestVersion" }, targetType: "AllForTenant", tenantId: 2 },
  "global software at a version, on a computer": { software: { id: "303", desiredState: "ThisVersion", version: "24.08" }, targetType: "Computer", target: "6", tenantId: 2, selfService: true },
  "local software with its configuration task's parameters": {
    software: { id: "2", scope: "Local", desiredState: "UpdateIfFound" },
    targetType: "All",
    parameters: { ServerUrl: "https://lob.contoso.example", LicenseKey: { value: "LOB-1", allowOverride: true } },
    enforcement: "Optional",
  },
  "a local task with a password parameter, on a tag": { task: { id: "7", scope: "Local" }, parameters: { AdminPassword: "pw", Enforce: true }, targetType: "Tag", target: "1", technicianTools: true },
  "a global task in audit mode, servers of a tenant and its children": {
    task: { id: "12", scope: "Global", mode: "Audit" },
    targetType: "AllForTenant",
    tenantId: 2,
    propagateToChildTenants: true,
    targetGroupFilter: "Servers",
    disabled: true,
    enforcement: "Onboarding",
  },
};

describe("spec fixture", () => {
  it("has the payload fields the sandbox binds, no more and no fewer", () => {
    const create = spec.doc.components!.schemas!.CreateLocalTargetAssignmentPayload!.properties as Record<string, unknown>;
    const update = spec.doc.components!.schemas!.UpdateLocalTargetAssignmentPayload!.properties as Record<string, unknown>;
    expect([...DEPLOYMENT_FIELD_NAMES].sort()).toEqual(Object.keys(create).sort());
    expect(Object.keys(update).sort()).toEqual(["id", ...Object.keys(create)].sort());
  });
});

describe("deployment responses validate against the spec", () => {
  let id: number;

  it.each(Object.entries(PROVIDER_ARGS))("POST %s (the provider's body) answers a LocalTargetAssignmentResource", async (_what, args) => {
    const body = expectSpecBody(await call("POST", LIST, providerBody(args)), "POST", LIST);
    id ??= body.id;
    expect(body.databaseType).toBe(1);
  });

  it("POST with every enum as an integer and a pre-release version", async () => {
    const body = {
      maintenanceIdentifier: "2",
      maintenanceType: 1,
      targetType: 2,
      target: "7",
      targetCategory: 0,
      tenantId: 2,
      desiredSoftwareState: 4,
      softwareSemanticVersion: "4.0.0-beta.2",
      maintenanceTaskMode: 0,
      targetGroupFilter: 3,
      softwareProviderType: 3,
      targetEnforcement: 3,
      visibility: null,
    };
    const answer = expectSpecBody(await call("POST", LIST, body), "POST", LIST);
    expect(answer.softwareSemanticVersion).toEqual({ major: 4, minor: 0, patch: 0, releaseLabels: ["beta", "2"], release: "beta.2", isPrerelease: true, hasMetadata: false, metadata: null });
  });

  it("GET /target-assignments, paged and filtered", async () => {
    const all = expectSpecBody(await call("GET", LIST), "GET", LIST);
    expect(all.length).toBe(Object.keys(PROVIDER_ARGS).length + 1);
    expectSpecBody(await call("GET", `${LIST}?Filters=maintenanceIdentifier==303&Sorts=-id&Page=1&PageSize=1`), "GET", LIST);
    expect(expectSpecBody(await call("GET", `${LIST}?Page=9&PageSize=50`), "GET", LIST)).toEqual([]);
  });

  it("GET /target-assignments/{id}, after notes were set", async () => {
    const notes = await call("POST", `${LIST}/${id}/notes`, { notes: "Pinned for the ERP upgrade" });
    expect(spec.responseSchema("POST", NOTES)).toBeUndefined();
    expect([notes.status, notes.text]).toEqual([200, ""]);
    const body = expectSpecBody(await call("GET", `${LIST}/${id}`), "GET", ONE);
    expect(body).toMatchObject({ notes: "Pinned for the ERP upgrade", notesUpdatedByUserName: "Sandbox API" });
  });

  it("PUT /target-assignments/{id} with the provider's body", async () => {
    const args = { ...PROVIDER_ARGS["global software, latest, for a tenant"], software: { id: "303", desiredState: "NotPresent" } };
    expect(expectSpecBody(await call("PUT", `${LIST}/${id}`, providerBody(args, id)), "PUT", ONE)).toMatchObject({ id, desiredSoftwareState: 1 });
  });

  it("POST /target-assignments/target-preview, for targets that reach computers and one that reaches none", async () => {
    for (const request of [
      { targetType: 1 }, // All
      { targetType: 21, tenantId: 2, propagateToChildTenants: true, targetGroupFilter: 4 }, // AllForTenant, WorkstationsAndPortableDevices
      { targetType: 2, target: "7" }, // Computer
      { targetType: 30, target: "2", onboardingOnly: false }, // Tag
      { targetType: 25, target: "12" }, // FilterScript
    ]) {
      expect(spec.validateRequest("POST", PREVIEW, request).errors).toEqual([]);
      expectSpecBody(await call("POST", PREVIEW, request), "POST", PREVIEW);
    }
  });

  it("GET /target-assignments/global (the seed's global deployments, Sieve-paged) and /global/{id} answer GlobalTargetAssignmentResource", async () => {
    const all = expectSpecBody(await call("GET", GLOBAL), "GET", GLOBAL);
    expect(all.map((d: { id: number; databaseType: number; maintenanceType: number }) => [d.id, d.databaseType, d.maintenanceType])).toEqual([
      [1, 0, 0], // GlobalSoftware 7-Zip
      [2, 0, 6], // GlobalMaintenanceTask
    ]);
    expect(all[0]).not.toHaveProperty("visibility");
    expect(expectSpecBody(await call("GET", `${GLOBAL}?Filters=maintenanceIdentifier==21&Page=1&PageSize=10`), "GET", GLOBAL)).toHaveLength(1);
    expect(expectSpecBody(await call("GET", `${GLOBAL}/2`), "GET", GLOBAL_ONE)).toMatchObject({ id: 2, targetEnforcement: 4, onboardingOnly: true });
    expect((await call("GET", `${GLOBAL}/99`)).status).toBe(404);
    // The local routes' ids never take "global".
    expect((await call("GET", LIST)).json.map((d: { databaseType: number }) => d.databaseType)).not.toContain(0);
  });

  it("DELETE /target-assignments/{id}: the spec documents 200 without a body, and so does the sandbox", async () => {
    expect(spec.responseSchema("DELETE", ONE)).toBeUndefined();
    const answer = await call("DELETE", `${LIST}/${id}`);
    expect([answer.status, answer.text]).toEqual([200, ""]);
  });
});

describe("the spec check can fail", () => {
  let good: Record<string, unknown>;

  beforeAll(async () => {
    good = (await call("POST", LIST, providerBody(PROVIDER_ARGS["global software at a version, on a computer"]!))).json as Record<string, unknown>;
    expect(spec.validateSchema("LocalTargetAssignmentResource", good).errors).toEqual([]);
  });

  it.each([
    ["softwareSemanticVersion as the request's string", { softwareSemanticVersion: "24.08" }, /\/softwareSemanticVersion: must be object/],
    ["softwareSemanticVersion null (its $ref is not nullable)", { softwareSemanticVersion: null }, /\/softwareSemanticVersion: must be object/],
    ["an enum as a name", { desiredSoftwareState: "ThisVersion" }, /\/desiredSoftwareState: must be integer/],
    ["targetEnforcement 0 (no such member)", { targetEnforcement: 0 }, /\/targetEnforcement: must be equal to one of the allowed values/],
    ["databaseType 2", { databaseType: 2 }, /\/databaseType: must be equal to one of the allowed values/],
    ["updatedBy as a user id (it is a name here)", { updatedBy: 1 }, /\/updatedBy: must be string,null/],
    ["a parameter value with an unknown member", { taskParameterValues: { AdminPassword: { value: "x", secret: true } } }, /additional properties \(secret\)/],
    ["visibility null", { visibility: null }, /\/visibility: must be object/],
    ["a field the spec lacks", { softwareName: "7-Zip" }, /additional properties \(softwareName\)/],
  ])("rejects %s", (_what, change, message) => {
    const result = spec.validateResponse("GET", ONE, { ...good, ...change });
    expect(result.valid).toBe(false);
    expect(result.errors.join("\n")).toMatch(message);
  });

  it("rejects a preview row with a long key or a wrong type", () => {
    const row = { id: 6, cn: "CONTOSO-WS001", on: true, tn: "Contoso", ppi: null, ppn: null, ti: 2, os: null, obs: 2, sn: null, dr: 1, sb: false, ct: [3] };
    expect(spec.validateResponse("POST", PREVIEW, [row]).errors).toEqual([]);
    expect(spec.validateResponse("POST", PREVIEW, [{ ...row, computerName: "x" }]).errors.join("\n")).toMatch(/additional properties \(computerName\)/);
    expect(spec.validateResponse("POST", PREVIEW, [{ ...row, obs: 3 }]).valid).toBe(false);
  });
});
