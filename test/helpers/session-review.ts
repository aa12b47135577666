/**
 * A sandbox holding a known history of maintenance sessions, for the session lookups and the report command: runs
 * started through the API (`POST /run-immy-service`) on days a test clock moves through, then the clock set to
 * {@link REVIEW_NOW}. One fleet per test file (beforeAll), shared by its tests, which only read.
 *
 *   id  day    target                       deployment  status at REVIEW_NOW
 *   1   05-26  CONTOSO-FS01 (5, Contoso)    A           PartialPassed
 *   2   05-26  CONTOSO-WS001 (6, Contoso)   A           Passed
 *   3   05-26  CONTOSO-LT022 (8, Contoso)   A           Failed
 *   4   05-30  FAB-DC01 (11, Fabrikam)      B           Passed
 *   5   05-30  FAB-WS101 (12, Fabrikam)     B           Running (never finishes)
 *   6   05-30  FAB-LT201 (13, Fabrikam)     B           Passed
 *   7   05-30  CONTOSO-WS001 (6)            none        Passed
 *   8   05-30  CONTOSO-LT014 (7, offline)   none        Failed (offline, Skip)
 *   9   05-30  tenant Contoso (cloud)       none        Passed (full maintenance)
 *   10-12 06-01 CONTOSO-DC01/DC02/WS001     A           Passed
 *   13-14 06-01 LABS-BUILD01/LABS-WS01      none        Passed
 *   15  06-02  CONTOSO-DC01 (3)             A and C     Passed (full maintenance: one action per deployment)
 *   16  06-02  CONTOSO-LT022 (8)            A and C     Failed (full maintenance)
 *   17  06-02  FAB-DC01 (11)                B           Passed (schedule S at its time: started by nobody)
 *   18  06-02  FAB-DC01 (11)                B           Passed (schedule S's run-now through the API)
 *
 * Deployments: A 7-Zip for Contoso, B 7-Zip for Fabrikam, C Google Chrome for Contoso (all Required, every
 * computer of the tenant). Schedule S: full maintenance of FAB-DC01.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { ImmyBotClient, resolveSettings, type Settings } from "../../provider/client";
import { Sandbox } from "../../sandbox/server";

/** The moment the lookups run at: every session but 5 has ended. */
export const REVIEW_NOW = Date.parse("2025-06-02T12:00:00.000Z");

/** 7-Zip (global software 303), latest, enums as integers. */
const SEVEN_ZIP = { maintenanceType: 0, maintenanceIdentifier: "303", desiredSoftwareState: 5, softwareProviderType: 3 };
/** Google Chrome (global software 114), latest. */
const CHROME = { ...SEVEN_ZIP, maintenanceIdentifier: "114" };

export interface ReviewFleet {
  sandbox: () => Sandbox;
  client: () => ImmyBotClient;
  /** The sandbox's settings, as IMMYBOT_* variables would give them. */
  env: () => Record<string, string>;
  settings: () => Settings;
  /** The deployments the runs used: A (Contoso's 7-Zip), B (Fabrikam's 7-Zip), C (Contoso's Chrome). */
  deployments: () => { A: number; B: number; C: number };
  /** Schedule S's id. */
  scheduleId: () => number;
  /** Moves the sandbox's clock (ms since the epoch). */
  setNow: (ms: number) => void;
}

/** Registers the file's beforeAll / afterAll that build the fleet above and stop it. */
export function useReviewFleet(): ReviewFleet {
  let now = Date.parse("2025-05-26T09:00:00.000Z");
  let sandbox: Sandbox | undefined;
  let client: ImmyBotClient | undefined;
  let env: Record<string, string> = {};
  let deployments = { A: 0, B: 0, C: 0 };
  let scheduleId = 0;

  beforeAll(async () => {
    sandbox = await Sandbox.start({ now: () => new Date(now) });
    const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
    env = { IMMYBOT_BASE_URL: baseUrl, IMMYBOT_TOKEN_URL: tokenUrl, IMMYBOT_CLIENT_ID: clientId, IMMYBOT_CLIENT_SECRET: clientSecret };
    client = new ImmyBotClient(resolveSettings(() => undefined, env));
    const deployment = (tenantId: number, item = SEVEN_ZIP) =>
      sandbox!.createDeployment({ ...item, targetType: "AllForTenant", tenantId, targetEnforcement: "Required" }).id;
    deployments = { A: deployment(2), B: deployment(4), C: deployment(2, CHROME) };
    const run = async (body: Record<string, unknown>) => {
      const answer = await client!.post<{ sessionsStarted: unknown[] }>("/api/v1/run-immy-service", { offlineBehavior: 2, ...body });
      expect(answer?.sessionsStarted?.length).toBeGreaterThan(0);
      now += 60_000;
    };
    const computers = (ids: number[]) => ids.map((computerId) => ({ computerId }));
    const forDeployment = (id: number) => ({ deploymentId: id, deploymentType: 1, maintenanceParams: SEVEN_ZIP });

    await run({ computers: computers([5, 6, 8]), ...forDeployment(deployments.A) });
    now = Date.parse("2025-05-30T10:00:00.000Z");
    await run({ computers: computers([11, 12, 13]), ...forDeployment(deployments.B) });
    await run({ computers: computers([6]), maintenanceParams: SEVEN_ZIP });
    await run({ computers: computers([7]), maintenanceParams: SEVEN_ZIP, offlineBehavior: 1 });
    await run({ tenants: [{ tenantId: 2 }], fullMaintenance: true });
    now = Date.parse("2025-06-01T08:00:00.000Z");
    await run({ computers: computers([3, 4, 6]), ...forDeployment(deployments.A) });
    await run({ computers: computers([9, 10]), maintenanceParams: SEVEN_ZIP });
    now = Date.parse("2025-06-02T06:00:00.000Z");
    await run({ computers: computers([3, 8]), fullMaintenance: true });
    scheduleId = sandbox.createSchedule({ targetType: "Computer", targetCategory: "Computer", target: "11", time: "07:00", offlineBehavior: "Skip" }).id;
    now = Date.parse("2025-06-02T07:00:00.000Z");
    expect(sandbox.fireSchedule(scheduleId)).toEqual([17]);
    now += 60_000;
    expect((await client.post(`/api/v1/schedules/${scheduleId}/run-now`)) ?? null).toBeNull();
    now = REVIEW_NOW;
    expect(sandbox.sessions().map((s) => s.id)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    // The clock jumped a week past the token's expiry: renew it now, so the tests' request logs hold only their own requests.
    await client.get("/api/v1/tenants");
  });

  afterAll(async () => {
    await client?.close();
    await sandbox?.stop();
  });

  return {
    sandbox: () => sandbox!,
    client: () => client!,
    env: () => env,
    settings: () => client!.settings,
    deployments: () => deployments,
    scheduleId: () => scheduleId,
    setNow: (ms) => {
      now = ms;
    },
  };
}
