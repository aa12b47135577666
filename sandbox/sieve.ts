/**
 * ImmyBot's Sieve-paged lists (`/tenants`, `/target-assignments`, `/maintenance-tasks/{global,local}`): `Filters`,
 * `Sorts`, `Page` (>= 1) and `PageSize` (>= 1) in, a bare JSON array out, no total count.
 *
 * Filter syntax (the Sieve library's): terms separated by commas are ANDed; a term is `name op value`, where
 * `(a|b)` ORs names and `x|y` ORs values; `\,` and `\|` escape; `null` compares with null. Operators: `==`, `!=`,
 * `>`, `<`, `>=`, `<=`, `@=` contains, `_=` starts with, `!@=`, `!_=`, and `*` after any of the text ones for
 * case-insensitive. `Sorts=a,-b` sorts by a, then b descending. Without PageSize the whole list is one page.
 *
 * Real Sieve skips a field it does not know; the sandbox answers 400 naming the fields it can filter or sort
 * by, so a filter that would silently match everything shows up in tests.
 */
import { QueryBinder } from "./query";
import type { FieldErrors, Reply } from "./http";
import { bindEnum, type EnumTable } from "./wire-enums";

export type SieveType = "int" | "string" | "bool" | { enum: EnumTable };

export interface SieveField<T> {
  /** The property name clients use (matched without regard to case, like Sieve's default). */
  name: string;
  type: SieveType;
  get: (row: T) => string | number | boolean | null;
  /** Default true. */
  filter?: boolean;
  /** Default true. */
  sort?: boolean;
}

type Operator = "==" | "!=" | ">" | "<" | ">=" | "<=" | "@=" | "_=" | "!@=" | "!_=";

interface Term {
  fields: string[];
  operator: Operator;
  caseInsensitive: boolean;
  values: string[];
}

// Longest first, so "!@=*" is not read as "!=" followed by text.
const OPERATORS = ["!@=*", "!_=*", "@=*", "_=*", "==*", "!=*", "!@=", "!_=", "==", "!=", ">=", "<=", "@=", "_=", ">", "<"];
const TEXT_ONLY = new Set<Operator>(["@=", "_=", "!@=", "!_="]);
const NEGATED = new Set<Operator>(["!=", "!@=", "!_="]);

/** `rows` filtered, sorted and paged as the query says, or the 400 for a query the sandbox cannot apply. */
export function applySieve<T>(rows: readonly T[], query: URLSearchParams, fields: readonly SieveField<T>[]): { rows: T[] } | { reply: Reply } {
  const q = new QueryBinder(query);
  const page = q.int("Page", { min: 1 });
  const pageSize = q.int("PageSize", { min: 1 });
  const filters = q.string("Filters");
  const sorts = q.string("Sorts");
  const bound = q.problems();
  if (bound) return { reply: bound };

  const errors: FieldErrors = {};
  let result = [...rows];
  if (filters !== undefined) {
    const predicate = compileFilters(filters, fields, errors);
    if (predicate) result = result.filter(predicate);
  }
  if (sorts !== undefined) {
    const compare = compileSorts(sorts, fields, errors);
    if (compare) result.sort(compare);
  }
  if (Object.keys(errors).length > 0) {
    for (const [name, messages] of Object.entries(errors)) for (const m of messages) q.fail(name, m);
    return { reply: q.problems()! };
  }
  if (pageSize !== undefined) {
    const start = ((page ?? 1) - 1) * pageSize;
    result = result.slice(start, start + pageSize);
  }
  return { rows: result };
}

/** Splits on `separator` where it is not escaped with a backslash. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length && (text[i + 1] === "," || text[i + 1] === "|")) {
      current += `\\${text[++i]}`;
    } else if (c === separator) {
      parts.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

const unescape = (s: string): string => s.replace(/\\([,|])/g, "$1");

function parseTerm(text: string): Term | string {
  let at = -1;
  let op = "";
  for (let i = 0; i < text.length && at < 0; i++) {
    const found = OPERATORS.find((o) => text.startsWith(o, i));
    if (found) {
      at = i;
      op = found;
    }
  }
  if (at <= 0) return `"${text}" is not a filter term; write name==value (operators ${OPERATORS.join(" ")}).`;
  const rawNames = text.slice(0, at).trim();
  const names = (rawNames.startsWith("(") && rawNames.endsWith(")") ? rawNames.slice(1, -1) : rawNames).split("|").map((n) => n.trim());
  const caseInsensitive = op.endsWith("*");
  return { fields: names, operator: (caseInsensitive ? op.slice(0, -1) : op) as Operator, caseInsensitive, values: splitUnescaped(text.slice(at + op.length), "|").map(unescape) };
}

function findField<T>(fields: readonly SieveField<T>[], name: string, use: "filter" | "sort"): SieveField<T> | undefined {
  return fields.find((f) => f.name.toLowerCase() === name.toLowerCase() && f[use] !== false);
}

function fieldList<T>(fields: readonly SieveField<T>[], use: "filter" | "sort"): string {
  return fields.filter((f) => f[use] !== false).map((f) => f.name).join(", ");
}

type Value = string | number | boolean | null;

/** A filter value as the field's type; undefined when it does not convert. */
function convertValue(type: SieveType, raw: string): Value | undefined {
  if (raw === "null") return null;
  if (type === "string") return raw;
  if (type === "int") return /^-?\d+$/.test(raw.trim()) ? Number(raw) : undefined;
  if (type === "bool") {
    const lower = raw.trim().toLowerCase();
    return lower === "true" ? true : lower === "false" ? false : undefined;
  }
  const bound = bindEnum(type.enum, raw);
  return bound.ok ? bound.value : undefined;
}

function describeType(type: SieveType): string {
  return typeof type === "string" ? { int: "a whole number", string: "text", bool: "true or false" }[type] : `a ${type.enum.enumName} (name or integer)`;
}

function matches(operator: Operator, caseInsensitive: boolean, actual: Value, wanted: Value): boolean {
  if (actual === null || wanted === null) {
    if (operator === "==") return actual === wanted;
    if (operator === "!=") return actual !== wanted;
    return false;
  }
  let a = actual;
  let w = wanted;
  if (caseInsensitive && typeof a === "string" && typeof w === "string") {
    a = a.toLowerCase();
    w = w.toLowerCase();
  }
  switch (operator) {
    case "==":
      return a === w;
    case "!=":
      return a !== w;
    case ">":
      return a > w;
    case "<":
      return a < w;
    case ">=":
      return a >= w;
    case "<=":
      return a <= w;
    case "@=":
    case "!@=":
      return String(a).includes(String(w));
    case "_=":
    case "!_=":
      return String(a).startsWith(String(w));
  }
}

function compileFilters<T>(text: string, fields: readonly SieveField<T>[], errors: FieldErrors): ((row: T) => boolean) | undefined {
  const problems: string[] = [];
  const predicates: ((row: T) => boolean)[] = [];
  for (const termText of splitUnescaped(text, ",")) {
    if (termText.trim() === "") continue;
    const term = parseTerm(termText);
    if (typeof term === "string") {
      problems.push(term);
      continue;
    }
    const targets: SieveField<T>[] = [];
    for (const name of term.fields) {
      const field = findField(fields, name, "filter");
      if (field) targets.push(field);
      else problems.push(`cannot filter by "${name}"; filterable fields: ${fieldList(fields, "filter")}.`);
    }
    const checks: { field: SieveField<T>; values: Value[] }[] = [];
    for (const field of targets) {
      if (TEXT_ONLY.has(term.operator) && field.type !== "string") {
        problems.push(`${term.operator} only applies to text; ${field.name} is ${describeType(field.type)}.`);
        continue;
      }
      const values: Value[] = [];
      for (const raw of term.values) {
        const v = convertValue(field.type, raw);
        if (v === undefined) problems.push(`"${raw}" is not ${describeType(field.type)} (filter on ${field.name}).`);
        else values.push(v);
      }
      checks.push({ field, values });
    }
    const negated = NEGATED.has(term.operator);
    // Names ORed; values ORed, except that a negated operator must hold for every value ("not any of these").
    predicates.push((row) =>
      checks.some(({ field, values }) => {
        const actual = field.get(row);
        return negated ? values.every((v) => matches(term.operator, term.caseInsensitive, actual, v)) : values.some((v) => matches(term.operator, term.caseInsensitive, actual, v));
      }),
    );
  }
  if (problems.length > 0) {
    errors.Filters = problems;
    return undefined;
  }
  return (row) => predicates.every((p) => p(row));
}

function compileSorts<T>(text: string, fields: readonly SieveField<T>[], errors: FieldErrors): ((a: T, b: T) => number) | undefined {
  const keys: { field: SieveField<T>; descending: boolean }[] = [];
  const problems: string[] = [];
  for (const part of text.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const descending = part.startsWith("-");
    const name = descending ? part.slice(1) : part;
    const field = findField(fields, name, "sort");
    if (field) keys.push({ field, descending });
    else problems.push(`cannot sort by "${name}"; sortable fields: ${fieldList(fields, "sort")}.`);
  }
  if (problems.length > 0) {
    errors.Sorts = problems;
    return undefined;
  }
  return (a, b) => {
    for (const { field, descending } of keys) {
      const x = field.get(a);
      const y = field.get(b);
      const order = x === y ? 0 : x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  };
}
