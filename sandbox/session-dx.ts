/**
 * DevExtreme load options on a `/dx` route, flattened into the query as ImmyBot's clients send them (API notes
 * §1.5): `skip`, `take`, `requireTotalCount`, `sort` (JSON `[{"selector": "createdDate", "desc": true}]`),
 * `filter` (JSON) and `select` (JSON array of field names) -> LoadResult `{data, totalCount, groupCount, summary}`.
 * `totalCount` is -1 unless requireTotalCount=true (then the count before skip/take); groupCount is always -1 and
 * summary null.
 *
 * Filters the sandbox understands, as DevExtreme defines them: a binary condition `["field", op, value]` with op one
 * of = <> < > <= >= contains (text, any case), `["field", value]` for "=", and groups of conditions and groups
 * joined by "and" or by "or" (nested to any depth; see compileFilter). Text compares without regard to case; dates
 * compare as instants. Anything else (!, functions, mixed and/or in one group, unknown fields, a value of the wrong
 * type) is a 400 naming what it takes: a filter the sandbox cannot apply must not match everything.
 * `group`, `groupSummary` and `totalSummary` are refused the same way (they would change the answer's shape).
 * Without a sort the rows come in id order.
 */
import { QueryBinder } from "./query";
import type { FieldErrors, Reply } from "./http";
import { validationReply } from "./http";

export type DxType = "int" | "string" | "bool" | "date";

export interface DxField<T> {
  name: string;
  type: DxType;
  get: (row: T) => string | number | boolean | null;
}

/** The spec's LoadResult. */
export interface LoadResult<R> {
  data: R[];
  totalCount: number;
  groupCount: number;
  summary: null;
}

type Value = string | number | boolean | null;
type Predicate<T> = (row: T) => boolean;

const OPERATORS = ["=", "<>", "<", ">", "<=", ">=", "contains"] as const;
type Operator = (typeof OPERATORS)[number];

/** `rows` (already in id order) filtered, sorted, paged and projected as the query says, or the 400. */
export function applyLoadOptions<T>(rows: readonly T[], query: URLSearchParams, fields: readonly DxField<T>[]): { result: LoadResult<Record<string, unknown>> } | { reply: Reply } {
  const q = new QueryBinder(query);
  const skip = q.int("skip", { min: 0 });
  const take = q.int("take", { min: 0 });
  const requireTotalCount = q.bool("requireTotalCount") ?? false;
  q.bool("requireGroupCount"); // bound for its 400; there are no groups
  const filter = q.string("filter");
  const sort = q.string("sort");
  const select = q.string("select");
  for (const unsupported of ["group", "groupSummary", "totalSummary"]) {
    if (q.string(unsupported) !== undefined) q.fail(unsupported, `the sandbox does not group or summarise sessions; leave ${unsupported} out.`);
  }
  const bound = q.problems();
  if (bound) return { reply: bound };

  const errors: FieldErrors = {};
  const predicate = filter === undefined ? undefined : compileFilter(parseJson(filter, "filter", errors), fields, errors);
  const compare = sort === undefined ? undefined : compileSort(parseJson(sort, "sort", errors), fields, errors);
  const columns = select === undefined ? undefined : compileSelect(parseJson(select, "select", errors), fields, errors);
  if (Object.keys(errors).length > 0) return { reply: validationReply(errors) };

  let result = predicate ? rows.filter(predicate) : [...rows];
  if (compare) result.sort(compare);
  const totalCount = requireTotalCount ? result.length : -1;
  const start = skip ?? 0;
  result = result.slice(start, take === undefined ? undefined : start + take);
  const data = result.map((row) => (columns ? Object.fromEntries(columns.map((f) => [f.name, f.get(row)])) : (row as Record<string, unknown>)));
  return { result: { data, totalCount, groupCount: -1, summary: null } };
}

const fail = (errors: FieldErrors, name: string, message: string): undefined => {
  (errors[name] ??= []).push(message);
  return undefined;
};

function parseJson(text: string, name: string, errors: FieldErrors): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail(errors, name, `${name} is not JSON: ${JSON.stringify(text)}.`);
  }
}

function findField<T>(fields: readonly DxField<T>[], name: unknown): DxField<T> | undefined {
  return typeof name === "string" ? fields.find((f) => f.name.toLowerCase() === name.toLowerCase()) : undefined;
}

const fieldNames = <T>(fields: readonly DxField<T>[]): string => fields.map((f) => f.name).join(", ");

const FILTER_SHAPE =
  'a condition ["field", "op", value] (op one of = <> < > <= >= contains; ["field", value] means "=") or a group of conditions and groups joined by "and" or by "or", e.g. [["computerId", "=", 6], "and", [["sessionStatus", "=", 2], "or", ["sessionStatus", "=", 7]]]';

/**
 * A filter as DevExtreme defines it (DevExtreme.AspNet.Data's FilterExpressionCompiler): an array whose first item
 * is an array is a group, else a condition. In a group, criteria are joined by the operator before them ("and" or
 * "or", any case); two criteria side by side are joined by "and"; one group uses one operator (DevExtreme refuses
 * "Mixing of and/or is not allowed inside a single group": nest a group instead). Refused as well, where
 * DevExtreme would ignore them: an operator that joins nothing (first, last, or twice in a row).
 */
function compileFilter<T>(json: unknown, fields: readonly DxField<T>[], errors: FieldErrors): Predicate<T> | undefined {
  if (json === undefined) return undefined;
  if (!Array.isArray(json) || json.length === 0) return fail(errors, "filter", `filter ${JSON.stringify(json)} is not ${FILTER_SHAPE}.`);
  if (json[0] === "!") return fail(errors, "filter", `the sandbox does not apply "!" (negation): ${JSON.stringify(json)}; write the condition with "<>" instead.`);
  if (!Array.isArray(json[0])) return compileCondition(json, fields, errors);
  const parts: Predicate<T>[] = [];
  let joiner: "and" | "or" | undefined;
  let next: "and" | "or" = "and";
  let afterOperator = false;
  for (const item of json) {
    if (Array.isArray(item)) {
      const part = compileFilter(item, fields, errors);
      if (!part) return undefined;
      if (parts.length > 0) {
        if (joiner !== undefined && joiner !== next) return fail(errors, "filter", `Mixing of and/or is not allowed inside a single group: ${JSON.stringify(json)}; nest a group, e.g. [a, "and", [b, "or", c]].`);
        joiner = next;
      }
      parts.push(part);
      next = "and";
      afterOperator = false;
    } else if (typeof item === "string" && /^(and|or)$/i.test(item)) {
      if (parts.length === 0 || afterOperator) return fail(errors, "filter", `${JSON.stringify(item)} in ${JSON.stringify(json)} joins nothing: put it between two conditions; ${FILTER_SHAPE}.`);
      next = item.toLowerCase() as "and" | "or";
      afterOperator = true;
    } else {
      return fail(errors, "filter", `${JSON.stringify(item)} in ${JSON.stringify(json)} is neither a condition nor "and" / "or"; ${FILTER_SHAPE}.`);
    }
  }
  if (afterOperator) return fail(errors, "filter", `filter ${JSON.stringify(json)} ends with ${JSON.stringify(json[json.length - 1])}; ${FILTER_SHAPE}.`);
  return joiner === "or" ? (row) => parts.some((p) => p(row)) : (row) => parts.every((p) => p(row));
}

function compileCondition<T>(json: unknown[], fields: readonly DxField<T>[], errors: FieldErrors): Predicate<T> | undefined {
  // ["field", value] is ["field", "=", value] in DevExtreme.
  const [name, rawOp, rawValue] = json.length === 2 ? [json[0], "=", json[1]] : json;
  if (json.length < 2 || json.length > 3 || typeof rawOp !== "string") return fail(errors, "filter", `${JSON.stringify(json)} is not ${FILTER_SHAPE}.`);
  const field = findField(fields, name);
  if (!field) return fail(errors, "filter", `cannot filter sessions by "${name}"; filter by one of ${fieldNames(fields)}.`);
  const op = OPERATORS.find((o) => o === rawOp.toLowerCase());
  if (!op) return fail(errors, "filter", `operator ${JSON.stringify(rawOp)} is not one the sandbox applies; use one of ${OPERATORS.join(" ")}.`);
  if (op === "contains" && field.type !== "string") return fail(errors, "filter", `"contains" applies to text; ${field.name} is not text.`);
  const wanted = convertValue(field.type, rawValue);
  if (wanted === undefined) return fail(errors, "filter", `${JSON.stringify(rawValue)} is not a value for ${field.name}, which takes ${describeType(field.type)}.`);
  return (row) => matches(op, normalise(field.type, field.get(row)), wanted);
}

function describeType(type: DxType): string {
  return { int: "a whole number", string: "text", bool: "true or false", date: 'an ISO 8601 date (e.g. "2025-06-02T10:00:00Z")' }[type] + " or null";
}

/** A filter value as the field's type (dates as ms, text lower-cased); undefined when it does not convert. */
function convertValue(type: DxType, raw: unknown): Value | undefined {
  if (raw === null) return null;
  switch (type) {
    case "int":
      if (typeof raw === "number" && Number.isInteger(raw)) return raw;
      return typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : undefined;
    case "bool":
      if (typeof raw === "boolean") return raw;
      return raw === "true" ? true : raw === "false" ? false : undefined;
    case "string":
      return typeof raw === "string" || typeof raw === "number" ? String(raw).toLowerCase() : undefined;
    case "date": {
      const ms = typeof raw === "string" ? Date.parse(raw) : NaN;
      return Number.isNaN(ms) ? undefined : ms;
    }
  }
}

function normalise(type: DxType, value: string | number | boolean | null): Value {
  if (value === null) return null;
  if (type === "string") return String(value).toLowerCase();
  if (type === "date") return Date.parse(String(value));
  return value;
}

function matches(op: Operator, actual: Value, wanted: Value): boolean {
  switch (op) {
    case "=":
      return actual === wanted;
    case "<>":
      return actual !== wanted;
    case "contains":
      return typeof actual === "string" && typeof wanted === "string" && actual.includes(wanted);
    default:
      if (actual === null || wanted === null) return false;
      return op === "<" ? actual < wanted : op === ">" ? actual > wanted : op === "<=" ? actual <= wanted : actual >= wanted;
  }
}

const SORT_SHAPE = 'a list of { "selector": "field", "desc": true|false }, e.g. [{"selector":"createdDate","desc":true}]';

function compileSort<T>(json: unknown, fields: readonly DxField<T>[], errors: FieldErrors): ((a: T, b: T) => number) | undefined {
  if (json === undefined) return undefined;
  if (!Array.isArray(json)) return fail(errors, "sort", `sort ${JSON.stringify(json)} is not ${SORT_SHAPE}.`);
  const keys: { field: DxField<T>; desc: boolean }[] = [];
  for (const entry of json) {
    const selector = typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>).selector : undefined;
    const desc = typeof entry === "object" && entry !== null ? ((entry as Record<string, unknown>).desc ?? false) : undefined;
    if (typeof selector !== "string" || typeof desc !== "boolean") return fail(errors, "sort", `${JSON.stringify(entry)} is not a sort entry; sort is ${SORT_SHAPE}.`);
    const field = findField(fields, selector);
    if (!field) return fail(errors, "sort", `cannot sort sessions by "${selector}"; sort by one of ${fieldNames(fields)}.`);
    keys.push({ field, desc });
  }
  return (a, b) => {
    for (const { field, desc } of keys) {
      const [x, y] = [normalise(field.type, field.get(a)), normalise(field.type, field.get(b))];
      if (x === y) continue;
      // null sorts first ascending, as in SQL Server.
      const order = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      return desc ? -order : order;
    }
    return 0; // stable: id order stays
  };
}

function compileSelect<T>(json: unknown, fields: readonly DxField<T>[], errors: FieldErrors): DxField<T>[] | undefined {
  if (json === undefined) return undefined;
  if (!Array.isArray(json) || json.some((n) => typeof n !== "string")) return fail(errors, "select", `select ${JSON.stringify(json)} is not a list of field names, e.g. ["id","sessionStatus"].`);
  const picked: DxField<T>[] = [];
  for (const name of json as string[]) {
    const field = findField(fields, name);
    if (!field) return fail(errors, "select", `cannot select "${name}"; select from ${fieldNames(fields)}.`);
    picked.push(field);
  }
  return picked;
}
