/**
 * A real HTTP server on 127.0.0.1:0 whose answers are scripted per route, request by request, with a log of every
 * request it received (undici's own tests use the same kind of server: drop the socket, then 500, then 200).
 *
 *   const server = await ScriptedServer.start();
 *   server.on("GET /api/v1/schedules/7", reply.status(503), reply.json(200, { id: 7 }));  // 1st: 503, then 200s
 *   server.requestsTo("GET /api/v1/schedules/7").length
 *
 * The last reply of a route repeats. A request no route matches gets 404 with a JSON message (and is logged).
 * `*` in a route matches one path segment. The server also counts connections and simultaneous requests.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, afterEach, beforeAll } from "vitest";
import { closeAll } from "../../provider/client";

export interface LoggedRequest {
  /** 0-based order of arrival. */
  index: number;
  method: string;
  /** Path without query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** `performance.now()` when the request's body had arrived. */
  at: number;
  /** Which connection carried it (0-based order of connections). */
  connection: number;
}

export type Reply = (req: LoggedRequest, res: ServerResponse) => void | Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  replies: Reply[];
  served: number;
}

function compile(path: string): RegExp {
  const escaped = path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]+");
  return new RegExp(`^${escaped}$`);
}

export class ScriptedServer {
  readonly requests: LoggedRequest[] = [];
  /** Connections accepted so far. */
  connections = 0;
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  readonly #server: Server;
  readonly #routes: Route[] = [];
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<ScriptedServer> {
    const server = createServer();
    const scripted = new ScriptedServer(server);
    const ids = new WeakMap<Socket, number>();
    server.on("connection", (socket: Socket) => {
      ids.set(socket, scripted.connections++);
      scripted.#sockets.add(socket);
      socket.on("close", () => scripted.#sockets.delete(socket));
    });
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      void scripted.#handle(req, res, ids.get(req.socket) ?? -1);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return scripted;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Scripts `route` ("GET /api/v1/x/*"): the n-th matching request gets the n-th reply; the last one repeats. */
  on(route: string, ...replies: Reply[]): this {
    const [method, path] = route.split(" ");
    if (!method || !path || replies.length === 0) throw new Error(`bad route script: ${route}`);
    // A later script for the same route replaces the earlier one.
    const existing = this.#routes.findIndex((r) => r.method === method && r.pattern.source === compile(path).source);
    const entry = { method, pattern: compile(path), replies, served: 0 };
    if (existing >= 0) this.#routes[existing] = entry;
    else this.#routes.push(entry);
    return this;
  }

  /** Logged requests matching `route` ("GET /api/v1/x/*"), or all of them. */
  requestsTo(route?: string): LoggedRequest[] {
    if (!route) return [...this.requests];
    const [method, path] = route.split(" ");
    const pattern = compile(path ?? "");
    return this.requests.filter((r) => r.method === method && pattern.test(r.path));
  }

  /** Forgets scripts, log and counters (connections stay open). */
  reset(): void {
    this.#routes.length = 0;
    this.requests.length = 0;
    this.connections = 0;
    this.maxInFlight = this.inFlight;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse, connection: number): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        this.inFlight--;
      }
    };
    res.on("close", finish);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const logged: LoggedRequest = {
        index: this.requests.length,
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: performance.now(),
        connection,
      };
      this.requests.push(logged);
      const route = this.#routes.find((r) => r.method === logged.method && r.pattern.test(logged.path));
      if (!route) {
        reply.json(404, { message: `scripted server: no script for ${logged.method} ${logged.path}` })(logged, res);
        return;
      }
      const step = route.replies[Math.min(route.served++, route.replies.length - 1)] as Reply;
      await step(logged, res);
    } catch (e) {
      if (!res.headersSent && !res.destroyed) {
        res.statusCode = 500;
        res.end(String(e));
      }
    }
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  if (res.destroyed) return; // the client gave up (timeout) and closed the connection
  res.writeHead(status, { "content-length": String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** Reply builders. */
export const reply = {
  /** JSON body (`body` is serialised unless it is already a string). */
  json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return (_req, res) => send(res, status, text, { "content-type": "application/json; charset=utf-8", ...headers });
  },
  /** Any body with any content type. */
  text(status: number, body: string, contentType = "text/plain; charset=utf-8", headers: Record<string, string> = {}): Reply {
    return (_req, res) => send(res, status, body, { "content-type": contentType, ...headers });
  },
  /** A status with an empty body (`Retry-After` etc. in `headers`). */
  status(status: number, headers: Record<string, string> = {}): Reply {
    return (_req, res) => send(res, status, "", headers);
  },
  /** Destroys the connection without answering (the client sees a reset / "other side closed"). */
  reset(): Reply {
    return (_req, res) => {
      res.socket?.destroy();
    };
  },
  /** Waits `ms`, then answers with `then`. */
  delay(ms: number, then: Reply): Reply {
    return async (req, res) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      await then(req, res);
    };
  },
  /** An Entra-style token response; tokens are `prefix-1`, `prefix-2`, ... per reply builder. */
  token(opts: { expiresIn?: number | string; prefix?: string } = {}): Reply {
    let n = 0;
    return (_req, res) => {
      n++;
      const body = { token_type: "Bearer", expires_in: opts.expiresIn ?? 3599, ext_expires_in: 3599, access_token: `${opts.prefix ?? "token"}-${n}` };
      send(res, 200, JSON.stringify(body), { "content-type": "application/json; charset=utf-8" });
    };
  },
};

/** Test credentials for a client of `server`, as stack config (`immybot:<key>` -> value). */
export const TEST_CLIENT_SECRET = "test-client-secret~Value.42";
export const TEST_TOKEN_PATH = "/test-tenant/oauth2/v2.0/token";

/**
 * Stack config for a client of `server`: client credentials against the server's token route, and
 * millisecond-level retry backoff so tests stay fast. `overrides` may add or replace keys (`undefined` removes).
 */
export function clientConfig(server: ScriptedServer, overrides: Record<string, string | undefined> = {}): (key: string) => string | undefined {
  const config: Record<string, string | undefined> = {
    "immybot:baseUrl": server.url,
    "immybot:clientId": "test-client",
    "immybot:clientSecret": TEST_CLIENT_SECRET,
    "immybot:tokenUrl": `${server.url}${TEST_TOKEN_PATH}`,
    "immybot:maxRetries": "3",
    "immybot:retryMinDelayMs": "1",
    "immybot:retryMaxDelayMs": "5",
    "immybot:requestTimeoutMs": "2000",
  };
  for (const [k, v] of Object.entries(overrides)) config[k.startsWith("immybot:") ? k : `immybot:${k}`] = v;
  return (key) => config[key];
}

/**
 * One scripted server for a test file: started before the tests, closed after them, and between tests every
 * client is closed and the script and log are reset. Read `.server` inside tests and hooks.
 */
export function useScriptedServer(): { readonly server: ScriptedServer } {
  let server: ScriptedServer | undefined;
  beforeAll(async () => {
    server = await ScriptedServer.start();
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(async () => {
    await closeAll();
    server?.reset();
  });
  return {
    get server(): ScriptedServer {
      if (!server) throw new Error("the scripted server is used before beforeAll started it");
      return server;
    },
  };
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}
