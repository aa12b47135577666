/**
 * check and diff build each model's zod schema once (and one variant per set of skipped fields), not per call:
 * the cached schemas are reused, bounded in number, and parse exactly as freshly built ones.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseInputs, strictWithout, UNKNOWN } from "../../provider/check";
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
