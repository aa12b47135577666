/**
 * Resuming a MaintenanceRollout whose `pulumi up` was killed before the state recorded it (`adoptId`).
 *
 * Each batch's session group id is derived from the rollout's id, the ring's place and attempt and the batch's place
 * (a name-based UUID), so the next `up`, given the rollout's id, knows the group id every batch of the killed run
 * had or would have had. It walks the batches in order: a batch whose sessions are found is followed (the session
 * lifecycle's update: wait, judge, start nothing); the first batch not found is where the killed run stopped. Its
 * start may have been sent just before the kill, and ImmyBot's background job can take minutes to make the
 * sessions, so it is started only once the session lifecycle's own recovery window for a start without an answer
 * (`timeout`) has passed since it could first have been started, looking for it all along. Every batch after it
 * was surely never started (a rollout starts one batch at a time, each after the one before has finished).
 */
import { createHash } from "node:crypto";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { client } from "./context";
import { CLOCK_SKEW_MS, durationMs, lifecycle as session, startRun } from "./maintenance-session";
import { discoverSessions, timing, type RunTarget } from "./session-runs";
import { parseUtc } from "./write-once";

/**
 * The session group id of batch `batch` of ring `ring` (both counted from 0) on the ring's attempt `attempt`, in
 * rollout `rolloutId`: a name-based UUID (RFC 9562 version 5: SHA-1 of the rollout's id as namespace and the name).
 * The same inputs always give the same id; another ring, attempt or batch another one.
 */
export function batchGroupId(rolloutId: string, ring: number, attempt: number, batch: number): string {
  const namespace = Buffer.from(rolloutId.replace(/-/g, ""), "hex");
  if (namespace.length !== 16) throw new RangeError(`not a UUID: ${rolloutId}`);
  const b = createHash("sha1").update(namespace).update(`ring ${ring} attempt ${attempt} batch ${batch}`).digest().subarray(0, 16);
  b[6] = ((b[6] as number) & 0x0f) | 0x50;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const hex = b.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A resume under way: kept while every batch so far was found (the killed run's), dropped by the first start. */
export interface Resume {
  /** When this up began looking (ms): the earliest the very first batch's window can be counted from. */
  lookBegan: number;
  /**
   * One look per batch, no waiting: an update, which cannot tell a retry after a killed update from a new start
   * (both come with the same state), finds what a killed update started without delaying every new start.
   */
  once?: boolean;
  /** No session created before this (ms, ImmyBot's clock) can be the rollout's: the rollout's recorded start. */
  notBefore?: number;
}

export interface BatchToResume {
  sessionGroupId: string;
  /** The batch's MaintenanceSession arguments (checked). */
  inputs: Record<string, unknown>;
  computers: readonly number[];
  /**
   * The earliest the killed run could have started this batch (ms, ImmyBot's clock: the sessions' end times): when
   * the batch before it finished, or the soak after it ended; undefined for the rollout's first batch.
   */
  earliestStart: number | undefined;
}

/**
 * The batch's run: the killed run's, found by its group id and followed, or, when none appears within the recovery
 * window, started now under the same group id (`starting` is called first: every later batch is started directly).
 */
export async function resumeBatch(r: Resume, b: BatchToResume, starting: () => void): Promise<dynamic.CreateResult> {
  const timeoutMs = durationMs(String(b.inputs.timeout ?? "1h")) as number;
  const targets: RunTarget[] = b.computers.map((id) => ({ kind: "computer", id }));
  // The very first batch may have been started any time before this up: every recent session of its computers counts.
  const since = (b.earliestStart ?? r.notBefore ?? CLOCK_SKEW_MS) - CLOCK_SKEW_MS;
  // The latest the killed run can have sent the start, on our clock: now (it is dead, and this up has just seen the
  // batch before finish), or, for a batch before it finished long ago, its end on ImmyBot's clock plus the skew
  // between the clocks and one poll of the killed run's wait.
  const sentBy = b.earliestStart === undefined ? r.lookBegan : Math.min(timing.now(), b.earliestStart + CLOCK_SKEW_MS + timing.pollMaxMs);
  const windowEnd = r.once ? timing.now() : Math.max(sentBy + timeoutMs, timing.now());
  const found = await discoverSessions(client(), b.sessionGroupId, targets, since, windowEnd);
  if (found.size === 0) {
    if (!r.once) console.log(`immybot: rollout batch ${b.sessionGroupId}: no session of the interrupted run found; starting it`);
    starting();
    return startRun(b.inputs, b.sessionGroupId);
  }
  const created = [...found.values()].map((s) => parseUtc(s.createdDateUTC)).filter((t): t is number => t !== undefined);
  const startedAt = new Date(created.length > 0 ? Math.min(...created) : timing.now()).toISOString();
  console.log(`immybot: rollout batch ${b.sessionGroupId}: found the interrupted run's sessions; following them, starting nothing`);
  // The session lifecycle's own path for a run whose start was not confirmed: find by group id, wait, judge.
  const olds = { ...b.inputs, sessionGroupId: b.sessionGroupId, startedAt, targets, sessionIds: [] };
  const { outs } = await session.update(b.sessionGroupId, olds, b.inputs);
  return { id: b.sessionGroupId, outs: outs ?? {} };
}
