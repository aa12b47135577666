/**
 * Deployment's wire mapping, each direction written once: canonical arguments -> `CreateLocalTargetAssignmentPayload`
 * (enums as the spec's integers), and a `LocalTargetAssignmentResource` -> canonical arguments and outputs. The
 * answer's fields are decoded once (`models/wire.ts`); a MaintenanceSession's run reads the same fields of the
 * deployment it enforces ({@link decodeRunDeployment}).
 */
import { z } from "zod";
import { LifecycleError } from "./errors";
import {
  DatabaseType,
  DesiredSoftwareState,
  MaintenanceTaskMode,
  MaintenanceType,
  SoftwareProviderType,
  TargetEnforcement,
  TargetGroupFilter,
  TargetType,
  type DesiredSoftwareStateName,
  type MaintenanceTypeName,
  type WireEnum,
} from "./models/enums";
import { dropUndefined, nonEmpty, targetFromWire, targetToWire, targetWireFields } from "./models/target";
import { decodeAnswer, enumOrNull, enumValue, flag, flagOrNull, int, intOrNull, isEchoable, text, textOrNull, type Answer } from "./models/wire";
import type { DeploymentInputs, DeploymentOutputs } from "./deployment";

type Wire = Record<string, unknown>;

/** Desired states that name a version (and need one). */
export const VERSIONED: readonly DesiredSoftwareStateName[] = ["ThisVersion", "NewerOrEqualVersion", "OlderOrEqualVersion"];

/** The item's kind and id on the wire. */
export function itemToWire(v: DeploymentInputs): { maintenanceType: MaintenanceTypeName; maintenanceIdentifier: string } {
  if (v.software) return { maintenanceType: v.software.scope === "Local" ? "LocalSoftware" : "GlobalSoftware", maintenanceIdentifier: v.software.id };
  if (v.task) return { maintenanceType: v.task.scope === "Global" ? "GlobalMaintenanceTask" : "LocalMaintenanceTask", maintenanceIdentifier: v.task.id };
  throw new LifecycleError("IMMYBOT_INVALID_ARGUMENTS", "a Deployment needs software or task");
}

/** Canonical arguments -> `CreateLocalTargetAssignmentPayload` (with `id`: the PUT body). Every field explicit, enums as integers. */
export function toWire(v: DeploymentInputs, id?: number): Wire {
  const item = itemToWire(v);
  return {
    ...(id === undefined ? {} : { id }),
    maintenanceType: MaintenanceType.toInt(item.maintenanceType),
    maintenanceIdentifier: item.maintenanceIdentifier,
    ...targetToWire(v),
    // Software-only and task-only fields still travel (PUT replaces everything); their neutral values are ours.
    desiredSoftwareState: DesiredSoftwareState.toInt(v.software?.desiredState ?? "NoAction"),
    softwareSemanticVersion: v.software?.version ?? null,
    softwareProviderType: SoftwareProviderType.toInt("Inherent"),
    maintenanceTaskMode: MaintenanceTaskMode.toInt(v.task?.mode ?? "Enforce"),
    taskParameterValues: v.parameters ?? null,
    targetEnforcement: TargetEnforcement.toInt(v.enforcement),
    // ImmyBot keeps both; they must agree (API notes §6).
    onboardingOnly: v.enforcement === "Onboarding",
    excluded: v.disabled,
    licenseId: v.licenseId ?? null,
    providerLinkIdForMaintenanceItem: v.providerLinkIdForMaintenanceItem ?? null,
    visibility: { selfService: v.selfService, technicianPod: v.technicianTools },
  };
}

// ---- answers ---------------------------------------------------------------------------------------------------

/** One parameter value as ImmyBot answers it (`DeploymentParameterValue`): flags never set come back null. */
const parameterAnswer = z.object({ value: z.unknown(), allowOverride: flagOrNull, requiresOverride: flagOrNull });

/** The fields of a `LocalTargetAssignmentResource` this provider reads (see `models/wire.ts` for what is required). */
const deploymentFields = z.object({
  id: int,
  ...targetWireFields,
  onboardingOnly: flag,
  databaseType: enumValue(DatabaseType),
  maintenanceType: enumValue(MaintenanceType),
  maintenanceIdentifier: text,
  // Software-only and task-only fields: older instances answer null where they do not apply (API notes §3).
  desiredSoftwareState: enumOrNull(DesiredSoftwareState),
  softwareSemanticVersionString: textOrNull,
  maintenanceTaskMode: enumOrNull(MaintenanceTaskMode),
  softwareProviderType: enumOrNull(SoftwareProviderType),
  taskParameterValues: z
    .record(z.string(), parameterAnswer, { error: "expected an object of parameter values by name, or null" })
    .nullish()
    .transform((v) => v ?? null),
  licenseId: intOrNull,
  providerLinkIdForMaintenanceItem: intOrNull,
  targetEnforcement: enumValue(TargetEnforcement),
  excluded: flag,
  visibility: z.object({ selfService: flag, technicianPod: flag }, { error: "expected an object with selfService and technicianPod" }),
  notes: textOrNull,
  createdDateUTC: textOrNull,
  updatedDateUTC: textOrNull,
  updatedBy: textOrNull,
});

const isSoftware = (type: MaintenanceTypeName) => type === "GlobalSoftware" || type === "LocalSoftware";
const isTask = (type: MaintenanceTypeName) => type === "GlobalMaintenanceTask" || type === "LocalMaintenanceTask";

/** A software item has a desired state, a task a mode: null there is a broken answer, not a default. */
export const deploymentAnswer = deploymentFields.superRefine((d, ctx) => {
  const type = MaintenanceType.fromWire(d.maintenanceType);
  if (isSoftware(type) && d.desiredSoftwareState === null) {
    ctx.addIssue({ code: "custom", path: ["desiredSoftwareState"], input: null, message: "a software deployment has one" });
  }
  if (isTask(type) && d.maintenanceTaskMode === null) ctx.addIssue({ code: "custom", path: ["maintenanceTaskMode"], input: null, message: "a task deployment has one" });
});

/** The parameters in their long form, or undefined when there are none (as check canonicalises them). */
function parametersFromWire(p: z.output<typeof deploymentFields>["taskParameterValues"]): DeploymentInputs["parameters"] {
  if (p === null || Object.keys(p).length === 0) return undefined;
  return Object.fromEntries(
    Object.entries(p).map(([k, s]) => [k, { value: (s.value ?? null) as z.core.util.JSONType, allowOverride: s.allowOverride ?? false, requiresOverride: s.requiresOverride ?? false }]),
  );
}

function itemFromWire(w: z.output<typeof deploymentFields>): Pick<DeploymentInputs, "software" | "task"> {
  const type = MaintenanceType.fromWire(w.maintenanceType);
  const id = w.maintenanceIdentifier;
  if (isSoftware(type)) {
    const desiredState = DesiredSoftwareState.fromWire(w.desiredSoftwareState);
    const version = VERSIONED.includes(desiredState) ? nonEmpty(w.softwareSemanticVersionString) : undefined;
    return { software: dropUndefined({ id, scope: type === "LocalSoftware" ? ("Local" as const) : ("Global" as const), desiredState, version }) };
  }
  if (isTask(type)) {
    return { task: { id, scope: type === "GlobalMaintenanceTask" ? "Global" : "Local", mode: MaintenanceTaskMode.fromWire(w.maintenanceTaskMode) } };
  }
  throw new LifecycleError(
    "IMMYBOT_UNSUPPORTED_ITEM",
    `Deployment ${String(w.id)} deploys a ${type} item, which this provider does not manage (it manages global and local software and tasks).`,
  );
}

/**
 * A `LocalTargetAssignmentResource` (from the route `at`, for messages) -> canonical arguments and outputs; a
 * missing or mistyped field is an error naming the route and the field (parameter values are never quoted).
 */
export function fromWire(body: unknown, at?: Answer): { id: string; inputs: DeploymentInputs; outputs: DeploymentOutputs } {
  const w = decodeAnswer(deploymentAnswer, body, "a deployment", at, ["taskParameterValues"]);
  const inputs = dropUndefined({
    ...targetFromWire(w),
    ...itemFromWire(w),
    parameters: parametersFromWire(w.taskParameterValues),
    enforcement: TargetEnforcement.fromWire(w.targetEnforcement),
    disabled: w.excluded,
    selfService: w.visibility.selfService,
    technicianTools: w.visibility.technicianPod,
    notes: nonEmpty(w.notes),
    licenseId: w.licenseId ?? undefined,
    providerLinkIdForMaintenanceItem: w.providerLinkIdForMaintenanceItem ?? undefined,
  }) as DeploymentInputs;
  const outputs: DeploymentOutputs = {
    ...inputs,
    databaseType: DatabaseType.fromWire(w.databaseType),
    ...itemToWire(inputs),
    createdAt: w.createdDateUTC,
    updatedAt: w.updatedDateUTC,
    updatedBy: w.updatedBy,
  };
  return { id: String(w.id), inputs, outputs };
}

// ---- the deployment a run enforces -----------------------------------------------------------------------------

/** Enums a run sends back as integers: a name this provider does not know cannot be. */
const ECHOED: readonly (readonly [keyof RunDeployment, Pick<WireEnum<string>, "enumName" | "names">])[] = [
  ["databaseType", DatabaseType],
  ["maintenanceType", MaintenanceType],
  ["desiredSoftwareState", DesiredSoftwareState],
  ["maintenanceTaskMode", MaintenanceTaskMode],
  ["softwareProviderType", SoftwareProviderType],
  ["targetType", TargetType],
  ["targetGroupFilter", TargetGroupFilter],
];

/** What a MaintenanceSession's run takes from its deployment: the item (API notes §4.6) and the target (for the target preview). */
const runDeploymentAnswer = deploymentFields
  .pick({
    ...Object.fromEntries(Object.keys(targetWireFields).map((k) => [k, true])),
    onboardingOnly: true,
    databaseType: true,
    maintenanceType: true,
    maintenanceIdentifier: true,
    desiredSoftwareState: true,
    softwareSemanticVersionString: true,
    maintenanceTaskMode: true,
    softwareProviderType: true,
    taskParameterValues: true,
    licenseId: true,
    providerLinkIdForMaintenanceItem: true,
  } as { [K in keyof typeof targetWireFields | "onboardingOnly" | "databaseType" | "maintenanceType" | "maintenanceIdentifier" | "desiredSoftwareState" | "softwareSemanticVersionString" | "maintenanceTaskMode" | "softwareProviderType" | "taskParameterValues" | "licenseId" | "providerLinkIdForMaintenanceItem"]: true })
  .superRefine((d, ctx) => {
    for (const [key, e] of ECHOED) {
      const value = d[key];
      if (value !== null && !isEchoable(e, value)) ctx.addIssue({ code: "custom", path: [key], input: value, message: `neither an integer nor a name of ${e.enumName}` });
    }
  });

/** The deployment a run enforces, enums as they came (integers, or names this provider knows). */
export type RunDeployment = z.output<typeof runDeploymentAnswer>;

/** A `LocalTargetAssignmentResource` (from the route `at`) -> what a run needs of it; an error names a missing or mistyped field. */
export function decodeRunDeployment(body: unknown, at?: Answer): RunDeployment {
  return decodeAnswer(runDeploymentAnswer, body, "a deployment", at, ["taskParameterValues"]);
}
