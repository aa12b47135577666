/**
 * What a sandbox is started with, what a client needs to connect, and the request log's entries.
 */
import type { FaultKind, FaultOptions } from "./faults";
import type { SeedData } from "./seed";

export interface SandboxOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /** Only loopback: "127.0.0.1" (default), "localhost" (bound as 127.0.0.1) or "::1". */
  host?: string;
  /** JSON file holding the state across restarts; created when missing. Default: memory only. */
  stateFile?: string;
  /**
   * The instance's data (tenants, computers, tags, software, maintenance tasks): a JSON file's path or the object
   * itself, replacing the built-in seed (`sandbox/default-seed.json`) as a whole. Checked at start (SeedError).
   */
  seed?: string | SeedData;
  /** Default: from the state file, else a random GUID. */
  clientId?: string;
  /** Default: from the state file, else random. */
  clientSecret?: string;
  /** Entra tenant id in the token URL. Default: from the state file, else a random GUID. */
  azureTenantId?: string;
  /** Lifetime of issued access tokens. Default 3599, as Entra issues. */
  tokenLifetimeSeconds?: number;
  faults?: FaultOptions;
  /**
   * The server's clock for audit dates, token expiry, nextOccurenceDate and the maintenance-session simulation.
   * Default: the real time. A test can move an injected clock to walk sessions through their course.
   */
  now?: () => Date;
  /**
   * How much faster maintenance sessions run than the unscaled 2 s queue, 10 s detection and 20 s execution
   * (10 = a 3.2 s session). A number > 0, default 1. The wait for an updateTime is never scaled.
   */
  sessionTimeScale?: number;
  /**
   * How long sessions started with `POST /run-immy-service-new` stay invisible (404, not in /dx), as the real
   * background job creates them a little later; ms on the sandbox's clock (`now`), not scaled. Default 500.
   */
  sessionEnqueueDelayMs?: number;
  /**
   * Bind enum fields of JSON request bodies given by name (any case, e.g. "force") as well as by integer. Default
   * false: integers only, as the OpenAPI spec types every enum, and a name is refused with ASP.NET's 400
   * (`errors["$.targetType"]`). The API notes (§1.7) report live instances that also took names (a
   * JsonStringEnumConverter); this option models those. Integers that are no member are refused either way.
   */
  acceptEnumNames?: boolean;
  /**
   * Keep the body text of every /api/ request in the request log (`RequestLogEntry.body`), for tests that check
   * what a client sent. Default false (bodies can hold parameter values such as passwords). Never the token
   * endpoint's body.
   */
  recordBodies?: boolean;
  /** Called once per request when its outcome is known (the CLI prints these with --verbose). */
  onRequest?: (entry: RequestLogEntry) => void;
}

/** What a client needs to connect; the CLI prints exactly this as its first line. */
export interface SandboxInfo {
  baseUrl: string;
  tokenUrl: string;
  azureTenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface RequestLogEntry {
  method: string;
  /** Path without the query, as sent. */
  path: string;
  query: Record<string, string>;
  /** The status the client received; null when it received none (a reset) or has not yet (a slow answer). */
  status: number | null;
  fault?: FaultKind;
  /** When the request arrived (ms since epoch, real time). */
  at: number;
  /** The request body as received (UTF-8 text; "" when empty), with `recordBodies` on an /api/ route only. */
  body?: string;
}
