/**
 * A rollout batch's session group id is derived from the rollout's id, the ring's place and attempt and the batch's
 * place (a name-based UUID), so a resumed rollout finds the batches of its killed run; adoptId must be a UUID.
 */
import { describe, expect, it } from "vitest";
import { checkWith } from "../../provider/check";
import { model } from "../../provider/maintenance-rollout-args";
import { batchGroupId } from "../../provider/rollout-resume";

const R = "0b5e7c2a-4d1f-4e8a-9c3b-2f6d8e1a7b90";

describe("batchGroupId", () => {
  it("gives the same id for the same inputs, a version-5 UUID", () => {
    const id = batchGroupId(R, 1, 0, 2);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(batchGroupId(R, 1, 0, 2)).toBe(id);
    // The rollout id's case does not matter (adoptId is taken as written).
    expect(batchGroupId(R.toUpperCase(), 1, 0, 2)).toBe(id);
  });

  it("gives another id for another attempt, ring, batch or rollout", () => {
    const ids = [batchGroupId(R, 1, 0, 2), batchGroupId(R, 1, 1, 2), batchGroupId(R, 0, 0, 2), batchGroupId(R, 1, 0, 0), batchGroupId("a5e7c2a0-4d1f-4e8a-9c3b-2f6d8e1a7b90", 1, 0, 2)];
    expect(new Set(ids).size).toBe(ids.length);
    // Places are not confused with each other: ring 1 batch 10 is not ring 11 batch 0.
    expect(batchGroupId(R, 1, 0, 10)).not.toBe(batchGroupId(R, 11, 0, 0));
  });
});

describe("adoptId", () => {
  const args = { fullMaintenance: true, rings: [{ name: "canary", computers: [6] }] };

  it("takes a UUID, lowercased", () => {
    const checked = checkWith(model, { ...args, adoptId: R.toUpperCase() });
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toMatchObject({ adoptId: R });
  });

  it("refuses anything else, naming the field", () => {
    for (const bad of ["42", `${R}0`, "rollout-1"]) {
      const checked = checkWith(model, { ...args, adoptId: bad });
      expect(checked.failures).toHaveLength(1);
      expect(checked.failures![0]).toMatchObject({ property: "adoptId", reason: expect.stringMatching(/is not a rollout id: give the UUID/) });
    }
  });
});
