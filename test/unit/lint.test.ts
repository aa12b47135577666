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
      '.immybot-lint.yaml: staggeredWindow: "staggeredWindow" is not a lint setting: the settings are ignore, staggeredWindows (maxPerTenant, maxPerRepository, maxComputersPerHour, sharedInfrastructure) and rollouts (maxFirstRingFraction, maxFirstRingComputers)',
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
    expect(Object.keys(LINT_RULES)).toHaveLength(6);
    const [f] = findings({ "c.yaml": file("deployments", "- name: 7zip\n  software: 7-Zip\n  target: all") });
    expect(formatFinding(f!).split("\n")).toEqual([
      "tenants/c.yaml: deployments[0].target: warning [test-first] deploys 7-Zip to every computer of Contoso with no smaller ring in front of it",
      expect.stringMatching(/^ {2}fix: add a deployment of 7-Zip to a canary ring first/),
      expect.stringMatching(/^ {2}why: ImmyBot's maintenance guide: "test on a small group/),
    ]);
  });
});

describe("rings: rollouts, declared tags and computers per hour", () => {
  const deployment = "- name: 7zip\n  software: 7-Zip\n  target: all";
  const rollout = (rings: string) => `rollouts:\n  - name: 7zip-rings\n    deployment: 7zip\n    rings:\n${rings.replace(/^/gm, "      ")}\n`;
  const withRollout = (rings: string, tags = "") => `tenant: Contoso\ndeployments:\n${deployment.replace(/^/gm, "  ")}\n${tags}${rollout(rings)}`;
  const canary = (n: number) => `tags:\n  - name: Canary\n    computers: [${Array.from({ length: n }, (_, i) => `WS${i}`).join(", ")}]\n`;

  it("test-first: a rollout whose first ring is smaller than everything is a ring in front; one starting with fraction 1 is not", () => {
    expect(findings({ "c.yaml": withRollout("- { name: canary, computers: [WS1] }\n- { name: broad, fraction: 1 }") })).toEqual([]);
    const fs = findings({ "c.yaml": withRollout("- { name: all, fraction: 1 }") });
    expect(where(fs)).toEqual(["tenants/c.yaml: deployments[0].target: warning [test-first]", "tenants/c.yaml: rollouts[0].rings[0].fraction: warning [rollout-first-ring]"]);
    expect(fs[0]!.fix).toContain("rollouts: - { name: 7zip-rings, deployment: 7zip");
  });

  it("rollout-first-ring: a first fraction above 0.2, more than 5 listed computers, or a declared tag on more than 5: a warning with the guide's reason and the fix", () => {
    const big = findings({ "c.yaml": withRollout("- { name: first, fraction: 0.5 }\n- { name: broad, fraction: 1 }") });
    expect(where(big)).toEqual(["tenants/c.yaml: rollouts[0].rings[0].fraction: warning [rollout-first-ring]"]);
    expect(big[0]!.message).toBe('the first ring "first" takes 50% of deployment 7zip\'s computers at once, more than 20% (rollouts.maxFirstRingFraction)');
    expect(big[0]!.why).toContain('"test on a small group before deploying widely"');
    expect(big[0]!.fix).toMatch(/start with a small ring .* or raise rollouts\.maxFirstRingFraction in \.immybot-lint\.yaml$/);
    const listed = findings({ "c.yaml": withRollout(`- { name: first, computers: [${["A", "B", "C", "D", "E", "F"].join(", ")}] }\n- { name: broad, fraction: 1 }`) });
    expect(where(listed)).toEqual(["tenants/c.yaml: rollouts[0].rings[0].computers: warning [rollout-first-ring]"]);
    const tagged = findings({ "c.yaml": withRollout("- { name: canary, tag: canary }\n- { name: broad, fraction: 1 }", canary(6)) });
    expect(where(tagged)).toEqual(["tenants/c.yaml: rollouts[0].rings[0].tag: warning [rollout-first-ring]"]);
    expect(tagged[0]!.message).toContain("is the tag canary, which this repository puts on 6 computers, more than 5");
  });

  it("rollout-first-ring: not for a small first ring, a tag the repository does not declare, a later large ring, or under raised limits", () => {
    expect(findings({ "c.yaml": withRollout("- { name: canary, tag: Canary }\n- { name: broad, fraction: 1 }", canary(5)) })).toEqual([]);
    expect(findings({ "c.yaml": withRollout("- { name: canary, tag: Pilot }\n- { name: broad, fraction: 1 }", canary(9)) })).toEqual([]);
    expect(findings({ "c.yaml": withRollout("- { name: canary, fraction: 0.1 }\n- { name: broad, fraction: 1 }") })).toEqual([]);
    expect(findings({ "c.yaml": withRollout("- { name: first, fraction: 0.5 }\n- { name: broad, fraction: 1 }") }, { rollouts: { maxFirstRingFraction: 0.5 } })).toEqual([]);
  });

  it("staggered-windows: computers the files know (a declared tag's, computer targets) above maxComputersPerHour in one hour; `all` is not counted", () => {
    const ringSchedules = (target: string) =>
      `tenant: Contoso\n${canary(3)}schedules:\n  - name: ring\n    target: ${target}\n    dayOfWeek: Saturday\n    detectionTime: "22:00"\n  - name: one\n    target: { computer: PC9 }\n    dayOfWeek: Saturday\n    detectionTime: "22:30"\n`;
    const fs = findings({ "c.yaml": ringSchedules("{ tag: Canary }") }, { staggeredWindows: { maxComputersPerHour: 3 } });
    expect(where(fs)).toEqual(["tenants/c.yaml: schedules[0].detectionTime: warning [staggered-windows]", "tenants/c.yaml: schedules[1].detectionTime: warning [staggered-windows]"]);
    expect(fs[0]!.message).toMatch(/4 computers at once \(counting computer targets and the computers of tags this repository declares\), more than 3 \(staggeredWindows\.maxComputersPerHour\)$/);
    expect(findings({ "c.yaml": ringSchedules("{ tag: Canary }") }, { staggeredWindows: { maxComputersPerHour: 4 } })).toEqual([]);
    expect(findings({ "c.yaml": ringSchedules("all") }, { staggeredWindows: { maxComputersPerHour: 1 } })).toEqual([]);
  });

  it("staggered-windows: tenants sharing infrastructure count together", () => {
    const weekly = (tenant: string, time: string) => file("schedules", schedule("weekly", `dayOfWeek: Sunday\ndetectionTime: "${time}"`), tenant);
    const files = { "a.yaml": weekly("Contoso", "01:00"), "b.yaml": weekly("Contoso Labs", "01:20"), "c.yaml": weekly("Fabrikam", "01:40") };
    expect(findings(files, { staggeredWindows: { maxPerTenant: 1 } })).toEqual([]);
    const fs = findings(files, { staggeredWindows: { maxPerTenant: 1, sharedInfrastructure: [["contoso", "Contoso Labs"]] } });
    expect(where(fs)).toEqual(["tenants/a.yaml: schedules[0].detectionTime: warning [staggered-windows]", "tenants/b.yaml: schedules[0].detectionTime: warning [staggered-windows]"]);
    expect(fs[0]!.message).toContain("of tenants contoso, Contoso Labs (sharedInfrastructure)");
  });

  it(".immybot-lint.yaml takes the new settings and names a wrong one", () => {
    const dir = tmp("cfg");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, ".immybot-lint.yaml"), "staggeredWindows: { maxComputersPerHour: 100, sharedInfrastructure: [[Contoso, Contoso Labs]] }\nrollouts: { maxFirstRingFraction: 0.1, maxFirstRingComputers: 3 }\n");
    expect(readLintConfig(dir, "x")).toEqual({ options: { staggeredWindows: { maxComputersPerHour: 100, sharedInfrastructure: [["Contoso", "Contoso Labs"]] }, rollouts: { maxFirstRingFraction: 0.1, maxFirstRingComputers: 3 } }, problems: [] });
    writeFileSync(join(dir, ".immybot-lint.yaml"), "staggeredWindows: { sharedInfrastructure: [[Contoso]] }\nrollouts: { maxFirstRingFraction: 2 }\n");
    expect(readLintConfig(dir, "x").problems.map(formatProblem)).toEqual([
      "x: staggeredWindows.sharedInfrastructure[0]: must name at least two tenants (tenants that share infrastructure are counted together)",
      "x: rollouts.maxFirstRingFraction: must be at most 1, e.g. 0.2",
    ]);
  });
});
