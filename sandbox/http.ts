/**
 * Replies and request-body helpers shared by every route of the sandbox.
 *
 * Handlers return a complete `Reply` instead of writing to the socket, so the pipeline in `server.ts` can still
 * decide, after the work is committed, to drop the answer (reset-after-commit) or hold it back (slow).
 */
import type { IncomingMessage } from "node:http";
import { randomBytes } from "node:crypto";

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The real API answers `application/json; charset=utf-8`; clients are expected to check it (the SPA answers 200 HTML). */
export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { "content-type": JSON_CONTENT_TYPE, ...headers }, body: JSON.stringify(value) };
}

/** No body at all (content-length 0, no content type): DELETE, 401, 405, 429. */
export function emptyReply(status: number, headers: Record<string, string> = {}): Reply {
  return { status, headers, body: "" };
}

/** ASP.NET Core puts a W3C trace id into every ProblemDetails body; clients may show it, never parse it. */
function traceId(): string {
  return `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-00`;
}

/** RFC 9110 section anchors ASP.NET Core uses as ProblemDetails `type`. */
const PROBLEM_TYPES: Record<number, string> = {
  400: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
  404: "https://tools.ietf.org/html/rfc9110#section-15.5.5",
  413: "https://tools.ietf.org/html/rfc9110#section-15.5.14",
  415: "https://tools.ietf.org/html/rfc9110#section-15.5.16",
  500: "https://tools.ietf.org/html/rfc9110#section-15.6.1",
};

/** A ProblemDetails body in ASP.NET Core's key order (type, title, status, [errors], traceId). */
export function problemReply(status: number, title: string, errors?: Record<string, string[]>): Reply {
  const body: Record<string, unknown> = { type: PROBLEM_TYPES[status], title, status };
  if (errors) body.errors = errors;
  body.traceId = traceId();
  return jsonReply(status, body);
}

/** Errors keyed by field, as ASP.NET's automatic 400 and ImmyBot's validators answer. */
export type FieldErrors = Record<string, string[]>;

export function validationReply(errors: FieldErrors): Reply {
  return problemReply(400, "One or more validation errors occurred.", errors);
}

export function notFoundReply(): Reply {
  return problemReply(404, "Not Found");
}

export function methodNotAllowedReply(allowed: readonly string[]): Reply {
  return emptyReply(405, { allow: allowed.join(", ") });
}

/**
 * What ImmyBot serves for any route it does not know, /api/ included: its single-page app's index.html with
 * status 200. Clients that only look at the status would take this for success.
 */
export const SPA_INDEX_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>ImmyBot</title><script type="module" src="/assets/index.js"></script></head>
<body><noscript>ImmyBot needs JavaScript.</noscript><div id="app"></div></body>
</html>
`;

export function spaIndexReply(): Reply {
  return { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: SPA_INDEX_HTML };
}

/** Kestrel's default limit is 30 MB; schedules are tiny, so anything past 1 MiB is a client bug. */
export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {}

/** The whole request body; rejects with `BodyTooLargeError` past `MAX_BODY_BYTES`. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError(`request body exceeds ${MAX_BODY_BYTES} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** The media type of a Content-Type header, lower-cased, without parameters ("application/json"). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}
