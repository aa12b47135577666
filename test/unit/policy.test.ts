/**
 * Policy files (sdk/policy): loading the example repository gives the files as written; an invalid corpus
 * (test/fixtures/policy-invalid) reports every problem of every file at once as `file: path: message` with the
 * fix, and nothing is declared. Resource field values are judged by the resources' own models (the messages are
 * theirs); the policy's own rules (names, references, keys, secrets) are checked by the loader.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it } from "vitest";
import { parseInputs } from "../../provider/check";
import { model as scheduleModel } from "../../provider/schedule";
import { declare, formatProblem, load, parse, PolicyError, type PolicyProblem } from "../../sdk/policy";

const REPO = join(__dirname, "../..");
const EXAMPLE = join(REPO, "examples/policy-repo/tenants");
const INVALID = join(REPO, "test/fixtures/policy-invalid");

/** The problems `f` throws, as `file: path: message` lines. */
function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return (e as PolicyError).problems.map(formatProblem);
  }
  throw new Error("expected a PolicyError");
}

/** The problems of one file given as text (path "tenants/t.yaml"). */
function problems(text: string): string[] {
  return problemsOf(() => parse([{ path: "tenants/t.yaml", text }])).map((p) => p.replace(/^tenants\/t\.yaml: /, ""));
}

const schedule = (fields: string) => `tenant: Contoso\nschedules:\n  - name: s\n    target: all\n${fields.replace(/^/gm, "    ")}\n`;

describe("loading the example policy repository", () => {
  it("gives every file with its stem and its content as written", () => {
    const policy = load(EXAMPLE);
    expect(policy.files.map((f) => [f.path, f.stem])).toEqual([
      ["tenants/contoso.yaml", "contoso"],
      ["tenants/fabrikam.yaml", "fabrikam"],
    ]);
    const contoso = policy.files[0]!.content;
    expect(contoso.tenant).toBe("Contoso");
    expect(contoso.deployments).toEqual([
      { name: "7zip", software: "7-Zip", desiredState: "LatestVersion", target: "all" },
      { name: "bios-password", task: "Set BIOS password", mode: "Enforce", target: { tag: "Canary" }, parameters: { AdminPassword: { secretFromConfig: "biosPassword" }, Enforce: true } },
    ]);
    expect(contoso.schedules?.map((s) => [s.name, s.target, s.deployment])).toEqual([
      ["weekly", "all", undefined],
      ["servers-7zip-nightly", { tag: "Servers" }, "7zip"],
    ]);
    expect(contoso.schedules?.[0]).toMatchObject({ dayOfWeek: "Saturday", detectionTime: "20:00", executionTime: "22:00", timeZone: "Europe/Berlin" });
    expect(contoso.sessions).toEqual([{ name: "7zip-now", deployment: "7zip", computers: ["CONTOSO-WS001"], rebootPreference: "Suppress", timeout: "15m", triggers: ["2025-05"] }]);
    const fabrikam = policy.files[1]!.content;
    expect(fabrikam).toMatchObject({ tenant: "Fabrikam", deployments: [{ name: "chrome", software: "Google Chrome", scope: "Global", groupFilter: "Workstations" }] });
    expect(fabrikam.schedules?.[0]).toMatchObject({ name: "weekend", cronExpression: "0 23 * * 6", offlineBehavior: "ApplyOnConnect" });
    expect(fabrikam.sessions).toBeUndefined();
  });

  it("every example file names its JSON Schema for editors", async () => {
    const { readFileSync } = await import("node:fs");
    const { files } = load(EXAMPLE);
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      expect(readFileSync(join(EXAMPLE, "..", f.path), "utf8").split("\n")[0]).toBe("# yaml-language-server: $schema=../node_modules/pulumi-immybot/policy.schema.json");
    }
  });
});

describe("an invalid corpus", () => {
  it("reports every problem of every file at once, each with file, path and fix, in the order of each file", () => {
    expect(problemsOf(() => load(INVALID))).toEqual([
      'policy-invalid/contoso.yaml: schedules[1].executionTime: "25:00" is not HH:mm (24-hour, e.g. "22:00")',
      'policy-invalid/contoso.yaml: schedules[1].timezone: "timezone" is not a schedule key; did you mean "timeZone"?',
      'policy-invalid/contoso.yaml: schedules[2].name: "weekly" is already the name of schedules[0]: names must be unique among the schedules of a file (they name the resources); rename one',
      'policy-invalid/contoso.yaml: schedules[2].target: must be all, { computer: <name> } or { tag: <name> }; got {"computr":"CONTOSO-WS001"}; "computr" is not a kind of target: did you mean "computer"?',
      'policy-invalid/contoso.yaml: schedules[2].cronExpression: cron expression "*/5 * * * *" minute field "*/5" must be a single number 0-59: ImmyBot runs a schedule at most once a day, so * , - and / are not allowed in the minute and hour (e.g. "0 22 * * 6")',
      'policy-invalid/contoso.yaml: deployments[0].version: is required for desiredState "ThisVersion": give the version, e.g. "24.08"',
      "policy-invalid/contoso.yaml: deployments[0].task: a deployment deploys one item: set either software or task, not both",
      'policy-invalid/contoso.yaml: sessions[0].deployment: "7zp" is not the name of a deployment in this file; did you mean "7zip"? The file\'s deployments: 7zip',
      'policy-invalid/contoso.yaml: sessions[0].timeout: "2 hours" is not a duration between "1s" and "24h" (e.g. "45m", "1h30m", "90s")',
      'policy-invalid/fabrikam.yaml: tenant: is required: the tenant\'s name in ImmyBot, e.g. "tenant: Contoso"',
      'policy-invalid/fabrikam.yaml: schedule: "schedule" is not a policy file key; did you mean "schedules"?',
      "policy-invalid/fabrikam.yaml: deployments[0].mode: only applies to a task; software has desiredState instead: remove mode",
      'policy-invalid/fabrikam.yaml: deployments[0].groupFilter: must be one of "All", "Servers", "Workstations", "PortableDevices", "WorkstationsAndPortableDevices", "DomainControllers", "PrimaryDomainControllers"; got "Laptops"',
      'policy-invalid/fabrikam.yaml: deployments[0].version: must be a string; got 24.08; write it in quotes, e.g. "24.08" (YAML reads it as a number)',
      'policy-invalid/fabrikam.yaml: deployments[1].parameters.Token.secretFromConfg: "secretFromConfg" is not a known key; did you mean "secretFromConfig"? As written, the mapping itself would be sent to ImmyBot as the value',
      "policy-invalid/northwind.yaml: line 8, column 1: Flow sequence in block collection must be sufficiently indented and end with a ] (YAML syntax)",
    ]);
  });

  it("gives the line and column of each problem, and one error message listing them all", () => {
    let error: PolicyError | undefined;
    try {
      load(INVALID);
    } catch (e) {
      error = e as PolicyError;
    }
    const at = (path: string) => error!.problems.find((p) => p.path === path) as PolicyProblem;
    expect(at("schedules[1].executionTime")).toMatchObject({ file: "policy-invalid/contoso.yaml", line: 13, column: 20 });
    expect(at("schedules[1].timezone")).toMatchObject({ line: 14, column: 15 });
    expect(error!.problems.find((p) => p.file.endsWith("northwind.yaml"))).toMatchObject({ line: 8, column: 1 });
    expect(error!.message.split("\n")).toEqual(["The policy has 16 problems:", ...error!.problems.map((p) => `  ${formatProblem(p)}`)]);
    expect(pulumi.RunError.isInstance(error)).toBe(true); // printed by `pulumi up` without a stack trace
  });

  it("declares nothing: load fails before the program reaches declare", () => {
    const created: string[] = [];
    pulumi.runtime.setMocks({ newResource: (a) => (created.push(a.name), { id: `${a.name}-id`, state: a.inputs }), call: () => ({}) }, "immybot-test", "dev", true);
    const program = () => declare(load(INVALID));
    expect(program).toThrow(PolicyError);
    expect(created).toEqual([]);
  });
});

describe("resource fields are judged by the resources' own models", () => {
  it("with the model's own message, mapped to the policy's path", () => {
    const model = parseInputs(scheduleModel, { targetType: "All", detectionTime: "21:00", executionTime: "21:30" }).failures;
    expect(problems(schedule('detectionTime: "21:00"\nexecutionTime: "21:30"'))).toEqual([`schedules[0].executionTime: ${model[0]!.reason}`]);
  });

  it("cross-field rules of Schedule, Deployment and MaintenanceSession, in the policy's terms", () => {
    expect(problems(schedule('cronExpression: "0 22 * * 6"\ndayOfWeek: Saturday'))).toEqual([
      "schedules[0].dayOfWeek: cannot be combined with cronExpression (the cron expression sets the days and the time): remove dayOfWeek, or remove cronExpression",
    ]);
    expect(problems(schedule('detectionTime: "01:00"\nsendFollowUpOnlyIfActionNeeded: true\ntimeZone: Mars/Olympus'))).toEqual([
      "schedules[0].sendFollowUpOnlyIfActionNeeded: needs sendFollowUpEmail: true; set it, or remove sendFollowUpOnlyIfActionNeeded",
      'schedules[0].timeZone: "Mars/Olympus" is not an IANA time zone id (e.g. "Europe/Berlin", "America/New_York", "UTC")',
    ]);
    expect(problems(schedule("dayOfWeek: Monday"))).toEqual([
      'schedules[0].detectionTime: is required unless cronExpression is set: give the detection time as "HH:mm" (e.g. "14:00")',
    ]);
    const withItem = `tenant: Contoso\ndeployments:\n  - { name: d, software: 7-Zip, target: all }\nschedules:\n  - { name: s, target: all, detectionTime: "01:00", deployment: d, applyWindowsUpdates: true }\n`;
    expect(problems(withItem)).toEqual(["schedules[0].applyWindowsUpdates: has no effect on a schedule limited to one maintenance item: remove it, or remove deployment"]);
    const deployment = (fields: string) => `tenant: Contoso\ndeployments:\n  - name: d\n    target: all\n${fields.replace(/^/gm, "    ")}\n`;
    expect(problems(deployment("software: 7-Zip\nversion: \"24.08\""))).toEqual([
      'deployments[0].version: only applies to desiredState "ThisVersion", "NewerOrEqualVersion" or "OlderOrEqualVersion"; remove it for "LatestVersion"',
    ]);
    expect(problems(deployment("desiredState: LatestVersion"))).toEqual([
      'deployments[0].software: is required unless task is set: say what to deploy, e.g. "software: 7-Zip" (with desiredState) or "task: Set BIOS password" (with mode)',
    ]);
    expect(problems(deployment("task: Set BIOS password\ndesiredState: NotPresent\nscope: Anywhere\nenforcement: Sometimes"))).toEqual([
      'deployments[0].desiredState: only applies to software; a task deployment has mode instead: remove desiredState',
      'deployments[0].scope: must be "Global" or "Local"; got "Anywhere"',
      'deployments[0].enforcement: must be one of "Required", "Optional", "Adhoc", "Onboarding"; got "Sometimes"',
    ]);
    const session = (fields: string) => `tenant: Contoso\ndeployments:\n  - { name: d, software: 7-Zip, target: all }\nsessions:\n  - name: s\n    deployment: d\n${fields.replace(/^/gm, "    ")}\n`;
    expect(problems(session("computers: []\ntimeZone: Europe/Berlin\nwaitFor: forever"))).toEqual([
      "sessions[0].computers: lists no computer; give at least one computer name, or leave it out to run on every computer the deployment targets",
      'sessions[0].timeZone: is the time zone of executionTime: set executionTime (e.g. "22:00"), or remove timeZone',
      'sessions[0].waitFor: must be "none", "started" or "completed"; got "forever"',
    ]);
  });
});

describe("the policy's own rules", () => {
  it("a key of another kind of entry says where it belongs; a misspelt one says what was meant", () => {
    expect(problems(schedule('detectionTime: "01:00"\ncomputers: [PC1]\ndetectiontime: "02:00"'))).toEqual([
      'schedules[0].computers: "computers" is not a schedule key (it is one of sessions and tags): remove it',
      'schedules[0].detectiontime: "detectiontime" is not a schedule key; did you mean "detectionTime"?',
    ]);
    expect(problems("tenant: Contoso\nowner: me\n")).toEqual(['owner: "owner" is not a policy file key: remove it (the keys are tenant, crossTenant, schedules, deployments, sessions, tags, rollouts)']);
  });

  it("anchors and merge keys share settings between entries", () => {
    const text = [
      "tenant: Contoso",
      "schedules:",
      '  - &quiet { name: a, target: all, detectionTime: "01:00", rebootPreference: Suppress, timeZone: Europe/Berlin }',
      '  - { <<: *quiet, name: b, detectionTime: "02:00" }',
    ].join("\n");
    expect(parse([{ path: "tenants/t.yaml", text }]).files[0]!.content.schedules).toEqual([
      { name: "a", target: "all", detectionTime: "01:00", rebootPreference: "Suppress", timeZone: "Europe/Berlin" },
      { name: "b", target: "all", detectionTime: "02:00", rebootPreference: "Suppress", timeZone: "Europe/Berlin" },
    ]);
  });

  it("a file that is empty, not a mapping, or has an empty list", () => {
    expect(problems("# nothing yet\n")).toEqual(["is empty: a policy file needs at least `tenant: <name>`"]);
    expect(problems("- tenant: Contoso\n")).toEqual(['must be a mapping with tenant, schedules, deployments, sessions, tags and rollouts; got [{"tenant":"Contoso"}]']);
    // `schedules:` with nothing under it is no schedules (as while every entry is commented out).
    expect(parse([{ path: "tenants/t.yaml", text: "tenant: Contoso\nschedules:\n" }]).files[0]!.content).toEqual({ tenant: "Contoso" });
    expect(problems("tenant: Contoso\nschedules: weekly\n")).toEqual(['schedules: must be a list of schedules (each item starting with "- name: ..."); got "weekly"']);
  });

  it("entry names: usable in resource names, unique per kind and file, and resource names unique across files", () => {
    expect(problems(schedule('detectionTime: "01:00"').replace("name: s", "name: weekly run"))).toEqual([
      'schedules[0].name: "weekly run" is not a usable name: use letters, digits, ".", "_" and "-" (at most 63; it becomes part of the resource name), e.g. "weekly-maintenance"',
    ]);
    const twoFiles = [
      { path: "tenants/a-b.yaml", text: schedule('detectionTime: "01:00"').replace("name: s", "name: c") },
      { path: "tenants/a.yaml", text: schedule('detectionTime: "01:00"').replace("name: s", "name: b-c") },
      { path: "tenants/a.yml", text: "tenant: Contoso\n" },
    ];
    expect(problemsOf(() => parse(twoFiles))).toEqual([
      'tenants/a.yml: has the same name as tenants/a.yaml; both would name their resources "a-...": rename one',
      'tenants/a.yaml: schedules[0].name: makes the resource name "a-b-c", as tenants/a-b.yaml: schedules[0].name does: rename one of them',
    ]);
    expect(problemsOf(() => parse([{ path: "tenants/Contoso Ltd.yaml", text: "tenant: Contoso\n" }]))).toEqual([
      'tenants/Contoso Ltd.yaml: the file name "Contoso Ltd" prefixes its resources\' names: use letters, digits, ".", "_" and "-", e.g. "contoso.yaml"',
    ]);
  });

  it("a file is for one tenant or, with crossTenant: true, across tenants; never both", () => {
    const cross = `crossTenant: true\ndeployments:\n  - { name: d, software: 7-Zip, target: { computer: PC1 } }\nschedules:\n  - { name: s, target: all, detectionTime: "01:00", deployment: d }\n`;
    expect(parse([{ path: "tenants/everyone.yaml", text: cross }]).files[0]!.content).toMatchObject({ crossTenant: true, schedules: [{ name: "s", target: "all" }] });
    expect(problems(`tenant: Contoso\n${cross}`)).toEqual([
      "crossTenant: cannot be combined with tenant: a file is either for one tenant (tenant: <name>) or across tenants (crossTenant: true); remove one",
    ]);
    expect(problems("crossTenant: yes\n")).toEqual(['crossTenant: must be true (the file\'s entries apply across tenants), or left out; got "yes"']);
    expect(problems(cross.replace("detectionTime", "propagateToChildTenants: true, detectionTime"))).toEqual([
      "schedules[0].propagateToChildTenants: only applies to a tenant's file; a crossTenant file has no tenant: remove propagateToChildTenants",
    ]);
  });

  it("adoptId: the id of the schedule or deployment an entry takes under management, as text", () => {
    const adopted = parse([{ path: "tenants/t.yaml", text: schedule('adoptId: "42"\ndetectionTime: "01:00"') }]).files[0]!.content;
    expect(adopted.schedules?.[0]).toMatchObject({ name: "s", adoptId: "42" });
    expect(problems(schedule('adoptId: 42\ndetectionTime: "01:00"'))).toEqual([
      'schedules[0].adoptId: must be a string; got 42; write it in quotes, e.g. "42" (YAML reads it as a number)',
    ]);
    expect(problems(schedule('adoptId: "weekly"\ndetectionTime: "01:00"'))).toEqual([
      'schedules[0].adoptId: "weekly" is not a schedule id (a positive whole number, e.g. "42")',
    ]);
  });

  it("a schedule's deployment is one of the file", () => {
    expect(problems(schedule('detectionTime: "01:00"\ndeployment: chrome'))).toEqual([
      'schedules[0].deployment: "chrome" is not the name of a deployment in this file; this file declares no deployments: add one under deployments, or remove this reference',
    ]);
  });

  it("secretFromConfig names a stack config key", () => {
    const text = `tenant: Contoso\ndeployments:\n  - name: d\n    task: Set BIOS password\n    target: all\n    parameters:\n      AdminPassword: { secretFromConfig: "my password" }\n      Other: { value: { secretFromConfig: ok.key }, allowOverride: true }\n`;
    expect(problems(text)).toEqual([
      'deployments[0].parameters.AdminPassword.secretFromConfig: must be a stack config key, e.g. "biosPassword" (set with `pulumi config set --secret biosPassword <value>`); got "my password"',
    ]);
  });

  it("target: all, a computer or a tag, nothing else", () => {
    expect(problems(schedule('detectionTime: "01:00"').replace("target: all", "target: All"))).toEqual([
      'schedules[0].target: must be all, { computer: <name> } or { tag: <name> }; got "All"; write all in lower case',
    ]);
    expect(problems(schedule('detectionTime: "01:00"').replace("target: all", "target: { computer: A, tag: B }"))).toEqual([
      'schedules[0].target: must be all, { computer: <name> } or { tag: <name> }; got {"computer":"A","tag":"B"}; give exactly one of computer and tag (got computer, tag)',
    ]);
    expect(problems(schedule('detectionTime: "01:00"').replace("    target: all\n", ""))).toEqual([
      "schedules[0].target: is required: say which computers of the tenant: all, { computer: <name> } or { tag: <name> }",
    ]);
  });
});

describe("hostile files", () => {
  const sessionWith = (fields: string) => `tenant: Contoso\ndeployments:\n  - { name: d, software: 7-Zip, target: all }\nsessions:\n  - name: s\n    deployment: d\n${fields.replace(/^/gm, "    ")}\n`;
  const nested = (levels: number) => "[".repeat(levels) + "1" + "]".repeat(levels);
  const TOO_DEEP = "is nested more than 32 levels deep; no ImmyBot argument needs that: flatten the value";

  it("a value nested thousands of levels deep is refused before YAML composes it, with its line, whatever its form", () => {
    expect(problems(sessionWith(`triggers: ${nested(5000)}`))).toEqual([`sessions[0].triggers: ${TOO_DEEP}`]);
    let block = "tenant: Contoso\nsessions:\n  - name: s\n    deployment: d\n    triggers:\n";
    for (let i = 0; i < 3000; i++) block += `${" ".repeat(6 + 2 * i)}- \n`;
    expect(problems(block)).toEqual([`sessions[0].triggers: ${TOO_DEEP}`]);
    expect(problems(`tenant: ${"{a: ".repeat(2000)}1${"}".repeat(2000)}\n`)).toEqual([`tenant.a.a: ${TOO_DEEP}`]);
    const task = `tenant: Contoso\ndeployments:\n  - name: d\n    target: all\n    task: Set BIOS password\n    parameters:\n      Deep: ${nested(5000)}\n`;
    expect(problems(task)).toEqual([`deployments[0].parameters.Deep: ${TOO_DEEP}`]);
    let error: unknown;
    try {
      parse([{ path: "tenants/t.yaml", text: sessionWith(`triggers: ${nested(5000)}`) }]);
    } catch (e) {
      error = e;
    }
    expect((error as PolicyError).problems).toEqual([{ file: "tenants/t.yaml", path: "sessions[0].triggers", message: TOO_DEEP, line: 7, column: expect.any(Number) }]);
  });

  it("a value just over the resources' limit gets their message; one at the limit loads", () => {
    expect(problems(sessionWith(`triggers: [${nested(32)}]`))).toEqual([`sessions[0].triggers: ${TOO_DEEP}`]);
    expect(parse([{ path: "tenants/t.yaml", text: sessionWith(`triggers: [${nested(31)}]`) }]).files).toHaveLength(1);
  });

  it("aliases that nest deeper than the text are refused too", () => {
    // No line nests more than 35 levels in the text; the aliases put each inside the next: 90 levels of data.
    const wrap = (levels: number, inner: string) => "[".repeat(levels) + inner + "]".repeat(levels);
    const text = sessionWith(`triggers: [&a ${wrap(30, "1")}, &b ${wrap(30, "*a")}, ${wrap(30, "*b")}]`);
    expect(problems(text)).toEqual([`sessions[0].triggers: ${TOO_DEEP}`]);
  });

  it("reports __proto__ keys wherever they are, and keeps parameters named like Object.prototype's members", () => {
    expect(problems("__proto__: {tenant: Contoso}\ntenant: Contoso\n")).toEqual(['__proto__: "__proto__" is not a policy file key: remove it (the keys are tenant, crossTenant, schedules, deployments, sessions, tags, rollouts)']);
    expect(problems(schedule('detectionTime: "01:00"\n__proto__: 1'))).toEqual(['schedules[0].__proto__: "__proto__" is not a schedule key: remove it (see the keys in policy.schema.json)']);
    const task = (parameters: string) => `tenant: Contoso\ndeployments:\n  - name: d\n    target: all\n    task: Set BIOS password\n    parameters:\n${parameters.replace(/^/gm, "      ")}\n`;
    expect(problems(task("__proto__: x\nEnforce: true"))).toEqual([
      'deployments[0].parameters.__proto__: cannot be used as a key: JavaScript drops a key named "__proto__" (Pulumi\'s provider host already does), so it would never reach ImmyBot: rename it or remove it',
    ]);
    expect(problems(sessionWith("triggers: [{ __proto__: 1 }]"))).toEqual([expect.stringMatching(/^sessions\[0\]\.triggers\[0\]\.__proto__: cannot be used as a key/)]);
    const kept = parse([{ path: "tenants/t.yaml", text: task("constructor: 1\ntoString: x\nhasOwnProperty: { value: true, allowOverride: true }") }]);
    expect(kept.files[0]!.content.deployments![0]!.parameters).toEqual({ constructor: 1, toString: "x", hasOwnProperty: { value: true, allowOverride: true } });
    expect(problems(schedule('detectionTime: "01:00"\nconstructor: 1'))).toEqual(['schedules[0].constructor: "constructor" is not a schedule key: remove it (see the keys in policy.schema.json)']);
  });

  it("a cron on a date that never comes is refused", () => {
    expect(problems(schedule('cronExpression: "0 22 30 2 *"'))).toEqual([
      'schedules[0].cronExpression: cron expression "0 22 30 2 *" never runs: there is no February 30; pick a day of the month that exists in that month (February 29 does, in leap years)',
    ]);
  });
});

describe("load", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("reads *.yaml and *.yml only, in name order, shown as <directory>/<file>", () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-"));
    dirs.push(dir);
    writeFileSync(join(dir, "b.yml"), "tenant: Fabrikam\n");
    writeFileSync(join(dir, "a.yaml"), "tenant: Contoso\n");
    writeFileSync(join(dir, "notes.md"), "# not a policy\n");
    const shown = dir.split(/[\\/]/).at(-1);
    expect(load(dir).files.map((f) => f.path)).toEqual([`${shown}/a.yaml`, `${shown}/b.yml`]);
  });

  it("a directory that is missing or holds no policy file is a problem too", () => {
    const empty = mkdtempSync(join(tmpdir(), "policy-"));
    dirs.push(empty);
    expect(problemsOf(() => load(empty))).toEqual([`${empty}: holds no policy files (*.yaml or *.yml)`]);
    expect(problemsOf(() => load(join(empty, "missing")))).toEqual([`${join(empty, "missing")}: cannot be read (ENOENT): give the directory that holds the policy files`]);
  });
});
