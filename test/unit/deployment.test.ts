import { describe, expect, it } from "vitest";
import { check, diff, fromWire, model, outputKeys, toWire } from "../../provider/deployment";
import { parseInputs, UNKNOWN } from "../../provider/check";
import { SECRET_SIG, SIG_KEY } from "../../provider/secrets";
import { booleanFields } from "../helpers/model-fields";
import { SpecValidator } from "../helpers/openapi";

const software = { software: { id: "303", desiredState: "LatestVersion" }, targetType: "AllForTenant", tenantId: 2 };
const task = { task: { id: "7", mode: "Audit" }, parameters: { AdminPassword: "hunter2-secret", Enforce: true }, targetType: "Tag", target: "1" };

async function failuresOf(inputs: Record<string, unknown>) {
  return (await check({}, inputs)).failures ?? [];
}

/** What ImmyBot answers for a payload: its fields (enums are integers both ways), the version as a string field, server-computed fields. */
function serverEcho(body: Record<string, unknown>, id = 11): Record<string, unknown> {
  const { softwareSemanticVersion, ...rest } = body;
  // ImmyBot returns the override flags as null when they were never set.
  const params = rest.taskParameterValues as Record<string, { value: unknown; allowOverride: boolean }> | null;
  const nulled = params && Object.fromEntries(Object.entries(params).map(([k, p]) => [k, { value: p.value, allowOverride: p.allowOverride || null, requiresOverride: null }]));
  return { ...rest, taskParameterValues: nulled, id, databaseType: 1, softwareSemanticVersionString: softwareSemanticVersion ?? null, createdDateUTC: "2026-11-20T10:00:00Z", updatedDateUTC: "2026-11-20T10:00:00Z", updatedBy: "Pulumi", targetText: "Contoso", sortOrder: 3, isCore: false, notes: null };
}

describe("Deployment check", () => {
  it("accepts software and fills defaults in the user's terms", async () => {
    const r = await check({}, software);
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({ software: { id: "303", scope: "Global", desiredState: "LatestVersion" }, enforcement: "Required", disabled: false, targetCategory: "Computer" });
  });

  it("accepts a task and turns parameters into their long form", async () => {
    const r = await check({}, { ...task, parameters: { AdminPassword: "x", Port: { value: 443, allowOverride: true } } });
    expect(r.failures).toEqual([]);
    expect(r.inputs.task).toEqual({ id: "7", scope: "Local", mode: "Audit" });
    // Check answers parameters as a Pulumi secret (provider/secrets.ts).
    expect(r.inputs.parameters).toEqual({
      [SIG_KEY]: SECRET_SIG,
      value: { AdminPassword: { value: "x", allowOverride: false, requiresOverride: false }, Port: { value: 443, allowOverride: true, requiresOverride: false } },
    });
  });

  it("takes a mapping with value and other keys as a plain value", () => {
    const r = parseInputs(model, { ...task, parameters: { Disk: { value: 20, unit: "GB" } } });
    expect(r.failures).toEqual([]);
    expect(r.value?.parameters).toEqual({ Disk: { value: { value: 20, unit: "GB" }, allowOverride: false, requiresOverride: false } });
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ["neither software nor task", { targetType: "All" }, "software", /required unless task is set/],
    ["both software and task", { ...software, task: { id: "7" } }, "task", /either software or task, not both/],
    ["a version without a versioned state", { ...software, software: { id: "303", desiredState: "LatestVersion", version: "1.2" } }, "software.version", /only applies to desiredState/],
    ["ThisVersion without a version", { ...software, software: { id: "303", desiredState: "ThisVersion" } }, "software.version", /required for desiredState "ThisVersion"/],
    ["a task mode on software", { ...software, software: { id: "303", desiredState: "LatestVersion", mode: "Enforce" } }, "software.mode", /^is not a known property of software: remove it \(the properties of software are id, scope, desiredState, version\)$/],
    ["a misspelt key inside software", { ...software, software: { id: "303", desiredState: "ThisVersion", verison: "1.2" } }, "software.verison", /^is not a known property of software; did you mean "version"\?$/],
    ["a scope in lower case", { ...software, software: { id: "303", scope: "global", desiredState: "LatestVersion" } }, "software.scope", /did you mean "Global"\?/],
    ["a misspelt desired state", { ...software, software: { id: "303", desiredState: "LatestVersoin" } }, "software.desiredState", /did you mean "LatestVersion"\?/],
    ["a license id of 0", { ...software, licenseId: 0 }, "licenseId", /^0 is not a license id \(a positive whole number\)$/],
    ["an override flag that is not a boolean", { ...task, parameters: { Port: { value: 443, allowOverride: "yes" } } }, "parameters.Port.allowOverride", /^must be true or false; got "yes"$/],
    ["a misspelt override flag", { ...task, parameters: { Port: { value: 443, allowOverrid: true } } }, "parameters.Port.allowOverrid", /did you mean "allowOverride"\? As written, the whole mapping would be sent to ImmyBot as the parameter's value/],
    ["an empty parameter name", { ...task, parameters: { "": 1 } }, "parameters", /has the key "": a parameter name must not be empty/],
    ["parameters as a list", { ...task, parameters: [1, 2] }, "parameters", /^must be an object of parameter values by name, e\.g\. \{ Enforce: true, Port: 443 \}; got \[1,2\]$/],
    ["software by name", { ...software, software: "7-Zip" }, "software", /^must be an object such as \{ id: "303", desiredState: "LatestVersion" \} \(the id from getSoftware\(\{ name \}\)\.id\); got "7-Zip"$/],
    ["a task by id alone", { ...task, task: "7" }, "task", /^must be an object such as \{ id: "12", mode: "Enforce" \} \(the id from getMaintenanceTask\(\{ name \}\)\.id\); got "7"$/],
    ["an unknown desired state", { ...software, software: { id: "303", desiredState: "Installed" } }, "software.desiredState", /must be one of "NewerOrEqualVersion"/],
    ["a software id that is not an id", { ...software, software: { id: "Google Chrome", desiredState: "LatestVersion" } }, "software.id", /not an item id/],
    ["an unknown scope", { ...software, software: { id: "303", scope: "Community", desiredState: "LatestVersion" } }, "software.scope", /"Global" or "Local"/],
    ["an unknown task mode", { ...task, task: { id: "7", mode: "Fix" } }, "task.mode", /must be one of "Enforce"/],
    ["an unknown enforcement", { ...software, enforcement: "Always" }, "enforcement", /must be one of "Required"/],
    ["software for tenants", { ...software, targetType: "AllTenants", tenantId: undefined }, "targetCategory", /software is deployed to computers/],
    ["a computer target without an id", { ...software, targetType: "Computer" }, "target", /is required for targetType "Computer"/],
    ["a tenant-wide target without a tenant", { ...software, tenantId: undefined }, "tenantId", /required for targetType "AllForTenant"/],
    ["notes that are too long", { ...software, notes: "x".repeat(5000) }, "notes", /^is 5000 characters long; at most 4000 are allowed: shorten it$/],
    ["hasOwnProperty inside software", { ...software, software: { id: "303", desiredState: "LatestVersion", hasOwnProperty: true } }, "software.hasOwnProperty", /^is not a known property of software: remove it/],
    ["constructor inside a task", { ...task, task: { id: "7", constructor: "x" } }, "task.constructor", /^is not a known property of task: remove it \(the properties of task are id, scope, mode\)$/],
    ["__proto__ inside software", { ...software, software: JSON.parse('{"id":"303","desiredState":"LatestVersion","__proto__":{"version":"1"}}') }, "software.__proto__", /^is not a known property of software: remove it/],
    ["a parameter named __proto__", { ...task, parameters: JSON.parse('{"__proto__":"x","Enforce":true}') }, "parameters.__proto__", /^cannot be used as a key: JavaScript drops a key named "__proto__" .*: rename it or remove it$/],
    ["a parameter value nested 5000 levels deep", { ...task, parameters: { Deep: Array.from({ length: 5000 }).reduce<unknown>((v) => ({ a: v }), 1) } }, "parameters.Deep", /^is nested more than 32 levels deep; no ImmyBot argument needs that: flatten the value$/],
    ["a software id above int32", { ...software, software: { id: "2147483648", desiredState: "LatestVersion" } }, "software.id", /^"2147483648" is not an item id: ImmyBot ids are at most 2147483647$/],
    ["a task id above int32", { ...task, task: { id: "99999999999999999999" } }, "task.id", /^"99999999999999999999" is not an item id: ImmyBot ids are at most 2147483647$/],
    ["a license id above int32", { ...software, licenseId: 4294967296 }, "licenseId", /^4294967296 is not a license id: ImmyBot ids are at most 2147483647$/],
    ["an adoptId above int32", { ...software, adoptId: "2147483648" }, "adoptId", /^"2147483648" is not a deployment id: ImmyBot ids are at most 2147483647$/],
  ];
  it.each(bad)("rejects %s", async (_n, inputs, property, reason) => {
    const failures = await failuresOf(inputs);
    const hit = failures.find((f) => f.property === property);
    expect(hit, JSON.stringify(failures)).toBeDefined();
    expect(hit!.reason).toMatch(reason);
  });

  it("reports only the __proto__ key, as a parameter name, and keeps the other parameters", async () => {
    const r = parseInputs(model, { ...task, parameters: JSON.parse('{"__proto__":{"value":1},"Enforce":true}') });
    expect(r.failures).toEqual([{ property: "parameters.__proto__", path: ["parameters", "__proto__"], reason: expect.stringMatching(/^cannot be used as a key/) }]);
  });

  it("keeps parameters named like Object.prototype's members as parameters, through the wire and back", () => {
    const names = ["constructor", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf"];
    const r = parseInputs(model, { ...task, parameters: Object.fromEntries(names.map((n, i) => [n, i])) });
    expect(r.failures).toEqual([]);
    const expected = Object.fromEntries(names.map((n, i) => [n, { value: i, allowOverride: false, requiresOverride: false }]));
    expect(r.value?.parameters).toEqual(expected);
    expect(Object.keys(r.inputs.parameters as object)).toEqual(names);
    const wire = toWire(r.value!);
    expect(wire.taskParameterValues).toEqual(expected);
    expect(fromWire(serverEcho(wire)).inputs.parameters).toEqual(expected);
  });

  it("accepts ids up to 2147483647", async () => {
    expect(await failuresOf({ ...software, software: { id: "2147483647", desiredState: "LatestVersion" }, licenseId: 2147483647, adoptId: "2147483647" })).toEqual([]);
  });

  it("skips an item whose id is unknown at preview (a lookup not yet resolved)", async () => {
    const r = await check({}, { ...software, software: { id: UNKNOWN, desiredState: "LatestVersion" } });
    expect(r.failures).toEqual([]);
    expect(r.inputs.software).toEqual({ id: UNKNOWN, desiredState: "LatestVersion" });
  });
});

describe("Deployment wire mapping", () => {
  it("maps software and task to maintenanceType and maintenanceIdentifier, with every field explicit and enums as integers", () => {
    const s = toWire(parseInputs(model, software).value!);
    // GlobalSoftware 0, LatestVersion 5, Required 1, Inherent 3, Enforce 0, AllForTenant 21.
    expect(s).toMatchObject({ maintenanceType: 0, maintenanceIdentifier: "303", desiredSoftwareState: 5, softwareProviderType: 3, maintenanceTaskMode: 0, targetType: 21, targetCategory: 0, targetEnforcement: 1, onboardingOnly: false, excluded: false, taskParameterValues: null, visibility: { selfService: false, technicianPod: false } });
    const t = toWire(parseInputs(model, { ...task, task: { id: "7", scope: "Global" }, enforcement: "Onboarding" }).value!, 5);
    // GlobalMaintenanceTask 6, a task's neutral desired state NoAction 6, Onboarding 4.
    expect(t).toMatchObject({ id: 5, maintenanceType: 6, maintenanceIdentifier: "7", maintenanceTaskMode: 0, desiredSoftwareState: 6, onboardingOnly: true, targetEnforcement: 4, targetType: 30 });
    expect(Object.values(s)).not.toContain(undefined);
  });

  it("validates, exactly as toWire builds it, against the spec's payload schemas (the version as text, API notes §3.8)", () => {
    const validator = new SpecValidator(undefined, { versionAsText: true });
    for (const inputs of [
      software,
      { ...software, software: { id: "40", scope: "Local", desiredState: "ThisVersion", version: "2.1.0" }, enforcement: "Adhoc", targetGroupFilter: "DomainControllers" },
      task,
      { ...task, task: { id: "9", scope: "Global", mode: "NoAction" }, targetType: "Person", target: "77", targetCategory: "Person" },
    ]) {
      const checked = parseInputs(model, inputs);
      expect(checked.failures).toEqual([]);
      const body = JSON.parse(JSON.stringify(toWire(checked.value!)));
      expect(validator.validateRequest("POST", "/api/v1/target-assignments", body).errors, JSON.stringify(inputs)).toEqual([]);
      expect(validator.validateRequest("PUT", "/api/v1/target-assignments/{id}", { ...body, id: 11 }).errors, JSON.stringify(inputs)).toEqual([]);
    }
  });

  it("reads an integer-enum echo back to exactly the checked inputs (null override flags included)", () => {
    for (const inputs of [
      software,
      { ...software, software: { id: "40", scope: "Local", desiredState: "ThisVersion", version: "2.1.0" }, enforcement: "Optional", disabled: true, selfService: true, notes: "pinned" },
      task,
      { ...task, task: { id: "9", scope: "Global", mode: "Monitor" }, parameters: { Port: { value: 443, allowOverride: true } }, targetGroupFilter: "Servers" },
    ]) {
      const checked = parseInputs(model, inputs);
      expect(checked.failures).toEqual([]);
      const back = fromWire({ ...serverEcho(toWire(checked.value!)), notes: (inputs as { notes?: string }).notes ?? null });
      expect(back.inputs).toEqual(checked.inputs);
      expect(back.outputs).toMatchObject({ databaseType: "Local", updatedBy: "Pulumi" });
    }
  });

  it("declares every output fromWire builds, the computed ones included (the SDK registers exactly these)", () => {
    const outputs = fromWire({ ...serverEcho(toWire(parseInputs(model, { ...task, notes: "n", licenseId: 4 }).value!)), notes: "n" }).outputs;
    expect(Object.keys(outputs).filter((k) => !outputKeys.includes(k))).toEqual([]);
    expect(outputKeys).toEqual(expect.arrayContaining(["databaseType", "maintenanceType", "maintenanceIdentifier", "createdAt", "updatedAt", "updatedBy"]));
  });

  it("exposes the item for schedules", () => {
    const out = fromWire(serverEcho(toWire(parseInputs(model, task).value!))).outputs;
    expect(out).toMatchObject({ maintenanceType: "LocalMaintenanceTask", maintenanceIdentifier: "7" });
  });

  it("refuses to manage an item kind it cannot express", () => {
    const echo = serverEcho(toWire(parseInputs(model, software).value!));
    expect(() => fromWire({ ...echo, maintenanceType: 3 })).toThrow(/ChocolateySoftware item, which this provider does not manage/);
    expect(() => fromWire({ ...echo, maintenanceType: 3 })).toThrow(expect.objectContaining({ code: "IMMYBOT_UNSUPPORTED_ITEM" }));
  });
});

describe("Deployment booleans set to true", () => {
  const BOOLEANS = booleanFields(model.fields);
  const defaults = parseInputs(model, software);
  const defaultState = { ...fromWire(serverEcho(toWire(defaults.value!))).outputs, __provider: "x" };

  it("are every boolean argument, each false by default", () => {
    expect([...BOOLEANS].sort()).toEqual(["allowAccessToParentTenant", "disabled", "propagateToChildTenants", "selfService", "technicianTools"]);
    for (const name of BOOLEANS) expect(defaults.inputs[name], name).toBe(false);
  });

  it.each(BOOLEANS)("%s: true is sent, read back as true, and then diffs as no change", async (name) => {
    const checked = parseInputs(model, { ...software, [name]: true });
    expect(checked.failures).toEqual([]);
    const back = fromWire(serverEcho(toWire(checked.value!)));
    expect(back.inputs[name as keyof typeof back.inputs]).toBe(true);
    expect(back.inputs).toEqual(checked.inputs);
    expect(await diff("11", { ...back.outputs, __provider: "x" }, checked.inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect((await diff("11", defaultState, checked.inputs)).changes).toBe(true);
  });
});

describe("Deployment diff", () => {
  const checked = parseInputs(model, task).inputs;
  const state = { ...fromWire(serverEcho(toWire(parseInputs(model, task).value!))).outputs, __provider: "x" };

  it("no change against its own echo", async () => {
    expect(await diff("11", { ...state, updatedAt: "2031-01-01T00:00:00Z" }, checked)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("updates in place when a parameter value changes", async () => {
    const r = await diff("11", state, { ...checked, parameters: { ...(checked.parameters as object), AdminPassword: { value: "new", allowOverride: false, requiresOverride: false } } });
    expect(r).toMatchObject({ changes: true, replaces: [] });
  });

  it("updates in place when the item changes", async () => {
    expect(await diff("11", state, { ...checked, task: { id: "8", scope: "Local", mode: "Audit" } })).toMatchObject({ changes: true, replaces: [] });
  });
});
