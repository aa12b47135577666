/**
 * Talking to a sandbox over plain HTTP from tests (no provider client in between): sandboxes that stop after each
 * test, a token from its Entra-style endpoint, a raw API call that keeps status, headers, text and JSON, and the
 * check of a 200 JSON answer.
 */
import { afterEach, expect } from "vitest";
import { Sandbox, type SandboxInfo, type SandboxOptions } from "../../sandbox/server";

export interface Answer {
  status: number;
  headers: Headers;
  contentType: string | null;
  text: string;
  json: any;
}

/** Starts sandboxes for a test file; every one started in a test is stopped after it. */
export function useSandboxes(): (options?: SandboxOptions) => Promise<Sandbox> {
  const started: Sandbox[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
  });
  return async (options = {}) => {
    const sandbox = await Sandbox.start(options);
    started.push(sandbox);
    return sandbox;
  };
}

/** An access token for the sandbox's own client credentials. */
export async function tokenFor(info: Pick<SandboxInfo, "tokenUrl" | "baseUrl" | "clientId" | "clientSecret">): Promise<string> {
  const res = await fetch(info.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: info.clientId, client_secret: info.clientSecret, scope: `${info.baseUrl}/.default` }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** One request; a string body is sent as is (to test malformed JSON), anything else as JSON. */
export async function api(
  target: string | { info: { baseUrl: string } },
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  init: RequestInit = {},
): Promise<Answer> {
  const baseUrl = typeof target === "string" ? target : target.info.baseUrl;
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(baseUrl + path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
  const text = await res.text();
  const contentType = res.headers.get("content-type");
  return { status: res.status, headers: res.headers, contentType, text, json: contentType?.includes("json") && text ? JSON.parse(text) : undefined };
}

/** 200 with ASP.NET Core's JSON content type (charset included), whatever the body. */
export function expectJsonOk(answer: Answer): void {
  expect(answer.status, answer.text).toBe(200);
  expect(answer.contentType).toBe("application/json; charset=utf-8");
}

/** A sandbox on a clock the test moves by hand, with a raw call that carries its token. */
export interface World {
  sandbox: Sandbox;
  call: (method: string, path: string, body?: unknown) => Promise<Answer>;
  /** Moves the sandbox's clock on by `ms`. */
  advance: (ms: number) => void;
  /** The clock, ms since epoch. */
  now: () => number;
}

/** Starts worlds for a test file (each stopped after its test), their clocks starting at `startAt` (ms). */
export function useWorlds(startAt: number): (options?: SandboxOptions, from?: number) => Promise<World> {
  const start = useSandboxes();
  return async (options = {}, from = startAt) => {
    let t = from;
    const sandbox = await start({ now: () => new Date(t), ...options });
    const token = await tokenFor(sandbox.info);
    return { sandbox, call: (method, path, b) => api(sandbox.info.baseUrl, token, method, path, b), advance: (ms) => (t += ms), now: () => t };
  };
}

/** The JSON of a 200 answer (failing the test on anything else). */
export async function okJson(answer: Promise<Answer>): Promise<any> {
  const a = await answer;
  expectJsonOk(a);
  return a.json;
}
