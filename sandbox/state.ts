/**
 * Everything the sandbox remembers, in memory or in one JSON file. With a file, every committed change is
 * written before the reply leaves (temp file + rename, so a crash never leaves half a file), and a restarted
 * sandbox carries on with the same ids, schedules, credentials and unexpired tokens.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { ScheduleFields } from "./schedule-model";

export interface Credentials {
  azureTenantId: string;
  clientId: string;
  clientSecret: string;
}

/** A schedule as stored: the request's fields plus what the server owns. Display fields are derived on read. */
export interface StoredSchedule extends ScheduleFields {
  id: number;
  createdDateUTC: string;
  updatedDateUTC: string;
  createdBy: number | null;
  updatedBy: number | null;
  updatedByName: string | null;
}

export interface SandboxState {
  version: 1;
  credentials: Credentials;
  /** The id the next created schedule gets; never reused, like a database identity column. */
  nextScheduleId: number;
  schedules: StoredSchedule[];
  /** Issued access token -> expiry (ms since epoch). */
  tokens: Record<string, number>;
}

export class StateFileError extends Error {}

export class StateStore {
  private constructor(
    readonly state: SandboxState,
    private readonly file: string | undefined,
  ) {}

  /**
   * Loads `file` (creating it when missing) or starts empty in memory. Credentials given here win over stored
   * ones; missing ones come from the file, else are generated, so a restart accepts the same secret.
   */
  static open(file: string | undefined, given: Partial<Credentials>): StateStore {
    const loaded = file !== undefined && existsSync(file) ? readStateFile(file) : undefined;
    const state: SandboxState = loaded ?? emptyState();
    state.credentials = {
      azureTenantId: given.azureTenantId ?? (loaded?.credentials.azureTenantId || randomUUID()),
      clientId: given.clientId ?? (loaded?.credentials.clientId || randomUUID()),
      clientSecret: given.clientSecret ?? (loaded?.credentials.clientSecret || newClientSecret()),
    };
    const store = new StateStore(state, file);
    store.commit();
    return store;
  }

  /** Persists the current state; a no-op in memory. Called after every change a client could observe. */
  commit(): void {
    if (this.file === undefined) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    writeFileSync(temp, JSON.stringify(this.state, null, 2) + "\n");
    renameSync(temp, this.file);
  }

  /** A deep copy, so callers cannot change the state behind the server's back. */
  snapshot(): SandboxState {
    return structuredClone(this.state);
  }
}

function emptyState(): SandboxState {
  return {
    version: 1,
    credentials: { azureTenantId: "", clientId: "", clientSecret: "" },
    nextScheduleId: 1,
    schedules: [],
    tokens: {},
  };
}

/** Entra client secrets are ~40 URL-safe characters; the shape does not matter, only that it is hard to guess. */
function newClientSecret(): string {
  return randomBytes(30).toString("base64url");
}

/** Refuses a file it cannot read back rather than overwriting someone's data with an empty state. */
function readStateFile(file: string): SandboxState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new StateFileError(`state file ${file} is not valid JSON (${(e as Error).message}); fix or delete it`);
  }
  const s = parsed as Partial<SandboxState>;
  if (s === null || typeof s !== "object" || s.version !== 1 || !Array.isArray(s.schedules) || typeof s.nextScheduleId !== "number") {
    throw new StateFileError(`state file ${file} is not a sandbox state (version 1); fix or delete it`);
  }
  return {
    version: 1,
    credentials: { azureTenantId: "", clientId: "", clientSecret: "", ...s.credentials },
    nextScheduleId: s.nextScheduleId,
    schedules: s.schedules,
    tokens: s.tokens ?? {},
  };
}
