/**
 * The course of a simulated maintenance session, computed from what is stored and the clock: no timers, so a
 * test can move an injected clock by hand and a restarted sandbox picks up where the clock is.
 *
 * Durations (divided by the session's time scale): queued in Created 2 s, Detection 10 s, Execution 20 s.
 *
 *   created ── [PendingConnectivity until the computer connects (ApplyOnConnect)] ── start
 *   start ── Created (queued) ── +2 s: Running, Detection stage Running
 *   +10 s: Detection Passed; the action is decided. detectionOnly: the session ends Passed here.
 *          With updateTime still ahead: Pending, Execution stage Pending, until scheduledExecutionDate (not scaled).
 *   execution start: Running, Execution stage Running, the action PerformingAction
 *   +20 s: the outcome: Passed / Failed / PartialPassed; NeverFinishes stays Running (a log line says it waits).
 *
 * An offline computer with Skip ends Failed after the queue time. A cancel while in progress makes the session
 * Cancelled at that moment: stages that were Running or Pending become Cancelled, a pending action's result
 * Cancelled. Stages that never run (onboarding, agent updates, resolution, inventory; execution in a
 * detection-only session) stay Created.
 *
 * A session with several actions (full maintenance, schedules) takes them through these phases together: each
 * has its own detection, execution and outcome line, and all end as the computer's outcome says.
 *
 * Log ids are the session's block (state.ts `logBase`) + a slot, unique and in time order: slots 1-5 before
 * detection ends, then per action (k = the number of actions, at least 1) the detection lines 6..5+k, the
 * detection-only line 6+k, the scheduled-execution line 7+k, the execution lines 8+k.., the outcome lines 8+2k..
 * and the cancel line 8+3k. With one action these are the slots 6 to 11 of older sandboxes.
 */
import type { MaintenanceOutcome } from "./seed";
import { storyLines } from "./session-plan";
import { logBaseOf, type StoredAction, type StoredSession } from "./state";
import { SESSION_ENUMS } from "./wire-enums";

const STATUS = SESSION_ENUMS.sessionStatus.values;
const LOG = SESSION_ENUMS.sessionLogType.values;
const ACTION_STATUS = SESSION_ENUMS.actionStatus.values;
const RESULT = SESSION_ENUMS.actionResult.values;

/** Unscaled durations of the phases, in ms. */
export const SESSION_DURATIONS_MS = { queue: 2_000, detection: 10_000, execution: 20_000 } as const;

/** The session's actions; a session of an older sandbox has at most one, the request's item, with the session's id. */
export function sessionActions(s: StoredSession): StoredAction[] {
  if (s.actions) return s.actions;
  const params = s.args.maintenanceParams;
  return params && s.plan.actionType !== null ? [{ id: s.id, assignmentId: s.args.deploymentId, assignmentType: s.args.deploymentType, params, plan: s.plan }] : [];
}

export type StageName = "detection" | "execution";

export interface LogLine {
  id: number;
  at: number;
  message: string;
  /** SessionLogType. */
  type: number;
  stage: StageName | null;
  /** The action the line is about, or null. */
  actionId: number | null;
}

export interface StageView {
  /** SessionStatus. */
  status: number;
  createdAt: number;
  updatedAt: number;
}

export interface ActionView {
  /** MaintenanceActionStatus. */
  status: number;
  /** MaintenanceActionResult. */
  result: number;
  startedAt: number;
  /** When it completed; null until then. */
  endedAt: number | null;
  updatedAt: number;
  /** Why it failed (Failed outcome), else null. */
  failureReason: string | null;
  /** The post-install test failed (PartialPassed). */
  postTestFailed: boolean;
}

/** The session as it stands at one moment. */
export interface SessionView {
  /** SessionStatus. */
  status: number;
  /** The last moment the session's or a stage's status changed. */
  updatedAt: number;
  stages: Partial<Record<StageName, StageView>>;
  /** The state of the session's actions (they move together) once detection decided them; never without actions. */
  action: ActionView | undefined;
  /** Lines whose time has come, oldest first. */
  logs: LogLine[];
}

type ActionChange = Pick<ActionView, "status" | "result"> & Partial<Pick<ActionView, "failureReason" | "postTestFailed">> & { ends?: boolean };

interface Step {
  at: number;
  status?: number;
  stages?: Partial<Record<StageName, number>>;
  action?: ActionChange;
  logs?: { slot: number; message: string; type?: number; stage?: StageName; actionId?: number }[];
}

const TERMINAL = new Set<number>([STATUS.Passed, STATUS.Failed, STATUS.Cancelled, STATUS.Postponed, STATUS.PartialPassed, STATUS.Missed]);

export function isTerminal(status: number): boolean {
  return TERMINAL.has(status);
}

const OUTCOME_STATUS: Record<Exclude<MaintenanceOutcome, "NeverFinishes">, number> = { Passed: STATUS.Passed, Failed: STATUS.Failed, PartialPassed: STATUS.PartialPassed };

/** One action's line at a moment, from its story. */
type ActionLine = (story: ReturnType<typeof storyLines>) => string;

/** Every step of the session's course that cancellation leaves, in time order (the last may lie in the future). */
function steps(s: StoredSession): Step[] {
  const scale = s.timeScale;
  const queue = SESSION_DURATIONS_MS.queue / scale;
  const detection = SESSION_DURATIONS_MS.detection / scale;
  const execution = SESSION_DURATIONS_MS.execution / scale;
  const created = Date.parse(s.createdDateUTC);
  const actions = sessionActions(s);
  const hasAction = actions.length > 0;
  const k = Math.max(1, actions.length);
  // Without an action the session's own story (full maintenance with nothing to do) takes the one action's slots.
  const stories = hasAction ? actions.map((a) => ({ story: storyLines(a.plan), actionId: a.id as number | undefined })) : [{ story: storyLines(s.plan), actionId: undefined }];
  const perAction = (first: number, line: ActionLine, extra: { stage?: StageName; type?: number } = {}) =>
    stories.map(({ story, actionId }, i) => ({ slot: first + i, message: line(story), ...extra, ...(actionId === undefined ? {} : { actionId }) }));

  const waits = s.offlineBehaviorApplied === "ApplyOnConnect";
  const out: Step[] = [
    {
      at: created,
      status: waits ? STATUS.PendingConnectivity : STATUS.Created,
      logs: [
        { slot: 1, message: "Session created" },
        ...(waits ? [{ slot: 2, message: "Computer is offline; waiting for it to connect (offline behavior: ApplyOnConnect)" }] : []),
      ],
    },
  ];
  if (s.offlineBehaviorApplied === "Skip") {
    out.push({ at: created + queue, status: STATUS.Failed, logs: [{ slot: 3, message: "Computer is offline; skipped (offline behavior: Skip)", type: LOG.Error }] });
    return out;
  }
  if (s.startedAt === null) return out; // still waiting for the computer
  const start = Date.parse(s.startedAt);
  if (waits) out.push({ at: start, status: STATUS.Created, logs: [{ slot: 4, message: "Computer connected; the session is queued" }] });

  const detectionStart = start + queue;
  out.push({ at: detectionStart, status: STATUS.Running, stages: { detection: STATUS.Running }, logs: [{ slot: 5, message: "Detection started", stage: "detection" }] });

  const detectionEnd = detectionStart + detection;
  const decided = hasAction ? { status: ACTION_STATUS.DeterminingAction, result: RESULT.Pending } : undefined;
  const detected: Step = { at: detectionEnd, stages: { detection: STATUS.Passed }, action: decided, logs: perAction(6, (story) => story.detected, { stage: "detection" }) };
  out.push(detected);
  if (s.args.detectionOnly) {
    detected.status = STATUS.Passed;
    if (hasAction) detected.action = { status: ACTION_STATUS.Skipped, result: RESULT.Pending, ends: true };
    detected.logs!.push({ slot: 6 + k, message: "Detection only: nothing was changed" });
    return out;
  }

  const scheduled = s.scheduledExecutionDate === null ? undefined : Date.parse(s.scheduledExecutionDate);
  const executionStart = scheduled !== undefined && scheduled > detectionEnd ? scheduled : detectionEnd;
  if (executionStart > detectionEnd) {
    detected.status = STATUS.Pending;
    detected.stages!.execution = STATUS.Pending;
    if (hasAction) detected.action = { status: ACTION_STATUS.PendingExecution, result: RESULT.Pending };
    const zone = s.args.timeZoneInfoId ?? "UTC";
    detected.logs!.push({ slot: 7 + k, message: `Execution scheduled for ${new Date(executionStart).toISOString()} (${s.args.updateTime} ${zone})`, stage: "execution" });
  }
  out.push({
    at: executionStart,
    status: STATUS.Running,
    stages: { execution: STATUS.Running },
    action: hasAction ? { status: ACTION_STATUS.PerformingAction, result: RESULT.Pending } : undefined,
    logs: perAction(8 + k, (story) => story.executing, { stage: "execution" }),
  });

  const executionEnd = executionStart + execution;
  const outcome = s.outcome;
  if (outcome === "NeverFinishes") {
    out.push({ at: executionEnd, logs: perAction(8 + 2 * k, (story) => story.outcome.NeverFinishes, { stage: "execution", type: LOG.Progress }) });
    return out;
  }
  const final = OUTCOME_STATUS[outcome];
  out.push({
    at: executionEnd,
    status: final,
    stages: { execution: final },
    action: hasAction
      ? {
          status: ACTION_STATUS.Complete,
          result: outcome === "Failed" ? RESULT.Failed : RESULT.Success,
          // Every action ends alike; the reason is the first action's (actions of one kind fail alike).
          failureReason: outcome === "Failed" ? stories[0]!.story.failureReason : null,
          postTestFailed: outcome === "PartialPassed",
          ends: true,
        }
      : undefined,
    logs: perAction(8 + 2 * k, (story) => story.outcome[outcome], { stage: "execution", type: outcome === "Failed" ? LOG.Error : LOG.Generic }),
  });
  return out;
}

/** The session at `now` (ms). */
export function viewAt(s: StoredSession, now: number): SessionView {
  const cancelledAt = s.cancelledAt === null ? undefined : Date.parse(s.cancelledAt);
  let course = steps(s);
  if (cancelledAt !== undefined) course = course.filter((step) => step.at <= cancelledAt);

  const view: SessionView = { status: STATUS.Created, updatedAt: Date.parse(s.createdDateUTC), stages: {}, action: undefined, logs: [] };
  const base = logBaseOf(s);
  for (const step of course) {
    if (step.at > now) break;
    apply(view, step, base);
  }
  if (cancelledAt !== undefined && cancelledAt <= now) apply(view, cancelStep(view, cancelledAt, 8 + 3 * Math.max(1, sessionActions(s).length)), base);
  return view;
}

function apply(view: SessionView, step: Step, logBase: number): void {
  let changed = false;
  if (step.status !== undefined && step.status !== view.status) {
    view.status = step.status;
    changed = true;
  }
  for (const [name, status] of Object.entries(step.stages ?? {}) as [StageName, number][]) {
    const stage = view.stages[name];
    if (stage && stage.status === status) continue;
    if (!stage) view.stages[name] = { status, createdAt: step.at, updatedAt: step.at };
    else Object.assign(stage, { status, updatedAt: step.at });
    changed = true;
  }
  if (step.action) {
    const { ends, ...change } = step.action;
    const action = (view.action ??= { status: change.status, result: change.result, startedAt: step.at, endedAt: null, updatedAt: step.at, failureReason: null, postTestFailed: false });
    Object.assign(action, change, { updatedAt: step.at });
    if (ends) action.endedAt = step.at;
  }
  if (changed) view.updatedAt = step.at;
  for (const line of step.logs ?? []) {
    view.logs.push({
      id: logBase + line.slot,
      at: step.at,
      message: line.message,
      type: line.type ?? LOG.Generic,
      stage: line.stage ?? null,
      actionId: line.actionId ?? null,
    });
  }
}

/** Cancelled at `at`: stages in progress and a pending action are cancelled with it. */
function cancelStep(view: SessionView, at: number, slot: number): Step {
  const stages: Partial<Record<StageName, number>> = {};
  for (const [name, stage] of Object.entries(view.stages) as [StageName, StageView][]) {
    if (stage.status === STATUS.Running || stage.status === STATUS.Pending) stages[name] = STATUS.Cancelled;
  }
  const action: ActionChange | undefined = view.action && view.action.endedAt === null ? { status: ACTION_STATUS.Complete, result: RESULT.Cancelled, ends: true } : undefined;
  return { at, status: STATUS.Cancelled, stages, action, logs: [{ slot, message: "Session cancelled" }] };
}
