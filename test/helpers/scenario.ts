/**
 * What the scenario tests share: a sandbox (maintenance sessions 20x faster than real time) and one dynamic-provider
 * host configured with its credentials, started before the file's first test and stopped after its last, and the
 * environment a program's lookups read (IMMYBOT_*), as `npm start` sets it.
 */
import { afterAll, beforeAll } from "vitest";
import { Sandbox, type RequestLogEntry } from "../../sandbox/server";
import { ProviderHost } from "./host";

export interface ScenarioContext {
  sandbox: Sandbox;
  host: ProviderHost;
  /** IMMYBOT_* for the program's lookups. */
  env: Record<string, string>;
}

/** Registers the hooks; the returned object is filled in before the first test. */
export function useScenario(): ScenarioContext {
  const ctx = {} as ScenarioContext;
  beforeAll(async () => {
    const [sandbox, host] = await Promise.all([Sandbox.start({ port: 0, sessionTimeScale: 20, sessionEnqueueDelayMs: 200 }), ProviderHost.start()]);
    const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
    await host.configure({ "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret });
    Object.assign(ctx, {
      sandbox,
      host,
      env: { IMMYBOT_BASE_URL: baseUrl, IMMYBOT_TOKEN_URL: tokenUrl, IMMYBOT_CLIENT_ID: clientId, IMMYBOT_CLIENT_SECRET: clientSecret },
    });
  });
  afterAll(async () => {
    await ctx.host?.stop();
    await ctx.sandbox?.stop();
  });
  return ctx;
}

/** Requests that change something in ImmyBot: POST, PUT and DELETE under /api/v1/, and a session's cancel (a GET). */
export function writeRequests(sandbox: Sandbox): string[] {
  return sandbox.requests.filter(isWrite).map((r) => `${r.method} ${r.path}`);
}

function isWrite(r: RequestLogEntry): boolean {
  if (/\/cancel(\/|$)/i.test(r.path)) return true;
  return ["POST", "PUT", "DELETE", "PATCH"].includes(r.method) && r.path.startsWith("/api/v1/");
}
