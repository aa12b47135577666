/**
 * createOnce: a create never makes an object twice and never takes one that another resource or stack may hold.
 * Before the POST it reports a likely leftover of an interrupted run (or takes it over, when opted in); the POST is
 * sent again only after a failure that proves ImmyBot did not take it; after an ambiguous failure it looks for what
 * the POST made (only objects that appeared after the POST was sent) and, when nothing appears, fails and says what
 * to check instead of sending it again. A fake clock stands in for the waits.
 */
import { describe, expect, it } from "vitest";
import { ImmyBotHttpError, ImmyBotTransportError } from "../../provider/client/errors";
import { LifecycleError } from "../../provider/errors";
import { claim, createOnce, takenOverInThisRun, type CreateOnceOptions } from "../../provider/lifecycle";

interface Obj {
  id: number;
  /** ImmyBot's clock, ms. */
  created: number;
  args?: string;
}

const T0 = Date.parse("2026-12-01T10:00:00Z");
let kindNo = 0;

/**
 * A create against a scripted ImmyBot. POSTs answer in order; `lists` answers each list request in order (the last
 * one repeats). ImmyBot's clock runs `offset` ms ahead of ours.
 */
function scripted(opts: {
  posts: (Obj | Error | ((now: number) => Obj))[];
  lists?: (Obj[] | Error)[];
  leftoverMinutes?: number;
  adopt?: boolean;
  attempts?: number;
  offset?: number | undefined;
  settleMs?: number;
}) {
  let now = T0;
  const calls: string[] = [];
  const lines: string[] = [];
  const sleeps: number[] = [];
  const posts = [...opts.posts];
  const lists = [...(opts.lists ?? [[]])];
  const offset = "offset" in opts ? opts.offset : 0;
  const o: CreateOnceOptions<Obj> = {
    kind: `Thing${++kindNo}`, // claims are process-wide: a kind of its own per test
    noun: "thing",
    scope: "tenant 3",
    post: async () => {
      calls.push("POST");
      const next = posts.shift();
      if (!next) throw new Error("unexpected POST");
      if (next instanceof Error) throw next;
      return typeof next === "function" ? next(now + (offset ?? 0)) : next;
    },
    list: async () => {
      calls.push("list");
      const next = lists.length > 1 ? lists.shift()! : lists[0]!;
      if (next instanceof Error) throw next;
      return next.filter((w) => w.created <= now + (offset ?? 0)); // an object is listed once it exists
    },
    matches: (w) => (w.args ?? "same") === "same",
    idOf: (w) => String(w.id),
    createdAt: (w) => w.created,
    leftoverMs: (opts.leftoverMinutes ?? 60) * 60_000,
    adoptLeftovers: opts.adopt ?? false,
    settleMs: opts.settleMs ?? 10_000,
    send: { attempts: opts.attempts ?? 5, minDelayMs: 100, maxDelayMs: 1_000 },
    serverClockOffsetMs: () => offset,
    report: (line) => lines.push(line),
    clock: {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    },
  };
  return { o, calls, lines, sleeps, elapsed: () => now - T0 };
}

const reset = () => new ImmyBotTransportError("connection reset", { method: "POST", path: "/api/v1/things", maybeProcessed: true });
const timeout = () => new ImmyBotTransportError("no response within 1000 ms", { method: "POST", path: "/api/v1/things", maybeProcessed: true, undiciCode: "UND_ERR_HEADERS_TIMEOUT" });
const refused = () => new ImmyBotTransportError("connection refused", { method: "POST", path: "/api/v1/things", maybeProcessed: false, undiciCode: "ECONNREFUSED" });
const http = (status: number, extra: { retryAfterMs?: number } = {}) => new ImmyBotHttpError({ method: "POST", path: "/api/v1/things", status, ...extra });

async function code(p: Promise<unknown>): Promise<string | undefined> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(LifecycleError);
  return (e as LifecycleError).code;
}

describe("createOnce: before the POST", () => {
  it("posts once after one look at the scope when nothing was left behind", async () => {
    const { o, calls, lines } = scripted({ posts: [{ id: 1, created: T0 }] });
    await expect(createOnce(o)).resolves.toEqual({ id: 1, created: T0 });
    expect(calls).toEqual(["list", "POST"]);
    expect(lines).toEqual([]);
  });

  it("with leftoverMinutes 0 does not look at all", async () => {
    const { o, calls } = scripted({ posts: [{ id: 1, created: T0 }], lists: [[{ id: 7, created: T0 - 60_000 }]], leftoverMinutes: 0 });
    await expect(createOnce(o)).resolves.toMatchObject({ id: 1 });
    expect(calls).toEqual(["POST"]);
  });

  it("by default reports a likely leftover with its id and the adoptId fix, and creates a new object", async () => {
    const { o, calls, lines } = scripted({ posts: [{ id: 2, created: T0 }], lists: [[{ id: 7, created: T0 - 5 * 60_000 }]] });
    await expect(createOnce(o)).resolves.toMatchObject({ id: 2 });
    expect(calls).toEqual(["list", "POST"]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/already holds thing 7 with exactly these arguments.*adoptId: "7".*Creating a new thing/);
    expect(takenOverInThisRun(o.kind, "7")).toBe(false);
  });

  it("with adoptLeftovers takes the one leftover over without a POST, and marks it so a delete in this run leaves it", async () => {
    const { o, calls, lines } = scripted({ posts: [], lists: [[{ id: 7, created: T0 - 5 * 60_000 }]], adopt: true });
    await expect(createOnce(o)).resolves.toMatchObject({ id: 7 });
    expect(calls).toEqual(["list"]);
    expect(lines.join("\n")).toMatch(/took over thing 7/);
    expect(takenOverInThisRun(o.kind, "7")).toBe(true);
  });

  it("never counts an object older than the window, with other arguments, or held by this run as a leftover", async () => {
    const listed = [
      { id: 3, created: T0 - 61 * 60_000 },
      { id: 4, created: T0 - 60_000, args: "other" },
      { id: 5, created: T0 - 60_000 },
    ];
    const { o, calls, lines } = scripted({ posts: [{ id: 6, created: T0 }], lists: [listed], adopt: true });
    claim(o.kind, "5");
    await expect(createOnce(o)).resolves.toMatchObject({ id: 6 });
    expect(calls).toEqual(["list", "POST"]);
    expect(lines).toEqual([]);
  });

  it("judges the window on ImmyBot's clock: an object ImmyBot made 50 minutes ago is in a 60-minute window even when its clock runs 20 minutes ahead", async () => {
    const ahead = 20 * 60_000;
    const { o, lines } = scripted({ posts: [{ id: 2, created: T0 + ahead }], lists: [[{ id: 7, created: T0 + ahead - 50 * 60_000 }]], offset: ahead });
    await createOnce(o);
    expect(lines.join("\n")).toMatch(/thing 7/);
  });

  it("refuses to guess between two leftovers when adopting, naming both and the fix", async () => {
    const { o, calls } = scripted({ posts: [], lists: [[{ id: 3, created: T0 - 60_000 }, { id: 4, created: T0 - 60_000 }]], adopt: true });
    const failure = createOnce(o);
    await expect(failure).rejects.toThrow(/2 things with exactly these arguments in tenant 3 \(ids 3, 4\).*adoptId/);
    expect(await code(failure)).toBe("IMMYBOT_SEVERAL_MATCHES");
    expect(calls).toEqual(["list"]);
  });
});

describe("createOnce: the POST is sent again only when ImmyBot provably did not take it", () => {
  it("a 429 is a wait of its Retry-After, then the same POST, with no look in between", async () => {
    const { o, calls, sleeps } = scripted({ posts: [http(429, { retryAfterMs: 3_000 }), { id: 1, created: T0 }] });
    await expect(createOnce(o)).resolves.toMatchObject({ id: 1 });
    expect(calls).toEqual(["list", "POST", "POST"]);
    expect(sleeps).toEqual([3_000]);
  });

  it("a connection never made is sent again after a growing pause, up to `attempts` POSTs, then fails with the transport's error", async () => {
    const ok = scripted({ posts: [refused(), refused(), { id: 1, created: T0 }] });
    await expect(createOnce(ok.o)).resolves.toMatchObject({ id: 1 });
    expect(ok.sleeps).toEqual([100, 200]);

    const exhausted = scripted({ posts: [refused(), refused()], attempts: 2 });
    await expect(createOnce(exhausted.o)).rejects.toBeInstanceOf(ImmyBotTransportError);
    expect(exhausted.calls.filter((c) => c === "POST")).toHaveLength(2);
  });

  it("a refusal (400) fails at once, without a look and without sending again", async () => {
    const { o, calls } = scripted({ posts: [http(400)] });
    await expect(createOnce(o)).rejects.toThrow(/400/);
    expect(calls).toEqual(["list", "POST"]);
  });
});

describe("createOnce: after an ambiguous failure it looks, and never sends again", () => {
  it.each([
    ["a reset connection", reset],
    ["no answer in time", timeout],
    ["a 503", () => http(503)],
    ["a 500", () => http(500)],
  ])("after %s takes the object the POST made, found by a look", async (_what, failure) => {
    const { o, calls, lines } = scripted({ posts: [failure()], lists: [[], [{ id: 5, created: T0 }]] });
    await expect(createOnce(o)).resolves.toMatchObject({ id: 5 });
    expect(calls).toEqual(["list", "POST", "list"]);
    expect(lines.join("\n")).toMatch(/the answer to creating thing 5 was lost; found it/);
  });

  it("keeps looking for a late commit during settleMs and takes it when it appears, with one POST in all", async () => {
    const late = { id: 9, created: T0 + 6_000 }; // committed 6 s after the POST, long after its answer was lost
    const { o, calls, elapsed } = scripted({ posts: [timeout()], lists: [[late]], settleMs: 10_000 });
    await expect(createOnce(o)).resolves.toMatchObject({ id: 9 });
    expect(calls.filter((c) => c === "POST")).toHaveLength(1);
    expect(calls.filter((c) => c === "list").length).toBeGreaterThan(2);
    expect(elapsed()).toBeGreaterThanOrEqual(6_000);
  });

  it("when nothing appears within settleMs, fails saying what to check, having sent the POST once", async () => {
    const { o, calls, elapsed } = scripted({ posts: [timeout()], lists: [[]], settleMs: 10_000 });
    const failure = createOnce(o);
    await expect(failure).rejects.toThrow(/got no clear answer \(no response within 1000 ms\).*not sent again.*within 10 s.*Check ImmyBot's things of tenant 3.*adoptId/);
    expect(await code(failure)).toBe("IMMYBOT_CREATE_UNCONFIRMED");
    expect(calls.filter((c) => c === "POST")).toHaveLength(1);
    expect(elapsed()).toBeGreaterThanOrEqual(10_000);
  });

  it("never takes a matching object that existed before the POST (a renamed resource's, another stack's)", async () => {
    // Created 30 s before our POST on ImmyBot's clock: not in the first list (made after it), but older than the POST.
    const theirs = { id: 11, created: T0 - 30_000 };
    const { o, calls } = scripted({ posts: [reset()], lists: [[], [theirs]], settleMs: 5_000, leftoverMinutes: 0 });
    await expect(code(createOnce(o))).resolves.toBe("IMMYBOT_CREATE_UNCONFIRMED");
    expect(calls.filter((c) => c === "POST")).toHaveLength(1);
  });

  it("never takes an object that was in the first list, whatever its date", async () => {
    // Its date alone would pass (made the moment the POST went out), but the first list shows it existed before.
    const listedBefore = { id: 12, created: T0 };
    const { o } = scripted({ posts: [reset()], lists: [[listedBefore]], settleMs: 5_000, offset: 0 });
    await expect(code(createOnce(o))).resolves.toBe("IMMYBOT_CREATE_UNCONFIRMED");
  });

  it("without a Date header to measure ImmyBot's clock, allows five minutes of skew (the first list still rules out what existed)", async () => {
    const { o } = scripted({ posts: [reset()], lists: [[], [{ id: 13, created: T0 - 4 * 60_000 }]], offset: undefined, leftoverMinutes: 0 });
    await expect(createOnce(o)).resolves.toMatchObject({ id: 13 });
  });

  it("never takes an object another resource of this run holds", async () => {
    const { o } = scripted({ posts: [reset()], lists: [[], [{ id: 14, created: T0 + 10 }]], settleMs: 2_000 });
    claim(o.kind, "14");
    await expect(code(createOnce(o))).resolves.toBe("IMMYBOT_CREATE_UNCONFIRMED");
  });

  it("refuses to guess when two matching objects appeared", async () => {
    const { o } = scripted({ posts: [reset()], lists: [[], [{ id: 15, created: T0 + 10 }, { id: 16, created: T0 + 20 }]] });
    await expect(code(createOnce(o))).resolves.toBe("IMMYBOT_SEVERAL_MATCHES");
  });

  it("a look that fails is made again in the next round, and named if nothing is found", async () => {
    const lookFailed = new ImmyBotHttpError({ method: "GET", path: "/api/v1/things", status: 502 });
    const found = scripted({ posts: [reset()], lists: [[], lookFailed, [{ id: 17, created: T0 + 10 }]] });
    await expect(createOnce(found.o)).resolves.toMatchObject({ id: 17 });

    const never = scripted({ posts: [reset()], lists: [[], lookFailed], settleMs: 2_000 });
    await expect(createOnce(never.o)).rejects.toThrow(/looking failed too: .*502/);
  });
});
