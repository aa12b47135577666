/**
 * What the scenario tests share: a sandbox (maintenance sessions 20x faster than real time), started before the
 * file's first test and stopped after its last, the provider config each operation's host gets (its credentials),
 * and the environment a program's lookups read (IMMYBOT_*), as `npm start` sets it.
 */
import { afterAll, beforeAll } from "vitest";
import { Sandbox, type RequestLogEntry, type SandboxOptions } from "../../sandbox/server";
import { scheduleClock, type ScheduleClock } from "./clock";

export interface ScenarioContext {
  sandbox: Sandbox;
  /** The sandbox's clock: it crosses no detection time on a 5-minute mark for 5 minutes (see clock.ts). */
  clock: ScheduleClock;
  /** `immybot:*` stack config with the sandbox's credentials, for the Engine's `hostConfig`. */
  hostConfig: Record<string, string>;
  /** IMMYBOT_* for the program's lookups. */
  env: Record<string, string>;
}

/** Registers the hooks; the returned object is filled in before the first test. `options` add to the sandbox's (e.g. a seed). */
export function useScenario(options: SandboxOptions = {}): ScenarioContext {
  const ctx = {} as ScenarioContext;
  beforeAll(async () => {
    // Scenarios compare the sandbox's schedules (nextOccurenceDate included) before and after: a clock that passes
    // no detection time while the file runs keeps them comparable.
    const clock = scheduleClock(5);
    const sandbox = await Sandbox.start({ port: 0, sessionTimeScale: 20, sessionEnqueueDelayMs: 200, now: clock.now, ...options });
    const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
    Object.assign(ctx, {
      sandbox,
      clock,
      hostConfig: { "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret },
      env: { IMMYBOT_BASE_URL: baseUrl, IMMYBOT_TOKEN_URL: tokenUrl, IMMYBOT_CLIENT_ID: clientId, IMMYBOT_CLIENT_SECRET: clientSecret },
    });
  });
  afterAll(async () => {
    await ctx.sandbox?.stop();
  });
  return ctx;
}

/**
 * Requests that change something in ImmyBot: POST, PUT and DELETE under /api/v1/, and a session's cancel (a GET).
 * ImmyBot's target preview is a POST that changes nothing: not a write.
 */
export function writeRequests(sandbox: Sandbox): string[] {
  return sandbox.requests.filter(isWrite).map((r) => `${r.method} ${r.path}`);
}

export const TARGET_PREVIEW = "/api/v1/target-assignments/target-preview";

function isWrite(r: RequestLogEntry): boolean {
  if (/\/cancel(\/|$)/i.test(r.path)) return true;
  if (r.method === "POST" && r.path.toLowerCase() === TARGET_PREVIEW) return false;
  return ["POST", "PUT", "DELETE", "PATCH"].includes(r.method) && r.path.startsWith("/api/v1/");
}
