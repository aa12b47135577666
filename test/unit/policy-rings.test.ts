/**
 * Tags and rollouts in the policy format: bad input reported by the loader with file, path and fix (before any API
 * call), names resolved (a tag the repository declares is never looked up; one it does not declare is, as before;
 * computers of tags and rings in the file's tenant), and tags written back by formatPolicyFile as they were read.
 */
import { describe, expect, it } from "vitest";
import type { Computer, Tag, Tenant } from "../../provider/lookups";
import { formatPolicyFile, formatProblem, parse, PolicyError } from "../../sdk/policy";
import { resolveNames, type PolicyLookups } from "../../sdk/policy/resolve";

/** The problems of files given as text, as `file: path: message`. */
function problems(files: Record<string, string>): string[] {
  try {
    parse(Object.entries(files).map(([name, text]) => ({ path: `tenants/${name}`, text })));
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return (e as PolicyError).problems.map(formatProblem);
  }
  throw new Error("expected a PolicyError");
}
const one = (text: string) => problems({ "c.yaml": text }).map((p) => p.replace(/^tenants\/c\.yaml: /, ""));

const DEPLOYMENT = "deployments:\n  - { name: 7zip, software: 7-Zip, target: all }\n";
const rollout = (fields: string) => `tenant: Contoso\n${DEPLOYMENT}rollouts:\n  - name: r\n${fields.replace(/^/gm, "    ")}\n`;

describe("loading tags and rollouts: every problem with its path and fix", () => {
  it("a valid file loads, with its tags and rollouts as written", () => {
    const text = `tenant: Contoso\n${DEPLOYMENT}tags:\n  - { name: Canary, color: "#f59e0b", computers: [WS1, WS2], tenants: [Contoso] }\nrollouts:\n  - name: r\n    deployment: 7zip\n    triggers: [1]\n    rings: [{ name: canary, tag: Canary, soak: 2h }, { name: broad, fraction: 1, maxFailures: "10%", maxConcurrent: 5 }]\n`;
    const [file] = parse([{ path: "tenants/c.yaml", text }]).files;
    expect(file!.content.tags).toEqual([{ name: "Canary", color: "#f59e0b", computers: ["WS1", "WS2"], tenants: ["Contoso"] }]);
    expect(file!.content.rollouts?.[0]?.rings).toEqual([{ name: "canary", tag: "Canary", soak: "2h" }, { name: "broad", fraction: 1, maxFailures: "10%", maxConcurrent: 5 }]);
  });

  it("tag entries: the Tag resource's own checks, unknown keys with did-you-mean, a computer listed twice, a name that is not usable", () => {
    expect(one('tenant: Contoso\ntags:\n  - { name: Canary, color: orange, computer: [WS1] }\n  - { name: Pilot, computers: [WS1, ws1], description: "" }\n  - { name: "Contoso Canary" }\n')).toEqual([
      'tags[0].color: "orange" is not a colour ImmyBot shows; write it as "#rrggbb" (e.g. "#f59e0b")',
      'tags[0].computer: "computer" is not a tag key; did you mean "computers"?',
      'tags[1].computers[1]: "ws1" is already listed as computers[0]: list each computer once',
      "tags[1].description: must not be empty: omit description for none",
      'tags[2].name: "Contoso Canary" is not a usable name: use letters, digits, ".", "_" and "-" (at most 63; it becomes part of the resource name), e.g. "weekly-maintenance"',
    ]);
  });

  it("a tag is declared once in the repository, whatever the case", () => {
    expect(problems({ "a.yaml": "tenant: A\ntags:\n  - { name: Canary }\n", "b.yaml": "tenant: B\ntags:\n  - { name: canary }\n" })).toEqual([
      'tenants/b.yaml: tags[0].name: declares the tag "canary" again (tenants/a.yaml: tags[0].name declares it; tags are global in ImmyBot): declare each tag once, and list its computers of every tenant there or in one entry per tenant under different names',
    ]);
  });

  it("rollouts: a deployment of the file or fullMaintenance, rings required, in the policy's terms", () => {
    expect(one(rollout("rings: [{ name: a, fraction: 1 }]"))).toEqual([
      "rollouts[0].deployment: is required: give the deployment to roll out (the name of a deployment in this file), or set fullMaintenance: true to run every deployment that applies",
    ]);
    expect(one(rollout("deployment: 7zp\nrings: [{ name: a, fraction: 1 }]"))).toEqual(['rollouts[0].deployment: "7zp" is not the name of a deployment in this file; did you mean "7zip"? The file\'s deployments: 7zip']);
    expect(one(rollout("deployment: 7zip\nfullMaintenance: true\nrings: [{ name: a, tag: Canary }]"))[0]).toMatch(/^rollouts\[0\]\.deployment: is not used with fullMaintenance: true.*remove deployment, or remove fullMaintenance$/);
    expect(one(rollout("deployment: 7zip"))).toEqual(["rollouts[0].rings: is required: list the rings in order, e.g. [{ name: canary, tag: Canary }, { name: broad, fraction: 1 }]"]);
    expect(one(rollout("deployment: 7zip\nrings: []"))).toEqual(["rollouts[0].rings: lists no ring; give at least one, e.g. [{ name: canary, tag: Canary }, { name: broad, fraction: 1 }]"]);
  });

  it("rings: the rollout's own checks at the ring's path, names for computers and tags, unknown keys with did-you-mean", () => {
    const rings = (list: string) => one(rollout(`deployment: 7zip\ntimeout: 2d\nrings:\n${list.replace(/^/gm, "  ")}`));
    expect(rings('- { name: c, fraction: 1.5, maxFailures: "200%", maxConcurent: 2 }\n- { name: d, computers: [] }\n- { name: e, tag: 7 }')).toEqual([
      expect.stringMatching(/^rollouts\[0\]\.timeout: "2d" is not a duration/),
      "rollouts[0].rings[0].fraction: must be at most 1 (all the deployment's computers left)",
      'rollouts[0].rings[0].maxFailures: "200%" is out of range: give a whole number of sessions >= 0 (e.g. 1) or a percentage from "0%" to "100%" (e.g. "10%")',
      'rollouts[0].rings[0].maxConcurent: "maxConcurent" is not a ring key; did you mean "maxConcurrent"?',
      "rollouts[0].rings[1].computers: lists no computer; give at least one computer name, or use tag or fraction",
      'rollouts[0].rings[2].tag: must be the tag\'s name as text, e.g. "Canary"; got 7',
    ]);
    // The rules across a ring's keys, once every ring's values are valid (as `pulumi preview` judges them).
    expect(one(rollout("deployment: 7zip\nrings:\n  - { name: a }\n  - { name: b, computers: [WS1], tag: Canary }\n  - { name: b, fraction: 1 }"))).toEqual([
      'rollouts[0].rings[0].computers: ring "a" has no computers: give exactly one of computers (names), tag (a tag\'s name) or fraction (e.g. 0.25)',
      "rollouts[0].rings[1].tag: a ring takes its computers one way: give computers or tag, not both",
      'rollouts[0].rings[2].name: "b" names two rings: give each ring its own name',
    ]);
  });
});

describe("resolving: declared tags are the repository's, others are looked up", () => {
  const asked: string[] = [];
  const lookups: PolicyLookups = {
    tenant: async ({ name }) => (asked.push(`tenant ${name}`), { id: 2, name: name! } as Tenant),
    computer: async ({ name, tenantId }) => {
      asked.push(`computer ${name} in ${tenantId}`);
      if (name === "NOPE") throw new Error('no computer named "NOPE"');
      return { id: 6, name: name!, tenantId: tenantId! } as Computer;
    },
    tag: async ({ name }) => (asked.push(`tag ${name}`), { id: 9, name: name! } as Tag),
    software: async () => ({ id: 303, name: "7-Zip", scope: "Global" }) as never,
    task: async () => ({}) as never,
  };

  it("asks no lookup for a tag a file declares (any file, any case), looks up the rest, and reports unknown computers of tags and rings at their place", async () => {
    const policy = parse([
      { path: "tenants/a.yaml", text: "tenant: Contoso\ntags:\n  - { name: Canary, computers: [WS1, NOPE], tenants: [Contoso Labs] }\n" },
      {
        path: "tenants/b.yaml",
        text: `tenant: Contoso\n${DEPLOYMENT}schedules:\n  - { name: s, target: { tag: canary }, detectionTime: "01:00" }\nrollouts:\n  - name: r\n    deployment: 7zip\n    rings: [{ name: a, tag: CANARY }, { name: b, tag: Pilot }, { name: c, computers: [NOPE] }]\n`,
      },
    ]);
    asked.length = 0;
    const found = await resolveNames(policy, lookups);
    expect(found.map(formatProblem)).toEqual([
      'tenants/a.yaml: tags[0].computers[1]: no computer named "NOPE"',
      'tenants/b.yaml: rollouts[0].rings[2].computers[0]: no computer named "NOPE"',
    ]);
    expect(asked.filter((a) => a.startsWith("tag "))).toEqual(["tag Pilot"]);
    expect(asked).toContain("computer WS1 in 2");
    expect(asked).toContain("tenant Contoso Labs");
  });
});

describe("writing", () => {
  it("tags round-trip through formatPolicyFile, before the deployments that use them", () => {
    const content = { tenant: "Contoso", deployments: [{ name: "x", software: "7-Zip", target: { tag: "Canary" } }], tags: [{ name: "Canary", description: "first", computers: ["WS1", "WS2"], adoptId: "4" }] };
    const text = formatPolicyFile(content as never);
    expect(text.indexOf("tags:")).toBeLessThan(text.indexOf("deployments:"));
    expect(text).toContain("  - name: Canary\n    adoptId: \"4\"\n    description: first\n    computers:\n      - WS1\n      - WS2\n");
    expect(parse([{ path: "tenants/c.yaml", text }]).files[0]!.content).toEqual(content);
  });
});
