/**
 * Route matching with ASP.NET Core's habits: paths match without regard to case or a trailing slash, a known
 * path with an unsupported verb is a 405, and anything else falls through to the single-page app.
 */
import type { Reply } from "./http";

export interface RequestContext {
  method: string;
  /** Path parameters captured by the route's pattern, in order. */
  params: string[];
  query: URLSearchParams;
  body: Buffer;
  contentType: string | undefined;
  /** `SandboxOptions.acceptEnumNames`: JSON bodies may give enums by name (the context is the routes' BindOptions). */
  acceptEnumNames: boolean;
}

export type Handler = (ctx: RequestContext) => Reply;

export interface Route {
  /** Anchored, case-insensitive; capture groups become `params`. */
  pattern: RegExp;
  handlers: Partial<Record<string, Handler>>;
}

export type RouteMatch =
  | { kind: "handler"; handler: Handler; params: string[] }
  | { kind: "wrong-method"; allowed: string[] }
  | { kind: "unknown" };

export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  const normalised = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  for (const route of routes) {
    const m = route.pattern.exec(normalised);
    if (!m) continue;
    const handler = route.handlers[method.toUpperCase()];
    if (!handler) return { kind: "wrong-method", allowed: Object.keys(route.handlers) };
    return { kind: "handler", handler, params: m.slice(1).map(safeDecode) };
  }
  return { kind: "unknown" };
}

/** A malformed escape ("%E0") is kept as written and then fails the parameter's own parsing. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A query parameter by name, matched without regard to case as ASP.NET model binding does. */
export function queryParam(query: URLSearchParams, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of query) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/**
 * A route pattern's `{id}` segment as a capture that leaves out the real API's literal siblings
 * (`/target-assignments/global`, `/computers/dx`, ...). Those are other routes in ImmyBot; the sandbox does not
 * serve them, so they must fall through to the SPA like any unknown route instead of failing as a bad id.
 */
export function idSegment(literalSiblings: readonly string[]): string {
  const escaped = literalSiblings.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return `(?!(?:${escaped.join("|")})(?:/|$))([^/]+)`;
}
