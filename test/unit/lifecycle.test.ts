/**
 * createWithRecovery: a create never makes an object twice. Before the first POST it takes over the one object an
 * interrupted earlier run left unrecorded; after an ambiguous failure it looks for what the POST committed before
 * sending it again; everything else fails at once.
 */
import { describe, expect, it } from "vitest";
import { ImmyBotHttpError, ImmyBotTransportError } from "../../provider/client/errors";
import { claim, createWithRecovery, type CreateWithRecoveryOptions } from "../../provider/lifecycle";

interface Obj {
  id: number;
}

let kindNo = 0;

/** A create against a scripted ImmyBot: POST answers in order, lookups answer what is listed. */
function scripted(opts: { posts: (Obj | Error)[]; orphans?: Obj[]; committed?: Obj[][]; attempts?: number }) {
  const calls: string[] = [];
  const recovered: string[] = [];
  const posts = [...opts.posts];
  const committed = [...(opts.committed ?? [])];
  const o: CreateWithRecoveryOptions<Obj> = {
    kind: `Thing${++kindNo}`, // claims are process-wide: a kind of its own per test
    post: async () => {
      calls.push("POST");
      const next = posts.shift();
      if (!next) throw new Error("unexpected POST");
      if (next instanceof Error) throw next;
      return next;
    },
    findCommitted: async () => {
      calls.push("find committed");
      return committed.shift() ?? [];
    },
    ...(opts.orphans ? { findOrphans: async () => (calls.push("find orphans"), opts.orphans!) } : {}),
    onRecovered: (w, why) => recovered.push(`${why} ${w.id}`),
    idOf: (w) => String(w.id),
    backoffMs: 1,
    ...(opts.attempts ? { attempts: opts.attempts } : {}),
  };
  return { o, calls, recovered };
}

const reset = () => new ImmyBotTransportError("connection reset", { method: "POST", path: "/api/v1/schedules", maybeProcessed: true });
const unavailable = () => new ImmyBotHttpError({ method: "POST", path: "/api/v1/schedules", status: 503 });
const badRequest = () => new ImmyBotHttpError({ method: "POST", path: "/api/v1/schedules", status: 400, serverMessage: "Time: required" });

describe("createWithRecovery", () => {
  it("posts once when nothing was left behind", async () => {
    const { o, calls, recovered } = scripted({ posts: [{ id: 1 }], orphans: [] });
    await expect(createWithRecovery(o)).resolves.toEqual({ id: 1 });
    expect(calls).toEqual(["find orphans", "POST"]);
    expect(recovered).toEqual([]);
  });

  it("takes over the one object an interrupted run created, without a POST", async () => {
    const { o, calls, recovered } = scripted({ posts: [], orphans: [{ id: 7 }] });
    await expect(createWithRecovery(o)).resolves.toEqual({ id: 7 });
    expect(calls).toEqual(["find orphans"]);
    expect(recovered).toEqual(["orphan 7"]);
  });

  it("never takes an object this process already holds, and takes each orphan only once", async () => {
    const first = scripted({ posts: [], orphans: [{ id: 8 }, { id: 9 }] });
    claim(first.o.kind, "8");
    await expect(createWithRecovery(first.o)).resolves.toEqual({ id: 9 });
    // Same kind, same orphans: 8 and 9 are both claimed now, so the next create posts.
    const second = { ...scripted({ posts: [{ id: 10 }], orphans: [{ id: 8 }, { id: 9 }] }) };
    second.o.kind = first.o.kind;
    await expect(createWithRecovery(second.o)).resolves.toEqual({ id: 10 });
    expect(second.calls).toEqual(["find orphans", "POST"]);
  });

  it("refuses to guess between two identical orphans, naming them and the fix", async () => {
    const { o, calls } = scripted({ posts: [{ id: 1 }], orphans: [{ id: 3 }, { id: 4 }] });
    await expect(createWithRecovery(o)).rejects.toThrow(/2 Thing\d+ objects with exactly these arguments.*ids 3, 4.*adoptId/);
    expect(calls).toEqual(["find orphans"]);
  });

  it("after a lost answer takes what the POST committed instead of posting again", async () => {
    const { o, calls, recovered } = scripted({ posts: [reset()], committed: [[{ id: 5 }]] });
    await expect(createWithRecovery(o)).resolves.toEqual({ id: 5 });
    expect(calls).toEqual(["POST", "find committed"]);
    expect(recovered).toEqual(["lost answer 5"]);
  });

  it("posts again only when the failed POST committed nothing, up to `attempts` POSTs in all", async () => {
    const ok = scripted({ posts: [unavailable(), reset(), { id: 6 }], attempts: 3 });
    await expect(createWithRecovery(ok.o)).resolves.toEqual({ id: 6 });
    expect(ok.calls).toEqual(["POST", "find committed", "POST", "find committed", "POST"]);

    const exhausted = scripted({ posts: [reset(), reset()], attempts: 2 });
    await expect(createWithRecovery(exhausted.o)).rejects.toBeInstanceOf(ImmyBotTransportError);
    expect(exhausted.calls.filter((c) => c === "POST")).toHaveLength(2);
  });

  it("fails at once on an answer that says nothing was created (400), without a lookup", async () => {
    const { o, calls } = scripted({ posts: [badRequest()] });
    await expect(createWithRecovery(o)).rejects.toThrow(/400/);
    expect(calls).toEqual(["POST"]);
  });
});
