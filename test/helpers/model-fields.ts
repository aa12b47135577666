/**
 * What a resource's input model (`model.fields`, zod) says about each argument: its base type, its default and,
 * for an enum, its members. Tests derive their tables from this, so an argument added to a model without a row in
 * a table fails the test that should cover it.
 */
import type { z } from "zod";

export interface FieldShape {
  /** zod's name of the base type under optional/default: "boolean", "enum", "string", "number", "object", "array", "record", "pipe". */
  base: string;
  required: boolean;
  /** The default the model fills in, when it has one. */
  default?: unknown;
  /** An enum's members. */
  members?: readonly string[];
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  entries?: Record<string, string>;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Each field of `fields` (a model's zod shape) by name, with its base type, default and enum members. */
export function fieldShapes(fields: object): Record<string, FieldShape> {
  return Object.fromEntries(
    Object.entries(fields as Record<string, z.ZodType>).map(([name, schema]) => {
      let s = schema;
      let required = true;
      let dflt: { value: unknown } | undefined;
      for (let d = defOf(s); d.type === "optional" || d.type === "default"; d = defOf(s)) {
        required = false;
        if (d.type === "default") dflt = { value: d.defaultValue };
        s = d.innerType!;
      }
      const base = defOf(s);
      const shape: FieldShape = {
        base: base.type,
        required,
        ...(dflt ? { default: dflt.value } : {}),
        ...(base.type === "enum" ? { members: Object.values(base.entries!) } : {}),
      };
      return [name, shape];
    }),
  );
}

/** The names of the boolean arguments (every one defaults to false). */
export function booleanFields(fields: object): string[] {
  return Object.entries(fieldShapes(fields))
    .filter(([, f]) => f.base === "boolean")
    .map(([name]) => name);
}
