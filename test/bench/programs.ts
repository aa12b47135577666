/**
 * The benchmark's Pulumi programs and hand-made changes: N/2 schedules and N/2 deployments over four tenants, the
 * same program on the real provider or on the protocol floor (floor-provider.ts: same resources, same names and
 * types, a provider that answers without HTTP), the 10% change, and the 5% changed and 1% deleted by hand.
 */
import { join } from "node:path";
import { REPO } from "../helpers/host";
import type { StackState } from "../helpers/engine";
import type { Mutation } from "./sandbox-process";

const immybot = require(join(REPO, "dist/sdk")) as typeof import("../../sdk");
const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
const { shimFor } = require(join(REPO, "dist/sdk/shim")) as typeof import("../../sdk/shim");
const { propsFor } = require(join(REPO, "dist/sdk/resource")) as typeof import("../../sdk/resource");
const schedule = require(join(REPO, "dist/provider/schedule")) as typeof import("../../provider/schedule");
const deployment = require(join(REPO, "dist/provider/deployment")) as typeof import("../../provider/deployment");

/** The floor provider module, as the shim requires it from a stack's node_modules. */
export const FLOOR_MODULE = "pulumi-immybot/dist/test/bench/floor-provider";

const TENANTS = [1, 2, 3, 4];
const SOFTWARE = ["114", "118", "155", "303"];
const STATES = ["LatestVersion", "AnyVersion", "UpdateIfFound", "NotPresent"] as const;
const DAYS = ["Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"] as const;
const DETECTION_MINUTES = 22 * 60;

export type Provider = "real" | "floor";

/** The same resource as the SDK class declares it (props, output keys, secret outputs), on the floor provider. */
class FloorResource extends pulumi.dynamic.Resource {
  constructor(kind: "Schedule" | "Deployment", name: string, args: Record<string, unknown>) {
    const [outputKeys, secretKeys] = kind === "Schedule" ? [schedule.outputKeys, []] : [deployment.outputKeys, deployment.secretKeys];
    const opts = secretKeys.length ? { additionalSecretOutputs: [...secretKeys] } : undefined;
    super(shimFor(kind, FLOOR_MODULE), name, propsFor(args, outputKeys), opts, "immybot", kind);
  }
}

/** Object i of the program (even: a schedule, odd: a deployment) is changed by the 10% change. */
export const changedByUp = (i: number): boolean => i % 20 === 0 || i % 20 === 11;

/** The program: n/2 schedules and n/2 deployments; `changed(i)` alters object i. */
export function program(n: number, provider: Provider, changed: (i: number) => boolean = () => false): () => object {
  return () => {
    for (let i = 0; i < n / 2; i++) {
      // Detection from 00:00 to 21:59 (execution at 23:00 or 23:30 is then an hour or more later), then the next day.
      const minute = i % DETECTION_MINUTES;
      const args = {
        targetType: "AllForTenant" as const,
        tenantId: TENANTS[i % TENANTS.length]!,
        dayOfWeek: DAYS[Math.floor(i / DETECTION_MINUTES) % DAYS.length]!,
        detectionTime: `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`,
        executionTime: changed(2 * i) ? "23:30" : "23:00",
        timeZone: "Europe/Berlin",
        rebootPreference: "Normal" as const,
      };
      if (provider === "real") new immybot.Schedule(`schedule-${i}`, args);
      else new FloorResource("Schedule", `schedule-${i}`, args);
    }
    for (let i = 0; i < n / 2; i++) {
      const args = {
        software: { id: SOFTWARE[i % SOFTWARE.length]!, desiredState: STATES[Math.floor(i / SOFTWARE.length) % STATES.length]! },
        targetType: "AllForTenant" as const,
        tenantId: TENANTS[i % TENANTS.length]!,
        enforcement: changed(2 * i + 1) ? ("Optional" as const) : ("Required" as const),
      };
      if (provider === "real") new immybot.Deployment(`deployment-${i}`, args);
      else new FloorResource("Deployment", `deployment-${i}`, args);
    }
    return {};
  };
}

/** Changes made by hand before the mixed refresh: every 20th object changed (5%), every 100th deleted (1%). */
export function handMade(state: StackState): Mutation[] {
  return state.resources.flatMap((r, i): Mutation[] => {
    const kind = r.type.endsWith(":Schedule") ? "Schedule" : "Deployment";
    if (i % 100 === 7) return [{ kind, id: Number(r.id), action: "delete" }];
    if (i % 20 === 3) return [{ kind, id: Number(r.id), action: "change" }];
    return [];
  });
}

/**
 * The real state with each resource's `__provider` replaced by the floor's (as the floor program's state holds it,
 * per type): the floor then answers for exactly the resources, and messages of exactly the size, of the real run.
 */
export function onFloor(real: StackState, floor: StackState): StackState {
  const shimOf = new Map(floor.resources.map((r) => [r.type, r.inputs.__provider]));
  return {
    ...real,
    resources: real.resources.map((r) => {
      const shim = shimOf.get(r.type);
      if (shim === undefined) throw new Error(`the floor state has no ${r.type}`);
      return { ...r, inputs: { ...r.inputs, __provider: shim }, outputs: "__provider" in r.outputs ? { ...r.outputs, __provider: shim } : r.outputs };
    }),
  };
}
