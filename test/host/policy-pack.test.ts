/**
 * The policy pack (`pulumi-immybot/policy-pack`, examples/policy-pack) run as the Pulumi CLI runs it: the example
 * pack started with @pulumi/pulumi's run-policy-pack, called over gRPC with resources as the engine sends them (type
 * token, checked inputs as a protobuf Struct, URN, property dependencies, the engine's unknown sentinel where an
 * output is not known yet at preview). Each rule triggered and not triggered, enforcement levels, messages naming
 * the property and the fix, per-resource opt-out and the pack's config.
 *
 * One pack process for the file (its start compiles index.ts with ts-node: most of the file's time).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lint, parse } from "../../sdk/policy";
import { LINT_RULE_IDS } from "../../sdk/policy/schema";
import { analyzerUrn, PolicyAnalyzer, type AnalyzedResource, type Violation } from "../helpers/analyzer";
import { REPO, UNKNOWN } from "../helpers/host";

/** The type tokens Pulumi's engine gives the sdk's classes, written out rather than imported: a wrong table in the pack must fail here. */
const T = {
  Schedule: "pulumi-nodejs:dynamic/immybot:Schedule",
  Deployment: "pulumi-nodejs:dynamic/immybot:Deployment",
  MaintenanceSession: "pulumi-nodejs:dynamic/immybot:MaintenanceSession",
  MaintenanceRollout: "pulumi-nodejs:dynamic/immybot:MaintenanceRollout",
  Tag: "pulumi-nodejs:dynamic/immybot:Tag",
  TagMembership: "pulumi-nodejs:dynamic/immybot:TagMembership",
};
/** What the dynamic provider's check returns besides the arguments. */
const PROVIDER = { __provider: "exports.handler = __f0; ..." };

const schedule = (name: string, props: Record<string, unknown>): AnalyzedResource => ({
  type: T.Schedule,
  name,
  props: { ...PROVIDER, targetType: "AllForTenant", tenantId: 3, dayOfWeek: "Saturday", detectionTime: "20:00", executionTime: "22:00", timeZone: "Europe/Berlin", ...props },
});
const deployment = (name: string, props: Record<string, unknown>): AnalyzedResource => ({
  type: T.Deployment,
  name,
  props: { ...PROVIDER, targetType: "AllForTenant", tenantId: 3, software: { id: "303", scope: "Global", desiredState: "LatestVersion" }, ...props },
});
/** A run of `of` (its deploymentId comes from that Deployment: unknown at preview, as for a new deployment). */
const run = (type: string, name: string, of: AnalyzedResource | undefined, props: Record<string, unknown>): AnalyzedResource => ({
  type,
  name,
  props: { ...PROVIDER, ...(of ? { deploymentId: UNKNOWN } : {}), ...props },
  ...(of ? { propertyDependencies: { deploymentId: [analyzerUrn(of.type, of.name)] } } : {}),
});

/** A TagMembership of tag `tagId` (or, with `tag`, of that Tag resource's id, not known yet at preview) on `computers`. */
const members = (name: string, tagId: string, computers: number[], tag?: AnalyzedResource): AnalyzedResource => ({
  type: T.TagMembership,
  name,
  props: { ...PROVIDER, tagId: tag ? UNKNOWN : tagId, computers, tenants: [] },
  ...(tag ? { propertyDependencies: { tagId: [analyzerUrn(tag.type, tag.name)] } } : {}),
});
const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** What the policy wrote: the SDK puts the policy's description on the line before. */
const own = (v: Violation) => v.message.split("\n").slice(1).join("\n");

let pack: PolicyAnalyzer;

beforeAll(async () => {
  pack = await PolicyAnalyzer.start(join(REPO, "examples/policy-pack"));
}, 150_000);

afterAll(async () => {
  await pack?.stop();
});

describe("the policy pack, through the analyzer", () => {
  it("GetAnalyzerInfo: one policy per lint rule, by its id; errors mandatory, warnings advisory; the repository-wide rules and the reboot rule (which needs a run's deployment) are stack policies", async () => {
    const info = await pack.info();
    expect(info.name).toBe("immybot-best-practices");
    expect(info.policies.map((p) => p.name)).toEqual([...LINT_RULE_IDS]);
    expect(Object.fromEntries(info.policies.map((p) => [p.name, `${p.enforcementLevel} ${p.type}`]))).toEqual({
      "staggered-windows": "advisory stack",
      "test-first": "advisory stack",
      "reboot-force-workstations": "mandatory stack",
      "prompt-timeout-action": "advisory resource",
      "email-cannot-work": "mandatory resource",
      "rollout-first-ring": "advisory stack",
    });
    const windows = info.policies.find((p) => p.name === "staggered-windows")!;
    expect(windows.config.sort()).toEqual(["ignoreResources", "maxComputersPerHour", "maxPerRepository", "maxPerTenant", "sharedInfrastructure"]);
    expect(info.policies.find((p) => p.name === "rollout-first-ring")!.config.sort()).toEqual(["ignoreResources", "maxFirstRingComputers", "maxFirstRingFraction"]);
    expect(windows.description).toBe("ImmyBot best practice [staggered-windows]: more than 2 schedules of a tenant, or 6 in all, executing within one hour (UTC)");
  });

  it("Analyze, prompt-timeout-action: Prompt without promptTimeoutAction on a schedule or a rollout, not with one", async () => {
    const bad = await pack.analyze(schedule("weekly", { rebootPreference: "Prompt", promptTimeoutMinutes: 30 }));
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ policyName: "prompt-timeout-action", enforcementLevel: "advisory" });
    expect(own(bad[0]!)).toMatch(/^rebootPreference: prompts for a reboot without saying what happens when nobody answers: after 30 minutes ImmyBot reboots/);
    expect(own(bad[0]!)).toContain("\nfix: set promptTimeoutAction: Suppress");
    expect(bad[0]!.message.split("\n")[0]).toBe("ImmyBot best practice [prompt-timeout-action]: rebootPreference Prompt without promptTimeoutAction (the default reboots)");
    expect(own(bad[0]!)).toContain("\nwhy: a user away from the computer never answers the prompt");
    const rollout = await pack.analyze(run(T.MaintenanceRollout, "rings", undefined, { fullMaintenance: true, rebootPreference: "Prompt", rings: [{ name: "canary", computers: [6] }] }));
    expect(rollout.map((v) => v.policyName)).toEqual(["prompt-timeout-action"]);
    expect(await pack.analyze(schedule("weekly", { rebootPreference: "Prompt", promptTimeoutAction: "Suppress" }))).toEqual([]);
  });

  it("Analyze, email-cannot-work: an e-mail button on a session that sends no e-mail is mandatory; with an e-mail, none", async () => {
    const bad = await pack.analyze(run(T.MaintenanceSession, "now", undefined, { fullMaintenance: true, computers: [6], showRunNowButton: true, showPostponeButton: true }));
    expect(bad.map((v) => `${v.policyName} ${v.enforcementLevel} ${own(v).split("\n")[0]}`)).toEqual([
      "email-cannot-work mandatory showRunNowButton: is part of the user e-mails, and this entry sends none",
      "email-cannot-work mandatory showPostponeButton: is part of the user e-mails, and this entry sends none",
    ]);
    expect(own(bad[0]!)).toContain("fix: set sendDetectionEmail: true (or sendFollowUpEmail: true), or remove showRunNowButton");
    expect(await pack.analyze(run(T.MaintenanceSession, "now", undefined, { fullMaintenance: true, computers: [6], showRunNowButton: true, sendFollowUpEmail: true }))).toEqual([]);
  });

  it("says what `pulumi-immybot lint` says about the same settings in a policy file: the same message, fix and why", async () => {
    const yaml = 'tenant: Contoso\nschedules:\n  - name: weekly\n    target: all\n    detectionTime: "20:00"\n    rebootPreference: Prompt\n    showMaintenanceActions: true\n';
    const findings = lint(parse([{ path: "tenants/contoso.yaml", text: yaml }]));
    expect(findings.map((f) => f.rule)).toEqual(["prompt-timeout-action", "email-cannot-work"]);
    const violations = await pack.analyze(schedule("contoso-weekly", { rebootPreference: "Prompt", showMaintenanceActions: true }));
    expect(violations.map((v) => own(v))).toEqual(findings.map((f) => `${f.path.replace(/^schedules\[0\]\./, "")}: ${f.message}\nfix: ${f.fix}\nwhy: ${f.why}`));
  });

  it("Analyze with values not known yet (preview): no finding, and no 'cannot run during preview' note", async () => {
    expect(await pack.analyze(schedule("weekly", { tenantId: UNKNOWN, rebootPreference: UNKNOWN }))).toEqual([]);
    expect(await pack.analyze(schedule("weekly", { rebootPreference: "Prompt", promptTimeoutAction: UNKNOWN }))).toEqual([]);
    expect(await pack.analyze(run(T.MaintenanceSession, "now", undefined, { computers: UNKNOWN, showRunNowButton: true, sendDetectionEmail: UNKNOWN }))).toEqual([]);
    // Another type: nothing to say.
    expect(await pack.analyze({ type: "pulumi-nodejs:dynamic/immybot:Tag", name: "canary", props: { name: UNKNOWN } })).toEqual([]);
  });

  it("AnalyzeStack, reboot-force-workstations: Force on workstations is mandatory on the resource; servers only (the schedule's filter, or a run's deployment's) is not; unknown is not judged", async () => {
    const servers = deployment("servers", { targetGroupFilter: "Servers" });
    const workstations = deployment("workstations", { targetGroupFilter: "Workstations", disabled: true });
    const unknownFilter = deployment("later", { targetGroupFilter: UNKNOWN, disabled: true });
    const force = { rebootPreference: "Force" };
    const found = await pack.analyzeStack([
      schedule("force-all", force),
      schedule("force-servers", { ...force, targetGroupFilter: "Servers", dayOfWeek: "Sunday" }),
      schedule("force-suppressed", { ...force, suppressRebootsDuringBusinessHours: true, dayOfWeek: "Monday" }),
      { ...servers, props: { ...servers.props, disabled: true } },
      workstations,
      unknownFilter,
      run(T.MaintenanceSession, "on-servers", servers, force),
      run(T.MaintenanceSession, "on-workstations", workstations, force),
      run(T.MaintenanceRollout, "later-rings", unknownFilter, { ...force, rings: [{ name: "canary", computers: [6] }, { name: "all", fraction: 1 }] }),
      run(T.MaintenanceSession, "unknown-preference", workstations, { rebootPreference: UNKNOWN }),
    ]);
    expect(found.map((v) => `${v.policyName} ${v.enforcementLevel} ${v.urn.split("::").at(-1)}`)).toEqual([
      "reboot-force-workstations mandatory force-all",
      "reboot-force-workstations mandatory on-workstations",
    ]);
    expect(found[0]!.urn).toBe(analyzerUrn(T.Schedule, "force-all"));
    expect(own(found[0]!)).toMatch(/^rebootPreference: Force restarts workstations whether their users are working or not/);
    expect(own(found[0]!)).toContain('or targetGroupFilter: "Servers" when the schedule is for servers');
    expect(own(found[1]!)).toMatch(/^rebootPreference: Force restarts Workstations/);
  });

  it("AnalyzeStack, test-first: software to every computer of a tenant with no ring in front; a ring deployment, a session on computers or a rollout in front of it passes; unknown tenant or software is not judged", async () => {
    const wide = deployment("chrome-all", {});
    const found = await pack.analyzeStack([wide]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ policyName: "test-first", enforcementLevel: "advisory", urn: analyzerUrn(T.Deployment, "chrome-all") });
    expect(own(found[0]!)).toMatch(/^targetType: deploys software 303 to every computer of tenant 3 with no smaller ring in front of it\nfix: add a Deployment of software 303 to a canary ring first/);
    expect(own(found[0]!)).toContain("why: ImmyBot's maintenance guide: \"test on a small group before deploying widely\"");

    const ring = deployment("chrome-canary", { targetType: "Tag", target: "7" });
    expect(await pack.analyzeStack([wide, ring])).toEqual([]);
    expect(await pack.analyzeStack([wide, run(T.MaintenanceSession, "chrome-now", wide, { computers: [6, 8] })])).toEqual([]);
    expect(await pack.analyzeStack([wide, run(T.MaintenanceRollout, "chrome-rings", wide, { rings: [{ name: "canary", tag: "7" }, { name: "broad", fraction: 1 }] })])).toEqual([]);
    // A ring of another tenant, or a run on every computer, is no ring in front.
    const elsewhere = deployment("chrome-canary", { targetType: "Tag", target: "7", tenantId: 4 });
    expect((await pack.analyzeStack([wide, elsewhere, run(T.MaintenanceSession, "chrome-now", wide, {})])).map((v) => v.urn)).toEqual([analyzerUrn(T.Deployment, "chrome-all")]);
    // Not known yet: the ring's tenant (it may be tenant 3), the wide one's software or target.
    expect(await pack.analyzeStack([wide, { ...elsewhere, props: { ...elsewhere.props, tenantId: UNKNOWN } }])).toEqual([]);
    expect(await pack.analyzeStack([deployment("chrome-all", { software: UNKNOWN }), deployment("b", { software: { id: UNKNOWN, desiredState: "LatestVersion" } }), deployment("c", { targetType: UNKNOWN })])).toEqual([]);
    // Opted out by resource name in the example pack (`ignoreResources: { "test-first": ["defender-everywhere"] }`).
    expect(await pack.analyzeStack([deployment("defender-everywhere", {})])).toEqual([]);
  });

  it("AnalyzeStack, staggered-windows: three schedules of a tenant in one hour (more than 2) are each reported; two, or a third whose time is not known yet, are not", async () => {
    const three = [schedule("a", {}), schedule("b", { executionTime: "22:30" }), schedule("c", { timeZone: "Europe/Paris", executionTime: "22:45" })];
    const found = await pack.analyzeStack(three);
    expect(found.map((v) => `${v.policyName} ${v.enforcementLevel} ${v.urn.split("::").at(-1)}`)).toEqual(["staggered-windows advisory a", "staggered-windows advisory b", "staggered-windows advisory c"]);
    expect(own(found[0]!)).toMatch(/^executionTime: executes \(Saturday 22:00 Europe\/Berlin\) within the same hour as 2 other schedules of tenant 3 \(b, c\): 3 at once, more than 2 \(staggeredWindows.maxPerTenant\)/);
    expect(own(found[0]!)).toContain("or raise staggeredWindows.maxPerTenant in immybotPolicies({ staggeredWindows }) or the policy pack's config");
    expect(await pack.analyzeStack(three.slice(0, 2))).toEqual([]);
    expect(await pack.analyzeStack([...three.slice(0, 2), schedule("c", { executionTime: UNKNOWN })])).toEqual([]);
  });

  it("AnalyzeStack, rollout-first-ring: a first ring above the fraction, listing more computers than the limit, or a tag the stack's TagMembership puts on more; a small first ring, or a tag of unknown members, is not reported", async () => {
    const wide = deployment("chrome-all", {});
    const rollout = (name: string, first: Record<string, unknown>, extra?: Partial<AnalyzedResource>) => {
      const r = run(T.MaintenanceRollout, name, wide, { rings: [{ name: "first", ...first }, { name: "broad", fraction: 1 }] });
      return { ...r, ...extra, propertyDependencies: { ...r.propertyDependencies, ...extra?.propertyDependencies } };
    };
    const found = await pack.analyzeStack([wide, rollout("half", { fraction: 0.5 }), rollout("listed", { computers: ids(10, 6) }), rollout("tagged", { tag: "7" }), members("canary-members", "7", ids(20, 8))]);
    expect(found.map((v) => `${v.policyName} ${v.enforcementLevel} ${v.urn.split("::").at(-1)} ${own(v).split("\n")[0]}`)).toEqual([
      `rollout-first-ring advisory half rings[0].fraction: the first ring "first" takes 50% of deployment chrome-all's computers at once, more than 20% (rollouts.maxFirstRingFraction)`,
      `rollout-first-ring advisory listed rings[0].computers: the first ring "first" lists 6 computers, more than 5 (rollouts.maxFirstRingComputers)`,
      `rollout-first-ring advisory tagged rings[0].tag: the first ring "first" is the tag 7, which the stack's TagMemberships put on 8 computers, more than 5 (rollouts.maxFirstRingComputers)`,
    ]);
    expect(own(found[0]!)).toContain("or raise rollouts.maxFirstRingFraction in immybotPolicies({ rollouts }) or the policy pack's config");
    expect(own(found[0]!)).toContain('why: ImmyBot\'s maintenance guide: "test on a small group before deploying widely"');
    // A new Tag at preview: the ring's tag and the membership's tagId are not known, both come from the Tag resource.
    const tag: AnalyzedResource = { type: T.Tag, name: "canary", props: { ...PROVIDER, name: "Canary" } };
    const newTag = rollout("new-tag", { tag: UNKNOWN }, { propertyDependencies: { rings: [analyzerUrn(T.Tag, "canary")] } });
    const preview = await pack.analyzeStack([wide, tag, newTag, members("canary-members", "", ids(20, 8), tag)]);
    expect(preview.map((v) => `${v.urn.split("::").at(-1)} ${own(v).split("\n")[0]}`)).toEqual([`new-tag rings[0].tag: the first ring "first" is the tag canary, which the stack's TagMemberships put on 8 computers, more than 5 (rollouts.maxFirstRingComputers)`]);
    // Small enough, a tag with no TagMembership in the stack, or rings not known yet: nothing.
    expect(await pack.analyzeStack([wide, rollout("small", { fraction: 0.2 }), rollout("five", { computers: ids(10, 5) }), rollout("tagged", { tag: "7" }), members("canary-members", "7", ids(20, 5)), rollout("elsewhere", { tag: "9" })])).toEqual([]);
    expect(await pack.analyzeStack([wide, run(T.MaintenanceRollout, "later", wide, { rings: UNKNOWN })])).toEqual([]);
  });

  it("AnalyzeStack, test-first: a MaintenanceRollout of the deployment is a ring in front unless its first ring is all of it (fraction 1)", async () => {
    const wide = deployment("chrome-all", {});
    expect(await pack.analyzeStack([wide, run(T.MaintenanceRollout, "chrome-rings", wide, { rings: [{ name: "pilot", fraction: 0.1 }, { name: "broad", fraction: 1 }] })])).toEqual([]);
    const all = await pack.analyzeStack([wide, run(T.MaintenanceRollout, "chrome-rings", wide, { rings: [{ name: "broad", fraction: 1 }] })]);
    expect(all.map((v) => `${v.policyName} ${v.urn.split("::").at(-1)}`)).toEqual(["test-first chrome-all", "rollout-first-ring chrome-rings"]);
  });

  it("AnalyzeStack, staggered-windows counts computers per hour: Computer targets and tags with the stack's TagMemberships, tenants sharing infrastructure together (pack config)", async () => {
    const tagged = (name: string, tagId: string, props: Record<string, unknown> = {}) => schedule(name, { targetType: "Tag", target: tagId, ...props });
    const stack = [tagged("ring-a", "7"), tagged("ring-b", "8", { executionTime: "22:30" }), members("a-members", "7", ids(1, 30)), members("b-members", "8", ids(21, 30))];
    expect(await pack.analyzeStack(stack)).toEqual([]);
    // 30 + 30 computers, 10 on both tags: 50, not more than 50. One more computer and both are reported.
    const more = await pack.analyzeStack([...stack.slice(0, 3), members("b-members", "8", ids(21, 31))]);
    expect(more.map((v) => `${v.urn.split("::").at(-1)} ${own(v).split("\n")[0]}`)).toEqual([
      "ring-a executionTime: executes (Saturday 22:00 Europe/Berlin) within the same hour as 1 other schedule of tenant 3 (ring-b): 51 computers at once (counting computer targets and the computers the stack's TagMemberships put on tags), more than 50 (staggeredWindows.maxComputersPerHour)",
      "ring-b executionTime: executes (Saturday 22:30 Europe/Berlin) within the same hour as 1 other schedule of tenant 3 (ring-a): 51 computers at once (counting computer targets and the computers the stack's TagMemberships put on tags), more than 50 (staggeredWindows.maxComputersPerHour)",
    ]);
    expect(own(more[0]!)).toContain("or split the ring into smaller groups, or raise staggeredWindows.maxComputersPerHour in immybotPolicies({ staggeredWindows }) or the policy pack's config");
    // A Computer target is one computer; a tag of no TagMembership in the stack is not counted.
    const few = [tagged("ring-a", "7"), members("a-members", "7", ids(1, 30)), schedule("one", { targetType: "Computer", target: "99", executionTime: "22:30" }), tagged("unknown-members", "9", { dayOfWeek: "Sunday" })];
    expect(await pack.analyzeStack(few)).toEqual([]);
    await pack.configure({ "staggered-windows": { enforcementLevel: "advisory", properties: { maxComputersPerHour: 30 } } });
    try {
      const over = await pack.analyzeStack(few);
      expect(over.map((v) => `${v.urn.split("::").at(-1)} ${own(v).split("\n")[0].split(": ")[1]}`)).toEqual([
        "ring-a executes (Saturday 22:00 Europe/Berlin) within the same hour as 1 other schedule of tenant 3 (one)",
        "one executes (Saturday 22:30 Europe/Berlin) within the same hour as 1 other schedule of tenant 3 (ring-a)",
      ]);
      expect(own(over[0]!)).toContain(": 31 computers at once");
    } finally {
      await pack.configure({});
    }
    // Tenants 3 and 4 share infrastructure (the pack's config): two schedules of each in one hour are four of one scope.
    const spread = [schedule("a", {}), schedule("b", { executionTime: "22:30" }), schedule("c", { tenantId: 4 }), schedule("d", { tenantId: 4, executionTime: "22:15" })];
    expect(await pack.analyzeStack(spread)).toEqual([]);
    await pack.configure({ "staggered-windows": { enforcementLevel: "advisory", properties: { sharedInfrastructure: [[3, 4]], maxPerTenant: 3 } } });
    try {
      const shared = await pack.analyzeStack(spread);
      expect(shared.map((v) => v.urn.split("::").at(-1))).toEqual(["a", "b", "c", "d"]);
      expect(own(shared[0]!)).toMatch(/^executionTime: executes \(Saturday 22:00 Europe\/Berlin\) within the same hour as 3 other schedules of tenants 3, 4 \(sharedInfrastructure\) \(b, c, d\): 4 at once, more than 3 \(staggeredWindows.maxPerTenant\)/);
    } finally {
      await pack.configure({});
    }
  });

  it("Configure (the pack's config): a rule disabled reports nothing; limits and resources to skip from the config", async () => {
    const session = run(T.MaintenanceSession, "now", undefined, { fullMaintenance: true, computers: [6], showRunNowButton: true });
    const three = [schedule("a", {}), schedule("b", {}), schedule("c", {})];
    expect(await pack.analyze(session)).toHaveLength(1);
    await pack.configure({
      "email-cannot-work": { enforcementLevel: "disabled" },
      "staggered-windows": { enforcementLevel: "mandatory", properties: { maxPerTenant: 3 } },
      "test-first": { enforcementLevel: "advisory", properties: { ignoreResources: ["chrome-all"] } },
    });
    try {
      expect(await pack.analyze(session)).toEqual([]);
      expect(await pack.analyzeStack([...three, deployment("chrome-all", {})])).toEqual([]);
      const four = await pack.analyzeStack([...three, schedule("d", {}), deployment("firefox-all", {})]);
      expect(four.map((v) => `${v.policyName} ${v.enforcementLevel}`)).toEqual([...Array(4).fill("staggered-windows mandatory"), "test-first advisory"]);
    } finally {
      await pack.configure({});
    }
  });
});
