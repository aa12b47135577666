/**
 * The JSON Schema of policy files (policy.schema.json, shipped at the package root), which editors use through each file's
 * `# yaml-language-server: $schema=...` line: it accepts the example files, rejects what the loader rejects as
 * structure, and documents every key. That it is up to date with sdk/policy/types.ts (`npm run schema`, driven by
 * TypeScript, slow) is checked in test/types/generated.test.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { parse, PolicyError } from "../../sdk/policy";

const REPO = join(__dirname, "../..");
const schema = JSON.parse(readFileSync(join(REPO, "policy.schema.json"), "utf8"));

describe("policy.schema.json", () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it("accepts the example repository's files", () => {
    const dir = join(REPO, "examples/policy-repo/tenants");
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      expect(validate(parseYaml(readFileSync(join(dir, f), "utf8"))), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it("flags an unknown key, a missing tenant, a bad target and a wrong enum value, as an editor shows them", () => {
    expect(validate({ tenant: "Contoso", schedules: [{ name: "s", target: "all", timezone: "UTC" }] })).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: "/schedules/0", keyword: "additionalProperties", params: { additionalProperty: "timezone" } }));
    expect(validate({ deployments: [] })).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ keyword: "required", params: { missingProperty: "tenant" } }));
    expect(validate({ tenant: "Contoso", deployments: [{ name: "d", target: { computr: "PC" }, software: "7-Zip" }] })).toBe(false);
    expect(validate({ tenant: "Contoso", schedules: [{ name: "s", target: "all", rebootPreference: "Sometimes" }] })).toBe(false);
    expect(validate({ tenant: "Contoso", deployments: [{ name: "d", target: "all", task: "T", parameters: { P: { secretFromConfig: "k" }, Q: [1, "x"] } }] })).toBe(true);
  });

  it("carries the value rules of the loader's model, so an editor flags \"2:00\" as the loader does, and never flags what the loader accepts", () => {
    const cases: [string, unknown, boolean][] = [
      ["detectionTime", "2:00", false],
      ["detectionTime", "24:00", false],
      ["detectionTime", "02:00", true],
      ["executionTime", "23:59", true],
      ["executionTime", "22:60", false],
      ["promptTimeoutMinutes", 0, false],
      ["promptTimeoutMinutes", 1440, true],
      ["promptTimeoutMinutes", 1.5, false],
      ["name", "weekly maintenance", false],
      ["name", "weekly_2025.v1", true],
    ];
    for (const [key, v, ok] of cases) {
      // executionTime needs a detectionTime an hour before it; "name" replaces the entry's name.
      const entry = { name: "s", target: "all", ...(key === "detectionTime" ? {} : { detectionTime: "00:00" }), [key]: v };
      const file = { tenant: "Contoso", schedules: [entry] };
      expect(validate(file), `schema: ${key}: ${JSON.stringify(v)}`).toBe(ok);
      let loaderOk = true;
      try {
        parse([{ path: "tenants/t.yaml", text: JSON.stringify(file) }]);
      } catch (e) {
        expect(e).toBeInstanceOf(PolicyError);
        loaderOk = false;
      }
      expect(loaderOk, `loader: ${key}: ${JSON.stringify(v)}`).toBe(ok);
    }
    expect(validate({ tenant: "Contoso", schedules: [{ name: "s", target: "all", detectionTime: "2:00" }] })).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: "/schedules/0/detectionTime", keyword: "pattern" }));
  });

  it("documents every key (the TSDoc of the format, or of the resource field it is)", () => {
    const undocumented: string[] = [];
    const walk = (where: string, node: { properties?: Record<string, { description?: string }> }) => {
      for (const [k, p] of Object.entries(node.properties ?? {})) if (!p.description) undocumented.push(`${where}.${k}`);
    };
    walk("PolicyFile", schema);
    for (const [name, def] of Object.entries(schema.definitions as Record<string, object>)) walk(name, def);
    expect(undocumented).toEqual([]);
  });
});
