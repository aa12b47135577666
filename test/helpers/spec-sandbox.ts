/**
 * The common part of the contract tests (test/contract): one sandbox for the whole file, started before its first
 * test and stopped after its last (the tests walk through one course of requests and build on each other's state),
 * its token, a raw call, and the check that a 200 answer is JSON the spec documents for the route. Also the error
 * body ImmyBot sends, which the spec does not document.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { Sandbox, type SandboxOptions } from "../../sandbox/server";
import { SpecValidator } from "./openapi";
import { api, expectJsonOk, tokenFor, type Answer } from "./sandbox-http";

export interface SpecSandbox {
  spec: SpecValidator;
  /** The file's sandbox; there is one from the file's beforeAll on. */
  sandbox: () => Sandbox;
  /** A request with the sandbox's token, or with `bearer` (null: none). */
  call: (method: string, path: string, body?: unknown, bearer?: string | null) => Promise<Answer>;
  /** A 200 JSON answer whose body the spec accepts for `method template`; returns the body. */
  expectSpecBody: (answer: Answer, method: string, template: string, message?: string) => any;
}

/** Registers the file's beforeAll / afterAll and returns what its tests call. */
export function useSpecSandbox(options: SandboxOptions = {}): SpecSandbox {
  const spec = new SpecValidator();
  let sandbox: Sandbox | undefined;
  let token: string;

  beforeAll(async () => {
    sandbox = await Sandbox.start(options);
    token = await tokenFor(sandbox.info);
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  return {
    spec,
    sandbox: () => sandbox!,
    call: (method, path, body, bearer = token) => api(sandbox!, bearer, method, path, body),
    expectSpecBody: (answer, method, template, message) => {
      expectJsonOk(answer);
      expect(spec.validateResponse(method, template, answer.json).errors, message).toEqual([]);
      return answer.json;
    },
  };
}

/**
 * ASP.NET Core's ValidationProblemDetails / ProblemDetails (RFC 9457), as ImmyBot sends them: the spec documents
 * no error bodies, so this JSON schema stands in. `errors` only on a 400.
 */
export const PROBLEM_DETAILS = {
  type: "object",
  required: ["type", "title", "status"],
  properties: {
    type: { type: "string", pattern: "^https://tools\\.ietf\\.org/html/rfc9110#section-" },
    title: { type: "string", minLength: 1 },
    status: { type: "integer" },
    traceId: { type: "string" },
    errors: { type: "object", additionalProperties: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1 } },
  },
  additionalProperties: false,
};
