/**
 * The sandbox's own enum tables (sandbox/enums.ts) against ImmyBot's OpenAPI spec (May 2025, the committed
 * subset): each table's integers, named or not, are exactly the spec's enum list, and every table the sandbox
 * binds a request field or a seed value with is one of them.
 */
import { describe, expect, it } from "vitest";
import { ALL_ENUMS, type EnumTable } from "../../sandbox/enums";
import { DEPLOYMENT_ENUMS, LOOKUP_ENUMS, MAINTENANCE_PARAMS_ENUMS, RUN_REQUEST_ENUMS, SCHEDULE_ENUMS, SESSION_ENUMS } from "../../sandbox/wire-enums";
import { loadSpec } from "../helpers/openapi";

const schemas = loadSpec().components!.schemas!;
const sorted = (ns: readonly number[]): number[] => [...ns].sort((a, b) => a - b);

describe("sandbox enum tables", () => {
  it("are there to check", () => {
    expect(ALL_ENUMS.length).toBe(24);
    expect(new Set(ALL_ENUMS.map((e) => e.enumName)).size).toBe(ALL_ENUMS.length);
  });

  it.each(ALL_ENUMS.map((e) => [e.enumName, e] as const))("%s: the integers, named or not, are exactly the spec's enum", (name, table) => {
    const schema = schemas[name];
    expect(schema, `the spec fixture has no schema ${name}`).toBeDefined();
    expect(schema!.type).toBe("integer");
    const ints = [...Object.values(table.values), ...(table.extraInts ?? [])];
    expect(new Set(ints).size, "an integer appears twice").toBe(ints.length);
    expect(sorted(ints)).toEqual(sorted(schema!.enum as number[]));
  });

  it("keep PromptTimeoutAction's unnamed 3 as an integer without a name", () => {
    const table = ALL_ENUMS.find((e) => e.enumName === "PromptTimeoutAction")!;
    expect(table.extraInts).toEqual([3]);
    expect(Object.values(table.values)).not.toContain(3);
  });

  it("cover every table a request field, an answer or the seed is bound with", () => {
    const used: EnumTable[] = [DEPLOYMENT_ENUMS, LOOKUP_ENUMS, MAINTENANCE_PARAMS_ENUMS, RUN_REQUEST_ENUMS, SCHEDULE_ENUMS, SESSION_ENUMS].flatMap((group) => Object.values(group));
    expect(used.length).toBeGreaterThan(20);
    for (const table of used) expect(ALL_ENUMS, table.enumName).toContain(table);
  });
});
