/**
 * Query-string values bound the way ASP.NET binds simple action parameters: names in any case, an empty value
 * is "not given", a value that does not convert (or breaks a [Range]) is a 400 for that name.
 */
import { parseInt32 } from "./binding";
import { validationReply, type FieldErrors, type Reply } from "./http";
import { queryParam } from "./router";

/** Collects values with `int` / `bool` / `string`; `problems()` is then the 400 for every failure, or undefined. */
export class QueryBinder {
  private readonly errors: FieldErrors = {};

  constructor(private readonly query: URLSearchParams) {}

  string(name: string): string | undefined {
    const raw = queryParam(this.query, name);
    return raw === undefined || raw === "" ? undefined : raw;
  }

  int(name: string, range: { min?: number; max?: number } = {}): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const n = parseInt32(raw);
    if (n === undefined) {
      this.fail(name, `The value '${raw}' is not valid.`);
      return undefined;
    }
    const min = range.min ?? -2147483648;
    const max = range.max ?? 2147483647;
    if (n < min || n > max) {
      this.fail(name, `The field ${name} must be between ${min} and ${max}.`);
      return undefined;
    }
    return n;
  }

  bool(name: string): boolean | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const lower = raw.trim().toLowerCase();
    if (lower === "true" || lower === "false") return lower === "true";
    this.fail(name, `The value '${raw}' is not valid.`);
    return undefined;
  }

  /** Adds a failure found after binding (a value that bound but cannot be used). */
  fail(name: string, message: string): void {
    (this.errors[name] ??= []).push(message);
  }

  problems(): Reply | undefined {
    return Object.keys(this.errors).length > 0 ? validationReply(this.errors) : undefined;
  }
}
