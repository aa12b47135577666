import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import * as enums from "../../provider/models/enums";

const spec = JSON.parse(readFileSync(join(__dirname, "../fixtures/immybot-openapi.subset.json"), "utf8"));

// Integers the spec allows that have no documented name (PromptTimeoutAction 3 appeared in the May-2025 spec).
const unnamed: Record<string, number[]> = { PromptTimeoutAction: [3] };

it.each([enums.MaintenanceType, enums.TargetType, enums.TargetCategory, enums.TargetGroupFilter, enums.RebootPreference, enums.PromptTimeoutAction, enums.OfflineBehavior, enums.DesiredSoftwareState, enums.MaintenanceTaskMode, enums.TargetEnforcement, enums.SoftwareProviderType, enums.DatabaseType, enums.SessionStatus, enums.MaintenanceActionType, enums.MaintenanceActionStatus, enums.MaintenanceActionResult, enums.SessionType, enums.SessionLogType])(
  "$enumName: every name maps to an integer the real spec has, and every spec integer has a name",
  (e) => {
    const specValues: number[] = spec.components.schemas[e.enumName].enum;
    const ours = e.names.map((n) => e.values[n as never] as number);
    expect([...ours, ...(unnamed[e.enumName] ?? [])].sort((a, b) => a - b)).toEqual([...specValues].sort((a, b) => a - b));
    expect(e.names.length).toBeGreaterThan(0);
    for (const n of e.names) {
      expect(e.fromWire(e.toInt(n as never))).toBe(n);
      expect(e.fromWire(n.toLowerCase())).toBe(n);
    }
  },
);

it("keeps an integer it does not know as its text rather than guessing", () => {
  expect(enums.PromptTimeoutAction.fromWire(3)).toBe("3");
});

it("wireInt sends an answer's value back as an integer: integers as they came, names in any case, unknown names refused", () => {
  expect(enums.RebootPreference.wireInt(-1)).toBe(-1);
  expect(enums.RebootPreference.wireInt("force")).toBe(-1);
  expect(enums.PromptTimeoutAction.wireInt(3)).toBe(3);
  expect(enums.TargetType.wireInt("AllForTenant")).toBe(21);
  expect(() => enums.TargetType.wireInt("Everything")).toThrow(/TargetType: ImmyBot answered "Everything"/);
  expect(() => enums.TargetType.wireInt(null)).toThrow(/TargetType/);
});
