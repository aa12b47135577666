/**
 * The server's checks on a bound RunImmyServiceRequestBody, against the seed and the deployment store, before any
 * session is created. Like the schedule and deployment rules: one function per rule, complaints keyed by the .NET
 * property name (nested ones as "MaintenanceParams.MaintenanceIdentifier"), each saying what to send instead.
 *
 * - Targets: exactly one of computers / tenants / persons is a non-empty list, and every id is in the seed
 *   (persons are the computers' primary persons).
 * - `deploymentId` with deploymentType Local names a stored deployment (Global deployments are not modelled, so
 *   their ids are taken as they come).
 * - `maintenanceParams` is required unless fullMaintenance; its software or task must be in the seed and not be a
 *   configuration task; a desired state that needs a version needs `semanticVersion`.
 * - `updateTime` is "HH:mm" (24 h); `timeZoneInfoId` a known zone. promptTimeoutMinutes takes any int32, as for
 *   schedules.
 * - Enums must be defined members: like deployments, a left-out offlineBehavior or softwareProviderType (0, no
 *   such member) is refused (API notes §6 row 4: always send them).
 */
import { deployedItem, enumProblems } from "./deployment-rules";
import type { FieldErrors } from "./http";
import type { Seed } from "./seed";
import type { MaintenanceParams, RunFields, TargetEntry } from "./session-model";
import { parseVersion } from "./semver";
import type { Problem } from "./targets";
import { timeZoneProblem } from "./timezones";
import { DEPLOYMENT_ENUMS, LOOKUP_ENUMS, MAINTENANCE_PARAMS_ENUMS, memberName, RUN_REQUEST_ENUMS } from "./wire-enums";

export interface SessionRuleContext {
  seed: Seed;
  /** True when a local deployment (target assignment) with this id is stored. */
  deploymentExists: (id: number) => boolean;
}

/** All problems with `f`; an empty object means the sessions may be created. */
export function runRequestProblems(f: RunFields, ctx: SessionRuleContext): FieldErrors {
  const enums = enumProblems(f, RUN_REQUEST_ENUMS);
  const paramEnums = f.maintenanceParams ? enumProblems(f.maintenanceParams, MAINTENANCE_PARAMS_ENUMS).map(([k, m]): Problem => [`MaintenanceParams.${k}`, m]) : [];
  const badParamEnums = new Set(paramEnums.map(([field]) => field));
  const problems = [
    ...enums,
    ...targetListProblems(f, ctx.seed),
    ...(enums.some(([field]) => field === "DeploymentType") ? [] : deploymentProblems(f, ctx)),
    ...paramEnums,
    ...(badParamEnums.size > 0 ? [] : itemProblems(f, ctx.seed)),
    ...updateTimeProblems(f),
  ];
  const errors: FieldErrors = {};
  for (const [field, message] of problems) (errors[field] ??= []).push(message);
  return errors;
}

const LISTS = [
  { field: "computers", key: "Computers", what: "computer", list: "GET /api/v1/computers", example: '"computers": [{ "computerId": 6 }]' },
  { field: "tenants", key: "Tenants", what: "tenant", list: "GET /api/v1/tenants", example: '"tenants": [{ "tenantId": 2 }]' },
  { field: "persons", key: "Persons", what: "person", list: "GET /api/v1/computers/{id} (primaryPerson)", example: '"persons": [{ "personId": 2 }]' },
] as const;

function targetListProblems(f: RunFields, seed: Seed): Problem[] {
  const given = LISTS.filter((l) => (f[l.field]?.length ?? 0) > 0);
  if (given.length === 0) {
    return [["Computers", `give the targets: exactly one of computers, tenants or persons must be a non-empty list (e.g. ${LISTS[0].example}).`]];
  }
  if (given.length > 1) {
    const names = given.map((l) => l.field).join(" and ");
    return given.slice(1).map((l): Problem => [l.key, `${names} are both set; send exactly one of computers, tenants or persons (start one request per kind of target).`]);
  }
  const list = given[0]!;
  const exists = { computers: (id: number) => seed.computer(id), tenants: (id: number) => seed.tenant(id), persons: (id: number) => seed.person(id) }[list.field];
  const missing = [...new Set((f[list.field] as TargetEntry[]).map((t) => t.id).filter((id) => !exists(id)))];
  if (missing.length === 0) return [];
  const which = missing.length === 1 ? `${list.what} ${missing[0]}` : `${list.what}s ${missing.join(", ")}`;
  return [[list.key, `there is no ${which}; ${list.list} lists them.`]];
}

const LOCAL = LOOKUP_ENUMS.databaseType.values.Local;

function deploymentProblems(f: RunFields, ctx: SessionRuleContext): Problem[] {
  if (f.deploymentId === null || f.deploymentType !== LOCAL || ctx.deploymentExists(f.deploymentId)) return [];
  return [["DeploymentId", `there is no deployment ${f.deploymentId} (deploymentType Local); GET /api/v1/target-assignments lists them, or send deploymentId null.`]];
}

const M = DEPLOYMENT_ENUMS.maintenanceType.values;
const STATE = DEPLOYMENT_ENUMS.desiredSoftwareState.values;
const LISTED: Partial<Record<number, { noun: string; list: string }>> = {
  [M.GlobalSoftware]: { noun: "global software", list: "GET /api/v1/software/global" },
  [M.LocalSoftware]: { noun: "local software", list: "GET /api/v1/software/local" },
  [M.GlobalMaintenanceTask]: { noun: "global maintenance task", list: "GET /api/v1/maintenance-tasks/global" },
  [M.LocalMaintenanceTask]: { noun: "local maintenance task", list: "GET /api/v1/maintenance-tasks/local" },
};
const VERSIONED = new Set([STATE.ThisVersion, STATE.NewerOrEqualVersion, STATE.OlderOrEqualVersion]);

function itemProblems(f: RunFields, seed: Seed): Problem[] {
  const p = f.maintenanceParams;
  if (p === null) {
    if (f.fullMaintenance) return [];
    return [
      [
        "MaintenanceParams",
        'maintenanceParams is required unless fullMaintenance is true: name the item to run, e.g. { "maintenanceType": "GlobalSoftware", "maintenanceIdentifier": "303", "desiredSoftwareState": "LatestVersion", "softwareProviderType": "Inherent" }.',
      ],
    ];
  }
  return [...listedItemProblems(p, seed), ...versionProblems(p)];
}

function listedItemProblems(p: MaintenanceParams, seed: Seed): Problem[] {
  const listed = LISTED[p.maintenanceType];
  if (!listed) return []; // Chocolatey / Ninite packages, Windows and agent updates are not in the seed
  const typeName = memberName(MAINTENANCE_PARAMS_ENUMS.maintenanceType, p.maintenanceType);
  const key = (p.maintenanceIdentifier ?? "").trim();
  if (key === "") {
    return [["MaintenanceParams.MaintenanceIdentifier", `maintenanceIdentifier is required for maintenanceType ${typeName}: the ${listed.noun}'s id as a string (e.g. "303").`]];
  }
  const found = deployedItem(p, seed);
  if (!found || found.kind === "other") {
    return [["MaintenanceParams.MaintenanceIdentifier", `there is no ${listed.noun} with id "${key}" (maintenanceType ${typeName}); ${listed.list} lists them.`]];
  }
  if (found.kind === "task" && found.item.isConfigurationTask) {
    return [
      [
        "MaintenanceParams.MaintenanceIdentifier",
        `${found.item.scope.toLowerCase()} task ${found.item.id} "${found.item.name}" is a configuration task, which cannot run on its own: run the software it configures and give the task's parameters in taskParameterValues.`,
      ],
    ];
  }
  return [];
}

function versionProblems(p: MaintenanceParams): Problem[] {
  const isSoftware = p.maintenanceType === M.GlobalSoftware || p.maintenanceType === M.LocalSoftware;
  const version = p.semanticVersion;
  if (isSoftware && VERSIONED.has(p.desiredSoftwareState) && (version === null || version.trim() === "")) {
    const state = memberName(MAINTENANCE_PARAMS_ENUMS.desiredSoftwareState, p.desiredSoftwareState);
    return [["MaintenanceParams.SemanticVersion", `desiredSoftwareState ${state} needs the version: set semanticVersion to a version string, e.g. "24.08"; or use LatestVersion / AnyVersion.`]];
  }
  if (version !== null && parseVersion(version) === undefined) {
    return [["MaintenanceParams.SemanticVersion", `semanticVersion "${version}" is not a version; use e.g. "24.08" or "1.2.3-beta.1", or null.`]];
  }
  return [];
}

/** "HH:mm", 24-hour, minutes after midnight; undefined when the text is not one. */
export function minutesOfDay(time: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

function updateTimeProblems(f: RunFields): Problem[] {
  const problems: Problem[] = [];
  if (f.updateTime !== null && minutesOfDay(f.updateTime) === undefined) {
    problems.push(["UpdateTime", `updateTime "${f.updateTime}" is not a time of day; use 24-hour HH:mm, e.g. "22:00", or null to execute right after detection.`]);
  }
  if (f.timeZoneInfoId !== null) {
    const problem = timeZoneProblem(f.timeZoneInfoId);
    if (problem) problems.push(["TimeZoneInfoId", `timeZoneInfoId: ${problem}`]);
  }
  return problems;
}
