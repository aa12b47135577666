/**
 * Messages that say what to write (issue 14): a time zone given as a city or an offset, an enum value cut short or
 * copied from ImmyBot's UI, paths written as in the program and the policy files (`computers[0]`), and a policy
 * repository whose format problems and resource-name clashes come in one run. The bad-input corpus
 * (test/fixtures/bad-input.ts) holds the same kinds of cases end to end through the provider host.
 */
import { describe, expect, it } from "vitest";
import { checkWith, type InputModel } from "../../provider/check";
import { model as deploymentModel } from "../../provider/deployment";
import { model as sessionModel } from "../../provider/maintenance-session";
import { timeZoneHint } from "../../provider/models/time";
import { model as scheduleModel } from "../../provider/schedule";
import { parse, PolicyError } from "../../sdk/policy";

const SCHEDULE = { targetType: "All", detectionTime: "20:00" };
/** The check failures of `args`; any resource's model (their value types differ, check does not care). */
const failures = (model: object, args: Record<string, unknown>) => checkWith(model as InputModel, args).failures ?? [];

describe("time zones: a city, an offset or a Windows name gets the IANA id to write", () => {
  it.for([
    ["London", /; did you mean "Europe\/London"\?$/],
    ["new york", /; did you mean "America\/New_York"\?$/],
    ["Kolkata", /; did you mean "Asia\/Kolkata"\?$/], // an alias Node does not list: found under its area
    ["Londn", /; did you mean "Europe\/London"\?$/],
    ["Europe/Berln", /; did you mean "Europe\/Berlin"\?$/],
    ["GMT+1", /^; did you mean "Etc\/GMT-1"\? IANA's Etc\/GMT zones have the opposite sign \(POSIX\): "Etc\/GMT-1" is UTC\+1, 1 hour ahead of UTC all year; for a place, give its own zone \(e\.g\. "Europe\/Berlin"\), which also follows its daylight saving time$/],
    ["UTC-5", /^; did you mean "Etc\/GMT\+5"\? .*"Etc\/GMT\+5" is UTC-5, 5 hours behind UTC all year/],
    ["+02:00", /^; did you mean "Etc\/GMT-2"\?/],
    ["UTC+05:30", /^; an offset with minutes has no Etc\/GMT zone: give the place's own zone, e\.g\. "Asia\/Kolkata" for UTC\+05:30$/],
    ["UTC+15", /^; no time zone is 15 hours ahead of UTC$/],
    ["W. Europe Standard Time", /^; that is a Windows time zone name: give the IANA id of the same zone, e\.g\. "Europe\/Berlin"/],
  ] as const)("%s", ([input, hint]) => {
    expect(timeZoneHint(input)).toMatch(hint);
    const [failure, ...more] = failures(scheduleModel, { ...SCHEDULE, timeZone: input });
    expect(more).toEqual([]);
    expect(failure).toEqual({ property: "timeZone", reason: expect.stringMatching(/is not an IANA time zone id/) });
    expect(failure!.reason.endsWith(timeZoneHint(input))).toBe(true);
  });

  it("suggests nothing it cannot stand behind, and never throws, whatever the text", () => {
    expect(timeZoneHint("Mars/Olympus")).toBe("");
    expect(timeZoneHint(42)).toBe("");
    for (const input of ["", " ", "GMT+", "UTC+99:99", "\u2212".repeat(50), "x".repeat(100_000), "Europe/" + "a/".repeat(5000), "__proto__", "constructor", "GMT\u22121", "\u0000"]) {
      const r = checkWith(scheduleModel, { ...SCHEDULE, timeZone: input });
      expect(r.failures?.map((f) => f.property), JSON.stringify(input).slice(0, 40)).toEqual(["timeZone"]);
    }
  });
});

describe("enum values cut short or copied from ImmyBot's UI name the value to write", () => {
  it.for([
    [deploymentModel, { targetType: "All", software: { id: "303", desiredState: "Latest" } }, "software.desiredState", /got "Latest"; did you mean "LatestVersion"\?$/],
    [deploymentModel, { targetType: "All", software: { id: "303", desiredState: "Installed - latest" } }, "software.desiredState", /did you mean "LatestVersion"\? \(ImmyBot's UI calls it "Installed – latest"\)$/],
    [deploymentModel, { targetType: "All", task: { id: "7", mode: "Ignore" } }, "task.mode", /did you mean "NoAction"\? \(ImmyBot's UI calls it "Ignore"\)$/],
    [deploymentModel, { targetType: "AllTenants", targetCategory: "Cloud", task: { id: "7" } }, "targetCategory", /did you mean "Tenant"\? \(ImmyBot's UI calls it "Cloud"\)$/],
    [scheduleModel, { ...SCHEDULE, rebootPreference: "ifnecessary" }, "rebootPreference", /did you mean "Normal"\? \(ImmyBot's UI calls it "If necessary"\)$/],
    [sessionModel, { deploymentId: "1", waitFor: "complete" }, "waitFor", /did you mean "completed"\?$/],
  ] as const)("%#: $2", ([model, args, property, reason]) => {
    expect(failures(model, args)).toEqual([{ property, reason: expect.stringMatching(reason) }]);
  });

  it("offers the start of a name only when exactly one name starts that way", () => {
    expect(failures(deploymentModel, { targetType: "All", software: { id: "303", desiredState: "Newer" } })[0]!.reason).toMatch(/did you mean "NewerOrEqualVersion"\?$/);
    expect(failures(scheduleModel, { ...SCHEDULE, targetGroupFilter: "Domain" })[0]!.reason).toMatch(/did you mean "DomainControllers"\?$/);
    // TenantMetascript, TenantFilterScript and TenantTag all start with "Tenant": no guess.
    expect(failures(scheduleModel, { ...SCHEDULE, targetType: "Tenant" })[0]!.reason).not.toMatch(/did you mean/);
  });
});

describe("paths name the place as the program and the policy files write it", () => {
  it("list items with [n], keys that are not plain names in brackets", () => {
    expect(failures(sessionModel, { deploymentId: "1", computers: [6, "PC-6"] }).map((f) => f.property)).toEqual(["computers[1]"]);
    expect(failures(sessionModel, { deploymentId: "1", triggers: [JSON.parse('{"__proto__":1}')] }).map((f) => f.property)).toEqual(["triggers[0].__proto__"]);
    const bad = failures(deploymentModel, { targetType: "All", task: { id: "7" }, parameters: { "Admin Password": { value: "x", allowOverride: "yes" } } });
    expect(bad.map((f) => f.property)).toEqual(['parameters["Admin Password"].allowOverride']);
  });

  it("a parameter named with dots keeps its name in a policy file's path", () => {
    const text = 'tenant: Contoso\ndeployments:\n  - name: d\n    task: Set BIOS password\n    target: all\n    parameters:\n      "a.b": { value: 1, allowOverride: "yes" }\n';
    const error = (() => {
      try {
        parse([{ path: "tenants/t.yaml", text }]);
      } catch (e) {
        return e as PolicyError;
      }
      throw new Error("parse accepted the file");
    })();
    expect(error.problems.map((p) => p.path)).toEqual(['deployments[0].parameters["a.b"].allowOverride']);
  });
});

describe("a policy repository: format problems and resource-name clashes in one run", () => {
  it("reports a clash across files together with the other problems of those files", () => {
    const files = [
      { path: "tenants/a-b.yaml", text: 'tenant: Contoso\nschedules:\n  - name: c\n    target: all\n    detectionTime: "25:00"\n' },
      { path: "tenants/a.yaml", text: 'tenant: Contoso\nschedules:\n  - name: b-c\n    target: all\n    detectionTime: "01:00"\n    timezone: UTC\n' },
    ];
    let problems: string[] = [];
    try {
      parse(files);
    } catch (e) {
      problems = (e as PolicyError).problems.map((p) => `${p.file}: ${p.path}: ${p.message}`);
    }
    expect(problems).toEqual([
      'tenants/a-b.yaml: schedules[0].detectionTime: "25:00" is not HH:mm (24-hour, e.g. "22:00")',
      'tenants/a.yaml: schedules[0].timezone: "timezone" is not a schedule key; did you mean "timeZone"?',
      'tenants/a.yaml: schedules[0].name: makes the resource name "a-b-c", as tenants/a-b.yaml: schedules[0].name does: rename one of them',
    ]);
  });

  it("reports a name used twice in one file once, and nothing across files for a file that is not YAML", () => {
    const files = [
      { path: "tenants/x.yaml", text: 'tenant: Contoso\nschedules:\n  - { name: s, target: all, detectionTime: "01:00" }\n  - { name: s, target: all, detectionTime: "02:00" }\n' },
      { path: "tenants/y.yaml", text: "tenant: [unclosed\n" },
    ];
    let problems: string[] = [];
    try {
      parse(files);
    } catch (e) {
      problems = (e as PolicyError).problems.map((p) => `${p.file}: ${p.path}`);
    }
    expect(problems).toEqual(["tenants/x.yaml: schedules[1].name", "tenants/y.yaml: "]);
  });
});
