/**
 * How a JSON request body binds to a .NET request type, the way ASP.NET Core's System.Text.Json does it: property
 * names match in any case, a value of the wrong JSON type is refused with its path, and a property left out takes
 * its .NET zero value. A property the type lacks is refused too: the spec says `additionalProperties: false`, and
 * the sandbox takes it at its word (stock System.Text.Json would skip it silently), so a client that sends a field
 * the May-2025 API lacks finds out here rather than against a real instance. Enums bind as the spec types them,
 * integers only, unless the sandbox was started with `acceptEnumNames` (BindOptions). Also the request-level steps
 * every body route shares (415, empty or broken JSON) and int32 path/query values.
 */
import { mediaType, problemReply, validationReply, type FieldErrors, type Reply } from "./http";
import type { RequestContext } from "./router";
import { bindEnum, describeMembers, isInt32, type EnumTable } from "./wire-enums";

export type Converted = { value: unknown } | { error: string };

/** How lenient binding is. `RequestContext` carries it for the HTTP routes. */
export interface BindOptions {
  /**
   * Also bind an enum given by name (any case) or as an integer in a string, as live instances with a
   * JsonStringEnumConverter did (API notes §1.7). False: integers only, as the spec types every enum.
   */
  readonly acceptEnumNames: boolean;
}

/** The spec's binding: enums as JSON integers only. */
export const STRICT: BindOptions = { acceptEnumNames: false };
/** Names or integers for enums: the out-of-band helpers (tests write `targetType: "All"`). */
export const LENIENT: BindOptions = { acceptEnumNames: true };

export type FieldKind =
  | { kind: "bool" }
  | { kind: "int"; nullable: boolean }
  | { kind: "string"; nullable: true }
  | { kind: "uuid"; nullable: true }
  | { kind: "enum"; table: EnumTable }
  /** A type with its own converter; `error` names the .NET type, as the other kinds do. */
  | { kind: "custom"; zero: unknown; convert: (raw: unknown) => Converted };

export const bool: FieldKind = { kind: "bool" };
export const int: FieldKind = { kind: "int", nullable: false };
export const nullableInt: FieldKind = { kind: "int", nullable: true };
export const text: FieldKind = { kind: "string", nullable: true };
export const uuid: FieldKind = { kind: "uuid", nullable: true };
export const enumOf = (table: EnumTable): FieldKind => ({ kind: "enum", table });

/** What .NET leaves in a property the JSON did not mention: false, 0, null. Enums get 0 even without a 0 member. */
export function zeroValue(kind: FieldKind): unknown {
  switch (kind.kind) {
    case "bool":
      return false;
    case "int":
      return kind.nullable ? null : 0;
    case "enum":
      return 0;
    case "custom":
      return structuredClone(kind.zero);
    default:
      return null;
  }
}

export type BindResult<F> = { ok: true; fields: F; id: number } | { ok: false; errors: FieldErrors };

/**
 * Binds a parsed JSON body against a field table. `withId`: the type also has an int `id` (the update types; 0
 * when left out, as in .NET). Errors are keyed by JSON path ("$.disabled"), plus the parameter-level "request"
 * entry ASP.NET adds whenever the body failed to bind.
 */
export function bindObject<F>(
  body: unknown,
  typeName: string,
  kinds: { readonly [K in keyof F]: FieldKind },
  withId: boolean,
  options: BindOptions = STRICT,
): BindResult<F> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return bindingFailure({ $: [`The JSON value could not be converted to ${typeName}: expected an object. Path: $.`] });
  }
  const names = Object.keys(kinds) as (keyof F & string)[];
  const byLowerName = new Map<string, string>(names.map((n) => [n.toLowerCase(), n]));
  if (withId) byLowerName.set("id", "id");

  const errors: FieldErrors = {};
  const fields = Object.fromEntries(names.map((n) => [n, zeroValue(kinds[n])])) as Record<string, unknown>;
  let id = 0;
  for (const [jsonName, raw] of Object.entries(body)) {
    const path = `$.${jsonName}`;
    const name = byLowerName.get(jsonName.toLowerCase());
    if (name === undefined) {
      errors[path] = [`The JSON property '${jsonName}' could not be mapped to any member of ${typeName}; remove it (the May-2025 API has no such field).`];
      continue;
    }
    const kind: FieldKind = name === "id" ? int : kinds[name as keyof F];
    const converted = convert(kind, raw, options);
    if ("error" in converted) {
      errors[path] = [`The JSON value could not be converted to ${converted.error}. Path: ${path}. Got ${JSON.stringify(raw)}.`];
    } else if (name === "id") {
      id = converted.value as number;
    } else {
      fields[name] = converted.value;
    }
  }
  if (Object.keys(errors).length > 0) return bindingFailure(errors);
  return { ok: true, fields: fields as F, id };
}

/** ASP.NET reports the action parameter as missing whenever its body failed to bind. */
function bindingFailure(errors: FieldErrors): { ok: false; errors: FieldErrors } {
  return { ok: false, errors: { ...errors, request: ["The request field is required."] } };
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** One JSON value -> its .NET value; `error` names the .NET type it could not become. */
export function convert(kind: FieldKind, raw: unknown, options: BindOptions = STRICT): Converted {
  switch (kind.kind) {
    case "bool":
      return typeof raw === "boolean" ? { value: raw } : { error: "System.Boolean (true or false)" };
    case "int":
      if (raw === null && kind.nullable) return { value: null };
      return typeof raw === "number" && isInt32(raw) ? { value: raw } : { error: `System.Int32${kind.nullable ? " or null" : ""}` };
    case "string":
      return raw === null || typeof raw === "string" ? { value: raw } : { error: "System.String or null" };
    case "uuid":
      if (raw === null) return { value: null };
      // .NET writes Guids back in lower case, whatever case came in.
      return typeof raw === "string" && GUID.test(raw) ? { value: raw.toLowerCase() } : { error: "System.Guid (e.g. \"3fa85f64-5717-4562-b3fc-2c963f66afa6\") or null" };
    case "enum": {
      if (!options.acceptEnumNames) {
        // System.Text.Json without a string-enum converter: a JSON number, nothing else.
        const bound = typeof raw === "number" ? bindEnum(kind.table, raw) : { ok: false as const };
        return bound.ok ? { value: bound.value } : { error: `${kind.table.enumName} (an integer: one of ${describeMembers(kind.table)}; enums are sent as numbers, not names)` };
      }
      const bound = bindEnum(kind.table, raw);
      return bound.ok ? { value: bound.value } : { error: `${kind.table.enumName} (one of ${describeMembers(kind.table)}, by name or integer)` };
    }
    case "custom":
      return kind.convert(raw);
  }
}

/** Text -> int32 as ASP.NET binds a route or query value; undefined when it does not bind. */
export function parseInt32(raw: string): number | undefined {
  if (!/^\s*-?\d+\s*$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}

/** The first path parameter as an int32, or the 400 ASP.NET gives (keyed by the parameter's name) when it does not bind. */
export function pathInt(ctx: RequestContext, name: string): number | Reply {
  const raw = ctx.params[0] ?? "";
  const id = parseInt32(raw);
  return id ?? validationReply({ [name]: [`The value '${raw}' is not valid.`] });
}

/** The JSON media types ASP.NET's input formatter reads (the spec lists the same four). */
export function isJsonMediaType(type: string): boolean {
  return type === "application/json" || type === "text/json" || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** The body parsed as JSON, or the 415 / 400 ASP.NET answers before binding (bad media type, empty, not JSON). */
export function readJson(ctx: RequestContext): { json: unknown } | { reply: Reply } {
  if (!isJsonMediaType(mediaType(ctx.contentType))) {
    return { reply: problemReply(415, "Unsupported Media Type") };
  }
  const body = ctx.body.toString("utf8");
  if (body.trim() === "") {
    return { reply: bodyErrors({ "": ["A non-empty request body is required."] }) };
  }
  try {
    return { json: JSON.parse(body) };
  } catch (e) {
    return { reply: bodyErrors({ $: [`The request body is not valid JSON: ${(e as Error).message}. Path: $.`] }) };
  }
}

/** Body-level failures; ASP.NET then also reports the action's parameter as missing. */
function bodyErrors(errors: FieldErrors): Reply {
  return validationReply({ ...errors, request: ["The request field is required."] });
}
