/**
 * The maintenance-session store: starting sessions from a bound and validated RunImmyServiceRequestBody (one per
 * target) or for a schedule (schedule-runs.ts), reading them at the clock's current moment, cancelling, the `/dx` rows, and bringing computers online.
 * What a session is doing is never stored: session-timeline.ts computes it from the stored moments on every read.
 *
 * Visibility: `run-immy-service` answers with the new ids, so its sessions are visible at once;
 * `run-immy-service-new` answers 202 and ImmyBot creates the sessions in a background job, so here they exist at
 * once but stay hidden (404, not in /dx, not cancellable) for `enqueueDelayMs` on the sandbox's clock. Clients
 * must discover them by polling /dx, as against the real API. A schedule's sessions come from a background job too.
 *
 * Connectivity is checked when a session is created: a computer that is offline then waits (ApplyOnConnect) or
 * fails (Skip); a computer going offline later does not touch sessions under way. Tenants and persons have no
 * agent and always start at once.
 */
import { randomUUID } from "node:crypto";
import { Collection } from "./collection";
import { nextOccurrence } from "./next-occurrence";
import { plannedActions, type ItemRef, type PlannedAction, type SessionTarget } from "./full-maintenance";
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
import { logBlockSize, type StateStore, type StoredAction, type StoredSession } from "./state";
import { SCHEDULE_ENUMS, SESSION_ENUMS } from "./wire-enums";

export interface SessionServiceOptions {
  /** Phase durations are divided by this (> 0). */
  timeScale: number;
  /** How long run-immy-service-new's sessions stay hidden, in ms of the sandbox's clock (not scaled). */
  enqueueDelayMs: number;
  /**
   * How long a cancel takes to reach the session (ms of the sandbox's clock, default 0): ImmyBot answers the cancel
   * at once, and the session ends when its agent stops, running on until then.
   */
  cancelDelayMs?: number;
}

/** Which start route created the sessions. */
export type StartRoute = "run-immy-service" | "run-immy-service-new";

interface OpenOptions {
  /** Who started the sessions; null for a schedule that ran at its time. */
  actor: Actor | null;
  /** Made by a background job: hidden for the enqueue delay. */
  enqueued: boolean;
  /** The schedule that started them. */
  scheduleId?: number;
}

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

  /** How long a cancel takes to reach the session from now on (ms of the sandbox's clock). */
  setCancelDelay(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`the cancel delay must be a number >= 0, got ${ms}`);
    this.options.cancelDelayMs = ms;
  }

  /**
   * A run request: one session per distinct target of the (single) non-empty target list; all share one session
   * group id. Each runs the request's item, or with fullMaintenance and no item, every deployment that applies to
   * its target (full-maintenance.ts).
   */
  start(fields: RunFields, route: StartRoute, actor: Actor): StartedSession[] {
    const { computers, tenants, persons, sessionGroupId, ...rest } = fields;
    const args: SessionArgs = { ...structuredClone(rest), sessionGroupId: sessionGroupId ?? randomUUID() };
    const targets: SessionTarget[] = [
      ...distinct(computers).map((id) => ({ kind: "computer" as const, id })),
      ...distinct(tenants).map((id) => ({ kind: "tenant" as const, id })),
      ...distinct(persons).map((id) => ({ kind: "person" as const, id })),
    ];
    const item = args.maintenanceParams;
    const requested: PlannedAction[] = item ? [{ assignmentId: args.deploymentId, assignmentType: args.deploymentType, params: item, plan: planFor(item, this.seed) }] : [];
    const actionsFor = (t: SessionTarget) => (item === null && args.fullMaintenance ? plannedActions(t, this.store.state.deployments, this.seed) : requested);
    return this.open(targets, args, actionsFor, { actor, enqueued: route === "run-immy-service-new" });
  }

  /**
   * A schedule's run: one session per target, each running the deployments that apply to it (only `item`'s, when
   * the schedule is limited to one), made by a background job. `actor` null: the schedule ran at its time.
   */
  startForSchedule(scheduleId: number, targets: readonly SessionTarget[], args: Omit<SessionArgs, "sessionGroupId">, item: ItemRef | undefined, actor: Actor | null): StartedSession[] {
    const actionsFor = (t: SessionTarget) => plannedActions(t, this.store.state.deployments, this.seed, item);
    return this.open(targets, { ...structuredClone(args), sessionGroupId: randomUUID() }, actionsFor, { actor, enqueued: true, scheduleId });
  }

  private open(targets: readonly SessionTarget[], args: SessionArgs, actionsFor: (t: SessionTarget) => PlannedAction[], o: OpenOptions): StartedSession[] {
    const state = this.store.state;
    const at = this.now().getTime();
    const visibleAt = o.enqueued ? at + this.options.enqueueDelayMs : at;
    const scheduled = args.updateTime === null ? null : nextOccurrence({ disabled: false, customCronExpression: null, time: args.updateTime, day: null, timeZoneInfoId: args.timeZoneInfoId }, at);
    const plan = planFor(args.maintenanceParams, this.seed);
    return targets.map((target) => {
      const t = this.targetDetails(target, args);
      const actions: StoredAction[] = actionsFor(target).map((a) => ({ id: state.nextActionId++, ...structuredClone(a) }));
      const logBase = state.nextLogId;
      state.nextLogId += logBlockSize(actions.length);
      const stored: StoredSession = {
        id: state.nextSessionId++,
        sessionType: t.sessionType,
        computerId: t.computerId,
        tenantId: t.tenantId,
        personId: t.personId,
        args: structuredClone(args),
        plan,
        actions,
        logBase,
        ...(o.scheduleId === undefined ? {} : { scheduleId: o.scheduleId }),
        outcome: t.outcome,
        timeScale: this.options.timeScale,
        createdDateUTC: new Date(at).toISOString(),
        visibleAt: new Date(visibleAt).toISOString(),
        offlineBehaviorApplied: t.offline,
        startedAt: t.offline === null ? new Date(at).toISOString() : null,
        scheduledExecutionDate: scheduled === null ? null : new Date(scheduled).toISOString(),
        cancelledAt: null,
        cancelledById: null,
        createdBy: o.actor?.name ?? null,
        createdById: o.actor?.userId ?? null,
      };
      this.rows.add(stored);
      return { sessionId: stored.id, computerId: target.kind === "computer" ? target.id : null, tenantId: target.kind === "tenant" ? target.id : null, personId: stored.personId };
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
    // A second cancel while the first is on its way changes nothing.
    if (!isTerminal(viewAt(s, now).status) && s.cancelledAt === null) {
      this.rows.change(id, { cancelledAt: new Date(now + (this.options.cancelDelayMs ?? 0)).toISOString(), cancelledById: actor.userId });
    }
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

  /** Where a session runs and how it goes: a computer's connectivity and seeded outcome; tenants and persons pass. */
  private targetDetails(target: SessionTarget, args: SessionArgs) {
    if (target.kind === "tenant") return { sessionType: TYPE.Cloud, computerId: null, tenantId: target.id, personId: null, offline: null, outcome: "Passed" as const };
    if (target.kind === "person") {
      return { sessionType: TYPE.Person, computerId: null, tenantId: this.seed.person(target.id)?.tenantId ?? null, personId: target.id, offline: null, outcome: "Passed" as const };
    }
    const computer = this.seed.computer(target.id)!;
    const offline = computer.online ? null : args.offlineBehavior === SKIP ? ("Skip" as const) : ("ApplyOnConnect" as const);
    return { sessionType: TYPE.Computer, computerId: target.id, tenantId: computer.tenantId, personId: null, offline, outcome: computer.maintenanceOutcome };
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
