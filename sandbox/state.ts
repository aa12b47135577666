/**
 * Everything the sandbox remembers, in memory or in one JSON file. With a file, every committed change is
 * written before the reply leaves (temp file + rename, so a crash never leaves half a file), and a restarted
 * sandbox carries on with the same ids, schedules, deployments, maintenance sessions, credentials and unexpired
 * tokens. The seed (tenants, computers, software, ...) is not state: it is read again at every start; only the
 * computers brought on- or offline with `Sandbox.setComputerOnline` are remembered here and applied to it.
 *
 * A session stores its inputs and the moments that decide its course (created, visible, started, scheduled,
 * cancelled); its status, stages, logs and action are computed from them and the clock on every read
 * (session-timeline.ts), so a restarted sandbox continues the simulation where the clock is.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { DeploymentFields } from "./deployment-model";
import type { ScheduleFields } from "./schedule-model";
import type { MaintenanceOutcome } from "./seed";
import type { MaintenanceParams, SessionArgs } from "./session-model";
import type { ItemPlan } from "./session-plan";

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

/** A deployment (local target assignment) as stored: the payload's fields plus what the server owns. */
export interface StoredDeployment extends DeploymentFields {
  id: number;
  createdDateUTC: string;
  updatedDateUTC: string;
  /** The user name of the last change. */
  updatedBy: string | null;
  /** Set only through POST /target-assignments/{id}/notes. */
  notes: string | null;
  notesUpdatedByUserName: string | null;
  notesUpdatedUtc: string | null;
  sortOrder: number;
}

/** One maintenance action of a session, decided when the session is created. */
export interface StoredAction {
  /** Unique among all sessions' actions. */
  id: number;
  /** The deployment it comes from (the action's assignmentId), or null. */
  assignmentId: number | null;
  /** DatabaseType of that deployment. */
  assignmentType: number;
  /** The item and its desired state. */
  params: MaintenanceParams;
  /** What detection finds and the action it decides (session-plan.ts). */
  plan: ItemPlan;
}

/** A maintenance session as stored. Times are ISO 8601 on the sandbox's clock. */
export interface StoredSession {
  id: number;
  /** SessionType: Cloud 1 (a tenant), Computer 2, Person 3. */
  sessionType: number;
  computerId: number | null;
  tenantId: number | null;
  personId: number | null;
  /** The request, minus the target lists (sessionJobArgs is built from it). */
  args: SessionArgs;
  /** What detection finds for the request's item (session-plan.ts); kind "none" without one. */
  plan: ItemPlan;
  /**
   * The session's actions: the request's item, or one per applicable deployment (full maintenance, schedules).
   * Absent in files of older sandboxes: then the request's item is the one action, with the session's id.
   */
  actions?: StoredAction[];
  /** Its log lines' ids are this + their slot. Absent in files of older sandboxes: (id - 1) * 16. */
  logBase?: number;
  /** The schedule that started it; absent or null for sessions started by a run request. */
  scheduleId?: number | null;
  /** How execution ends: the computer's seeded maintenanceOutcome; "Passed" for tenants and persons. */
  outcome: MaintenanceOutcome;
  /** The sandbox's sessionTimeScale when it was created (a restart with another scale does not bend it). */
  timeScale: number;
  createdDateUTC: string;
  /** Before this, the session is hidden (run-immy-service-new enqueues it in the background). */
  visibleAt: string;
  /** The computer was offline at creation: it waits for the agent (ApplyOnConnect) or fails (Skip); else null. */
  offlineBehaviorApplied: "ApplyOnConnect" | "Skip" | null;
  /** When the queue started: creation, or when a waiting computer came online; null while it waits. */
  startedAt: string | null;
  /** The next occurrence of updateTime after creation; null without updateTime. */
  scheduledExecutionDate: string | null;
  /** Set only when a cancel found it still in progress. */
  cancelledAt: string | null;
  cancelledById: number | null;
  /** Who started it: the user's name and id; null for a schedule that ran at its time. */
  createdBy: string | null;
  createdById: number | null;
}

export interface SandboxState {
  version: 1;
  credentials: Credentials;
  /** The id the next created schedule gets; never reused, like a database identity column. */
  nextScheduleId: number;
  schedules: StoredSchedule[];
  /** The id the next created deployment gets; never reused. (Absent from files of older sandboxes: then 1.) */
  nextDeploymentId: number;
  deployments: StoredDeployment[];
  /** The id the next created session gets; never reused. (Absent from files of older sandboxes: then 1.) */
  nextSessionId: number;
  sessions: StoredSession[];
  /** The id the next maintenance action gets; never reused. (Absent from older files: above every session id.) */
  nextActionId: number;
  /** The first id of the next session's block of log line ids. (Absent from older files: after the last block.) */
  nextLogId: number;
  /** Computer id -> agent connected, for computers changed with setComputerOnline (overrides the seed). */
  computersOnline: Record<string, boolean>;
  /** Issued access token -> expiry (ms since epoch). */
  tokens: Record<string, number>;
  /**
   * Tags and memberships once a client changed any (tags.ts): the whole tag list, the id the next created tag gets,
   * and each computer's and tenant's tag ids by entity id. Absent: the seed's hold.
   */
  tags?: StoredTags;
}

/** What the tag routes changed, kept over the seed. */
export interface StoredTags {
  nextTagId: number;
  tags: { id: number; name: string; description: string | null; color: string | null }[];
  computers: Record<string, number[]>;
  tenants: Record<string, number[]>;
}

export class StateFileError extends Error {}

/** The log ids a session of older files reserved: the block (id - 1) * 16. */
const LEGACY_LOG_BLOCK = 16;

/** A session's log ids are this + the line's slot. */
export const logBaseOf = (s: StoredSession): number => s.logBase ?? (s.id - 1) * LEGACY_LOG_BLOCK;

/**
 * How many log ids a session with `actions` actions reserves: 16, or more when it has more than two actions
 * (session-timeline.ts numbers its lines within the block).
 */
export function logBlockSize(actions: number): number {
  return Math.max(LEGACY_LOG_BLOCK, 9 + 3 * Math.max(1, actions));
}

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
    nextDeploymentId: 1,
    deployments: [],
    nextSessionId: 1,
    sessions: [],
    nextActionId: 1,
    nextLogId: 0,
    computersOnline: {},
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
  if ((s.deployments !== undefined && !Array.isArray(s.deployments)) || (s.nextDeploymentId !== undefined && typeof s.nextDeploymentId !== "number")) {
    throw new StateFileError(`state file ${file} has deployments that are not a list, or a nextDeploymentId that is not a number; fix or delete it`);
  }
  if ((s.sessions !== undefined && !Array.isArray(s.sessions)) || (s.nextSessionId !== undefined && typeof s.nextSessionId !== "number")) {
    throw new StateFileError(`state file ${file} has sessions that are not a list, or a nextSessionId that is not a number; fix or delete it`);
  }
  if (s.computersOnline !== undefined && (s.computersOnline === null || typeof s.computersOnline !== "object" || Array.isArray(s.computersOnline))) {
    throw new StateFileError(`state file ${file} has computersOnline that is not an object of computer id -> boolean; fix or delete it`);
  }
  const deployments = s.deployments ?? [];
  const sessions = s.sessions ?? [];
  return {
    version: 1,
    credentials: { azureTenantId: "", clientId: "", clientSecret: "", ...s.credentials },
    nextScheduleId: s.nextScheduleId,
    schedules: s.schedules,
    // Never below an id already used, even in a file edited by hand.
    nextDeploymentId: Math.max(s.nextDeploymentId ?? 1, ...deployments.map((d) => d.id + 1)),
    deployments,
    nextSessionId: Math.max(s.nextSessionId ?? 1, ...sessions.map((x) => x.id + 1)),
    sessions,
    // Sessions of older files use their own id as their action's id, and the block (id - 1) * 16 for log ids.
    nextActionId: Math.max(s.nextActionId ?? 1, ...sessions.map((x) => (x.actions ? Math.max(0, ...x.actions.map((a) => a.id)) : x.id) + 1)),
    nextLogId: Math.max(s.nextLogId ?? 0, ...sessions.map((x) => logBaseOf(x) + logBlockSize(x.actions?.length ?? 1))),
    computersOnline: s.computersOnline ?? {},
    tokens: s.tokens ?? {},
    ...(s.tags === undefined ? {} : { tags: s.tags }),
  };
}
