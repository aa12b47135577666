/**
 * Check never throws. Every resource's check (as the provider host calls it, secrets handling included) gets
 * hostile arguments: keys named like Object.prototype's members at each level, `__proto__` keys, values nested
 * thousands of levels deep, huge numbers, NaN-like text, arrays where objects belong and null everywhere. Each
 * must come back as failures (property = the field path, reason = what is wrong), never as an exception, and
 * with inputs the host can encode (it runs Struct.fromJavaScript on them).
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { containsUnknown, jsonEqual } from "../../provider/check";
import { lifecycle as deploymentLifecycle, model as deploymentModel } from "../../provider/deployment";
import { lifecycle as sessionLifecycle, model as sessionModel } from "../../provider/maintenance-session";
import { MAX_DEPTH, plainCopy, tooDeepAt } from "../../provider/models/plain";
import { lifecycle as scheduleLifecycle, model as scheduleModel } from "../../provider/schedule";
import { secretStrings, unwrapSecrets } from "../../provider/secrets";

const { Struct } = createRequire(__filename)("google-protobuf/google/protobuf/struct_pb");

const VALID = {
  Schedule: { targetType: "AllForTenant", tenantId: 2, dayOfWeek: "Saturday", detectionTime: "20:00", executionTime: "22:00", timeZone: "Europe/Berlin" },
  Deployment: { software: { id: "303", desiredState: "LatestVersion" }, targetType: "AllForTenant", tenantId: 2 },
  MaintenanceSession: { deploymentId: "42", computers: [6] },
} as const;
type Kind = keyof typeof VALID;
const KINDS = Object.keys(VALID) as Kind[];
/** What the provider host calls (settings aside: those are checked before, see provider/index.ts). */
const LIFECYCLES = { Schedule: scheduleLifecycle, Deployment: deploymentLifecycle, MaintenanceSession: sessionLifecycle };
const lifecycle = (kind: Kind) => LIFECYCLES[kind];
const FIELDS: Record<Kind, string[]> = {
  Schedule: Object.keys(scheduleModel.fields),
  Deployment: Object.keys(deploymentModel.fields),
  MaintenanceSession: Object.keys(sessionModel.fields),
};

/** Object.prototype's members (and `__proto__`, which JSON.parse makes an own key). */
const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype);

/** `[[[...1]]]` or `{ a: { a: ... 1 } }`, `levels` deep, built without recursion. */
function deep(levels: number, kind: "list" | "object" = "list"): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = kind === "list" ? [v] : { a: v };
  return v;
}

/** An object with an own key of this name and value (JSON.parse keeps `__proto__` as an own key). */
const withKey = (key: string, value: unknown, rest: Record<string, unknown> = {}) => Object.assign(JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value)}}`), rest);

/** Hostile values for any field. */
const HOSTILE_VALUES: unknown[] = [
  null,
  {},
  [],
  [null],
  [[]],
  { value: null },
  withKey("__proto__", { targetType: "All" }),
  withKey("constructor", 1),
  withKey("toString", { a: 1 }),
  deep(5000),
  deep(5000, "object"),
  deep(MAX_DEPTH + 1),
  1e308,
  -1e308,
  2 ** 31,
  2 ** 53 + 2,
  -0,
  0.1,
  NaN,
  Infinity,
  -Infinity,
  "NaN",
  "Infinity",
  "1e999",
  "2147483648",
  "99999999999999999999999",
  "",
  " ",
  "\u0000",
  "x".repeat(20_000),
  "toString",
  "__proto__",
  true,
];
/** 50 000 items: their failures must not be spread into one call's arguments. */
const HUGE_LIST = Array.from({ length: 50_000 }, () => "x");

interface Case {
  name: string;
  kind: Kind;
  news: unknown;
}

function hostileCases(): Case[] {
  const cases: Case[] = [];
  for (const kind of KINDS) {
    const valid = VALID[kind] as Record<string, unknown>;
    for (const field of FIELDS[kind]) {
      HOSTILE_VALUES.forEach((v, i) => cases.push({ name: `${kind}.${field} = hostile #${i}`, kind, news: { ...valid, [field]: v } }));
    }
    for (const key of PROTO_NAMES) {
      cases.push({ name: `${kind}: top-level key ${key}`, kind, news: withKey(key, 1, valid) });
      cases.push({ name: `${kind}: every field null and key ${key}`, kind, news: withKey(key, null, Object.fromEntries(FIELDS[kind].map((f) => [f, null]))) });
    }
    cases.push({ name: `${kind}: arguments as an array`, kind, news: [valid] });
    cases.push({ name: `${kind}: arguments as null`, kind, news: null });
    cases.push({ name: `${kind}: every field an empty object`, kind, news: Object.fromEntries(FIELDS[kind].map((f) => [f, {}])) });
    cases.push({ name: `${kind}: every field 5000 levels deep`, kind, news: Object.fromEntries(FIELDS[kind].map((f) => [f, deep(5000)])) });
  }
  // Nested: inside software, task, parameters (names and values) and triggers.
  for (const key of PROTO_NAMES) {
    cases.push({ name: `software.${key}`, kind: "Deployment", news: { ...VALID.Deployment, software: withKey(key, 1, { id: "303", desiredState: "LatestVersion" }) } });
    cases.push({ name: `task.${key}`, kind: "Deployment", news: { ...VALID.Deployment, software: undefined, task: withKey(key, { a: 1 }, { id: "7" }) } });
    cases.push({ name: `parameters.${key}`, kind: "Deployment", news: { ...VALID.Deployment, parameters: withKey(key, "x") } });
    cases.push({ name: `parameters.X.${key}`, kind: "Deployment", news: { ...VALID.Deployment, parameters: { X: withKey(key, true, { value: 1 }) } } });
    cases.push({ name: `triggers[0].${key}`, kind: "MaintenanceSession", news: { ...VALID.MaintenanceSession, triggers: [withKey(key, [1])] } });
  }
  cases.push({ name: "a parameter 5000 levels deep", kind: "Deployment", news: { ...VALID.Deployment, parameters: { X: { value: deep(5000, "object") } } } });
  cases.push({ name: "software with null everywhere", kind: "Deployment", news: { ...VALID.Deployment, software: { id: null, scope: null, desiredState: null, version: null } } });
  cases.push({ name: "50 000 bad computer ids", kind: "MaintenanceSession", news: { ...VALID.MaintenanceSession, computers: HUGE_LIST } });
  cases.push({ name: "50 000 triggers", kind: "MaintenanceSession", news: { ...VALID.MaintenanceSession, triggers: HUGE_LIST } });
  cases.push({ name: "50 000 items as a tenant id", kind: "Schedule", news: { ...VALID.Schedule, tenantId: HUGE_LIST } });
  return cases;
}

describe("check never throws", () => {
  const cases = hostileCases();

  it("has hostile cases for every resource", () => {
    for (const kind of KINDS) expect(cases.filter((c) => c.kind === kind).length, kind).toBeGreaterThan(500);
  });

  it("answers every hostile input with well-formed failures and inputs the host can encode", async () => {
    const thrown: string[] = [];
    let failures = 0;
    for (const c of cases) {
      try {
        const r = await lifecycle(c.kind).check({}, c.news as Record<string, unknown>);
        failures += r.failures?.length ?? 0;
        for (const f of r.failures ?? []) {
          expect(typeof f.property, c.name).toBe("string");
          expect(f.reason, c.name).toMatch(/\S/);
          // The safety net of checkWith turns a bug into a failure: it must never be needed.
          expect(f.reason, c.name).not.toMatch(/could not be checked/);
        }
        Struct.fromJavaScript(r.inputs ?? {});
      } catch (e) {
        thrown.push(`${c.name}: ${String(e).slice(0, 200)}`);
      }
    }
    expect(thrown).toEqual([]);
    // The shape checks above ran: nearly every hostile input is refused.
    expect(failures).toBeGreaterThan(cases.length / 2);
  }, 120_000);

  it("answers diff with hostile old state without throwing", async () => {
    const checked = await lifecycle("MaintenanceSession").check({}, { ...VALID.MaintenanceSession });
    const olds = { ...VALID.MaintenanceSession, triggers: [deep(5000)], constructor: 1, ...withKey("__proto__", 1) };
    await expect(lifecycle("MaintenanceSession").diff("g", olds, checked.inputs!)).resolves.toMatchObject({ changes: true });
  });

  it("reports a key named like Object.prototype's members as an unknown property, at the top and nested", async () => {
    expect(PROTO_NAMES.length).toBeGreaterThan(5);
    for (const key of PROTO_NAMES) {
      const top = await lifecycle("Schedule").check({}, withKey(key, 1, VALID.Schedule));
      expect(top.failures, key).toEqual([{ property: key, reason: "is not a known property: remove it" }]);
      const nested = await lifecycle("Deployment").check({}, { ...VALID.Deployment, software: withKey(key, 1, { id: "303", desiredState: "LatestVersion" }) });
      expect(nested.failures, key).toEqual([{ property: `software.${key}`, reason: "is not a known property of software: remove it (the properties of software are id, scope, desiredState, version)" }]);
    }
  });
});

describe("the plain-data walkers", () => {
  it("find the first container deeper than the limit, whatever the depth, without recursion", () => {
    expect(tooDeepAt(deep(MAX_DEPTH), MAX_DEPTH)).toBeUndefined();
    expect(tooDeepAt(deep(MAX_DEPTH + 1), MAX_DEPTH)).toHaveLength(MAX_DEPTH);
    expect(tooDeepAt(deep(100_000, "object"), MAX_DEPTH)).toEqual(Array(MAX_DEPTH).fill("a"));
    expect(tooDeepAt({ a: [1, { b: deep(MAX_DEPTH) }] }, MAX_DEPTH)?.slice(0, 4)).toEqual(["a", 1, "b", 0]);
  });

  it("copy own keys only and report __proto__ keys where they are", () => {
    const input = JSON.parse('{"a":{"__proto__":{"x":1},"constructor":2},"b":[{"__proto__":null}]}');
    const { value, protoKeys } = plainCopy(input);
    expect(value).toEqual({ a: { constructor: 2 }, b: [{}] });
    expect(Object.getPrototypeOf((value as { a: object }).a)).toBe(Object.prototype);
    expect(protoKeys.map((p) => p.join("."))).toEqual(["a.__proto__", "b.0.__proto__"]);
  });

  it("compare, look for unknowns and unwrap secrets at any depth without overflowing", () => {
    const d = deep(100_000);
    expect(jsonEqual(d, deep(100_000))).toBe(true);
    expect(jsonEqual(d, deep(99_999))).toBe(false);
    expect(containsUnknown(d)).toBe(false);
    expect(() => unwrapSecrets(d)).not.toThrow();
    expect(() => secretStrings({ parameters: deep(100_000, "object") }, ["parameters"])).not.toThrow();
  });
});
