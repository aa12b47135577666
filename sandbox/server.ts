/**
 * The ImmyBot API sandbox: a loopback HTTP server that behaves like an ImmyBot instance (plus its Entra token
 * endpoint) for the routes the provider uses, with state that can live in a file and faults on demand.
 *
 * Every request goes through one pipeline (`handle`): log it, read the body, decide a fault, wait out any
 * latency, answer the fault or route the request, then deliver, drop or delay the answer.
 *
 * Routes: schedules (and their run-now), deployments (target assignments, notes, target preview), maintenance
 * sessions (start, read, logs, cancel, /dx; simulated from the clock, see session-timeline.ts), and read-only lookups (tenants,
 * computers, software, maintenance tasks, tags, time zones) over the seed (seed.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { TokenIssuer } from "./auth";
import { Faults, type FaultDecision } from "./faults";
import {
  BodyTooLargeError,
  emptyReply,
  jsonReply,
  methodNotAllowedReply,
  problemReply,
  readBody,
  spaIndexReply,
  type FieldErrors,
  type Reply,
} from "./http";
import { bindDeploymentRequest, type DeploymentFields } from "./deployment-model";
import { deploymentRoutes } from "./deployment-routes";
import { deploymentProblems } from "./deployment-rules";
import { DeploymentService, type DeploymentResponse } from "./deployments";
import { lookupRoutes } from "./lookup-routes";
import { tagRoutes } from "./tag-routes";
import { TagService } from "./tags";
import { matchRoute, type Route } from "./router";
import { bindScheduleRequest, type ScheduleFields } from "./schedule-model";
import { scheduleRoutes } from "./schedule-routes";
import { scheduleProblems } from "./schedule-rules";
import { runSchedule, scheduleRunRoutes, type ScheduleRunDeps } from "./schedule-runs";
import { ScheduleService, UI_ACTOR, type ScheduleResponse } from "./schedules";
import { loadSeed, type Seed, type SeedData } from "./seed";
import { LENIENT } from "./binding";
import type { SessionResponse } from "./session-responses";
import { sessionRoutes } from "./session-routes";
import { SessionService } from "./sessions";
import { StateStore, type SandboxState } from "./state";
import { timeZoneList } from "./timezones";
import type { RequestLogEntry, SandboxInfo, SandboxOptions } from "./options";

export type { FaultKind, FaultOptions, ScriptedFault } from "./faults";
export type { RequestLogEntry, SandboxInfo, SandboxOptions } from "./options";
export type { DeploymentFields, ParameterValue, Visibility } from "./deployment-model";
export type { DeploymentResponse } from "./deployments";
export type { ScheduleResponse } from "./schedules";
export type { ComputerKind, MaintenanceOutcome, SeedComputer, SeedData, SeedPerson, SeedSoftware, SeedTag, SeedTask, SeedTaskParameter, SeedTenant } from "./seed";
export type { SeedGlobalDeployment } from "./global-deployments";
export { SeedError } from "./seed";
export type { SemanticVersionObject } from "./semver";
export type { SandboxState, StoredDeployment, StoredSession } from "./state";
export type {
  RunImmyServiceResponse,
  SessionActionResponse,
  SessionDxRow,
  SessionJobArgsResponse,
  SessionLogResponse,
  SessionResponse,
  SessionStageResponse,
  StartedSession,
} from "./session-responses";
export type { MaintenanceParams, RunFields } from "./session-model";

/** Thrown by the out-of-band edit helpers when the edit breaks a rule the API would enforce. */
export class SandboxValidationError extends Error {
  constructor(
    readonly errors: FieldErrors,
    what: "schedule" | "deployment" = "schedule",
  ) {
    super(`${what} edit rejected: ${Object.entries(errors).map(([k, v]) => `${k}: ${v.join(" ")}`).join("; ")}`);
  }
}

/** Request fields for the out-of-band helpers: enums by name or integer, anything else as in the JSON body. */
export type FieldInput<F> = Partial<Record<keyof F, unknown>>;

const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token\/?$/i;
const LOOPBACK_HOSTS: Record<string, string> = { "127.0.0.1": "127.0.0.1", localhost: "127.0.0.1", "::1": "::1" };
const DEFAULT_TOKEN_LIFETIME_SECONDS = 3599;
const DEFAULT_SESSION_ENQUEUE_DELAY_MS = 500;

export class Sandbox {
  readonly faults: Faults;
  private readonly log: RequestLogEntry[] = [];
  private readonly routes: Route[];
  /** Wake-ups of requests waiting out latency or a slow answer; stop() runs them all. */
  private readonly sleepers = new Set<() => void>();
  private stopped = false;
  /** Connections opened since start or clearRequests(); a socket is counted as API once it carried an /api/ request. */
  /** Counts since start or clearRequests() (`epoch`); a socket counts as API once, at its first /api/ request. */
  private counts = { epoch: 0, connections: 0, apiConnections: 0 };
  /** API requests being handled now (waiting out latency included), and the most at once since clearRequests(). */
  private apiInFlight = { now: 0, most: 0 };
  private readonly releases = new WeakMap<RequestLogEntry, () => void>();
  private readonly sockets = new WeakMap<Socket, { epoch: number; api: boolean }>();

  private constructor(
    private readonly server: Server,
    private readonly store: StateStore,
    private readonly tokens: TokenIssuer,
    private readonly scheduleService: ScheduleService,
    private readonly deploymentService: DeploymentService,
    private readonly sessionService: SessionService,
    private readonly seedData: Seed,
    readonly info: SandboxInfo,
    private readonly options: SandboxOptions,
  ) {
    this.faults = new Faults(options.faults);
    this.routes = [
      ...scheduleRoutes(scheduleService),
      ...scheduleRunRoutes(this.scheduleRuns()),
      ...deploymentRoutes(deploymentService, seedData),
      ...sessionRoutes({ sessions: sessionService, seed: seedData, deploymentExists: (id) => deploymentService.get(id) !== undefined }),
      ...tagRoutes(new TagService(store, seedData)),
      ...lookupRoutes(seedData),
      { pattern: /^\/api\/v1\/system\/timezones$/i, handlers: { GET: () => jsonReply(200, timeZoneList()) } },
    ];
    server.on("request", (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res));
    server.on("connection", (socket: Socket) => {
      this.sockets.set(socket, { epoch: this.counts.epoch, api: false });
      this.counts.connections++;
    });
  }

  static async start(options: SandboxOptions = {}): Promise<Sandbox> {
    const host = LOOPBACK_HOSTS[options.host ?? "127.0.0.1"];
    if (!host) throw new Error(`the sandbox only listens on loopback (127.0.0.1, localhost, ::1), not ${options.host}`);
    const lifetime = options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
    if (!(Number.isInteger(lifetime) && lifetime > 0)) throw new RangeError(`tokenLifetimeSeconds must be a positive integer, got ${lifetime}`);
    const timeScale = options.sessionTimeScale ?? 1;
    if (!(Number.isFinite(timeScale) && timeScale > 0)) throw new RangeError(`sessionTimeScale must be a number > 0, got ${timeScale}`);
    const enqueueDelayMs = options.sessionEnqueueDelayMs ?? DEFAULT_SESSION_ENQUEUE_DELAY_MS;
    if (!(Number.isFinite(enqueueDelayMs) && enqueueDelayMs >= 0)) throw new RangeError(`sessionEnqueueDelayMs must be a number >= 0, got ${enqueueDelayMs}`);

    // A broken seed fails here, before anything listens or the state file is touched.
    const seed = loadSeed(options.seed);
    const store = StateStore.open(options.stateFile, {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      azureTenantId: options.azureTenantId,
    });
    // Computers brought on- or offline by an earlier run stay so.
    for (const [id, online] of Object.entries(store.state.computersOnline)) seed.setOnline(Number(id), online);
    const server = createServer();
    await listen(server, options.port ?? 0, host);
    const port = (server.address() as AddressInfo).port;
    const baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    const { azureTenantId, clientId, clientSecret } = store.state.credentials;
    const info: SandboxInfo = { baseUrl, tokenUrl: `${baseUrl}/${azureTenantId}/oauth2/v2.0/token`, azureTenantId, clientId, clientSecret };
    const now = options.now ?? (() => new Date());
    const tokens = new TokenIssuer(store, baseUrl, lifetime, now);
    const sessions = new SessionService(store, seed, now, { timeScale, enqueueDelayMs });
    return new Sandbox(server, store, tokens, new ScheduleService(store, now), new DeploymentService(store, seed, now), sessions, seed, info, options);
  }

  /** Every request so far (token requests included), oldest first. */
  get requests(): RequestLogEntry[] {
    return this.log.map((e) => ({ ...e, query: { ...e.query } }));
  }

  /** Clears the request log and the count of connections opened. */
  clearRequests(): void {
    this.log.length = 0;
    this.counts = { epoch: this.counts.epoch + 1, connections: 0, apiConnections: 0 };
    this.apiInFlight.most = this.apiInFlight.now;
  }

  /** The most API requests the sandbox was handling at once since start or clearRequests() (a client's concurrency). */
  get maxApiInFlight(): number {
    return this.apiInFlight.most;
  }

  /** TCP connections clients opened to the sandbox since it started or since clearRequests(). */
  get connectionsOpened(): number {
    return this.counts.connections;
  }

  /** Of {@link connectionsOpened}, those that carried API requests (not only the token endpoint's). */
  get apiConnectionsOpened(): number {
    return this.counts.apiConnections;
  }

  /** Requests to the token endpoint in the log (so clearRequests() resets it too). */
  get tokenRequests(): number {
    return this.log.filter((e) => TOKEN_PATH.test(e.path)).length;
  }

  /**
   * Every access token this sandbox process issued, oldest first, revoked and expired ones included (so a test
   * can check that none of them leaked into logs or state).
   */
  issuedTokens(): string[] {
    return [...this.tokens.issued];
  }

  /** Expires every issued token; clients must fetch a new one. */
  revokeTokens(): void {
    this.tokens.revokeAll();
  }

  /** The stored schedules exactly as `GET /api/v1/schedules` would return them. */
  schedules(): ScheduleResponse[] {
    return this.scheduleService.list();
  }

  schedule(id: number): ScheduleResponse | undefined {
    return this.scheduleService.get(id);
  }

  /**
   * Creates a schedule out of band (someone in the web UI). Takes the request's fields, enums by name or
   * integer; fields left out take .NET zero values, as over the API. Throws SandboxValidationError when invalid.
   */
  createSchedule(fields: Partial<Record<keyof ScheduleFields, unknown>>): ScheduleResponse {
    return this.scheduleService.create(validFields(fields), UI_ACTOR);
  }

  /**
   * Changes some fields of a schedule out of band (someone in the web UI), keeping the rest; names or
   * integers for enums. Bumps updatedDateUTC/updatedBy like any edit. Throws when missing or invalid.
   */
  editSchedule(id: number, patch: Partial<Record<keyof ScheduleFields, unknown>>): ScheduleResponse {
    const current = this.scheduleService.fieldsOf(id);
    if (!current) throw new Error(`no schedule ${id}`);
    return this.scheduleService.replace(id, validFields({ ...current, ...patch }), UI_ACTOR)!;
  }

  /** Deletes a schedule out of band; false when there was none. */
  deleteSchedule(id: number): boolean {
    return this.scheduleService.remove(id);
  }

  /**
   * Runs a schedule as ImmyBot's scheduler does at its time (run-now's sessions, but started by nobody:
   * `createdBy` null); returns the new session ids. Throws when there is no such schedule.
   */
  fireSchedule(id: number): number[] {
    const started = runSchedule(this.scheduleRuns(), id, null);
    if (!started) throw new Error(`no schedule ${id}`);
    return started.map((s) => s.sessionId);
  }

  /** The stored deployments exactly as `GET /api/v1/target-assignments` would return them (parameters in clear text). */
  deployments(): DeploymentResponse[] {
    return this.deploymentService.list();
  }

  deployment(id: number): DeploymentResponse | undefined {
    return this.deploymentService.get(id);
  }

  /**
   * Creates a deployment out of band (someone in the web UI). Takes CreateLocalTargetAssignmentPayload's fields,
   * enums by name or integer; fields left out take .NET zero values, as over the API. Checked against the seed
   * like a POST; throws SandboxValidationError when invalid.
   */
  createDeployment(fields: FieldInput<DeploymentFields>): DeploymentResponse {
    return this.deploymentService.create(this.validDeployment(fields), UI_ACTOR);
  }

  /**
   * Changes some fields of a deployment out of band (someone in the web UI), keeping the rest; names or integers
   * for enums. Bumps updatedDateUTC/updatedBy like any edit. Throws when missing or invalid.
   */
  editDeployment(id: number, patch: FieldInput<DeploymentFields>): DeploymentResponse {
    const current = this.deploymentService.fieldsOf(id);
    if (!current) throw new Error(`no deployment ${id}`);
    return this.deploymentService.replace(id, this.validDeployment({ ...current, ...patch }), UI_ACTOR)!;
  }

  /** Deletes a deployment out of band; false when there was none. */
  deleteDeployment(id: number): boolean {
    return this.deploymentService.remove(id);
  }

  /**
   * Every maintenance session, in id order, as `GET /api/v1/maintenance-sessions/{id}?includeStages=true&includeActions=true`
   * would return it now, including sessions run-immy-service-new has not made visible yet.
   */
  sessions(): SessionResponse[] {
    return this.sessionService.all();
  }

  /** One session as sessions() shows it (visible or not); undefined when there is none. */
  session(id: number): SessionResponse | undefined {
    return this.sessionService.get(id, { actions: true, stages: true, activities: false }, true);
  }

  /**
   * Connects (true) or disconnects (false) a seeded computer's agent, as if it came online or went away: the lookups
   * show it at once, and connecting starts the computer's sessions waiting in PendingConnectivity (offlineBehavior
   * ApplyOnConnect) from this moment. Sessions under way are not affected by a disconnect. Kept in the state file.
   * Throws when the seed has no such computer.
   */
  setComputerOnline(computerId: number, online: boolean): void {
    if (!this.sessionService.setComputerOnline(computerId, online)) throw new Error(`no computer ${computerId} in the seed`);
  }

  /**
   * How long the sessions of later `run-immy-service-new` starts stay invisible (ImmyBot's background job; it may
   * take minutes), in ms of the sandbox's clock. Sessions already started keep the delay they had.
   */
  setSessionEnqueueDelay(ms: number): void {
    this.sessionService.setEnqueueDelay(ms);
  }

  /**
   * How long later cancels take to reach their session (ms of the sandbox's clock): the cancel is answered at once,
   * and the session runs on until then, as a real one does until its agent stops. Default 0.
   */
  setSessionCancelDelay(ms: number): void {
    this.sessionService.setCancelDelay(ms);
  }

  /** The seed this sandbox serves (a deep copy of what was given, or of the built-in seed). */
  seed(): SeedData {
    return structuredClone(this.seedData.data);
  }

  /** A deep copy of the whole state (credentials, next ids, stored schedules, deployments and sessions, tokens). */
  snapshot(): SandboxState {
    return this.store.snapshot();
  }

  /** Closes the listener and every connection; requests held by latency or a slow fault are dropped. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const wake of [...this.sleepers]) wake();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private scheduleRuns(): ScheduleRunDeps {
    return { schedules: this.scheduleService, sessions: this.sessionService, seed: this.seedData };
  }

  /** Out-of-band deployments obey the same binding and rules as the API. */
  private validDeployment(fields: FieldInput<DeploymentFields>): DeploymentFields {
    const given = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    const bound = bindDeploymentRequest(given, "CreateLocalTargetAssignmentPayload", LENIENT);
    if (!bound.ok) throw new SandboxValidationError(bound.errors, "deployment");
    const problems = deploymentProblems(bound.fields, this.seedData);
    if (Object.keys(problems).length > 0) throw new SandboxValidationError(problems, "deployment");
    return bound.fields;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", this.info.baseUrl);
    const entry: RequestLogEntry = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), status: null, at: Date.now() };
    this.log.push(entry);
    const socket = this.sockets.get(req.socket);
    if (socket && !socket.api && url.pathname.startsWith("/api/")) {
      socket.api = true;
      if (socket.epoch === this.counts.epoch) this.counts.apiConnections++;
    }
    if (url.pathname.startsWith("/api/")) {
      // Done when answered or dropped (finish), or when the connection closes first, whichever comes first.
      const gauge = this.apiInFlight;
      gauge.most = Math.max(gauge.most, ++gauge.now);
      let done = false;
      const release = () => {
        if (!done) gauge.now--;
        done = true;
      };
      this.releases.set(entry, release);
      res.once("close", release);
    }
    try {
      let body: Buffer;
      try {
        body = await readBody(req);
      } catch (e) {
        if (e instanceof BodyTooLargeError) this.deliver(res, entry, problemReply(413, "Payload Too Large"));
        return;
      }
      if (this.options.recordBodies && /^\/api\//i.test(url.pathname)) entry.body = body.toString("utf8");
      const isToken = TOKEN_PATH.test(url.pathname);
      const decision = this.faults.decide({ method, path: url.pathname, isApi: /^\/api\//i.test(url.pathname), isToken });
      if (decision.fault) entry.fault = decision.fault;
      if (decision.latencyMs > 0) await this.sleep(decision.latencyMs);
      if (this.stopped) return this.drop(req, entry);

      const early = faultReply(decision);
      if (early) return this.deliver(res, entry, early);
      if (decision.fault === "reset") return this.drop(req, entry);
      if (decision.fault === "late-commit") {
        await this.sleep(decision.delayMs);
        if (this.stopped) return this.drop(req, entry);
      }

      const reply = this.safeRoute(method, url, req, body);
      if (decision.fault === "reset-after-commit") return this.drop(req, entry);
      if (decision.fault === "slow") {
        await this.sleep(decision.delayMs);
        if (this.stopped) return this.drop(req, entry);
      }
      this.deliver(res, entry, reply);
    } catch (e) {
      // A bug in the sandbox must not look like a network fault to the client.
      console.error("sandbox: unhandled error", e);
      if (!res.headersSent) this.deliver(res, entry, problemReply(500, "An error occurred while processing your request."));
    }
  }

  private safeRoute(method: string, url: URL, req: IncomingMessage, body: Buffer): Reply {
    const token = TOKEN_PATH.exec(url.pathname);
    if (token) return this.tokens.issue({ method, tenantInPath: token[1]!, contentType: req.headers["content-type"], body });
    const match = matchRoute(this.routes, method, url.pathname);
    switch (match.kind) {
      case "unknown":
        return spaIndexReply();
      case "wrong-method":
        return methodNotAllowedReply(match.allowed);
      case "handler": {
        const denied = this.tokens.authenticate(req.headers.authorization);
        if (denied) return denied;
        const acceptEnumNames = this.options.acceptEnumNames ?? false;
        return match.handler({ method, params: match.params, query: url.searchParams, body, contentType: req.headers["content-type"], acceptEnumNames });
      }
    }
  }

  private deliver(res: ServerResponse, entry: RequestLogEntry, reply: Reply): void {
    if (res.destroyed || res.writableEnded) return this.finish(entry);
    // Kestrel dates every answer; from the sandbox's clock, so it agrees with the createdDateUTC it hands out.
    res.sendDate = false;
    const date = (this.options.now ?? (() => new Date()))().toUTCString();
    res.writeHead(reply.status, { date, ...reply.headers, "content-length": String(Buffer.byteLength(reply.body)) });
    res.end(reply.body);
    entry.status = reply.status;
    this.finish(entry);
  }

  /** Ends the connection with a TCP reset and no answer, as a crashed server or a broken network would. */
  private drop(req: IncomingMessage, entry: RequestLogEntry): void {
    req.socket.resetAndDestroy();
    this.finish(entry);
  }

  private finish(entry: RequestLogEntry): void {
    this.releases.get(entry)?.();
    this.options.onRequest?.({ ...entry });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

/** The answer for a fault that stops the request before it is handled, or undefined for the other kinds. */
function faultReply(decision: FaultDecision): Reply | undefined {
  switch (decision.fault) {
    case "429":
      return emptyReply(429, { "retry-after": String(decision.retryAfterSeconds) });
    case "500":
      return problemReply(500, "An error occurred while processing your request.");
    case "502":
    case "503":
    case "504":
      return gatewayPage(Number(decision.fault));
    default:
      return undefined;
  }
}

const GATEWAY_TITLES: Record<number, string> = { 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };

/** What a reverse proxy in front of the app sends: HTML, not JSON, so clients must not parse error bodies blindly. */
function gatewayPage(status: number): Reply {
  const title = `${status} ${GATEWAY_TITLES[status]}`;
  return { status, headers: { "content-type": "text/html" }, body: `<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>\n` };
}

/** Out-of-band edits obey the same binding and rules as the API, so tests cannot create states the API forbids. */
function validFields(fields: Partial<Record<keyof ScheduleFields, unknown>>): ScheduleFields {
  const bound = bindScheduleRequest(fields, "CreateScheduleRequest", LENIENT);
  if (!bound.ok) throw new SandboxValidationError(bound.errors);
  const problems = scheduleProblems(bound.fields);
  if (Object.keys(problems).length > 0) throw new SandboxValidationError(problems);
  return bound.fields;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
