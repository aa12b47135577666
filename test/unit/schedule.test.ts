import { describe, expect, it } from "vitest";
import { check, diff, fromWire, model, outputKeys, toWire } from "../../provider/schedule";
import { parseInputs, UNKNOWN } from "../../provider/check";
import { DayOfWeek } from "../../provider/models/enums";
import { booleanFields } from "../helpers/model-fields";
import { SpecValidator } from "../helpers/openapi";

const minimal = { targetType: "AllForTenant", tenantId: 3, detectionTime: "20:00", executionTime: "22:00", dayOfWeek: "Saturday", timeZone: "Europe/Berlin" };

async function failuresOf(inputs: Record<string, unknown>) {
  return (await check({}, inputs)).failures ?? [];
}

/** What ImmyBot sends back for a request body: the body's fields (enums are integers both ways), plus server-computed fields. */
function serverEcho(body: Record<string, unknown>, id = 7): Record<string, unknown> {
  return { ...body, id, createdDateUTC: "2026-11-20T10:00:00Z", updatedDateUTC: "2026-11-20T10:00:00Z", nextOccurenceDate: "2026-11-21T19:00:00Z", targetText: "Contoso", targetTypeName: "All computers for tenant", onboardingOnly: false, updatedBy: 1, createdBy: 1 };
}

describe("Schedule check", () => {
  it("accepts a minimal weekly schedule and fills every default", async () => {
    const r = await check({}, minimal);
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({
      ...minimal,
      targetCategory: "Computer",
      targetGroupFilter: "All",
      rebootPreference: "Normal",
      promptTimeoutAction: "Reboot",
      promptTimeoutMinutes: 60,
      offlineBehavior: "Skip",
      disabled: false,
      applyWindowsUpdates: false,
      sendDetectionEmail: false,
    });
    expect(r.inputs).not.toHaveProperty("maintenanceType");
  });

  it("derives the category from the target type", async () => {
    expect((await check({}, { ...minimal, targetType: "AllTenants", tenantId: undefined })).inputs.targetCategory).toBe("Tenant");
    expect((await check({}, { ...minimal, targetType: "Person", target: "77" })).inputs.targetCategory).toBe("Person");
  });

  it("treats null like an omitted value", async () => {
    const r = await check({}, { ...minimal, targetType: "All", tenantId: null, timeZone: null });
    expect(r.failures).toEqual([]);
    expect(r.inputs).not.toHaveProperty("tenantId");
    expect(r.inputs).not.toHaveProperty("timeZone");
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ["unknown target type", { targetType: "Everything" }, "targetType", /must be one of "All", "Computer"/],
    ["integer enum from a user", { rebootPreference: -1 }, "rebootPreference", /must be one of "Normal", "Suppress", "Prompt", "Force"; got -1; give the name: -1 is ImmyBot's number for "Force"/],
    ["misspelt enum name", { rebootPreference: "Forse" }, "rebootPreference", /got "Forse"; did you mean "Force"\?/],
    ["enum name in the wrong case", { dayOfWeek: "saturday" }, "dayOfWeek", /did you mean "Saturday"\?/],
    ["detection time not HH:mm", { detectionTime: "25:00" }, "detectionTime", /"25:00" is not HH:mm/],
    ["execution time 30 min after detection", { detectionTime: "21:30", executionTime: "22:00" }, "executionTime", /at least one hour after detection \(e\.g\. "22:30"\)/],
    ["execution 40 min after detection across midnight", { detectionTime: "23:30", executionTime: "00:10" }, "executionTime", /40 minute/],
    ["execution equal to detection", { detectionTime: "22:00", executionTime: "22:00" }, "executionTime", /0 minute/],
    ["no detection time and no cron", { detectionTime: undefined, executionTime: undefined }, "detectionTime", /required unless cronExpression/],
    ["cron with a step in the minute", { detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: "*/5 22 * * *" }, "cronExpression", /minute field "\*\/5" must be a single number/],
    ["cron with a list of hours", { detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: "0 8,20 * * *" }, "cronExpression", /at most once a day/],
    ["cron with four fields", { detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: "0 22 * *" }, "cronExpression", /has 4 field/],
    ["cron with a bad month", { detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: "0 22 1 13 *" }, "cronExpression", /month field "13"/],
    ["cron together with a detection time", { executionTime: undefined, dayOfWeek: undefined, cronExpression: "0 22 * * 6" }, "detectionTime", /cannot be combined with cronExpression/],
    ["unknown time zone", { timeZone: "Mars/Olympus_Mons" }, "timeZone", /^"Mars\/Olympus_Mons" is not an IANA time zone id \(e\.g\. "Europe\/Berlin", "America\/New_York", "UTC"\)$/],
    ["misspelt time zone", { timeZone: "Europe/Berln" }, "timeZone", /not an IANA time zone id .*; did you mean "Europe\/Berlin"\?$/],
    ["Windows time zone name", { timeZone: "W. Europe Standard Time" }, "timeZone", /not an IANA time zone id/],
    ["computer target without a key", { targetType: "Computer" }, "target", /is required for targetType "Computer": set it to a computer id/],
    ["computer target with a name instead of an id", { targetType: "Computer", target: "PC-042" }, "target", /"PC-042" is not a computer id/],
    ["Entra group that is not a GUID", { targetType: "AzureGroup", target: "Sales" }, "target", /not an Entra/],
    ["key on a target type that takes none", { targetType: "All", tenantId: undefined, target: "5" }, "target", /must be omitted/],
    ["tenant-wide target without a tenant", { tenantId: undefined }, "tenantId", /required for targetType "AllForTenant"/],
    ["metascript target on a schedule", { targetType: "Metascript", target: "4" }, "targetType", /metascript targets on schedules/],
    ["provider group without its link", { targetType: "ProviderDeviceGroup", target: "g1" }, "providerLinkId", /required for targetType "ProviderDeviceGroup"/],
    ["item id without its type", { maintenanceIdentifier: "303" }, "maintenanceType", /required with maintenanceIdentifier/],
    ["item type without an id", { maintenanceType: "GlobalSoftware" }, "maintenanceIdentifier", /required with maintenanceType/],
    ["internal item type", { maintenanceType: "WindowsUpdate", maintenanceIdentifier: "1" }, "maintenanceType", /internal to ImmyBot/],
    ["software id that is not a number", { maintenanceType: "GlobalSoftware", maintenanceIdentifier: "chrome" }, "maintenanceIdentifier", /not an id for GlobalSoftware/],
    ["windows updates on a limited schedule", { maintenanceType: "GlobalSoftware", maintenanceIdentifier: "303", applyWindowsUpdates: true }, "applyWindowsUpdates", /no effect/],
    ["follow-up filter without follow-up e-mail", { sendFollowUpOnlyIfActionNeeded: true }, "sendFollowUpOnlyIfActionNeeded", /needs sendFollowUpEmail/],
    ["prompt timeout of zero", { promptTimeoutMinutes: 0 }, "promptTimeoutMinutes", /^must be at least 1; got 0$/],
    ["prompt timeout over a day", { promptTimeoutMinutes: 1441 }, "promptTimeoutMinutes", /^must be at most 1440; got 1441$/],
    ["fractional prompt timeout", { promptTimeoutMinutes: 1.5 }, "promptTimeoutMinutes", /^must be a whole number; got 1\.5$/],
    ["tenant id as a string", { tenantId: "3" }, "tenantId", /must be a number; got "3"; write 3 without quotes/],
    ["tenant name instead of its id", { tenantId: "Contoso" }, "tenantId", /"Contoso" is not a tenant id: give the tenant's id \(a positive whole number\), not its name \(getTenant\(\{ name \}\)\.id\)/],
    ["tenant id 0", { tenantId: 0 }, "tenantId", /^0 is not a tenant id \(a positive whole number\)$/],
    ["fractional tenant id", { tenantId: 2.5 }, "tenantId", /^2\.5 is not a tenant id/],
    ["detection time as a number", { detectionTime: 2000 }, "detectionTime", /must be a string; got 2000; "2000" is not HH:mm/],
    ["boolean as text", { disabled: "true" }, "disabled", /must be a boolean; got "true"; write true without quotes/],
    ["boolean as a word", { disabled: "yes" }, "disabled", /must be a boolean; got "yes"; use true or false/],
    ["adoptId as a number", { adoptId: 42 }, "adoptId", /must be a string; got 42; write it in quotes, e\.g\. "42"/],
    ["typo in a property name", { rebootPreferance: "Force" }, "rebootPreferance", /did you mean "rebootPreference"/],
    ["adoptId that is not an id", { adoptId: "schedule-1" }, "adoptId", /not a schedule id/],
    ["oversized target key", { targetType: "ProviderClientGroup", target: "x".repeat(300), providerLinkId: 1, providerClientGroupType: "0f8fad5b-d9cb-469f-a165-70867728950e" }, "target", /^is 300 characters long; at most 256 are allowed: shorten it$/],
    ["empty target key", { targetType: "Tag", target: "" }, "target", /^is empty: give a value, or leave it out$/],
    ["unknown property with no close name", { colour: "blue" }, "colour", /^is not a known property: remove it$/],
    ["a property named constructor", { constructor: "x" }, "constructor", /^is not a known property: remove it$/],
    ["a property named toString", { toString: 1 }, "toString", /^is not a known property: remove it$/],
    ["cron on February 30", { detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: "0 22 30 2 *" }, "cronExpression", /^cron expression "0 22 30 2 \*" never runs: there is no February 30; pick a day of the month that exists in that month \(February 29 does, in leap years\)$/],
    ["cron on February 31", { detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: "0 22 31 2 *" }, "cronExpression", /never runs: there is no February 31;/],
    ["cron on the 31st of April and June", { detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: "0 22 31 4,6 *" }, "cronExpression", /never runs: April and June have no day 31; pick a day of the month that exists in those months$/],
    ["cron on February 30 or 31 by name", { detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: "0 22 30,31 FEB ?" }, "cronExpression", /never runs: there is no February 30 or 31;/],
    ["tenant id above int32", { tenantId: 2147483648 }, "tenantId", /^2147483648 is not a tenant id: ImmyBot ids are at most 2147483647$/],
    ["provider link id above int32", { targetType: "ProviderDeviceGroup", target: "g1", providerLinkId: 9007199254740991, providerDeviceGroupType: "0f8fad5b-d9cb-469f-a165-70867728950e" }, "providerLinkId", /^9007199254740991 is not a provider link id: ImmyBot ids are at most 2147483647$/],
    ["computer target id above int32", { targetType: "Computer", target: "2147483648" }, "target", /^"2147483648" is not a computer id: ImmyBot ids are at most 2147483647$/],
    ["item id above int32", { maintenanceType: "LocalSoftware", maintenanceIdentifier: "99999999999" }, "maintenanceIdentifier", /^"99999999999" is not an id for LocalSoftware: ImmyBot ids are at most 2147483647$/],
    ["adoptId above int32", { adoptId: "2147483648" }, "adoptId", /^"2147483648" is not a schedule id: ImmyBot ids are at most 2147483647$/],
    ["a target nested 5000 levels deep", { targetType: "Tag", target: Array.from({ length: 5000 }).reduce<unknown>((v) => [v], "5") }, "target", /^is nested more than 32 levels deep; no ImmyBot argument needs that: flatten the value$/],
    ["NaN as the prompt timeout", { promptTimeoutMinutes: NaN }, "promptTimeoutMinutes", /^must be a number; got NaN$/],
  ];
  it.each(bad)("rejects %s, naming the field and the fix", async (_name, patch, property, reason) => {
    const failures = await failuresOf({ ...minimal, ...patch });
    const hit = failures.find((f) => f.property === property);
    expect(hit, JSON.stringify(failures)).toBeDefined();
    expect(hit!.reason).toMatch(reason);
  });

  it("accepts the edge cases next to the rules", async () => {
    for (const patch of [
      { detectionTime: "23:30", executionTime: "00:30" },
      { detectionTime: "22:00", executionTime: undefined },
      { detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: "00 08 1,15 * *" },
      { detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: "30 2 * * MON-FRI" },
      { timeZone: "UTC" },
      { targetType: "AzureGroup", target: "0f8fad5b-d9cb-469f-a165-70867728950e" },
      { maintenanceType: "GlobalMaintenanceTask", maintenanceIdentifier: "12" },
      { maintenanceType: "ChocolateySoftware", maintenanceIdentifier: "googlechrome" },
      // Feb 29 exists in leap years; day-of-month and day-of-week both restricted run on either (cron's OR).
      { detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: "0 22 29 2 *" },
      { detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: "0 22 31 2 1" },
      { detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: "0 22 31 1-2 *" },
      { detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: "0 22 */10 2 *" },
      { tenantId: 2147483647, adoptId: "2147483647", maintenanceType: "GlobalSoftware", maintenanceIdentifier: "2147483647" },
      { targetType: "Computer", target: "2147483647" },
    ]) {
      expect(await failuresOf({ ...minimal, ...patch }), JSON.stringify(patch)).toEqual([]);
    }
  });

  it("writes the time zone as IANA spells it, in state and on the wire", async () => {
    for (const [typed, canonical] of [["europe/berlin", "Europe/Berlin"], ["AMERICA/NEW_YORK", "America/New_York"], ["utc", "UTC"], ["etc/gmt+5", "Etc/GMT+5"], ["Asia/Kolkata", "Asia/Kolkata"]]) {
      const r = parseInputs(model, { ...minimal, timeZone: typed });
      expect(r.failures, typed).toEqual([]);
      expect(r.inputs.timeZone, typed).toBe(canonical);
      expect(toWire(r.value!).timeZoneInfoId, typed).toBe(canonical);
    }
  });

  it("writes a cron expression with single spaces, in state and on the wire", async () => {
    const r = parseInputs(model, { ...minimal, detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: " 0\t22   1,15  *\t* " });
    expect(r.failures).toEqual([]);
    expect(r.inputs.cronExpression).toBe("0 22 1,15 * *");
    expect(toWire(r.value!).customCronExpression).toBe("0 22 1,15 * *");
  });

  it("reports every field problem at once", async () => {
    const failures = await failuresOf({ ...minimal, detectionTime: "7pm", timeZone: "Nowhere", rebootPreference: "Sometimes" });
    expect(failures.map((f) => f.property).sort()).toEqual(["detectionTime", "rebootPreference", "timeZone"]);
  });

  it("skips values unknown at preview and the rules that read them", async () => {
    const r = await check({}, { ...minimal, tenantId: UNKNOWN, detectionTime: UNKNOWN, executionTime: "22:10" });
    expect(r.failures).toEqual([]);
    expect(r.inputs.tenantId).toBe(UNKNOWN);
    expect(r.inputs.detectionTime).toBe(UNKNOWN);
    expect(r.inputs.rebootPreference).toBe("Normal");
    // A known bad value is still reported next to an unknown one.
    expect(await failuresOf({ ...minimal, tenantId: UNKNOWN, timeZone: "Nowhere" })).toHaveLength(1);
  });

  it("accepts a schedule bound to a deployment whose item is not known yet at preview", async () => {
    const r = await check({}, { ...minimal, maintenanceType: UNKNOWN, maintenanceIdentifier: UNKNOWN });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({ maintenanceType: UNKNOWN, maintenanceIdentifier: UNKNOWN });
  });

  it("leaves out the engine's __provider", async () => {
    expect((await check({}, { ...minimal, __provider: "exports.handler = ..." })).inputs).not.toHaveProperty("__provider");
  });
});

describe("Schedule wire mapping", () => {
  it("sends enums as the spec's integers and every field explicitly", async () => {
    const v = parseInputs(model, minimal).value!;
    const body = toWire(v);
    // AllForTenant 21, Computer 0, GlobalSoftware 0, Normal 0, Skip 1.
    expect(body).toMatchObject({ targetType: 21, targetCategory: 0, targetGroupFilter: 0, day: 6, time: "20:00", maintenanceTime: "22:00", timeZoneInfoId: "Europe/Berlin", customCronExpression: null, target: null, maintenanceType: 0, maintenanceIdentifier: null, rebootPreference: 0, promptTimeoutAction: 0, offlineBehavior: 1 });
    expect(toWire(parseInputs(model, { ...minimal, rebootPreference: "Force", promptTimeoutAction: "FailSession", targetGroupFilter: "Servers" }).value!)).toMatchObject({ rebootPreference: -1, promptTimeoutAction: 2, targetGroupFilter: 1 });
    expect(body).not.toHaveProperty("id");
    expect(toWire(v, 9)).toMatchObject({ id: 9 });
    expect(Object.values(body)).not.toContain(undefined);
  });

  it("maps a server echo with integer enums back to exactly the checked inputs", async () => {
    for (const inputs of [
      minimal,
      { ...minimal, rebootPreference: "Force", promptTimeoutAction: "FailSession", offlineBehavior: "ApplyOnConnect", targetGroupFilter: "Servers" },
      { targetType: "Computer", target: "1042", tenantId: 3, cronExpression: "0 22 * * 6", maintenanceType: "LocalMaintenanceTask", maintenanceIdentifier: "12", sendFollowUpEmail: true, sendFollowUpOnlyIfActionNeeded: true },
      { targetType: "All", detectionTime: "14:00", disabled: true },
    ]) {
      const checked = parseInputs(model, inputs);
      expect(checked.failures).toEqual([]);
      const echo = serverEcho(toWire(checked.value!));
      const back = fromWire(echo);
      expect(back.inputs).toEqual(checked.inputs);
      expect(back.id).toBe("7");
      expect(back.outputs).toMatchObject({ nextOccurrence: "2026-11-21T19:00:00Z", createdAt: "2026-11-20T10:00:00Z" });
    }
  });

  it("declares every output fromWire builds, the computed ones included (the SDK registers exactly these)", () => {
    const outputs = fromWire(serverEcho(toWire(parseInputs(model, { ...minimal, maintenanceType: "LocalSoftware", maintenanceIdentifier: "12" }).value!))).outputs;
    expect(Object.keys(outputs).filter((k) => !outputKeys.includes(k))).toEqual([]);
    expect(outputKeys).toEqual(expect.arrayContaining(["nextOccurrence", "createdAt", "updatedAt"]));
  });

  it("treats a time echoed as HH:mm:ss as the same time", () => {
    const echo = serverEcho(toWire(parseInputs(model, minimal).value!));
    expect(fromWire({ ...echo, time: "20:00:00", maintenanceTime: "22:00:00" }).inputs).toMatchObject({ detectionTime: "20:00", executionTime: "22:00" });
  });

  it("ignores the maintenance type of a full-maintenance schedule", () => {
    const echo = serverEcho(toWire(parseInputs(model, minimal).value!));
    expect(fromWire({ ...echo, maintenanceType: 4 }).inputs).not.toHaveProperty("maintenanceType");
  });

  it("maps every day of the week both ways", () => {
    for (const day of DayOfWeek.names) {
      const v = parseInputs(model, { ...minimal, dayOfWeek: day }).value!;
      expect(fromWire(serverEcho(toWire(v))).inputs.dayOfWeek).toBe(day);
    }
  });
});

describe("Schedule booleans set to true", () => {
  const BOOLEANS = booleanFields(model.fields);
  /** What a boolean needs beside it to be valid when true. */
  const NEEDS: Record<string, Record<string, unknown>> = {
    sendDetectionEmailWhenAllActionsAreCompliant: { sendDetectionEmail: true },
    sendFollowUpOnlyIfActionNeeded: { sendFollowUpEmail: true },
  };
  const defaults = parseInputs(model, minimal);
  const defaultState = { ...fromWire(serverEcho(toWire(defaults.value!))).outputs, __provider: "x" };

  it("are every boolean argument, each false by default", () => {
    expect(BOOLEANS).toEqual(expect.arrayContaining(["allowAccessToMSPResources", "applyWindowsUpdates", "disabled", "propagateToChildTenants", "sendDetectionEmail", "sendFollowUpEmail", "showRunNowButton"]));
    expect(BOOLEANS.length).toBeGreaterThanOrEqual(16);
    for (const name of BOOLEANS) expect(defaults.inputs[name], name).toBe(false);
  });

  it.each(BOOLEANS)("%s: true is sent as true, read back as true, and then diffs as no change", async (name) => {
    const given = { ...minimal, ...NEEDS[name], [name]: true };
    const checked = parseInputs(model, given);
    expect(checked.failures).toEqual([]);
    const body = toWire(checked.value!);
    const back = fromWire(serverEcho(body));
    expect(back.inputs[name as keyof typeof back.inputs]).toBe(true);
    expect(back.inputs).toEqual(checked.inputs);
    expect(await diff("7", { ...back.outputs, __provider: "x" }, checked.inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect((await diff("7", defaultState, checked.inputs)).changes).toBe(true);
  });

  it("all of them true at once", async () => {
    const checked = parseInputs(model, { ...minimal, ...Object.fromEntries(BOOLEANS.map((b) => [b, true])) });
    expect(checked.failures).toEqual([]);
    const back = fromWire(serverEcho(toWire(checked.value!)));
    expect(BOOLEANS.filter((b) => back.inputs[b as keyof typeof back.inputs] !== true)).toEqual([]);
    expect(back.inputs).toEqual(checked.inputs);
    expect((await diff("7", { ...back.outputs, __provider: "x" }, checked.inputs)).changes).toBe(false);
  });
});

describe("Schedule diff", () => {
  const checked = parseInputs(model, minimal).inputs;
  const state = { ...fromWire(serverEcho(toWire(parseInputs(model, minimal).value!))).outputs, __provider: "old code" };

  it("reports no change when only server-computed fields and __provider differ", async () => {
    const r = await diff("7", { ...state, nextOccurrence: "2030-01-01T00:00:00Z", updatedAt: "2030-01-01T00:00:00Z" }, { ...checked, __provider: "new code" });
    expect(r).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("updates in place when an argument changes", async () => {
    const r = await diff("7", state, { ...checked, executionTime: "23:00" });
    expect(r.changes).toBe(true);
    expect(r.replaces).toEqual([]);
  });

  it("reports a change when a value is unknown at preview", async () => {
    expect((await diff("7", state, { ...checked, tenantId: UNKNOWN })).changes).toBe(true);
  });

  it("does not diff state that holds the time zone or the cron expression as typed before they were canonical", async () => {
    expect((await diff("7", { ...state, timeZone: "europe/berlin" }, checked)).changes).toBe(false);
    const cron = { ...minimal, detectionTime: undefined, executionTime: undefined, dayOfWeek: undefined, cronExpression: "0  22 * *\t6" };
    const news = parseInputs(model, cron).inputs;
    expect(news.cronExpression).toBe("0 22 * * 6");
    expect((await diff("7", { ...cron, cronExpression: "0  22 * *\t6" }, news)).changes).toBe(false);
    expect((await diff("7", { ...state, timeZone: "europe/paris" }, checked)).changes).toBe(true);
  });

  it("does not diff state written before a default existed", async () => {
    const { promptTimeoutMinutes: _dropped, ...older } = state;
    expect((await diff("7", older, checked)).changes).toBe(false);
  });

  it("ignores adoptId naming the managed schedule, and replaces when it names another one", async () => {
    expect((await diff("7", state, { ...checked, adoptId: "7" })).changes).toBe(false);
    expect(await diff("7", state, { ...checked, adoptId: "8" })).toEqual({ changes: true, replaces: ["adoptId"], deleteBeforeReplace: false });
  });
});

describe("Schedule request body against the real spec", () => {
  const spec = JSON.parse(require("node:fs").readFileSync(require("node:path").join(__dirname, "../fixtures/immybot-openapi.subset.json"), "utf8"));
  it("sends every field of CreateScheduleRequest and UpdateScheduleRequest, and nothing else", () => {
    const v = parseInputs(model, minimal).value!;
    expect(Object.keys(toWire(v)).sort()).toEqual(Object.keys(spec.components.schemas.CreateScheduleRequest.properties).sort());
    expect(Object.keys(toWire(v, 1)).sort()).toEqual(Object.keys(spec.components.schemas.UpdateScheduleRequest.properties).sort());
  });

  it("validates, exactly as toWire builds it, against the spec's request schemas", () => {
    const validator = new SpecValidator();
    for (const inputs of [
      minimal,
      { ...minimal, rebootPreference: "Force", promptTimeoutAction: "FailSession", offlineBehavior: "ApplyOnConnect", targetGroupFilter: "PrimaryDomainControllers", targetCategory: "Tenant" },
      { targetType: "Computer", target: "1042", tenantId: 3, cronExpression: "0 22 * * 6", maintenanceType: "LocalMaintenanceTask", maintenanceIdentifier: "12" },
      { targetType: "ProviderDeviceGroup", target: "g-1", providerLinkId: 4, providerDeviceGroupType: "0f8fad5b-d9cb-469f-a165-70867728950e", detectionTime: "01:00" },
    ]) {
      const checked = parseInputs(model, inputs);
      expect(checked.failures).toEqual([]);
      const body = JSON.parse(JSON.stringify(toWire(checked.value!)));
      expect(validator.validateRequest("POST", "/api/v1/schedules", body).errors, JSON.stringify(inputs)).toEqual([]);
      expect(validator.validateRequest("PUT", "/api/v1/schedules/{scheduleId}", { ...body, id: 7 }).errors, JSON.stringify(inputs)).toEqual([]);
    }
  });

  it("the spec check refuses an enum sent by name", () => {
    const body = JSON.parse(JSON.stringify(toWire(parseInputs(model, minimal).value!)));
    expect(new SpecValidator().validateRequest("POST", "/api/v1/schedules", { ...body, rebootPreference: "Normal" }).errors.join("\n")).toMatch(/\/rebootPreference: must be integer/);
  });
});
