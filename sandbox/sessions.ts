/**
 * The maintenance-session store: starting sessions from a bound and validated RunImmyServiceRequestBody (one per
 * target), reading them at the clock's current moment, cancelling, the `/dx` rows, and bringing computers online.
 * What a session is doing is never stored: session-timeline.ts computes it from the stored moments on every read.
 *
 * Visibility: `run-immy-service` answers with the new ids, so its sessions are visible at once;
 * `run-immy-service-new` answers 202 and ImmyBot creates the sessions in a background job, so here they exist at
 * once but stay hidden (404, not in /dx, not cancellable) for `enqueueDelayMs` on the sandbox's clock. Clients
 * must discover them by polling /dx, as against the real API.
 *
 * Connectivity is checked when a session is created: a computer that is offline then waits (ApplyOnConnect) or
 * fails (Skip); a computer going offline later does not touch sessions under way. Tenants and persons have no
 * agent and always start at once.
 */
import { randomUUID } from "node:crypto";
import { Collection } from "./collection";
import { nextOccurrence } from "./next-occurrence";
import type { Actor } from "./schedules";
import type { Seed } from "./seed";
import type { RunFields, SessionArgs, TargetEntry } from "./session-model";
import { planFor } from "./session-plan";
import {
  dxRow,
  logResponses,
  sessionResponse,
  type SessionDxRow,
  type SessionIncludes,
  type SessionLogResponse,
  type SessionResponse,
  type StartedSession,
} from "./session-responses";
import { isTerminal, viewAt } from "./session-timeline";
import type { StateStore, StoredSession } from "./state";
import { SCHEDULE_ENUMS, SESSION_ENUMS } from "./wire-enums";

export interface SessionServiceOptions {
  /** Phase durations are divided by this (> 0). */
  timeScale: number;
  /** How long run-immy-service-new's sessions stay hidden, in ms of the sandbox's clock (not scaled). */
  enqueueDelayMs: number;
}

/** Which start route created the sessions. */
export type StartRoute = "run-immy-service" | "run-immy-service-new";

const TYPE = SESSION_ENUMS.sessionType.values;
const SKIP = SCHEDULE_ENUMS.offlineBehavior.values.Skip;
const ALL: SessionIncludes = { actions: true, stages: true, activities: false };

export class SessionService {
  private readonly rows: Collection<StoredSession>;

  constructor(
    private readonly store: StateStore,
    private readonly seed: Seed,
    private readonly now: () => Date,
    private readonly options: SessionServiceOptions,
  ) {
    this.rows = new Collection(store, () => store.state.sessions);
  }

  /** How long run-immy-service-new's background job takes from now on (ms of the sandbox's clock). */
  setEnqueueDelay(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`the enqueue delay must be a number >= 0, got ${ms}`);
    this.options.enqueueDelayMs = ms;
  }

  /** One session per distinct target of the (single) non-empty target list; all share one session group id. */
  start(fields: RunFields, route: StartRoute, actor: Actor): StartedSession[] {
    const { computers, tenants, persons, sessionGroupId, ...rest } = fields;
    const args: SessionArgs = { ...structuredClone(rest), sessionGroupId: sessionGroupId ?? randomUUID() };
    const at = this.now().getTime();
    const visibleAt = route === "run-immy-service-new" ? at + this.options.enqueueDelayMs : at;
    const scheduled = args.updateTime === null ? null : nextOccurrence({ disabled: false, customCronExpression: null, time: args.updateTime, day: null, timeZoneInfoId: args.timeZoneInfoId }, at);
    const plan = planFor(args.maintenanceParams, this.seed);
    const targets = [
      ...distinct(computers).map((id) => this.computerTarget(id, args)),
      ...distinct(tenants).map((id) => ({ sessionType: TYPE.Cloud, computerId: null, tenantId: id, personId: null, offline: null, outcome: "Passed" as const })),
      ...distinct(persons).map((id) => ({ sessionType: TYPE.Person, computerId: null, tenantId: this.seed.person(id)?.tenantId ?? null, personId: id, offline: null, outcome: "Passed" as const })),
    ];
    return targets.map((t) => {
      const stored: StoredSession = {
        id: this.store.state.nextSessionId++,
        sessionType: t.sessionType,
        computerId: t.computerId,
        tenantId: t.tenantId,
        personId: t.personId,
        args: structuredClone(args),
        plan,
        outcome: t.outcome,
        timeScale: this.options.timeScale,
        createdDateUTC: new Date(at).toISOString(),
        visibleAt: new Date(visibleAt).toISOString(),
        offlineBehaviorApplied: t.offline,
        startedAt: t.offline === null ? new Date(at).toISOString() : null,
        scheduledExecutionDate: scheduled === null ? null : new Date(scheduled).toISOString(),
        cancelledAt: null,
        cancelledById: null,
        createdBy: actor.name,
        createdById: actor.userId,
      };
      this.rows.add(stored);
      const target = stored.sessionType === TYPE.Computer ? "computer" : stored.sessionType === TYPE.Cloud ? "tenant" : "person";
      return { sessionId: stored.id, computerId: target === "computer" ? stored.computerId : null, tenantId: target === "tenant" ? stored.tenantId : null, personId: stored.personId };
    });
  }

  /** GetMaintenanceSessionResponse of a visible session (`hidden` too: the out-of-band view). */
  get(id: number, include: SessionIncludes, hidden = false): SessionResponse | undefined {
    const s = hidden ? this.rows.find(id) : this.visible(id);
    return s && sessionResponse(s, viewAt(s, this.clock()), this.seed, include);
  }

  /** Every session, hidden ones included, with stages and actions, in id order. */
  all(): SessionResponse[] {
    const now = this.clock();
    return this.rows.all().map((s) => sessionResponse(s, viewAt(s, now), this.seed, ALL));
  }

  /** The log lines whose time has come, oldest first; undefined when there is no visible session. */
  logs(id: number): SessionLogResponse[] | undefined {
    const s = this.visible(id);
    return s && logResponses(s, viewAt(s, this.clock()));
  }

  /** The `/dx` rows of the visible sessions, in id order, narrowed by the route's own parameters. */
  dxRows(filter: { computerId?: number; tenantId?: number; personId?: number; sessionType?: number }): SessionDxRow[] {
    const now = this.clock();
    return this.rows
      .all()
      .filter(
        (s) =>
          Date.parse(s.visibleAt) <= now &&
          (filter.computerId === undefined || s.computerId === filter.computerId) &&
          (filter.tenantId === undefined || s.tenantId === filter.tenantId) &&
          (filter.personId === undefined || s.personId === filter.personId) &&
          (filter.sessionType === undefined || s.sessionType === filter.sessionType),
      )
      .map((s) => dxRow(s, viewAt(s, now), this.seed));
  }

  /**
   * Cancels a visible session that is still in progress; one that has ended is left as it is (still true: the
   * real route answers 200 for it too). False when there is no visible session with this id.
   */
  cancel(id: number, actor: Actor): boolean {
    const s = this.visible(id);
    if (!s) return false;
    const now = this.clock();
    if (!isTerminal(viewAt(s, now).status)) this.rows.change(id, { cancelledAt: new Date(now).toISOString(), cancelledById: actor.userId });
    return true;
  }

  /**
   * Connects or disconnects a computer's agent; connecting starts its sessions waiting for connectivity from now.
   * False when the seed has no such computer.
   */
  setComputerOnline(computerId: number, online: boolean): boolean {
    if (!this.seed.setOnline(computerId, online)) return false;
    this.store.state.computersOnline[String(computerId)] = online;
    if (online) {
      const at = new Date(this.clock()).toISOString();
      for (const s of this.rows.all()) {
        if (s.computerId === computerId && s.offlineBehaviorApplied === "ApplyOnConnect" && s.startedAt === null && s.cancelledAt === null) s.startedAt = at;
      }
    }
    this.store.commit();
    return true;
  }

  private computerTarget(id: number, args: SessionArgs) {
    const computer = this.seed.computer(id)!;
    const offline = computer.online ? null : args.offlineBehavior === SKIP ? ("Skip" as const) : ("ApplyOnConnect" as const);
    return { sessionType: TYPE.Computer, computerId: id, tenantId: computer.tenantId, personId: null, offline, outcome: computer.maintenanceOutcome };
  }

  private visible(id: number): StoredSession | undefined {
    const s = this.rows.find(id);
    return s && Date.parse(s.visibleAt) <= this.clock() ? s : undefined;
  }

  private clock(): number {
    return this.now().getTime();
  }
}

/** The ids of a target list, each once, in the order first given. */
function distinct(list: TargetEntry[] | null): number[] {
  return [...new Set((list ?? []).map((t) => t.id))];
}
