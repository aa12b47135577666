/**
 * Every argument of every resource, one at a time with a value other than its default, through Pulumi's real
 * dynamic-provider host and the sandbox over HTTP: check, create (the provider's toWire), refresh (the sandbox's
 * answer through fromWire), then a preview of the same program. What comes back must equal what was given, exactly,
 * and the preview must show no change. A MaintenanceSession's arguments are also looked for in the request body
 * the sandbox received for its run, under the spec's names, enums as integers.
 *
 * The tables (test/fixtures/round-trip.ts) are keyed by the models' field lists; the first tests of each resource
 * check that every argument has a row, that no row gives the default, and that the enum members are all there.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { model as deploymentModel } from "../../provider/deployment";
import { model as sessionModel } from "../../provider/maintenance-session-args";
import { DesiredSoftwareState, MaintenanceTaskMode } from "../../provider/models/enums";
import { model as scheduleModel } from "../../provider/schedule";
import { model as tagModel } from "../../provider/tag";
import { model as membershipModel } from "../../provider/tag-membership";
import { unwrapSecrets } from "../../provider/secrets";
import { Sandbox } from "../../sandbox/server";
import {
  DEPLOYMENT,
  DEPLOYMENT_BASE,
  DEPLOYMENT_LEFT_OUT,
  SCHEDULE,
  SCHEDULE_BASE,
  SCHEDULE_LEFT_OUT,
  SESSION,
  SESSION_BASE,
  SESSION_LEFT_OUT,
  SESSION_WIRE,
  MEMBERSHIP,
  MEMBERSHIP_BASE,
  TAG,
  TAG_BASE,
  type Args,
  type Case,
  type Ctx,
} from "../fixtures/round-trip";
import { ProviderHost, serializedProvider, urnFor } from "../helpers/host";
import { fieldShapes } from "../helpers/model-fields";
import { SpecValidator } from "../helpers/openapi";

type Kind = "Schedule" | "Deployment" | "MaintenanceSession" | "Tag" | "TagMembership";
const START = "/api/v1/run-immy-service-new";

let sandbox: Sandbox;
let host: ProviderHost;
let ctx: Ctx;
const providers: Partial<Record<Kind, string>> = {};

beforeAll(async () => {
  // Sessions 100 times faster than real time and visible at once: a run takes about a second.
  sandbox = await Sandbox.start({ port: 0, recordBodies: true, sessionTimeScale: 100, sessionEnqueueDelayMs: 0 });
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  host = await ProviderHost.start();
  for (const kind of ["Schedule", "Deployment", "MaintenanceSession", "Tag", "TagMembership"] as const) providers[kind] = await serializedProvider(kind);
  await host.configure({ "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret });
  const deploy = (fields: Record<string, unknown>) => sandbox.createDeployment({ targetType: "AllForTenant", targetCategory: 0, tenantId: 2, targetEnforcement: 1, softwareProviderType: 3, ...fields }).id;
  ctx = {
    sandbox,
    deployments: {
      sevenZip: deploy({ maintenanceType: 0, maintenanceIdentifier: "303", desiredSoftwareState: 5 }),
      bitLocker: deploy({ maintenanceType: 6, maintenanceIdentifier: "12", desiredSoftwareState: 6, maintenanceTaskMode: 1 }),
      tenantBaseline: deploy({ maintenanceType: 6, maintenanceIdentifier: "30", desiredSoftwareState: 6, targetType: 25, targetCategory: 1, tenantId: null }),
    },
  };
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await sandbox?.stop();
});

interface Row {
  name: string;
  field: string;
  /** The arguments given, functions not yet called. */
  args: (c: Ctx) => Args;
}

const resolve = (v: unknown, c: Ctx): unknown => (typeof v === "function" ? (v as (c: Ctx) => unknown)(c) : v);

/** One row per case: the base, the case's other arguments, then its value; undefined removes a base argument. */
function rows(table: Record<string, readonly Case[]>, base: (c: Ctx) => Args): Row[] {
  return Object.entries(table).flatMap(([field, cases]) =>
    cases.map((k, i) => ({
      name: `${field} = ${typeof k.value === "function" ? "(an existing object's id)" : JSON.stringify(k.value)}${cases.length > 1 ? ` (#${i + 1})` : ""}`,
      field,
      args: (c: Ctx) => {
        const all: Args = { ...base(c), ...k.with, [field]: k.value };
        return Object.fromEntries(Object.entries(all).flatMap(([key, v]) => (v === undefined ? [] : [[key, resolve(v, c)]])));
      },
    })),
  );
}

/** The table covers the model: every argument, no default given, every enum member but the default or one left out with a reason. */
function coverage(fields: object, table: Record<string, readonly Case[]>, leftOut: Record<string, Record<string, string>>, has: { fields: number; enums: boolean } = { fields: 10, enums: true }): void {
  const shapes = fieldShapes(fields);

  it("has a row for every argument of the model, and none for anything else", () => {
    expect(Object.keys(shapes).length).toBeGreaterThanOrEqual(has.fields);
    expect(Object.keys(table).sort()).toEqual(Object.keys(shapes).sort());
    const empty = Object.entries(table).filter(([, cases]) => cases.length === 0).map(([f]) => f);
    expect(empty).toEqual([]);
  });

  it("gives no argument its default", () => {
    const defaults = Object.entries(table).flatMap(([field, cases]) => cases.filter((k) => shapes[field] && "default" in shapes[field] && JSON.stringify(k.value) === JSON.stringify(shapes[field].default)).map(() => field));
    expect(defaults).toEqual([]);
  });

  it("gives every enum member, but the default and those left out with a reason", () => {
    const enums = Object.entries(shapes).filter(([, s]) => s.members);
    // A model said to have none must have none, or its members would go unchecked.
    if (!has.enums) return expect(enums).toEqual([]);
    expect(enums.length).toBeGreaterThan(0);
    for (const [field, s] of enums) {
      const given = new Set((table[field] ?? []).map((k) => k.value));
      const skipped = Object.keys(leftOut[field] ?? {});
      expect(skipped.filter((m) => given.has(m)), `${field}: left out yet given`).toEqual([]);
      const covered = new Set([...given, ...skipped, ...("default" in s ? [s.default] : [])]);
      expect([...covered].sort(), field).toEqual([...s.members!].sort());
    }
  });
}

let serial = 0;

/** Check, create, refresh, preview, then delete, through the host; `inspect` sees the id and the checked inputs. */
async function roundTrip(kind: Kind, given: Args, inspect?: (id: string, inputs: Args) => void): Promise<void> {
  const urn = urnFor(kind, `round-trip-${++serial}`);
  const news = { ...given, __provider: providers[kind] };
  const checked = await host.check(urn, {}, news);
  expect(checked.failures).toEqual([]);
  const created = await host.create(urn, checked.inputs);
  try {
    const read = await host.read(urn, created.id, created.properties, checked.inputs);
    expect(read.id).toBe(created.id);
    const back = unwrapSecrets<Args>(read.inputs);
    const wanted = unwrapSecrets<Args>(checked.inputs);
    // Exactly what was given (in the form the provider stores), and the defaults for the rest.
    expect(Object.fromEntries(Object.keys(given).map((k) => [k, back[k]]))).toEqual(given);
    expect(back).toEqual(wanted);
    // The same program after the refresh: no change.
    const again = await host.check(urn, read.inputs!, news);
    expect(again.failures).toEqual([]);
    expect((await host.diff(urn, created.id, read.properties, again.inputs)).changes).toBe("none");
    inspect?.(created.id, wanted);
  } finally {
    await host.delete(urn, created.id, created.properties);
  }
}

describe("Schedule: every argument round-trips", () => {
  coverage(scheduleModel.fields, SCHEDULE, SCHEDULE_LEFT_OUT);

  it.concurrent.for(rows(SCHEDULE, () => SCHEDULE_BASE))("$name", async (row) => {
    await roundTrip("Schedule", row.args(ctx));
  });
});

describe("Deployment: every argument round-trips", () => {
  coverage(deploymentModel.fields, DEPLOYMENT, DEPLOYMENT_LEFT_OUT);

  it("gives every desired state, task mode and scope of the item", () => {
    const software = DEPLOYMENT.software.map((k) => k.value as { desiredState: string; scope: string });
    const tasks = DEPLOYMENT.task.map((k) => k.value as { mode: string; scope: string });
    expect(new Set(software.map((s) => s.desiredState))).toEqual(new Set(DesiredSoftwareState.names));
    expect(new Set(tasks.map((t) => t.mode))).toEqual(new Set(MaintenanceTaskMode.names));
    expect(new Set(software.map((s) => s.scope))).toEqual(new Set(["Global", "Local"]));
    expect(new Set(tasks.map((t) => t.scope))).toEqual(new Set(["Global", "Local"]));
  });

  it.concurrent.for(rows(DEPLOYMENT, () => DEPLOYMENT_BASE))("$name", async (row) => {
    await roundTrip("Deployment", row.args(ctx));
  });
});

describe("MaintenanceSession: every argument round-trips and reaches the run's request body", () => {
  const spec = new SpecValidator(undefined, { versionAsText: true });
  coverage(sessionModel.fields, SESSION, SESSION_LEFT_OUT);

  it("says where every argument goes on the wire, or that it only steers the provider", () => {
    expect(Object.keys(SESSION_WIRE).sort()).toEqual(Object.keys(sessionModel.fields).sort());
    expect(Object.values(SESSION_WIRE).filter((f) => f !== null).length).toBeGreaterThan(15);
  });

  it.concurrent.for(rows(SESSION, SESSION_BASE))("$name", async (row) => {
    await roundTrip("MaintenanceSession", row.args(ctx), (id, inputs) => {
      const bodies = sandbox.requests
        .filter((r) => r.method === "POST" && r.path === START)
        .map((r) => JSON.parse(r.body!) as Args)
        .filter((b) => b.sessionGroupId === id);
      expect(bodies).toHaveLength(1);
      const body = bodies[0]!;
      expect(spec.validateRequest("POST", START, body).errors).toEqual([]);
      // Every argument, the given ones and the defaults, as the spec names it; the provider's own ones not at all.
      const expected = Object.entries(SESSION_WIRE).flatMap(([k, wire]) => (wire && inputs[k] !== undefined ? [wire(inputs[k])] : []));
      expect(expected.length).toBeGreaterThan(15);
      expect(body).toMatchObject(Object.assign({}, ...expected));
      const steering = Object.entries(SESSION_WIRE).filter(([, wire]) => wire === null).map(([k]) => k);
      expect(steering.filter((k) => k in body)).toEqual([]);
    });
  });
});

describe("Tag: every argument round-trips", () => {
  coverage(tagModel.fields, TAG, {}, { fields: 4, enums: false });

  it.concurrent.for(rows(TAG, () => TAG_BASE))("$name", async (row) => {
    await roundTrip("Tag", row.args(ctx));
  });
});

describe("TagMembership: every argument round-trips", () => {
  coverage(membershipModel.fields, MEMBERSHIP, {}, { fields: 3, enums: false });

  // One at a time: the rows share the seed's tag 1.
  it.for(rows(MEMBERSHIP, () => MEMBERSHIP_BASE))("$name", async (row) => {
    await roundTrip("TagMembership", row.args(ctx));
  });
});
