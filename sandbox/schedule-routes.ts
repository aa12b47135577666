/**
 * The five schedule routes. Order of checks follows ASP.NET Core: media type (415), body binding (400),
 * validation (400), then the action itself (path/body id mismatch 400, missing schedule 404).
 */
import { parseInt32, pathInt, readJson } from "./binding";
import { jsonReply, emptyReply, notFoundReply, validationReply, type Reply } from "./http";
import { queryParam, type RequestContext, type Route } from "./router";
import { bindScheduleRequest, type RequestType, type ScheduleFields } from "./schedule-model";
import { scheduleProblems } from "./schedule-rules";
import { API_ACTOR, type ScheduleService } from "./schedules";

export function scheduleRoutes(service: ScheduleService): Route[] {
  return [
    {
      pattern: /^\/api\/v1\/schedules$/i,
      handlers: {
        GET: (ctx) => listSchedules(service, ctx),
        POST: (ctx) => createSchedule(service, ctx),
      },
    },
    {
      pattern: /^\/api\/v1\/schedules\/([^/]+)$/i,
      handlers: {
        GET: (ctx) => getSchedule(service, ctx),
        PUT: (ctx) => updateSchedule(service, ctx),
        DELETE: (ctx) => deleteSchedule(service, ctx),
      },
    },
  ];
}

function listSchedules(service: ScheduleService, ctx: RequestContext): Reply {
  const raw = queryParam(ctx.query, "tenantId");
  // An empty value binds to null for an int? parameter: no filter.
  if (raw === undefined || raw === "") return jsonReply(200, service.list());
  const tenantId = parseInt32(raw);
  if (tenantId === undefined) return validationReply({ tenantId: [`The value '${raw}' is not valid.`] });
  return jsonReply(200, service.list(tenantId));
}

function getSchedule(service: ScheduleService, ctx: RequestContext): Reply {
  const id = scheduleIdOf(ctx);
  if (typeof id !== "number") return id;
  const schedule = service.get(id);
  return schedule ? jsonReply(200, schedule) : notFoundReply();
}

function createSchedule(service: ScheduleService, ctx: RequestContext): Reply {
  const bound = bindAndValidate(ctx, "CreateScheduleRequest");
  if ("reply" in bound) return bound.reply;
  return jsonReply(200, service.create(bound.fields, API_ACTOR));
}

function updateSchedule(service: ScheduleService, ctx: RequestContext): Reply {
  const id = scheduleIdOf(ctx);
  if (typeof id !== "number") return id;
  const bound = bindAndValidate(ctx, "UpdateScheduleRequest");
  if ("reply" in bound) return bound.reply;
  if (bound.id !== id) {
    return validationReply({ Id: [`The id in the body (${bound.id}) must equal the schedule id in the path (${id}).`] });
  }
  const updated = service.replace(id, bound.fields, API_ACTOR);
  return updated ? jsonReply(200, updated) : notFoundReply();
}

function deleteSchedule(service: ScheduleService, ctx: RequestContext): Reply {
  const id = scheduleIdOf(ctx);
  if (typeof id !== "number") return id;
  return service.remove(id) ? emptyReply(200) : notFoundReply();
}

/** The {scheduleId} path segment as an int32, or the 400 ASP.NET gives for a value that does not bind. */
function scheduleIdOf(ctx: RequestContext): number | Reply {
  return pathInt(ctx, "scheduleId");
}

type Bound = { fields: ScheduleFields; id: number } | { reply: Reply };

function bindAndValidate(ctx: RequestContext, type: RequestType): Bound {
  const read = readJson(ctx);
  if ("reply" in read) return read;
  const bound = bindScheduleRequest(read.json, type, ctx);
  if (!bound.ok) return { reply: validationReply(bound.errors) };
  const problems = scheduleProblems(bound.fields);
  if (Object.keys(problems).length > 0) return { reply: validationReply(problems) };
  return { fields: bound.fields, id: bound.id };
}
