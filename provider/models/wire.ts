/**
 * Decoding ImmyBot's answers: each answer the provider reads is parsed with a zod schema of the fields it uses,
 * built from the field kinds below, and {@link decodeAnswer} turns a failed parse into one error that names the
 * route and every missing or mistyped field (`ImmyBot GET /api/v1/schedules/12 answered a schedule without
 * targetType`), never an `undefined` in state.
 *
 * The rules follow the OpenAPI spec (test/fixtures/immybot-openapi.subset.json, checked by test/unit/wire.test.ts):
 * - fields the spec marks nullable may be null or absent (an instance may leave nulls out);
 * - fields it marks non-nullable are required, except where real instances are known to send null (API notes);
 * - fields the provider does not read are ignored, so a newer ImmyBot's additions never break a read;
 * - enums come as the spec's integers or as names (some instances send names): both are accepted and kept as they
 *   came; an integer this provider does not know is kept too (`WireEnum.fromWire` turns it into its decimal text).
 */
import { z } from "zod";
import { ImmyBotUnexpectedResponseError } from "../client/errors";
import type { WireEnum } from "./enums";

/** Where an answer came from, for messages: `{ method: "GET", path: "/api/v1/schedules/12" }`. */
export interface Answer {
  method: string;
  path: string;
}

/** An int32 id or count (non-nullable). */
export const int = z.int({ error: "expected an integer" });
/** Text (non-nullable in the spec). */
export const text = z.string({ error: "expected text" });
/** A boolean (non-nullable in the spec). */
export const flag = z.boolean({ error: "expected true or false" });
/** A nullable integer: null and absent become null. */
export const intOrNull = z.int({ error: "expected an integer or null" }).nullish().transform((v) => v ?? null);
/** Nullable text: null and absent become null. */
export const textOrNull = z.string({ error: "expected text or null" }).nullish().transform((v) => v ?? null);
/** A nullable boolean: null and absent become null. */
export const flagOrNull = z.boolean({ error: "expected true or false, or null" }).nullish().transform((v) => v ?? null);

/** An enum value as ImmyBot sends it: one of the spec's integers, or a name (any case); kept as it came. */
export function enumValue(e: Pick<WireEnum<string>, "enumName">) {
  return z.union([z.int(), z.string()], { error: `expected one of ImmyBot's ${e.enumName} integers or names` });
}

/** A nullable enum value: null and absent become null. */
export function enumOrNull(e: Pick<WireEnum<string>, "enumName">) {
  return z
    .union([z.int(), z.string()], { error: `expected one of ImmyBot's ${e.enumName} integers or names, or null` })
    .nullish()
    .transform((v) => v ?? null);
}

/** True when `value` is an integer, or a name `e` knows (any case): what a request can echo back as an integer. */
export function isEchoable(e: Pick<WireEnum<string>, "names">, value: unknown): boolean {
  return typeof value === "number" || (typeof value === "string" && e.names.some((n) => n.toLowerCase() === value.toLowerCase()));
}

/** Most problems listed in one message. */
const MAX_LISTED = 5;

/**
 * `body` parsed with `schema`, or an {@link ImmyBotUnexpectedResponseError} naming the route (`at`), what the answer
 * should have been (`what`: "a schedule") and each problem. Values of `secretFields` (top-level keys) are never
 * quoted, nor is any object or list: only short scalars appear in the message.
 */
export function decodeAnswer<T extends z.ZodType>(schema: T, body: unknown, what: string, at?: Answer, secretFields: readonly string[] = []): z.output<T> {
  const parsed = schema.safeParse(body, { reportInput: true });
  if (parsed.success) return parsed.data;
  const route = at ? `ImmyBot ${at.method} ${at.path}` : "ImmyBot";
  const issues = parsed.error.issues;
  const root = issues.find((i) => i.path.length === 0);
  const problems = root
    ? `${kindOf(body)} instead of ${what}`
    : `${what} ${issues
        .slice(0, MAX_LISTED)
        .map((i) => problem(i, secretFields))
        .join(", ")}${issues.length > MAX_LISTED ? `, and ${issues.length - MAX_LISTED} more problems` : ""}`;
  return throwUnexpected(`${route} answered ${problems}.`, at);
}

function throwUnexpected(message: string, at: Answer | undefined): never {
  throw new ImmyBotUnexpectedResponseError(message, at ? { method: at.method, path: at.path } : {});
}

/** `without targetType` or `whose day is "Mon" (expected an integer or null)`. */
function problem(issue: z.core.$ZodIssue, secretFields: readonly string[]): string {
  const field = issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
  const input = (issue as { input?: unknown }).input;
  if (input === undefined && (issue.code === "invalid_type" || issue.code === "invalid_union")) return `without ${field}`;
  const secret = secretFields.includes(String(issue.path[0]));
  return `whose ${field} is ${secret ? "a value not shown here" : brief(input)} (${issue.message})`;
}

/** A short, safe rendering of a value: scalars quoted (long text cut), objects and lists only named. */
function brief(v: unknown): string {
  if (v === null || typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 39)}…` : v);
  return kindOf(v);
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return typeof v === "string" ? "text" : `a ${typeof v}`;
}

const idOnly = z.object({ id: int });

/** `body` when it is an object with an int id (what else it holds is decoded later), else the error naming the route. */
export function withId(body: unknown, what: string, at: Answer): Record<string, unknown> {
  decodeAnswer(idOnly, body, what, at);
  return body as Record<string, unknown>;
}

/** `body` when it is a list (its rows are decoded one by one), else the error naming the route. */
export function listAnswer(body: unknown, what: string, at: Answer): unknown[] {
  if (Array.isArray(body)) return body;
  return throwUnexpected(`ImmyBot ${at.method} ${at.path} answered ${kindOf(body)} instead of a list of ${what}.`, at);
}
