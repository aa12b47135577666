/**
 * Checks JSON bodies against ImmyBot's OpenAPI 3.0 spec with ajv. OpenAPI 3.0 schemas are nearly JSON Schema
 * draft-07; the differences handled here are `nullable: true` (JSON Schema spells it as a "null" type),
 * `$ref`s into `#/components/schemas`, OpenAPI-only keywords, and the spec's custom formats.
 * `additionalProperties: false` is kept as the spec says it, so a body with an undocumented field fails.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";

export const SPEC_FIXTURE = resolve(__dirname, "../fixtures/immybot-openapi.subset.json");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonSchema = { [key: string]: Json };

interface MediaTypeObject {
  schema?: JsonSchema;
}
interface ResponseObject {
  description?: string;
  content?: Record<string, MediaTypeObject>;
}
interface OperationObject {
  responses: Record<string, ResponseObject>;
  requestBody?: { content: Record<string, MediaTypeObject> };
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export function loadSpec(file: string = SPEC_FIXTURE): OpenApiDocument {
  return JSON.parse(readFileSync(file, "utf8")) as OpenApiDocument;
}

/** The `$id` under which the converted components are registered; `$ref`s point into its `definitions`. */
const COMPONENTS_ID = "immybot-openapi-components";

/** OpenAPI keywords with no JSON Schema meaning (annotations only); dropped so ajv's strict mode accepts the rest. */
const OPENAPI_ONLY = new Set(["discriminator", "xml", "externalDocs", "example"]);

/**
 * One OpenAPI 3.0 schema object -> JSON Schema (draft-07).
 * - `nullable: true` -> `"null"` added to `type` (and to `enum`); on a `$ref` or composition -> `anyOf [..., null]`.
 * - `$ref: "#/components/schemas/X"` -> `${COMPONENTS_ID}#/definitions/X`.
 * - `readOnly`, `writeOnly`, `deprecated`, `default` stay (ajv knows them as annotations); `format` stays and is
 *   checked by the formats `createAjv` registers.
 */
export function openApiToJsonSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(openApiToJsonSchema);
  if (schema === null || typeof schema !== "object") return schema;

  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "nullable" || OPENAPI_ONLY.has(key) || key.startsWith("x-")) continue;
    if (key === "$ref") out.$ref = convertRef(value as string);
    else if (key === "properties" || key === "definitions") out[key] = mapValues(value as JsonSchema, openApiToJsonSchema);
    else if (["items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"].includes(key)) out[key] = openApiToJsonSchema(value);
    else out[key] = value; // type, format, enum, required, readOnly, default, uniqueItems, ...
  }
  return schema.nullable === true ? allowNull(out) : out;
}

function convertRef(ref: string): string {
  const m = /^#\/components\/schemas\/(.+)$/.exec(ref);
  if (!m) throw new Error(`unsupported $ref ${ref}: only #/components/schemas/... is handled`);
  return `${COMPONENTS_ID}#/definitions/${m[1]}`;
}

function allowNull(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === "string") {
    const result: JsonSchema = { ...schema, type: [schema.type, "null"] };
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) result.enum = [...schema.enum, null];
    return result;
  }
  // A $ref or a composition cannot take "null" into a type list; wrap it.
  return { anyOf: [schema, { type: "null" }] };
}

function mapValues(object: JsonSchema, f: (v: Json) => Json): JsonSchema {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, f(v)]));
}

const INT32 = { min: -2147483648, max: 2147483647 };
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** .NET TimeSpan text: [-][d.]hh:mm:ss[.fffffff]. */
const DATE_SPAN = /^-?(\d+\.)?\d{1,2}:\d{2}:\d{2}(\.\d{1,7})?$/;

/** ajv with the spec's formats. Strict, so a keyword the converter let through by mistake is an error, not a no-op. */
export function createAjv(): Ajv {
  const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
  ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= INT32.min && n <= INT32.max });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat("double", { type: "number", validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat("date-time", { type: "string", validate: (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)) });
  ajv.addFormat("uuid", { type: "string", validate: (s: string) => UUID.test(s) });
  ajv.addFormat("uri", { type: "string", validate: (s: string) => URL.canParse(s) });
  ajv.addFormat("date-span", { type: "string", validate: (s: string) => DATE_SPAN.test(s) });
  return ajv;
}

export interface ValidationResult {
  valid: boolean;
  /** One readable line per problem, e.g. "/0/name: must NOT have additional properties (name)". */
  errors: string[];
}

export interface SpecValidatorOptions {
  /**
   * For request bodies: take a version string, or null, wherever the spec has a `SemanticVersion` object. Every
   * member of that object is read-only, so ImmyBot binds the version as text (API notes §3.8); and Swashbuckle
   * cannot write `nullable` beside a `$ref` (OpenAPI 3.0), so the nullable property looks non-nullable. The one
   * known place where the spec does not say what the server reads.
   */
  versionAsText?: boolean;
}

/** Validates bodies against one OpenAPI document. */
export class SpecValidator {
  private readonly ajv = createAjv();
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(
    readonly doc: OpenApiDocument = loadSpec(),
    options: SpecValidatorOptions = {},
  ) {
    const definitions = mapValues(doc.components?.schemas ?? {}, (s) => openApiToJsonSchema(s));
    if (options.versionAsText && definitions.SemanticVersion) {
      definitions.SemanticVersion = { anyOf: [definitions.SemanticVersion, { type: "string", minLength: 1 }, { type: "null" }] };
    }
    this.ajv.addSchema({ $id: COMPONENTS_ID, definitions });
  }

  /** The JSON schema of one operation's request body (`application/json`), or undefined when it takes none. */
  requestSchema(method: string, pathTemplate: string): JsonSchema | undefined {
    const schema = this.operation(method, pathTemplate).requestBody?.content["application/json"]?.schema;
    return schema && (openApiToJsonSchema(schema) as JsonSchema);
  }

  /** Checks a request body of `METHOD pathTemplate` against the operation's requestBody schema. */
  validateRequest(method: string, pathTemplate: string, body: unknown): ValidationResult {
    const key = `${method.toUpperCase()} ${pathTemplate} request`;
    let validate = this.cache.get(key);
    if (!validate) {
      const schema = this.requestSchema(method, pathTemplate);
      if (!schema) throw new Error(`the spec documents no JSON request body for ${method.toUpperCase()} ${pathTemplate}`);
      validate = this.ajv.compile(schema);
      this.cache.set(key, validate);
    }
    return result(validate, body);
  }

  /**
   * The spec's path template for a concrete path of a `method` request ("/api/v1/schedules/42" ->
   * "/api/v1/schedules/{scheduleId}"), or undefined when the spec has none. Segments compare without regard to
   * case; a literal segment wins over a parameter, as ASP.NET ranks routes.
   */
  templateOf(method: string, path: string): string | undefined {
    const segments = path.split("/");
    let best: { template: string; literals: number } | undefined;
    for (const [template, item] of Object.entries(this.doc.paths)) {
      if (!item[method.toLowerCase()]) continue;
      const parts = template.split("/");
      if (parts.length !== segments.length) continue;
      let literals = 0;
      const matches = parts.every((part, i) => {
        if (/^\{[^}]+\}$/.test(part)) return segments[i] !== "";
        literals++;
        return part.toLowerCase() === segments[i]!.toLowerCase();
      });
      if (matches && (!best || literals > best.literals)) best = { template, literals };
    }
    return best?.template;
  }

  /** The JSON schema of one operation's response, or undefined when the spec documents no JSON body for it. */
  responseSchema(method: string, pathTemplate: string, status = "200"): JsonSchema | undefined {
    const operation = this.operation(method, pathTemplate);
    const response = operation.responses[status];
    if (!response) throw new Error(`the spec documents no ${status} for ${method.toUpperCase()} ${pathTemplate}`);
    const schema = response.content?.["application/json"]?.schema;
    return schema && (openApiToJsonSchema(schema) as JsonSchema);
  }

  /** Checks a response body of `METHOD pathTemplate` (e.g. "GET", "/api/v1/schedules/{scheduleId}"). */
  validateResponse(method: string, pathTemplate: string, body: unknown, status = "200"): ValidationResult {
    const key = `${method.toUpperCase()} ${pathTemplate} ${status}`;
    let validate = this.cache.get(key);
    if (!validate) {
      const schema = this.responseSchema(method, pathTemplate, status);
      if (!schema) throw new Error(`the spec documents no JSON body for ${key}`);
      validate = this.ajv.compile(schema);
      this.cache.set(key, validate);
    }
    return result(validate, body);
  }

  /** Checks a value against `components.schemas[name]`. */
  validateSchema(name: string, value: unknown): ValidationResult {
    const key = `#${name}`;
    let validate = this.cache.get(key);
    if (!validate) {
      if (!this.doc.components?.schemas?.[name]) throw new Error(`no schema ${name} in the spec`);
      validate = this.ajv.compile({ $ref: `${COMPONENTS_ID}#/definitions/${name}` });
      this.cache.set(key, validate);
    }
    return result(validate, value);
  }

  private operation(method: string, pathTemplate: string): OperationObject {
    const operation = this.doc.paths[pathTemplate]?.[method.toLowerCase()];
    if (!operation) throw new Error(`the spec has no ${method.toUpperCase()} ${pathTemplate}`);
    return operation;
  }
}

function result(validate: ValidateFunction, value: unknown): ValidationResult {
  const valid = validate(value) as boolean;
  return { valid, errors: valid ? [] : (validate.errors ?? []).map(describeError) };
}

function describeError(e: ErrorObject): string {
  const detail = e.keyword === "additionalProperties" ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : "";
  return `${e.instancePath || "/"}: ${e.message ?? e.keyword}${detail}`;
}
