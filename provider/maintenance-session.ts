/**
 * MaintenanceSession: a maintenance run bound to a deployment, or a full maintenance (every deployment that applies,
 * as the UI's Run Maintenance), started by `pulumi up` and followed to its result (ImmyBot
 * `POST /api/v1/run-immy-service-new`, `/api/v1/maintenance-sessions/...`).
 *
 * A run, not a long-lived object, modelled like pulumi-command's Command:
 * - create starts one run (a fresh session group id; one session per target) and, per `waitFor`, waits for it;
 *   nothing runs during preview (the engine never calls create then);
 * - every argument, `triggers` included, replaces: a change means a new run. Outputs never cause one;
 * - a failed run or a timeout fails the step but keeps the session ids in the state (partial failure). The next
 *   `pulumi up` with unchanged arguments then waits for those sessions again (the engine "continues awaiting
 *   initialization" through update) instead of starting a duplicate run;
 * - read refreshes the statuses; when ImmyBot has none of the sessions any more, the resource is gone;
 * - delete cancels the sessions still in progress and leaves finished ones alone (`retainOnDelete` keeps them
 *   running).
 *
 * Arguments and outputs: `maintenance-session-args.ts`; wire mapping: `maintenance-session-wire.ts`; the routes,
 * waiting and discovery: `session-runs.ts`. This file is the lifecycle.
 */
import { randomUUID } from "node:crypto";
import { decodeRunDeployment, type RunDeployment } from "./deployment-wire";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ImmyBotClient } from "./client";
import { checkedValue, diffWith, parseInputs, pick, checkWith } from "./check";
import { client, settings } from "./context";
import { LifecycleError } from "./errors";
import { keepInState, readOrGone } from "./lifecycle";
import { secretStrings, withoutSecrets } from "./secrets";
import { MaintenanceType, TargetCategory, type MaintenanceTypeName } from "./models/enums";
import type { Lifecycle } from "./rest-resource";
import { FULL_MAINTENANCE_TARGETS, durationMs, givenTargets, model, outputKeys, type MaintenanceSessionInputs, type MaintenanceSessionOutputs, type SessionResult } from "./maintenance-session-args";
import { runFailure, runOutputs, sessionFromWire, targetPreviewRequest, toWire } from "./maintenance-session-wire";
import {
  START_PATH,
  cancelRunning,
  discoverSessions,
  lastLogLine,
  parseStartAnswer,
  readSession,
  readSessions,
  statusOf,
  targetKey,
  targetOfSession,
  timing,
  waitForSessions,
  type RunTarget,
  type Wire,
} from "./session-runs";
import { describeFailure, sendAtMostOnce } from "./write-once";

const KIND = "MaintenanceSession";

export * from "./maintenance-session-args";
export * from "./maintenance-session-wire";

const DEPLOYMENTS = "/api/v1/target-assignments";
/** Server clocks drift: a session of this run may carry a creation time somewhat before our start. */
export const CLOCK_SKEW_MS = 5 * 60_000;

const checked = (inputs: Record<string, unknown>): MaintenanceSessionInputs => checkedValue(model, inputs);

/** The deployment the run enforces; a clear error when it does not exist, or its answer is not one. */
export async function readDeployment(api: ImmyBotClient, id: string): Promise<RunDeployment> {
  const path = `${DEPLOYMENTS}/${id}`;
  const found = await readOrGone(() => api.get<unknown>(path));
  if (!found) {
    throw new LifecycleError("IMMYBOT_DEPLOYMENT_MISSING", `deploymentId: ImmyBot has no deployment ${id}. Check the id, or pass the Deployment resource so the run follows it.`);
  }
  return decodeRunDeployment(found, { method: "GET", path });
}

/** Explicit targets, or every computer the deployment's target reaches (ImmyBot's target preview). */
async function resolveTargets(api: ImmyBotClient, v: MaintenanceSessionInputs, deployment: RunDeployment): Promise<RunTarget[]> {
  const given = givenTargets(v);
  if (given) return given;
  const ids = (await deploymentComputers(api, v.deploymentId as string, deployment)).map((c) => c.id);
  if (ids.length === 0) {
    throw new LifecycleError(
      "IMMYBOT_RUN_NO_TARGETS",
      `computers: deployment ${v.deploymentId} targets no computer at the moment, so there is nothing to run; check its target, or give computers explicitly`,
    );
  }
  return ids.map((id) => ({ kind: "computer", id }));
}

/** A full maintenance runs on the targets given; check already refuses one without. */
function fullMaintenanceTargets(v: MaintenanceSessionInputs): RunTarget[] {
  const given = givenTargets(v);
  if (!given) throw new LifecycleError("IMMYBOT_RUN_NO_TARGETS", `computers: ${FULL_MAINTENANCE_TARGETS}`);
  return given;
}

/** A computer ImmyBot's target preview found, with its name when the answer gives one. */
export interface TargetedComputer {
  id: number;
  name: string | null;
}

/**
 * The computers the deployment's target reaches now, in id order (ImmyBot's target preview: a POST that changes
 * nothing). A deployment for tenants or people is an error: its run needs `tenants` or `persons`.
 */
export async function deploymentComputers(api: ImmyBotClient, deploymentId: string, deployment: RunDeployment): Promise<TargetedComputer[]> {
  const category = TargetCategory.fromWire(deployment.targetCategory);
  if (category !== "Computer") {
    throw new LifecycleError(
      "IMMYBOT_RUN_NO_TARGETS",
      `computers: deployment ${deploymentId} targets ${category === "Tenant" ? "tenants" : "people"}, not computers; give tenants or persons explicitly`,
    );
  }
  return previewComputers(api, targetPreviewRequest(deployment));
}

/** The computers a target preview (`CalculateTargetsRequest`, a POST that changes nothing) finds, in id order. */
export async function previewComputers(api: ImmyBotClient, request: Wire): Promise<TargetedComputer[]> {
  const preview = await api.post<Wire[]>(`${DEPLOYMENTS}/target-preview`, request);
  const byId = new Map<number, string | null>();
  for (const c of preview ?? []) if (typeof c.id === "number" && !byId.has(c.id)) byId.set(c.id, typeof c.cn === "string" && c.cn.trim() !== "" ? c.cn : null);
  return [...byId].sort(([a], [b]) => a - b).map(([id, name]) => ({ id, name }));
}

/** Progress lines go to the host's output, which the Pulumi CLI shows while the step runs. */
const report = (line: string): void => console.log(line);

interface RunState {
  sessionGroupId: string;
  startedAt: string;
  /** The deployment's item; null for a full maintenance. */
  maintenanceType: MaintenanceTypeName | null;
  maintenanceIdentifier: string | null;
  targets: readonly RunTarget[];
  /** Session ids ImmyBot reported as already in progress (not started by this run: never cancelled by delete). */
  notOurs: ReadonlySet<number>;
}

/** Sessions -> outputs, fetching the last log line of each session that did not pass. */
async function describe(api: ImmyBotClient, v: MaintenanceSessionInputs, run: RunState, sessions: readonly Wire[]): Promise<MaintenanceSessionOutputs> {
  const results = await Promise.all(
    [...sessions]
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map(async (w) => sessionFromWire(w, statusOf(w) === "Passed" ? null : await lastLogLine(api, Number(w.id)), !run.notOurs.has(Number(w.id)))),
  );
  return runOutputs(v, run, results);
}

/** Waits per the arguments, then returns the outputs or throws a partial failure that keeps the run in state. */
async function follow(api: ImmyBotClient, v: MaintenanceSessionInputs, run: RunState, initial: readonly Wire[], deadline: number, inputs: Record<string, unknown>) {
  let latest: readonly Wire[] = initial;
  try {
    const waited = await waitForSessions(api, initial, v.waitFor, deadline, report);
    latest = waited.sessions;
    if (latest.length === 0) throw new LifecycleError("IMMYBOT_RUN_VANISHED", `ImmyBot no longer has any session of run ${run.sessionGroupId} (they vanished while waiting).`);
    const outs = await describe(api, v, run, latest);
    const problem = runFailure(v, outs, waited.timedOut);
    if (problem) throw keepInState(problem, run.sessionGroupId, outs, inputs);
    return outs;
  } catch (e) {
    if (e instanceof Error && "properties" in e) throw e;
    throw keepInState(e, run.sessionGroupId, runOutputs(v, run, latest.map((w) => sessionFromWire(w, null, !run.notOurs.has(Number(w.id))))), inputs);
  }
}

function describeTarget(t: RunTarget): string {
  return `${t.kind} ${t.id}`;
}

/** Starts the run and waits for it (create); `secrets` receives the values no error may quote. */
async function createRun(inputs: Record<string, unknown>, secrets: string[], sessionGroupId: string): Promise<dynamic.CreateResult> {
  const v = checked(inputs);
  const api = client();
  const s = settings();
  const started = timing.now();
  const deadline = started + (durationMs(v.timeout) as number);
  // A full maintenance has no deployment: ImmyBot picks the deployments per target, on the targets given.
  const deployment = v.fullMaintenance ? undefined : await readDeployment(api, v.deploymentId as string);
  // The deployment's parameter values (passwords) go to ImmyBot with the start: no message may quote them.
  if (deployment) secrets.push(...secretStrings({ parameters: deployment.taskParameterValues }, ["parameters"]));
  const targets = deployment ? await resolveTargets(api, v, deployment) : fullMaintenanceTargets(v);
  const body = toWire(v, deployment, targets, sessionGroupId);

  // Sent again only when ImmyBot provably did not take it (a 429, after its Retry-After; a connection never made):
  // a second start would run maintenance twice on the same computers.
  const sent = await sendAtMostOnce(() => api.post(START_PATH, body), {
    attempts: s.maxRetries + 1,
    minDelayMs: s.retryMinDelayMs,
    maxDelayMs: s.retryMaxDelayMs,
    clock: timing,
  });
  const answer = sent.answered ? parseStartAnswer(sent.value) : undefined;
  const run: RunState = {
    sessionGroupId,
    startedAt: new Date(started).toISOString(),
    maintenanceType: deployment ? MaintenanceType.fromWire(deployment.maintenanceType) : null,
    maintenanceIdentifier: deployment ? String(deployment.maintenanceIdentifier) : null,
    targets,
    notOurs: new Set(answer?.alreadyInProgress ?? []),
  };
  // From here on the run may exist: every failure keeps its group id in state, so the next `pulumi up` looks for
  // this run again and never starts a second one.
  const sessions = answer
    ? await collectSessions(api, v, run, { named: [...answer.started, ...answer.alreadyInProgress], complete: true, readUntil: deadline, deadline }, inputs)
    : await collectSessions(api, v, run, { named: [], readUntil: deadline, deadline, ...(sent.answered ? {} : { unclear: sent.error }) }, inputs);
  const outs = await follow(api, v, run, sessions, deadline, inputs);
  return { id: sessionGroupId, outs };
}

interface Collect {
  /** Sessions of the run already read (those the state records). */
  have?: readonly Wire[];
  /** Session ids the start's answer named; the targets of neither are looked for. */
  named: readonly number[];
  /** The named sessions are all the run has (the older start route's answer): nothing is looked for. */
  complete?: boolean;
  /** How long a named session may take to become readable. */
  readUntil: number;
  /** How long to look, by the run's group id, for the sessions of targets that have none yet. */
  deadline: number;
  /** The start's ambiguous failure, when it had one. */
  unclear?: unknown;
}

/**
 * The run's sessions: the named ones, and for each target without one, the session found by the run's group id
 * before the deadline. A target still without a session fails the step as a partial failure that keeps the run
 * (its group id, its targets and the sessions found) in the state.
 */
async function collectSessions(api: ImmyBotClient, v: MaintenanceSessionInputs, run: RunState, c: Collect, inputs: Record<string, unknown>): Promise<Wire[]> {
  let sessions: Wire[] = [];
  try {
    sessions = [...(c.have ?? []), ...(c.named.length > 0 ? await readSessions(api, c.named, c.readUntil) : [])];
    const covered = () => new Set(sessions.map(targetOfSession).filter((t) => t !== undefined).map(targetKey));
    const rest = run.targets.filter((t) => !covered().has(targetKey(t)));
    if (rest.length > 0 && !c.complete) {
      const since = Date.parse(run.startedAt) - CLOCK_SKEW_MS;
      sessions = [...sessions, ...(await discoverSessions(api, run.sessionGroupId, rest, since, c.deadline)).values()];
    }
    const missing = run.targets.filter((t) => !covered().has(targetKey(t)));
    if (sessions.length === 0) throw new LifecycleError("IMMYBOT_RUN_UNCONFIRMED", unconfirmedMessage(v, run, c.unclear));
    if (missing.length > 0 && !c.complete) {
      throw new LifecycleError(
        "IMMYBOT_RUN_INCOMPLETE",
        `ImmyBot started no session of maintenance run ${run.sessionGroupId} for ${missing.map(describeTarget).join(", ")} within ${v.timeout}. ` +
          `The ${sessions.length} session(s) found are kept in the state, with the run's group id: the next \`pulumi up\` looks for the others again and starts no second run.`,
      );
    }
  } catch (e) {
    throw keepInState(e, run.sessionGroupId, runOutputs(v, run, sessions.map((w) => sessionFromWire(w, null, !run.notOurs.has(Number(w.id))))), inputs);
  }
  return sessions;
}

function unconfirmedMessage(v: MaintenanceSessionInputs, run: RunState, unclear: unknown): string {
  const what =
    unclear === undefined
      ? `None of the sessions of maintenance run ${run.sessionGroupId} has appeared in ImmyBot within ${v.timeout} (ImmyBot starts them in a background job).`
      : `The start of maintenance run ${run.sessionGroupId} got no clear answer (${describeFailure(unclear)}), so ImmyBot may still start it; it was not sent ` +
        `again, as a second start would run maintenance twice on the same computers. None of its sessions appeared within ${v.timeout}.`;
  return (
    `${what} The run's session group id is kept in the state: the next \`pulumi up\` looks for its sessions again and never starts a second run on its own. ` +
    `Only if you are sure ImmyBot has no session of group ${run.sessionGroupId}, change \`triggers\` to start a new run.`
  );
}

/**
 * create's run under a group id the caller chose: a rollout's batch, whose id is derived from the rollout's, so an
 * interrupted rollout can find it again (`rollout-resume.ts`).
 */
export async function startRun(inputs: Record<string, unknown>, sessionGroupId: string): Promise<dynamic.CreateResult> {
  const secrets: string[] = [];
  try {
    return await createRun(inputs, secrets, sessionGroupId);
  } catch (e) {
    throw withoutSecrets(e, secrets);
  }
}

export const lifecycle: Lifecycle = {
  async check(_olds, news) {
    return checkWith(model, news);
  },

  async diff(_id, olds, news) {
    return diffWith(model, olds, news);
  },

  async create(inputs): Promise<dynamic.CreateResult> {
    return startRun(inputs, randomUUID());
  },

  async read(id, props) {
    const api = client();
    const run = runStateOf(id, props);
    const ids = recordedIds(props);
    let sessions: Wire[] = (await Promise.all(ids.map((sid) => readSession(api, sid)))).filter((w) => w !== undefined);
    const inputs = pick(props, Object.keys(model.fields));
    if (ids.length === 0) {
      // The start was never confirmed: one look by group id. The run stays in the state either way: it may still
      // start, and dropping it would let the next `up` start a second run.
      sessions = [...(await discoverSessions(api, id, run.targets, Date.parse(run.startedAt) - CLOCK_SKEW_MS, timing.now())).values()];
      if (sessions.length === 0) return { id, props: pick(props, outputKeys), inputs };
    } else if (sessions.length === 0) {
      return { id: "" };
    }
    const parsed = parseInputs(model, inputs);
    const v = parsed.value ?? (inputs as MaintenanceSessionInputs);
    const outs = await describe(api, v, run, sessions);
    return { id, props: outs, inputs: parsed.failures.length === 0 ? parsed.inputs : inputs };
  },

  /**
   * Reached only with unchanged arguments (every change replaces): the engine retries a run whose create or
   * update failed. Wait for the recorded sessions again, and look for those of targets that had none; start nothing.
   */
  async update(id, olds, news) {
    const v = checked(news);
    const api = client();
    const ids = recordedIds(olds);
    const run = runStateOf(id, olds);
    const deadline = timing.now() + (durationMs(v.timeout) as number);
    const have = (await Promise.all(ids.map((sid) => readSession(api, sid)))).filter((w) => w !== undefined);
    if (ids.length > 0 && have.length === 0) {
      throw new LifecycleError(
        "IMMYBOT_RUN_VANISHED",
        `${KIND} ${id}: ImmyBot no longer has any of its sessions (${ids.join(", ")}). Run \`pulumi refresh\` to drop it, or change \`triggers\` to start a new run.`,
      );
    }
    const sessions = await collectSessions(api, v, run, { have, named: [], readUntil: deadline, deadline }, news);
    const outs = await follow(api, v, run, sessions, deadline, news);
    return { outs };
  },

  /** Cancels this run's sessions that are still in progress; finished and vanished ones are left alone. */
  async delete(id, props) {
    const api = client();
    const sessions = Array.isArray(props.sessions) ? (props.sessions as Partial<SessionResult>[]) : [];
    const ours = sessions.filter((s) => s.startedByThisRun !== false && typeof s.id === "number").map((s) => s.id as number);
    // State without per-session detail (written by an older version) only has the ids: cancel those.
    let ids = sessions.length > 0 ? ours : recordedIds(props);
    if (recordedIds(props).length === 0) {
      // A run whose start was never confirmed may have started since: its sessions are cancelled too.
      const run = runStateOf(id, props);
      const found = await discoverSessions(api, id, run.targets, Date.parse(run.startedAt) - CLOCK_SKEW_MS, timing.now());
      ids = [...found.values()].map((w) => Number(w.id));
    }
    if (ids.length > 0) await cancelRunning(api, ids);
  },
};

/** The session ids a state holds. */
function recordedIds(props: Record<string, unknown>): number[] {
  return Array.isArray(props.sessionIds) ? (props.sessionIds as unknown[]).filter((x): x is number => typeof x === "number") : [];
}

function runStateOf(id: string, props: Record<string, unknown>): RunState {
  const sessions = Array.isArray(props.sessions) ? (props.sessions as Partial<SessionResult>[]) : [];
  return {
    sessionGroupId: typeof props.sessionGroupId === "string" ? props.sessionGroupId : id,
    startedAt: typeof props.startedAt === "string" ? props.startedAt : new Date(timing.now()).toISOString(),
    // Null for a full maintenance, which enforces no single item.
    maintenanceType: props.maintenanceType == null ? null : MaintenanceType.fromWire(props.maintenanceType),
    maintenanceIdentifier: props.maintenanceIdentifier == null ? null : String(props.maintenanceIdentifier),
    targets: recordedTargets(props, sessions),
    notOurs: new Set(sessions.filter((s) => s.startedByThisRun === false).map((s) => s.id as number)),
  };
}

/** The run's targets as the state holds them; state written before they were kept: its sessions' or its arguments'. */
function recordedTargets(props: Record<string, unknown>, sessions: readonly Partial<SessionResult>[]): RunTarget[] {
  const kinds = ["computer", "tenant", "person"] as const;
  if (Array.isArray(props.targets)) {
    return (props.targets as Partial<RunTarget>[]).filter((t): t is RunTarget => kinds.includes(t?.kind as RunTarget["kind"]) && typeof t?.id === "number");
  }
  const fromSessions = sessions.map((s) => targetOfSession(s as Wire)).filter((t): t is RunTarget => t !== undefined);
  if (fromSessions.length > 0) return fromSessions;
  const list = (key: "computers" | "tenants" | "persons", kind: RunTarget["kind"]) => (Array.isArray(props[key]) ? (props[key] as number[]).map((id) => ({ kind, id })) : []);
  return [...list("computers", "computer"), ...list("tenants", "tenant"), ...list("persons", "person")];
}

export const { check, diff, create, read, update } = lifecycle;
