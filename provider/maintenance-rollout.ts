/**
 * MaintenanceRollout: a deployment, or a full maintenance, run ring by ring (canary, pilot, broad), each ring gated
 * by how many of its sessions failed, optionally with a soak before the next ring and in batches of at most
 * `maxConcurrent` computers.
 *
 * One dynamic resource, not a component: its state says which rings passed, so the next `pulumi up` after a failed
 * ring resumes from that ring and never repeats the rings that passed. Each batch of a ring is one MaintenanceSession
 * run (`maintenance-session.ts`'s lifecycle: start at most once, find the sessions by group id after an ambiguous
 * start, wait, keep unconfirmed runs, cancel), so every guarantee of a single run holds for each batch.
 *
 * - create resolves every ring's computers first (read only: target previews), then runs the rings in order; a
 *   ring's gate that fails, or a batch that cannot be judged (timeout, unconfirmed start), fails the step as a
 *   partial failure keeping every ring's record, and nothing further starts;
 * - update (the next `up`): unchanged `triggers` looks at the failed ring's recorded runs again (waits for them,
 *   starts nothing new for them) and, if the ring now passes, goes on; changed `triggers` cancels what still runs of
 *   the failed ring and starts it again (or, after a finished rollout, the whole rollout);
 * - delete cancels the sessions still in progress, batch by batch.
 *
 * Each batch's session group id is derived from the rollout's id, the ring's place and attempt and the batch's place
 * (`rollout-resume.ts`): create with `adoptId` resumes a rollout whose `up` was killed before the state recorded it,
 * and an update looks once for each batch before starting it (an update killed midway comes again with the same
 * state). Read needs the recorded rings: a refresh given only the id (`--import-pending-creates`) is not supported.
 */
import { randomUUID } from "node:crypto";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ImmyBotClient } from "./client";
import { checkedValue, checkWith, diffWith, jsonEqual, pick, plainJson } from "./check";
import { client } from "./context";
import { LifecycleError } from "./errors";
import { keepInState } from "./lifecycle";
import { deploymentComputers, failureStatuses, lifecycle as session, previewComputers, readDeployment, startRun, tagPreviewRequest, type SessionResult } from "./maintenance-session";
import { durationMs } from "./maintenance-session-args";
import {
  RUN_OPTION_KEYS,
  model,
  outputKeys,
  percentOf,
  type MaintenanceRolloutInputs,
  type MaintenanceRolloutOutputs,
  type RolloutBatch,
  type RolloutRing,
  type RolloutRingResult,
} from "./maintenance-rollout-args";
import type { Lifecycle } from "./rest-resource";
import { batchGroupId, resumeBatch, type Resume } from "./rollout-resume";
import { countByStatus, isTerminal, readSession, statusOf, timing, waitForSessions } from "./session-runs";

export * from "./maintenance-rollout-args";

const BATCH_KEYS = ["sessionGroupId", "startedAt", "finishedAt", "targets", "sessionIds", "sessions", "statusCounts", "result", "maintenanceType", "maintenanceIdentifier"] as const;

const report = (line: string): void => console.log(line);
const now = () => new Date(timing.now()).toISOString();

/** The MaintenanceSession arguments of one batch: the rollout's options, the batch's computers, waiting until done. */
function batchArgs(v: MaintenanceRolloutInputs, computers: readonly number[], triggers: unknown): Record<string, unknown> {
  return { ...pick(v as Record<string, unknown>, RUN_OPTION_KEYS), ...(triggers == null ? {} : { triggers }), computers: [...computers], waitFor: "completed" };
}

/** Each ring's computers, resolved before anything starts; a computer runs in the first ring that has it. */
async function resolveRings(api: ImmyBotClient, v: MaintenanceRolloutInputs): Promise<number[][]> {
  const needsDeployment = v.rings.some((r) => r.fraction !== undefined);
  const all = needsDeployment ? (await deploymentComputers(api, v.deploymentId as string, await readDeployment(api, v.deploymentId as string))).map((c) => c.id) : [];
  const seen = new Set<number>();
  const out: number[][] = [];
  for (const ring of v.rings) {
    let ids: number[];
    if (ring.computers) ids = ring.computers;
    else if (ring.tag !== undefined) ids = (await previewComputers(api, tagPreviewRequest(ring.tag))).map((c) => c.id);
    else {
      // Cumulative: after this ring, ceil(fraction × all) of the deployment's computers have had their turn.
      const reached = all.filter((id) => seen.has(id)).length;
      ids = all.filter((id) => !seen.has(id)).slice(0, Math.max(0, Math.ceil((ring.fraction as number) * all.length) - reached));
    }
    ids = [...new Set(ids)].filter((id) => !seen.has(id)).sort((a, b) => a - b);
    if (ids.length === 0) {
      const from = ring.tag !== undefined ? `tag ${ring.tag} is on no computer (that no earlier ring has)` : ring.fraction !== undefined ? `the fraction ${ring.fraction} adds no computer of deployment ${v.deploymentId} (${all.length} computers)` : "its computers are all in earlier rings";
      throw new LifecycleError("IMMYBOT_RUN_NO_TARGETS", `rings: ring "${ring.name}" has no computer to run on: ${from}. Nothing was started; give the ring computers, or remove it.`);
    }
    ids.forEach((id) => seen.add(id));
    out.push(ids);
  }
  return out;
}

function allowedFailures(ring: RolloutRing, size: number): number {
  return typeof ring.maxFailures === "number" ? ring.maxFailures : Math.floor(((percentOf(ring.maxFailures) ?? 0) * size) / 100);
}

/** A ring's counts, failed computers and gate, from its batches. */
function judged(v: MaintenanceRolloutInputs, r: RolloutRingResult): RolloutRingResult {
  const failing = failureStatuses(v);
  const sessions = r.batches.flatMap((b) => b.sessions);
  const failed = sessions.filter((s) => failing.has(s.status));
  return {
    ...r,
    statusCounts: countByStatus(sessions.map((s) => s.status)),
    failures: failed.length,
    failedComputers: failed.map((s: SessionResult) => ({ computerId: s.computerId, computerName: s.computerName, sessionId: s.id, status: s.status, lastLog: s.lastLog })),
  };
}

function freshRing(v: MaintenanceRolloutInputs, ring: RolloutRing, computers: number[], attempt: number): RolloutRingResult {
  return { name: ring.name, computers, status: "NotStarted", allowedFailures: allowedFailures(ring, computers.length), failures: 0, statusCounts: {}, failedComputers: [], batches: [], startedWithTriggers: null, attempt, startedAt: null, finishedAt: null, soakUntil: null };
}

/** The attempt a ring starts again with: one more than its record's, if that one was started (state before attempts: 0). */
const nextAttempt = (r: RolloutRingResult | undefined): number => (r ? (r.attempt ?? 0) + (r.startedAt !== null ? 1 : 0) : 0);

const parsed = (iso: string | null | undefined): number | undefined => (typeof iso === "string" && Number.isFinite(Date.parse(iso)) ? Date.parse(iso) : undefined);

/** The earliest the killed run could have started batch k of ring i: when the batch before finished, or the ring before's soak ended. */
function earliestStart(p: Progress, i: number, k: number): number | undefined {
  if (k > 0) return parsed(p.rings[i]?.batches[k - 1]?.finishedAt);
  const before = p.rings[i - 1];
  return before ? parsed(before.soakUntil ?? before.finishedAt) : undefined;
}

function outputs(v: MaintenanceRolloutInputs, id: string, startedAt: string, rings: RolloutRingResult[]): MaintenanceRolloutOutputs {
  const failed = rings.find((r) => r.status === "Failed" || r.status === "Running");
  const done = rings.every((r) => r.status === "Passed");
  return plainJson({
    ...v,
    rolloutId: id,
    result: done ? "Succeeded" : failed ? "Failed" : "InProgress",
    failedRing: failed?.name ?? null,
    ringResults: rings,
    startedAt,
    finishedAt: done ? (rings.at(-1)?.finishedAt ?? null) : null,
  });
}

/** A batch's record from a MaintenanceSession result (its outputs, or the properties its partial failure keeps). */
const batchOf = (props: Record<string, unknown>): RolloutBatch => pick(props, BATCH_KEYS) as unknown as RolloutBatch;

interface Progress {
  v: MaintenanceRolloutInputs;
  id: string;
  startedAt: string;
  rings: RolloutRingResult[];
  inputs: Record<string, unknown>;
  /** Set while an `adoptId` create walks the killed run's batches (rollout-resume.ts). */
  resume?: Resume;
}

/** The step's failure, keeping every ring's record in the state. */
function fail(p: Progress, error: unknown): Error {
  return keepInState(error, p.id, outputs(p.v, p.id, p.startedAt, p.rings), p.inputs);
}

/**
 * Runs (or goes on with) ring `i`: the batches it recorded are followed again (`follow`: waited for, nothing
 * started for them), the rest are started, one after the other, until the gate can no longer be met.
 */
async function runRing(p: Progress, i: number): Promise<void> {
  const ring = p.v.rings[i] as RolloutRing;
  let r = p.rings[i] as RolloutRingResult;
  const size = ring.maxConcurrent ?? r.computers.length;
  const chunks: number[][] = [];
  for (let k = 0; k < r.computers.length; k += size) chunks.push(r.computers.slice(k, k + size));
  if (r.startedAt === null) r = { ...r, startedAt: now(), startedWithTriggers: p.v.triggers ?? null, status: "Running" };
  const set = (next: RolloutRingResult) => {
    r = judged(p.v, next);
    p.rings[i] = r;
  };
  set({ ...r, status: "Running" });
  for (let k = 0; k < chunks.length; k++) {
    if (r.failures > r.allowedFailures) break;
    const recorded = r.batches[k];
    const args = batchArgs(p.v, chunks[k] as number[], r.startedWithTriggers);
    const doing = recorded ? "waiting again for" : p.resume && !p.resume.once ? "looking for the interrupted run's batch of" : "starting";
    report(`immybot: rollout ring "${r.name}" (${i + 1}/${p.rings.length}), batch ${k + 1}/${chunks.length}: ${doing} ${(chunks[k] as number[]).length} computer(s)`);
    try {
      const checked = await session.check({}, args);
      const batchInputs = checked.inputs ?? args;
      const sessionGroupId = batchGroupId(p.id, i, r.attempt ?? 0, k);
      const resume = p.resume;
      const done = recorded
        ? { id: recorded.sessionGroupId, outs: (await session.update(recorded.sessionGroupId, { ...batchInputs, ...recorded }, batchInputs)).outs ?? {} }
        : resume
          ? await resumeBatch(resume, { sessionGroupId, inputs: batchInputs, computers: chunks[k] as number[], earliestStart: earliestStart(p, i, k) }, () => (p.resume = undefined))
          : await startRun(batchInputs, sessionGroupId);
      set({ ...r, batches: [...r.batches.slice(0, k), batchOf({ ...done.outs, sessionGroupId: done.id }), ...r.batches.slice(k + 1)] });
    } catch (e) {
      const kept = e as { properties?: Record<string, unknown>; code?: string };
      if (kept.properties) set({ ...r, batches: [...r.batches.slice(0, k), batchOf(kept.properties), ...r.batches.slice(k + 1)] });
      // A run that failed is judged by the gate; any other failure (timeout, unconfirmed start) fails the step as it is.
      if (kept.code !== "IMMYBOT_RUN_FAILED" || !kept.properties) throw fail(p, e);
    }
  }
  if (r.failures > r.allowedFailures) {
    set({ ...r, status: "Failed", finishedAt: now() });
    throw fail(p, new LifecycleError("IMMYBOT_ROLLOUT_GATE_FAILED", gateMessage(p, i)));
  }
  const soakMs = ring.soak && i < p.rings.length - 1 ? (durationMs(ring.soak) as number) : 0;
  // A ring the killed run had finished: its soak counts from its sessions' end, not from now.
  const ends = r.batches.map((b) => parsed(b.finishedAt));
  const recordedEnd = p.resume && ends.length > 0 && ends.every((t) => t !== undefined) ? Math.max(...(ends as number[])) : undefined;
  const passedAt = recordedEnd ?? timing.now();
  set({ ...r, status: "Passed", finishedAt: new Date(passedAt).toISOString(), soakUntil: soakMs > 0 ? new Date(passedAt + soakMs).toISOString() : null });
  if (soakMs > 0) {
    report(`immybot: rollout ring "${r.name}" passed; soaking ${ring.soak} before ring "${p.rings[i + 1]?.name}"`);
    // Until the recorded time has passed on this clock (a timer may fire a little early).
    while (timing.now() < passedAt + soakMs) await timing.sleep(passedAt + soakMs - timing.now());
  }
}

function gateMessage(p: Progress, i: number): string {
  const r = p.rings[i] as RolloutRingResult;
  const total = r.batches.reduce((n, b) => n + b.sessions.length, 0);
  const passed = p.rings.filter((x) => x.status === "Passed").map((x) => `"${x.name}"`);
  const line = (c: RolloutRingResult["failedComputers"][number]) => `  - ${c.computerName ?? `computer ${c.computerId}`} (session ${c.sessionId}): ${c.status}${c.lastLog ? ` – ${c.lastLog}` : ""}`;
  const next = p.rings.slice(i + 1).map((x) => `"${x.name}"`);
  return [
    `Ring "${r.name}" (${i + 1} of ${p.rings.length}) failed its gate: ${r.failures} of ${total} sessions failed, at most ${r.allowedFailures} allowed. ${next.length > 0 ? `Ring ${next.join(", ")} was not started.` : ""}`.trim(),
    ...r.failedComputers.map(line),
    `The rollout's record is kept in the state${passed.length > 0 ? ` (rings ${passed.join(", ")} passed and are not repeated)` : ""}: the next \`pulumi up\` looks at ring "${r.name}"'s sessions again and starts nothing new. ` +
      `After fixing the cause, change \`triggers\` to start ring "${r.name}" again.`,
  ].join("\n");
}

/** Runs the rings from the first one that has not passed. */
async function goOn(p: Progress): Promise<MaintenanceRolloutOutputs> {
  for (let i = 0; i < p.rings.length; i++) {
    if ((p.rings[i] as RolloutRingResult).status === "Passed") continue;
    await runRing(p, i);
  }
  return outputs(p.v, p.id, p.startedAt, p.rings);
}

interface StartOptions {
  /** The rings of the rollout this one follows (same id): each ring's attempt goes on from its record's. */
  previous?: RolloutRingResult[];
  /** create: say how to resume the rollout should this up be cancelled. */
  announce?: boolean;
  resume?: Resume;
}

async function start(v: MaintenanceRolloutInputs, id: string, inputs: Record<string, unknown>, o: StartOptions = {}): Promise<MaintenanceRolloutOutputs> {
  const targets = await resolveRings(client(), v);
  const rings = v.rings.map((ring, i) => freshRing(v, ring, targets[i] as number[], nextAttempt(o.previous?.[i])));
  report(`immybot: rollout ${id}: ${rings.map((r) => `"${r.name}" ${r.computers.length}`).join(", ")} computer(s)`);
  if (o.announce) {
    report(`immybot: rollout ${id} starting; if this up is cancelled before it ends, set adoptId: "${id}" on this rollout so the next up resumes it instead of starting it again`);
  }
  return goOn({ v, id, startedAt: now(), rings, inputs, resume: o.resume });
}

/** Cancels the sessions of a ring's batches still in progress (the session lifecycle's delete); finished ones are left alone. */
async function cancelBatches(props: Record<string, unknown>, r: RolloutRingResult): Promise<void> {
  const v = props as unknown as MaintenanceRolloutInputs;
  for (const b of r.batches) await session.delete(b.sessionGroupId, { ...batchArgs(v, b.targets.map((t) => t.id), r.startedWithTriggers), ...b });
}

/**
 * Waits (at most the rollout's `timeout`) until the sessions of a ring's cancelled attempt have ended: a cancel takes
 * effect when the agent stops, and ImmyBot does not start a computer's new session while one is in progress (its
 * start answer names it as already in progress), which the new attempt would then follow and count as failed.
 */
async function untilEnded(v: MaintenanceRolloutInputs, r: RolloutRingResult): Promise<void> {
  const api = client();
  const ids = r.batches.flatMap((b) => b.sessions.filter((x) => x.startedByThisRun !== false).map((x) => x.id));
  const wires = (await Promise.all(ids.map((id) => readSession(api, id)))).filter((w) => w !== undefined);
  const waited = await waitForSessions(api, wires, "completed", timing.now() + (durationMs(v.timeout) as number), report);
  if (waited.timedOut) {
    const open = waited.sessions.filter((w) => !isTerminal(statusOf(w))).map((w) => w.id);
    throw new LifecycleError(
      "IMMYBOT_RUN_TIMEOUT",
      `Ring "${r.name}": sessions ${open.join(", ")} of its previous attempt were cancelled but have not ended within ${v.timeout}; nothing was started. Run \`pulumi up\` again to wait for them.`,
    );
  }
}

const ringsOf = (props: Record<string, unknown>): RolloutRingResult[] => (Array.isArray(props.ringResults) ? (props.ringResults as RolloutRingResult[]) : []);

export const lifecycle: Lifecycle = {
  async check(_olds, news) {
    return checkWith(model, news);
  },

  /** Like every argument but `triggers`, an adoptId naming another rollout replaces; one naming this rollout is no change. */
  async diff(id, olds, news) {
    if (typeof news.adoptId === "string" && news.adoptId.toLowerCase() !== id) return { changes: true, replaces: ["adoptId"], deleteBeforeReplace: false };
    return diffWith(model, olds, news);
  },

  /** A new rollout, or with adoptId the one a cancelled `up` left unrecorded, resumed (rollout-resume.ts). */
  async create(inputs): Promise<dynamic.CreateResult> {
    const v = checkedValue(model, inputs);
    const id = v.adoptId ?? randomUUID();
    return { id, outs: await start(v, id, inputs, { announce: true, resume: v.adoptId ? { lookBegan: timing.now() } : undefined }) };
  },

  /** The sessions of every recorded batch as ImmyBot has them now; the gates stay as judged. */
  async read(id, props) {
    const v = props as unknown as MaintenanceRolloutInputs;
    const rings = await Promise.all(
      ringsOf(props).map(async (r) => {
        const batches = await Promise.all(
          r.batches.map(async (b) => {
            const read = await session.read(b.sessionGroupId, { ...batchArgs(v, b.targets.map((t) => t.id), r.startedWithTriggers), ...b });
            return read.id ? batchOf({ ...(read.props ?? {}), sessionGroupId: b.sessionGroupId }) : b;
          }),
        );
        return { ...r, batches, statusCounts: countByStatus(batches.flatMap((b) => b.sessions.map((s) => s.status))) };
      }),
    );
    return { id, props: { ...props, ringResults: plainJson(rings) }, inputs: pick(props, Object.keys(model.fields)) };
  },

  /**
   * Only `triggers` updates in place (anything else replaces), and the engine retries a create or update that
   * failed with unchanged arguments: resume from the first ring that has not passed.
   */
  async update(id, olds, news) {
    const v = checkedValue(model, news);
    const retriggered = !jsonEqual(olds.triggers ?? null, news.triggers ?? null);
    const recorded = ringsOf(olds);
    // An update killed after starting batches left these olds: the same attempts give the same group ids, so each
    // batch is looked for once before it is started.
    const startedAt = typeof olds.startedAt === "string" ? olds.startedAt : now();
    const resume: Resume = { lookBegan: timing.now(), once: true, notBefore: parsed(startedAt) };
    if (recorded.length !== v.rings.length || (retriggered && olds.result === "Succeeded")) return { outs: await start(v, id, news, { previous: recorded, resume }) };
    const rings = recorded.map((r, i) => {
      if (r.status === "Passed" || !retriggered) return r;
      // The failed ring (and those after it) start again with the new triggers; its old runs are not waited for.
      return freshRing(v, v.rings[i] as RolloutRing, r.computers, nextAttempt(r));
    });
    // What still runs of a ring started again (a ring that timed out) is cancelled first: its record leaves the
    // state, and nothing should run that no state holds and no delete would cancel.
    for (const [i, r] of recorded.entries()) {
      if (rings[i] === r || r.batches.length === 0) continue;
      report(`immybot: rollout ring "${r.name}": new triggers; cancelling what still runs of its previous attempt before starting it again`);
      await cancelBatches(olds, r);
      await untilEnded(v, r);
    }
    return { outs: await goOn({ v, id, startedAt, rings, inputs: news, resume }) };
  },

  /** Cancels the sessions of every batch still in progress; finished ones are left alone. */
  async delete(_id, props) {
    for (const r of ringsOf(props)) await cancelBatches(props, r);
  },
};

export { outputKeys };
