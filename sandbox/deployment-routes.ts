/**
 * The target-assignment (local deployment) routes, plus notes and the computer target preview. Order of checks
 * follows ASP.NET Core, as for schedules: media type (415), body binding (400), validation against the seed
 * (400), then the action (path/body id mismatch 400, missing deployment 404).
 */
import { bindObject, bool, enumOf, nullableInt, pathInt, readJson, text, uuid, type FieldKind } from "./binding";
import { bindDeploymentRequest, type DeploymentFields, type DeploymentRequestType } from "./deployment-model";
import { deploymentProblems, enumProblems } from "./deployment-rules";
import type { DeploymentService } from "./deployments";
import { emptyReply, jsonReply, notFoundReply, validationReply, type FieldErrors, type Reply } from "./http";
import { targetedComputer } from "./lookups";
import { idSegment, type RequestContext, type Route } from "./router";
import { API_ACTOR } from "./schedules";
import { globalDeploymentRoutes } from "./global-deployments";
import { SEED_EPOCH, type Seed } from "./seed";
import { targetedComputers, targetProblems, type PreviewRequest } from "./targets";
import { DEPLOYMENT_ENUMS } from "./wire-enums";

/** The real API's other routes under /target-assignments/ (none served here but target-preview): not deployment ids. */
const TARGET_ASSIGNMENT_ROUTES = [
  "global",
  "change-request",
  "change-requests",
  "maintenance-item-orders",
  "update-maintenance-item-order",
  "recommended-approvals",
  "optional-target-assignment-approvals",
  "batch-update",
  "duplicates",
  "duplicate",
  "visibility",
  "tenant-target-preview",
  "target-preview",
  "persons-target-preview",
  "migrate-to-superseding-assignment",
  "migrate-to-superseding-assignment-what-if",
  "migrate-deployments-to-provider-links",
];

export function deploymentRoutes(service: DeploymentService, seed: Seed): Route[] {
  return [
    {
      pattern: /^\/api\/v1\/target-assignments$/i,
      handlers: {
        GET: (ctx) => listDeployments(service, ctx),
        POST: (ctx) => createDeployment(service, seed, ctx),
      },
    },
    // Literal segments before {id}, as ASP.NET ranks them.
    { pattern: /^\/api\/v1\/target-assignments\/target-preview$/i, handlers: { POST: (ctx) => previewTargets(seed, ctx) } },
    ...globalDeploymentRoutes(seed, SEED_EPOCH),
    { pattern: /^\/api\/v1\/target-assignments\/([^/]+)\/notes$/i, handlers: { POST: (ctx) => updateNotes(service, ctx) } },
    {
      pattern: new RegExp(`^/api/v1/target-assignments/${idSegment(TARGET_ASSIGNMENT_ROUTES)}$`, "i"),
      handlers: {
        GET: (ctx) => getDeployment(service, ctx),
        PUT: (ctx) => updateDeployment(service, seed, ctx),
        DELETE: (ctx) => deleteDeployment(service, ctx),
      },
    },
  ];
}

function listDeployments(service: DeploymentService, ctx: RequestContext): Reply {
  const result = service.query(ctx.query);
  return Array.isArray(result) ? jsonReply(200, result) : result;
}

function getDeployment(service: DeploymentService, ctx: RequestContext): Reply {
  const id = pathInt(ctx, "id");
  if (typeof id !== "number") return id;
  const deployment = service.get(id);
  return deployment ? jsonReply(200, deployment) : notFoundReply();
}

function createDeployment(service: DeploymentService, seed: Seed, ctx: RequestContext): Reply {
  const bound = bindAndValidate(ctx, seed, "CreateLocalTargetAssignmentPayload");
  if ("reply" in bound) return bound.reply;
  return jsonReply(200, service.create(bound.fields, API_ACTOR));
}

function updateDeployment(service: DeploymentService, seed: Seed, ctx: RequestContext): Reply {
  const id = pathInt(ctx, "id");
  if (typeof id !== "number") return id;
  const bound = bindAndValidate(ctx, seed, "UpdateLocalTargetAssignmentPayload");
  if ("reply" in bound) return bound.reply;
  if (bound.id !== id) {
    return validationReply({ Id: [`The id in the body (${bound.id}) must equal the deployment id in the path (${id}).`] });
  }
  const updated = service.replace(id, bound.fields, API_ACTOR);
  return updated ? jsonReply(200, updated) : notFoundReply();
}

function deleteDeployment(service: DeploymentService, ctx: RequestContext): Reply {
  const id = pathInt(ctx, "id");
  if (typeof id !== "number") return id;
  return service.remove(id) ? emptyReply(200) : notFoundReply();
}

/** UpdateNotesPayload `{notes}` -> an empty 200; the notes are stored with who set them and when. */
function updateNotes(service: DeploymentService, ctx: RequestContext): Reply {
  const id = pathInt(ctx, "id");
  if (typeof id !== "number") return id;
  const read = readJson(ctx);
  if ("reply" in read) return read.reply;
  const bound = bindObject<{ notes: string | null }>(read.json, "UpdateNotesPayload", { notes: text }, false);
  if (!bound.ok) return validationReply(bound.errors);
  return service.setNotes(id, bound.fields.notes, API_ACTOR) ? emptyReply(200) : notFoundReply();
}

type Bound = { fields: DeploymentFields; id: number } | { reply: Reply };

function bindAndValidate(ctx: RequestContext, seed: Seed, type: DeploymentRequestType): Bound {
  const read = readJson(ctx);
  if ("reply" in read) return read;
  const bound = bindDeploymentRequest(read.json, type, ctx);
  if (!bound.ok) return { reply: validationReply(bound.errors) };
  const problems = deploymentProblems(bound.fields, seed);
  if (Object.keys(problems).length > 0) return { reply: validationReply(problems) };
  return { fields: bound.fields, id: bound.id };
}

// ---- target preview --------------------------------------------------------------------------------------------

const PREVIEW_FIELD_KINDS: { readonly [K in keyof PreviewRequest | "providerLinkId" | "providerDeviceGroupType" | "providerClientGroupType" | "allowAccessToParentTenant"]: FieldKind } = {
  targetType: enumOf(DEPLOYMENT_ENUMS.targetType),
  target: text,
  providerLinkId: nullableInt,
  onboardingOnly: bool,
  targetGroupFilter: enumOf(DEPLOYMENT_ENUMS.targetGroupFilter),
  providerDeviceGroupType: uuid,
  providerClientGroupType: uuid,
  tenantId: nullableInt,
  propagateToChildTenants: bool,
  allowAccessToParentTenant: bool,
};

/** CalculateTargetsRequest -> CalculateTargetedComputerResponse[], the seeded computers the target reaches. */
function previewTargets(seed: Seed, ctx: RequestContext): Reply {
  const read = readJson(ctx);
  if ("reply" in read) return read.reply;
  const bound = bindObject<PreviewRequest>(read.json, "CalculateTargetsRequest", PREVIEW_FIELD_KINDS, false, ctx);
  if (!bound.ok) return validationReply(bound.errors);
  const enums = enumProblems(bound.fields, { targetType: DEPLOYMENT_ENUMS.targetType, targetGroupFilter: DEPLOYMENT_ENUMS.targetGroupFilter });
  const errors: FieldErrors = {};
  for (const [field, message] of enums.length > 0 ? enums : targetProblems(bound.fields, seed)) (errors[field] ??= []).push(message);
  if (Object.keys(errors).length > 0) return validationReply(errors);
  return jsonReply(200, targetedComputers(bound.fields, seed).map((c) => targetedComputer(seed, c)));
}
