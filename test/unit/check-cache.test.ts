/**
 * check and diff build each model's zod schema once (and one variant per set of skipped fields), not per call:
 * the cached schemas are reused, bounded in number, and parse exactly as freshly built ones.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { diffWith, parseInputs, plainJson, strictWithout, UNKNOWN } from "../../provider/check";
import { model } from "../../provider/schedule";

const weekly = { targetType: "AllForTenant", tenantId: 3, detectionTime: "20:00", executionTime: "22:00", dayOfWeek: "Saturday" };

describe("the schema cache of check", () => {
  it("builds the strict object once per model, and one variant per set of skipped fields, whatever their order", () => {
    const none = new Set<string>();
    expect(strictWithout(model.fields, none)).toBe(strictWithout(model.fields, new Set()));
    const a = strictWithout(model.fields, new Set(["tenantId", "target"]));
    expect(strictWithout(model.fields, new Set(["target", "tenantId"]))).toBe(a);
    expect(a).not.toBe(strictWithout(model.fields, none));
    expect(strictWithout(model.fields, new Set(["target"]))).not.toBe(a);
    // Keys that are no field (an unknown property) do not make a variant of their own.
    expect(strictWithout(model.fields, new Set(["target", "tenantId", "colour"]))).toBe(a);
  });

  it("parses exactly as a schema built for the call", () => {
    const inputs: Record<string, unknown>[] = [
      weekly,
      { ...weekly, tenantId: UNKNOWN, colour: "red" },
      { ...weekly, detectionTime: "25:00", timeZone: "Mars/Olympus" },
      { targetType: "Computer", target: UNKNOWN, cronExpression: "0 22 * * 6", rebootPreference: "Sometimes" },
    ];
    for (const skip of [[], ["tenantId"], ["detectionTime", "timeZone"], ["target"]]) {
      for (const raw of inputs) {
        const given = Object.fromEntries(Object.entries(raw).filter(([k]) => !skip.includes(k)));
        const mask = Object.fromEntries(skip.map((k) => [k, true as const]));
        const fresh = z.strictObject(model.fields).omit(mask as never).safeParse(given, { reportInput: true });
        const cached = strictWithout(model.fields, new Set(skip)).safeParse(given, { reportInput: true });
        expect(cached.success, JSON.stringify([skip, raw])).toBe(fresh.success);
        expect(JSON.stringify(cached.success ? cached.data : cached.error.issues)).toBe(JSON.stringify(fresh.success ? fresh.data : fresh.error.issues));
      }
    }
  });

  it("keeps a bounded number of variants and still answers for any set", () => {
    const keys = Object.keys(model.fields);
    expect(keys.length).toBeGreaterThan(10);
    const first = strictWithout(model.fields, new Set([keys[0]!, keys[1]!]));
    for (let i = 0; i < keys.length; i++) for (let j = i + 1; j < keys.length; j++) strictWithout(model.fields, new Set([keys[i]!, keys[j]!]));
    const again = strictWithout(model.fields, new Set([keys[0]!, keys[1]!]));
    expect(again).not.toBe(first); // pushed out and built again
    expect(Object.keys(again.shape)).toEqual(keys.slice(2));
    expect(parseInputs(model, { ...weekly, tenantId: UNKNOWN }).failures).toEqual([]);
  });
});

describe("the shortcuts of check and diff", () => {
  it("plainJson gives exactly what a JSON round trip gives, for plain values and for every value JSON treats its own way", () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const values: unknown[] = [
      { a: 1, b: "x", c: true, d: null, e: undefined, f: [1, "2", null, { g: [] }], h: { i: { j: -0 } }, 3: "key order" },
      [-0, 1e21, 5e-324, "\ud800"],
      { when: new Date(0), nested: { n: NaN, inf: -Infinity } },
      [undefined, () => 1],
      { f: () => 1, s: Symbol("s"), p: new Point(2) },
      JSON.parse('{"__proto__": {"x": 1}, "y": 2}'),
      Object.assign(Object.create(null), { z: [1, { w: 2 }] }),
      { toJSON: () => "custom" },
    ];
    expect(values.length).toBe(8);
    for (const v of values) expect(JSON.stringify(plainJson(v)), JSON.stringify(v)).toBe(JSON.stringify(JSON.parse(JSON.stringify(v))));
    // The copy is a copy: no object of it is one of the original's.
    const original = { a: { b: [1] } };
    const copy = plainJson(original);
    expect(copy).toEqual(original);
    expect(copy.a).not.toBe(original.a);
    expect(copy.a.b).not.toBe(original.a.b);
    expect(Object.keys(plainJson({ c: 1, a: 2, b: undefined }))).toEqual(["c", "a"]);
    expect(Object.is(plainJson(-0), 0)).toBe(true);
  });

  it("diff treats a null in the state as absent, and reads the state's values where they are, as before", () => {
    const checked = parseInputs(model, weekly).inputs;
    expect(diffWith(model, { ...checked, __provider: "x", nextOccurrence: null }, checked)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    // A null the state holds for an argument the checked inputs leave out: no change; one they give: a change.
    expect(diffWith(model, { ...checked, cronExpression: null }, checked).changes).toBe(false);
    expect(diffWith(model, { ...checked, timeZone: null }, { ...checked, timeZone: "UTC" }).changes).toBe(true);
    expect(diffWith(model, { ...checked, timeZone: "UTC" }, { ...checked, timeZone: "UTC" }).changes).toBe(false);
    // createOnly (adoptId) is never compared; an unknown value always is a change.
    expect(diffWith(model, { ...checked, adoptId: "4" }, checked).changes).toBe(false);
    expect(diffWith(model, checked, { ...checked, tenantId: UNKNOWN }).changes).toBe(true);
    // State with fewer defaults (an older version's) is canonicalised before it counts as a change.
    const { applyWindowsUpdates: _, ...older } = checked;
    expect(diffWith(model, older, checked).changes).toBe(false);
  });
});
