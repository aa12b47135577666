/**
 * The decoders of ImmyBot's answers against the OpenAPI spec (test/fixtures/immybot-openapi.subset.json): they accept
 * every answer the spec allows, with nullable fields null, left out or set; they require only fields the spec marks
 * non-nullable (or that a real instance always fills, each with its reason); every field they read is the spec's;
 * and a missing or mistyped field is an error naming the route and the field.
 */
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { ImmyBotUnexpectedResponseError } from "../../provider/client/errors";
import { decodeRunDeployment, deploymentAnswer, fromWire as deploymentFromWire } from "../../provider/deployment-wire";
import { fromWire as scheduleFromWire, scheduleAnswer } from "../../provider/schedule";
import { decodeSession, sessionAnswer } from "../../provider/session-runs";
import { loadSpec, type JsonSchema } from "../helpers/openapi";

const spec = loadSpec();
const schemas = spec.components!.schemas!;

type Mode = "set" | "null" | "omit";

const resolve = (s: JsonSchema): JsonSchema => (typeof s.$ref === "string" ? (schemas[s.$ref.replace("#/components/schemas/", "")] as JsonSchema) : s);
const propertiesOf = (name: string) => (schemas[name]!.properties ?? {}) as Record<string, JsonSchema>;
const isNullable = (p: JsonSchema) => p.nullable === true;

/** A value the spec allows for `schema`; nullable properties are set, null or left out per `mode` (except `keep`). */
function sample(schema: JsonSchema, mode: Mode, keep: readonly string[] = [], depth = 0): unknown {
  const s = resolve(schema);
  if (Array.isArray(s.enum)) return s.enum[0];
  switch (s.type) {
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return false;
    case "string":
      return s.format === "date-time" ? "2026-11-20T10:00:00Z" : s.format === "uuid" ? "0f8fad5b-d9cb-469f-a165-70867728950e" : "x";
    case "array":
      return depth > 2 ? [] : [sample(s.items as JsonSchema, mode, [], depth + 1)];
  }
  if (depth > 2) return {};
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) {
    if (!isNullable(p) || mode === "set" || keep.includes(k)) out[k] = sample(p, mode, [], depth + 1);
    else if (mode === "null") out[k] = null;
  }
  return out;
}

const decoders: {
  name: string;
  schema: string;
  decode: (body: unknown) => unknown;
  shape: z.ZodRawShape;
  /** Fields the spec marks nullable that the decoder requires all the same, with the reason. */
  requiredAnyway: Record<string, string>;
}[] = [
  { name: "Schedule", schema: "GetScheduleResponse", decode: (b) => scheduleFromWire(b), shape: scheduleAnswer.shape, requiredAnyway: {} },
  {
    name: "Deployment",
    schema: "LocalTargetAssignmentResource",
    decode: (b) => deploymentFromWire(b),
    shape: deploymentAnswer.shape,
    requiredAnyway: { maintenanceIdentifier: "a deployment's item always has an id (the spec lists it as required)" },
  },
  {
    name: "MaintenanceSession's deployment",
    schema: "LocalTargetAssignmentResource",
    decode: (b) => decodeRunDeployment(b),
    shape: deploymentAnswer.shape,
    requiredAnyway: { maintenanceIdentifier: "a run sends the deployment's item id" },
  },
  { name: "MaintenanceSession", schema: "GetMaintenanceSessionResponse", decode: (b) => decodeSession(b), shape: sessionAnswer.shape, requiredAnyway: {} },
];

describe.each(decoders)("$name decodes a $schema", ({ schema, decode, shape, requiredAnyway }) => {
  const properties = propertiesOf(schema);
  const keep = Object.keys(requiredAnyway);

  it.each(["set", "null", "omit"] as const)("accepts every answer the spec allows, nullable fields %s", (mode) => {
    expect(() => decode(sample({ $ref: `#/components/schemas/${schema}` }, mode, keep))).not.toThrow();
  });

  it("reads only fields the spec has", () => {
    const read = Object.keys(shape);
    expect(read.length).toBeGreaterThan(5);
    expect(read.filter((k) => !(k in properties))).toEqual([]);
  });

  it("requires only fields the spec marks non-nullable, or that it names with a reason", () => {
    const full = sample({ $ref: `#/components/schemas/${schema}` }, "set") as Record<string, unknown>;
    const required = Object.keys(full).filter((k) => {
      const { [k]: _gone, ...without } = full;
      try {
        decode(without);
        return false;
      } catch {
        return true;
      }
    });
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((k) => isNullable(properties[k]!) && !keep.includes(k))).toEqual([]);
    expect(keep.filter((k) => !required.includes(k))).toEqual([]);
  });
});

describe("a broken answer", () => {
  const at = { method: "GET", path: "/api/v1/schedules/12" };
  const answer = sample({ $ref: "#/components/schemas/GetScheduleResponse" }, "null") as Record<string, unknown>;

  it("names the route and the missing field", () => {
    const { targetType: _t, ...without } = answer;
    const e = (() => {
      try {
        scheduleFromWire(without, at);
      } catch (err) {
        return err;
      }
      throw new Error("expected a failure");
    })();
    expect(e).toBeInstanceOf(ImmyBotUnexpectedResponseError);
    expect(e).toMatchObject({ code: "IMMYBOT_UNEXPECTED_RESPONSE", method: "GET", path: at.path });
    expect((e as Error).message).toBe("ImmyBot GET /api/v1/schedules/12 answered a schedule without targetType.");
  });

  it("names each mistyped field with what it holds and what was expected", () => {
    expect(() => scheduleFromWire({ ...answer, day: true, disabled: "no", tenantId: 2.5 }, at)).toThrow(
      'ImmyBot GET /api/v1/schedules/12 answered a schedule whose tenantId is 2.5 (expected an integer or null), whose day is true (expected one of ImmyBot\'s DayOfWeek integers or names, or null), whose disabled is "no" (expected true or false).',
    );
  });

  it("is told apart from a body that is no object at all", () => {
    expect(() => scheduleFromWire([answer], at)).toThrow("ImmyBot GET /api/v1/schedules/12 answered a list instead of a schedule.");
  });

  it("never quotes a deployment's parameter values", () => {
    const deployment = sample({ $ref: "#/components/schemas/LocalTargetAssignmentResource" }, "set") as Record<string, unknown>;
    expect(() => deploymentFromWire({ ...deployment, taskParameterValues: "pa55word-in-clear" })).toThrow(/whose taskParameterValues is a value not shown here/);
    expect(() => deploymentFromWire({ ...deployment, taskParameterValues: "pa55word-in-clear" })).not.toThrow(/pa55word/);
  });

  it("ignores fields it does not read, and takes enums as names in any case or as integers it does not know", () => {
    const schedule = scheduleFromWire({ ...answer, targetType: "allForTenant", tenantId: 3, rebootPreference: 99, someFieldOfANewerImmyBot: { x: 1 } });
    expect(schedule.inputs).toMatchObject({ targetType: "AllForTenant", tenantId: 3, rebootPreference: "99" });
    expect(schedule.outputs).not.toHaveProperty("someFieldOfANewerImmyBot");
  });
});
