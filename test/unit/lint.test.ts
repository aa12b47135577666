/**
 * Best-practice checks (sdk/policy/lint.ts): each rule with an entry that triggers it and one that does not, the
 * switch-offs (per entry, per repository, `.immybot-lint.yaml`), and the example policy repository linting clean.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatFinding, formatProblem, lint, LINT_RULES, load, parse, PolicyError, readLintConfig, type LintOptions } from "../../sdk/policy";
import { useTempDir } from "../helpers/temp-dir";

const EXAMPLE = join(__dirname, "../../examples/policy-repo/tenants");
const tmp = useTempDir("lint-");

/** The findings of files given as text (name -> YAML), as `file: path: [rule]` and the message. */
function findings(files: Record<string, string>, options?: LintOptions) {
  return lint(parse(Object.entries(files).map(([name, text]) => ({ path: `tenants/${name}`, text }))), options);
}
const where = (fs: ReturnType<typeof findings>) => fs.map((f) => `${f.file}: ${f.path}: ${f.severity} [${f.rule}]`);

/** A file of tenant `tenant` with one entry of `list` (fields indented under it). */
const file = (list: string, fields: string, tenant = "Contoso") => `tenant: ${tenant}\n${list}:\n${fields.replace(/^/gm, "  ")}\n`;
const schedule = (name: string, fields: string) => `- name: ${name}\n  target: all\n${fields.replace(/^/gm, "  ")}`;

describe("staggered-windows", () => {
  const three = ["22:00", "22:30", "22:59"].map((t, i) => schedule(`s${i}`, `dayOfWeek: Saturday\nexecutionTime: "${t}"\ndetectionTime: "12:00"\ntimeZone: Europe/Berlin`));

  it("three schedules of one tenant executing within the same hour: a warning on each, naming the others and the limit", () => {
    const fs = findings({ "c.yaml": `tenant: Contoso\nschedules:\n${three.join("\n").replace(/^/gm, "  ")}\n` });
    expect(where(fs)).toEqual([0, 1, 2].map((i) => `tenants/c.yaml: schedules[${i}].executionTime: warning [staggered-windows]`));
    expect(fs[0]!.message).toBe(
      'executes (Saturday 22:00 Europe/Berlin) within the same hour as 2 other schedules of tenant Contoso (tenants/c.yaml: s1, tenants/c.yaml: s2): 3 at once, more than 2 (staggeredWindows.maxPerTenant)',
    );
    expect(fs[0]!.why).toContain('"to avoid overloading infrastructure"');
  });

  it("an hour apart, or on another day, or at the same UTC hour written in another zone: counted as they execute", () => {
    const apart = ["22:00", "23:00", "00:00"].map((t, i) => schedule(`s${i}`, `dayOfWeek: Saturday\nexecutionTime: "${t}"\ndetectionTime: "12:00"`));
    expect(findings({ "c.yaml": `tenant: Contoso\nschedules:\n${apart.join("\n").replace(/^/gm, "  ")}\n` })).toEqual([]);
    // 21:00 UTC three ways: Berlin 22:00 (January), a cron expression in UTC, and right after detection in London.
    const same = [
      schedule("berlin", 'dayOfWeek: Saturday\ndetectionTime: "12:00"\nexecutionTime: "22:00"\ntimeZone: Europe/Berlin'),
      schedule("cron", 'cronExpression: "30 21 * * 6"'),
      schedule("london", 'dayOfWeek: Saturday\ndetectionTime: "21:15"\ntimeZone: Europe/London'),
    ];
    const fs = findings({ "c.yaml": `tenant: Contoso\nschedules:\n${same.join("\n").replace(/^/gm, "  ")}\n` });
    expect(fs.map((f) => f.path)).toEqual(["schedules[0].executionTime", "schedules[1].cronExpression", "schedules[2].detectionTime"]);
  });

  it("disabled schedules do not count; the limits are options", () => {
    const disabled = three.map((s, i) => (i === 0 ? `${s}\n  disabled: true` : s));
    expect(findings({ "c.yaml": `tenant: Contoso\nschedules:\n${disabled.join("\n").replace(/^/gm, "  ")}\n` })).toEqual([]);
    expect(findings({ "c.yaml": `tenant: Contoso\nschedules:\n${three.join("\n").replace(/^/gm, "  ")}\n` }, { staggeredWindows: { maxPerTenant: 3 } })).toEqual([]);
  });

  it("across the repository: one schedule per tenant, more tenants than maxPerRepository in the same hour", () => {
    const tenants = Object.fromEntries(
      ["a", "b", "c"].map((t) => [`${t}.yaml`, file("schedules", schedule("weekly", 'dayOfWeek: Sunday\ndetectionTime: "01:00"'), t.toUpperCase())]),
    );
    expect(findings(tenants)).toEqual([]);
    const fs = findings(tenants, { staggeredWindows: { maxPerRepository: 2 } });
    expect(where(fs)).toEqual(["a", "b", "c"].map((t) => `tenants/${t}.yaml: schedules[0].detectionTime: warning [staggered-windows]`));
    expect(fs[0]!.message).toContain("of the repository");
  });
});

describe("test-first", () => {
  const all = "- name: 7zip\n  software: 7-Zip\n  target: all";

  it("software to all computers of a tenant with no ring in front: a warning on its target, with the fix", () => {
    const fs = findings({ "c.yaml": file("deployments", all) });
    expect(where(fs)).toEqual(["tenants/c.yaml: deployments[0].target: warning [test-first]"]);
    expect(fs[0]!.message).toBe("deploys 7-Zip to every computer of Contoso with no smaller ring in front of it");
    expect(fs[0]!.fix).toContain("target: { tag: Canary }");
    expect(fs[0]!.why).toContain('"test on a small group before deploying widely"');
  });

  it("a crossTenant `all` needs a ring too", () => {
    expect(where(findings({ "x.yaml": `crossTenant: true\ndeployments:\n${all.replace(/^/gm, "  ")}\n` }))).toEqual(["tenants/x.yaml: deployments[0].target: warning [test-first]"]);
  });

  it("a ring in front: the same software to a tag of the tenant (also in another file of it), or a session on named computers", () => {
    expect(findings({ "c.yaml": file("deployments", `${all}\n- name: 7zip-canary\n  software: 7-zip\n  target: { tag: Canary }`) })).toEqual([]);
    expect(findings({ "c.yaml": file("deployments", all), "c-rings.yaml": file("deployments", "- name: canary\n  software: 7-Zip\n  target: { computer: WS1 }") })).toEqual([]);
    expect(findings({ "c.yaml": `${file("deployments", all)}sessions:\n  - { name: first, deployment: 7zip, computers: [WS1] }\n` })).toEqual([]);
  });

  it("not a ring: another tenant's canary, a disabled one, a session on every computer; a task or NoAction is not looked at", () => {
    const other = file("deployments", "- name: canary\n  software: 7-Zip\n  target: { tag: Canary }", "Fabrikam");
    expect(findings({ "c.yaml": file("deployments", all), "f.yaml": other })).toHaveLength(1);
    expect(findings({ "c.yaml": file("deployments", `${all}\n- name: canary\n  software: 7-Zip\n  target: { tag: Canary }\n  disabled: true`) })).toHaveLength(1);
    expect(findings({ "c.yaml": `${file("deployments", all)}sessions:\n  - { name: now, deployment: 7zip }\n` })).toHaveLength(1);
    expect(findings({ "c.yaml": file("deployments", "- { name: t, task: Set BIOS password, target: all }\n- { name: n, software: 7-Zip, desiredState: NoAction, target: all }") })).toEqual([]);
  });
});

describe("reboots and prompts", () => {
  it("reboot-force-workstations: Force without suppressRebootsDuringBusinessHours, an error (schedules and sessions)", () => {
    const fs = findings({ "c.yaml": file("schedules", schedule("s", 'detectionTime: "01:00"\nrebootPreference: Force')) });
    expect(where(fs)).toEqual(["tenants/c.yaml: schedules[0].rebootPreference: error [reboot-force-workstations]"]);
    expect(fs[0]!.fix).toContain("suppressRebootsDuringBusinessHours: true");
    const session = `deployments:\n  - { name: d, software: 7-Zip, target: { tag: Canary } }\nsessions:\n  - { name: now, deployment: d, rebootPreference: Force }\n`;
    expect(where(findings({ "c.yaml": `tenant: Contoso\n${session}` }))).toEqual(["tenants/c.yaml: sessions[0].rebootPreference: error [reboot-force-workstations]"]);
  });

  it("reboot-force-workstations: not with the suppression, nor for servers only", () => {
    expect(findings({ "c.yaml": file("schedules", schedule("s", 'detectionTime: "01:00"\nrebootPreference: Force\nsuppressRebootsDuringBusinessHours: true')) })).toEqual([]);
    expect(findings({ "c.yaml": file("schedules", schedule("s", 'detectionTime: "01:00"\nrebootPreference: Force\ngroupFilter: Servers')) })).toEqual([]);
  });

  it("prompt-timeout-action: Prompt without promptTimeoutAction (the default reboots); not when the action is given", () => {
    const fs = findings({ "c.yaml": file("schedules", schedule("s", 'detectionTime: "01:00"\nrebootPreference: Prompt\npromptTimeoutMinutes: 30')) });
    expect(where(fs)).toEqual(["tenants/c.yaml: schedules[0].rebootPreference: warning [prompt-timeout-action]"]);
    expect(fs[0]!.message).toContain("after 30 minutes ImmyBot reboots");
    expect(findings({ "c.yaml": file("schedules", schedule("s", 'detectionTime: "01:00"\nrebootPreference: Prompt\npromptTimeoutAction: Suppress')) })).toEqual([]);
  });
});

describe("email-cannot-work", () => {
  it("buttons or the actions list with no e-mail: an error on each key; with an e-mail: none", () => {
    const fs = findings({ "c.yaml": file("schedules", schedule("s", 'detectionTime: "01:00"\nshowPostponeButton: true\nshowMaintenanceActions: true')) });
    expect(where(fs)).toEqual([
      "tenants/c.yaml: schedules[0].showPostponeButton: error [email-cannot-work]",
      "tenants/c.yaml: schedules[0].showMaintenanceActions: error [email-cannot-work]",
    ]);
    expect(findings({ "c.yaml": file("schedules", schedule("s", 'detectionTime: "01:00"\nsendDetectionEmail: true\nshowPostponeButton: true')) })).toEqual([]);
  });

  it("a follow-up 'only if action needed' without the follow-up never reaches lint: the loader rejects it", () => {
    expect(() => findings({ "c.yaml": file("schedules", schedule("s", 'detectionTime: "01:00"\nsendFollowUpOnlyIfActionNeeded: true')) })).toThrow(PolicyError);
  });
});

describe("switching rules off", () => {
  const forced = (extra = "") => file("schedules", schedule("s", `detectionTime: "01:00"\nrebootPreference: Force${extra}`));

  it("per entry: lint.ignore drops that rule for that entry only", () => {
    expect(findings({ "c.yaml": forced("\nlint: { ignore: [reboot-force-workstations] }") })).toEqual([]);
    expect(where(findings({ "c.yaml": forced("\nlint: { ignore: [test-first] }") }))).toEqual([
      "tenants/c.yaml: schedules[0].rebootPreference: error [reboot-force-workstations]",
    ]);
  });

  it("per entry: an unknown rule id is a format problem with the close id", () => {
    try {
      findings({ "c.yaml": forced("\nlint: { ignore: [reboot-force-workstation] }") });
      expect.unreachable();
    } catch (e) {
      expect((e as PolicyError).problems.map(formatProblem)).toEqual([
        expect.stringMatching(/^tenants\/c\.yaml: schedules\[0\]\.lint\.ignore\[0\]: "reboot-force-workstation" is not a lint rule; did you mean "reboot-force-workstations"\?/),
      ]);
    }
  });

  it("per repository: options.ignore, or .immybot-lint.yaml in the policy directory (which the loader does not read as policy)", () => {
    expect(findings({ "c.yaml": forced() }, { ignore: ["reboot-force-workstations"] })).toEqual([]);
    const dir = tmp("repo");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "c.yaml"), forced());
    writeFileSync(join(dir, ".immybot-lint.yaml"), "ignore: [reboot-force-workstations]\nstaggeredWindows: { maxPerTenant: 4 }\n");
    const config = readLintConfig(dir);
    expect(config).toEqual({ options: { ignore: ["reboot-force-workstations"], staggeredWindows: { maxPerTenant: 4 } }, problems: [] });
    expect(lint(load(dir), config.options)).toEqual([]);
    expect(lint(load(dir))).toHaveLength(1);
  });

  it(".immybot-lint.yaml with a wrong key or value: problems naming the place", () => {
    const dir = tmp("bad-config");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, ".immybot-lint.yaml"), "ignore: [test-frist]\nstaggeredWindow: {}\n");
    expect(readLintConfig(dir, ".immybot-lint.yaml").problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^\.immybot-lint\.yaml: ignore\[0\]: "test-frist" is not a lint rule; did you mean "test-first"\?/),
      '.immybot-lint.yaml: staggeredWindow: "staggeredWindow" is not a lint setting: the settings are ignore and staggeredWindows (maxPerTenant, maxPerRepository)',
    ]);
  });
});

describe("the example policy repository", () => {
  it("lints clean, warnings included", () => {
    const policy = load(EXAMPLE);
    expect(policy.files).toHaveLength(2);
    expect(lint(policy)).toEqual([]);
  });

  it("every rule has a severity and a reason; a finding prints as file: path: severity [rule] message, then fix and why", () => {
    expect(Object.keys(LINT_RULES)).toHaveLength(5);
    const [f] = findings({ "c.yaml": file("deployments", "- name: 7zip\n  software: 7-Zip\n  target: all") });
    expect(formatFinding(f!).split("\n")).toEqual([
      "tenants/c.yaml: deployments[0].target: warning [test-first] deploys 7-Zip to every computer of Contoso with no smaller ring in front of it",
      expect.stringMatching(/^ {2}fix: add a deployment of 7-Zip to a canary ring first/),
      expect.stringMatching(/^ {2}why: ImmyBot's maintenance guide: "test on a small group/),
    ]);
  });
});
