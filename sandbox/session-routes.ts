/**
 * The maintenance-session routes. Order of checks follows ASP.NET Core, as for schedules and deployments: media
 * type (415), body binding (400), validation against the seed and the deployments (400), then the action; path
 * ids that do not bind are 400s, unknown (or not yet visible) sessions 404 ProblemDetails.
 *
 * - POST /run-immy-service -> 200 RunImmyServiceResponseBody (the PS module's type; the spec documents no body).
 * - POST /run-immy-service-new -> 202 without a body; the sessions appear a little later (sessions.ts).
 * - GET /maintenance-sessions/{id}?includeActions&includeStages&includeActionActivities, /{id}/logs (the lines whose
 *   time has come), /{id}/last-log (the newest of them).
 * - GET /maintenance-sessions/{id}/cancel (a GET, as in ImmyBot) and POST /maintenance-sessions/cancel
 *   {sessionIds} -> 200 without a body; ended sessions are left as they are, unknown ids in the list ignored.
 * - GET /maintenance-sessions/dx?computerId&tenantId&personId&sessionType + DevExtreme load options.
 *
 * There is no plain list: `GET /maintenance-sessions` is the SPA, as on a real instance (API notes §4.5).
 */
import { pathInt, readJson } from "./binding";
import { emptyReply, jsonReply, notFoundReply, validationReply, type Reply } from "./http";
import { QueryBinder } from "./query";
import { idSegment, type RequestContext, type Route } from "./router";
import { API_ACTOR } from "./schedules";
import type { Seed } from "./seed";
import { applyLoadOptions, type DxField } from "./session-dx";
import { bindCancelRequest, bindRunRequest } from "./session-model";
import type { RunImmyServiceResponse, SessionDxRow } from "./session-responses";
import { runRequestProblems } from "./session-rules";
import type { SessionService, StartRoute } from "./sessions";
import { bindEnum, describeMembers, SESSION_ENUMS } from "./wire-enums";

/** The real API's other routes under /maintenance-sessions/ (not served here but dx and cancel): not session ids. */
const SESSION_ROUTES = ["dx", "cancel", "cancel-all", "rerun", "status-counts", "cancel-for-schedule"];

export interface SessionRouteDeps {
  sessions: SessionService;
  seed: Seed;
  /** True when a local deployment with this id is stored. */
  deploymentExists: (id: number) => boolean;
}

export function sessionRoutes(deps: SessionRouteDeps): Route[] {
  const { sessions } = deps;
  const one = idSegment(SESSION_ROUTES);
  return [
    { pattern: /^\/api\/v1\/run-immy-service$/i, handlers: { POST: (ctx) => startSessions(deps, ctx, "run-immy-service") } },
    { pattern: /^\/api\/v1\/run-immy-service-new$/i, handlers: { POST: (ctx) => startSessions(deps, ctx, "run-immy-service-new") } },
    // Literal segments before {sessionId}, as ASP.NET ranks them.
    { pattern: /^\/api\/v1\/maintenance-sessions\/dx$/i, handlers: { GET: (ctx) => listSessions(sessions, ctx) } },
    { pattern: /^\/api\/v1\/maintenance-sessions\/cancel$/i, handlers: { POST: (ctx) => cancelSessions(sessions, ctx) } },
    { pattern: new RegExp(`^/api/v1/maintenance-sessions/${one}/logs$`, "i"), handlers: { GET: (ctx) => getLogs(sessions, ctx, "all") } },
    { pattern: new RegExp(`^/api/v1/maintenance-sessions/${one}/last-log$`, "i"), handlers: { GET: (ctx) => getLogs(sessions, ctx, "last") } },
    { pattern: new RegExp(`^/api/v1/maintenance-sessions/${one}/cancel$`, "i"), handlers: { GET: (ctx) => cancelSession(sessions, ctx) } },
    { pattern: new RegExp(`^/api/v1/maintenance-sessions/${one}$`, "i"), handlers: { GET: (ctx) => getSession(sessions, ctx) } },
  ];
}

function startSessions(deps: SessionRouteDeps, ctx: RequestContext, route: StartRoute): Reply {
  const read = readJson(ctx);
  if ("reply" in read) return read.reply;
  const bound = bindRunRequest(read.json, ctx);
  if (!bound.ok) return validationReply(bound.errors);
  const problems = runRequestProblems(bound.fields, deps);
  if (Object.keys(problems).length > 0) return validationReply(problems);
  const started = deps.sessions.start(bound.fields, route, API_ACTOR);
  if (route === "run-immy-service-new") return emptyReply(202);
  const answer: RunImmyServiceResponse = { sessionsStarted: started, sessionsAlreadyInProgress: [] };
  return jsonReply(200, answer);
}

function getSession(sessions: SessionService, ctx: RequestContext): Reply {
  const id = pathInt(ctx, "sessionId");
  if (typeof id !== "number") return id;
  const q = new QueryBinder(ctx.query);
  const include = { actions: q.bool("includeActions") ?? false, stages: q.bool("includeStages") ?? false, activities: q.bool("includeActionActivities") ?? false };
  const invalid = q.problems();
  if (invalid) return invalid;
  const session = sessions.get(id, include);
  return session ? jsonReply(200, session) : notFoundReply();
}

function getLogs(sessions: SessionService, ctx: RequestContext, which: "all" | "last"): Reply {
  const id = pathInt(ctx, "sessionId");
  if (typeof id !== "number") return id;
  const logs = sessions.logs(id);
  if (!logs) return notFoundReply();
  if (which === "all") return jsonReply(200, logs);
  // ASP.NET answers a null result with 204; here every visible session has its "Session created" line, so this
  // only guards the shape.
  return logs.length > 0 ? jsonReply(200, logs[logs.length - 1]) : emptyReply(204);
}

function cancelSession(sessions: SessionService, ctx: RequestContext): Reply {
  const id = pathInt(ctx, "sessionId");
  if (typeof id !== "number") return id;
  return sessions.cancel(id, API_ACTOR) ? emptyReply(200) : notFoundReply();
}

function cancelSessions(sessions: SessionService, ctx: RequestContext): Reply {
  const read = readJson(ctx);
  if ("reply" in read) return read.reply;
  const bound = bindCancelRequest(read.json);
  if (!bound.ok) return validationReply(bound.errors);
  for (const id of bound.sessionIds) sessions.cancel(id, API_ACTOR);
  return emptyReply(200);
}

/** What `filter`, `sort` and `select` can name on /maintenance-sessions/dx. */
const DX_FIELDS: DxField<SessionDxRow>[] = [
  { name: "id", type: "int", get: (r) => r.id },
  { name: "sessionStatus", type: "int", get: (r) => r.sessionStatus },
  { name: "statusName", type: "string", get: (r) => r.statusName },
  { name: "computerId", type: "int", get: (r) => r.computerId },
  { name: "computerName", type: "string", get: (r) => r.computerName },
  { name: "tenantId", type: "int", get: (r) => r.tenantId },
  { name: "tenantName", type: "string", get: (r) => r.tenantName },
  { name: "createdDate", type: "date", get: (r) => r.createdDate },
  { name: "updatedDate", type: "date", get: (r) => r.updatedDate },
  { name: "onboardingStageStatus", type: "int", get: (r) => r.onboardingStageStatus },
  { name: "detectionStageStatus", type: "int", get: (r) => r.detectionStageStatus },
  { name: "executionStageStatus", type: "int", get: (r) => r.executionStageStatus },
  { name: "agentUpdatesStageStatus", type: "int", get: (r) => r.agentUpdatesStageStatus },
  { name: "resolutionStageStatus", type: "int", get: (r) => r.resolutionStageStatus },
  { name: "inventoryStageStatus", type: "int", get: (r) => r.inventoryStageStatus },
  { name: "scheduleId", type: "int", get: (r) => r.scheduleId },
  { name: "fullMaintenance", type: "bool", get: (r) => r.fullMaintenance },
  { name: "scheduledExecutionDate", type: "date", get: (r) => r.scheduledExecutionDate },
  { name: "createdBy", type: "string", get: (r) => r.createdBy },
];

function listSessions(sessions: SessionService, ctx: RequestContext): Reply {
  const q = new QueryBinder(ctx.query);
  const computerId = q.int("computerId");
  const tenantId = q.int("tenantId");
  const personId = q.int("personId");
  const rawType = q.string("sessionType");
  let sessionType: number | undefined;
  if (rawType !== undefined) {
    const bound = bindEnum(SESSION_ENUMS.sessionType, rawType);
    if (bound.ok) sessionType = bound.value;
    else q.fail("sessionType", `The value '${rawType}' is not valid: use one of ${describeMembers(SESSION_ENUMS.sessionType)}, by name or integer.`);
  }
  const invalid = q.problems();
  if (invalid) return invalid;
  const applied = applyLoadOptions(sessions.dxRows({ computerId, tenantId, personId, sessionType }), ctx.query, DX_FIELDS);
  return "reply" in applied ? applied.reply : jsonReply(200, applied.result);
}
