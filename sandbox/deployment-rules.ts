/**
 * The server's checks on a bound deployment, against the seed, before anything is stored. Like the schedule
 * rules: one function per rule, complaints keyed by the .NET property name, each message saying what was wrong
 * and what to send instead (and never quoting a parameter's value, which may be a password).
 */
import type { DeploymentFields } from "./deployment-model";
import type { FieldErrors } from "./http";
import type { ItemScope, Seed, Software, Task } from "./seed";
import { parseVersion } from "./semver";
import { targetProblems, type Problem } from "./targets";
import { describeMembers, DEPLOYMENT_ENUMS, isDefinedMember, memberName, type EnumTable } from "./wire-enums";

const M = DEPLOYMENT_ENUMS.maintenanceType.values;
const STATE = DEPLOYMENT_ENUMS.desiredSoftwareState.values;

/** All problems with `f`; an empty object means the deployment may be stored. */
export function deploymentProblems(f: DeploymentFields, seed: Seed): FieldErrors {
  const enums = enumProblems(f, DEPLOYMENT_ENUMS);
  // A rule that reads an enum only runs when that enum is a member (its own problem says what to send).
  const bad = new Set(enums.map(([field]) => field));
  const problems = [
    ...enums,
    ...(bad.has("MaintenanceType") ? [] : [...itemProblems(f, seed), ...parameterProblems(f, seed)]),
    ...(bad.has("MaintenanceType") || bad.has("DesiredSoftwareState") ? [] : versionProblems(f, seed)),
    ...(bad.has("TargetType") ? [] : targetProblems(f, seed)),
  ];
  const errors: FieldErrors = {};
  for (const [field, message] of problems) (errors[field] ??= []).push(message);
  return errors;
}

const pascal = (name: string): string => name[0]!.toUpperCase() + name.slice(1);

/** Binding takes any integer for an enum, as .NET does; only defined members may be stored. */
export function enumProblems<F>(f: F, tables: { readonly [K in keyof F & string]?: EnumTable }): Problem[] {
  const problems: Problem[] = [];
  for (const [field, table] of Object.entries(tables) as [keyof F & string, EnumTable][]) {
    const value = f[field] as number;
    if (isDefinedMember(table, value)) continue;
    const what = value === 0 ? `${field} is missing or 0, which is not a ${table.enumName}` : `${field} ${value} is not a ${table.enumName}`;
    problems.push([pascal(field), `${what}; send one of ${describeMembers(table)}.`]);
  }
  return problems;
}

/** The item a deployment deploys, by maintenanceType. */
export type DeployedItem = { kind: "software"; item: Software } | { kind: "task"; item: Task } | { kind: "other" };

const ITEM_SCOPES: Partial<Record<number, { kind: "software" | "task"; scope: ItemScope; noun: string; list: string }>> = {
  [M.GlobalSoftware]: { kind: "software", scope: "Global", noun: "global software", list: "GET /api/v1/software/global" },
  [M.LocalSoftware]: { kind: "software", scope: "Local", noun: "local software", list: "GET /api/v1/software/local" },
  [M.GlobalMaintenanceTask]: { kind: "task", scope: "Global", noun: "global maintenance task", list: "GET /api/v1/maintenance-tasks/global" },
  [M.LocalMaintenanceTask]: { kind: "task", scope: "Local", noun: "local maintenance task", list: "GET /api/v1/maintenance-tasks/local" },
};

/** The seeded item `f` points at; undefined when it points at nothing (itemProblems says why). */
export function deployedItem(f: Pick<DeploymentFields, "maintenanceType" | "maintenanceIdentifier">, seed: Seed): DeployedItem | undefined {
  const scope = ITEM_SCOPES[f.maintenanceType];
  if (!scope) return { kind: "other" };
  const key = (f.maintenanceIdentifier ?? "").trim();
  if (!/^\d+$/.test(key)) return undefined;
  const id = Number(key);
  if (scope.kind === "software") {
    const item = seed.softwareItem(scope.scope, id);
    return item && { kind: "software", item };
  }
  const item = seed.task(scope.scope, id);
  return item && { kind: "task", item };
}

const describeItem = (i: Software | Task): string => `${i.scope.toLowerCase()} ${"versions" in i ? "software" : "task"} ${i.id} "${i.name}"`;

function itemProblems(f: DeploymentFields, seed: Seed): Problem[] {
  const key = (f.maintenanceIdentifier ?? "").trim();
  if (key === "") {
    return [["MaintenanceIdentifier", 'maintenanceIdentifier is required: the id of the software or task to deploy, as a string (e.g. "303").']];
  }
  if (f.maintenanceType === M.WindowsUpdate || f.maintenanceType === M.AgentUpdate) {
    return [
      [
        "MaintenanceType",
        `maintenanceType ${memberName(DEPLOYMENT_ENUMS.maintenanceType, f.maintenanceType)} is not deployable; deploy software (GlobalSoftware, LocalSoftware, ChocolateySoftware, NiniteSoftware) or a task (GlobalMaintenanceTask, LocalMaintenanceTask).`,
      ],
    ];
  }
  const scope = ITEM_SCOPES[f.maintenanceType];
  if (!scope) return []; // Chocolatey / Ninite package ids are not in the seed
  const found = deployedItem(f, seed);
  if (!found || found.kind === "other") {
    return [["MaintenanceIdentifier", `there is no ${scope.noun} with id "${key}" (maintenanceType ${memberName(DEPLOYMENT_ENUMS.maintenanceType, f.maintenanceType)}); ${scope.list} lists them.`]];
  }
  if (found.kind === "task" && found.item.isConfigurationTask) {
    const configured = seed.softwareConfiguredBy(found.item).map(describeItem);
    const deployInstead = configured.length > 0 ? `deploy the software it configures (${configured.join(", ")})` : "deploy the software it configures";
    return [
      [
        "MaintenanceIdentifier",
        `${describeItem(found.item)} is a configuration task, which cannot be deployed on its own: ${deployInstead} and give the task's parameters in taskParameterValues.`,
      ],
    ];
  }
  return [];
}

const VERSIONED = new Set([STATE.ThisVersion, STATE.NewerOrEqualVersion, STATE.OlderOrEqualVersion]);

function versionProblems(f: DeploymentFields, seed: Seed): Problem[] {
  const found = deployedItem(f, seed);
  const software = found?.kind === "software" ? found.item : undefined;
  const isSoftware = f.maintenanceType === M.GlobalSoftware || f.maintenanceType === M.LocalSoftware;
  const version = f.softwareSemanticVersion;
  if (isSoftware && VERSIONED.has(f.desiredSoftwareState) && (version === null || version.trim() === "")) {
    const known = software && software.versions.length > 0 ? ` (${software.name} has ${software.versions.join(", ")})` : "";
    return [
      [
        "SoftwareSemanticVersion",
        `desiredSoftwareState ${memberName(DEPLOYMENT_ENUMS.desiredSoftwareState, f.desiredSoftwareState)} needs the version: set softwareSemanticVersion to a version string, e.g. "24.08"${known}; or use LatestVersion / AnyVersion.`,
      ],
    ];
  }
  if (version !== null && parseVersion(version) === undefined) {
    return [["SoftwareSemanticVersion", `softwareSemanticVersion "${version}" is not a version; use e.g. "24.08" or "1.2.3-beta.1", or null.`]];
  }
  return [];
}

/** Parameter names must be the task's own (for software: its configuration task's); names match in any case. */
function parameterProblems(f: DeploymentFields, seed: Seed): Problem[] {
  const given = Object.keys(f.taskParameterValues ?? {});
  if (given.length === 0) return [];
  const found = deployedItem(f, seed);
  if (!found) return []; // the missing item is the problem
  let task: Task | undefined;
  let owner: string;
  if (found.kind === "task") {
    task = found.item;
    owner = describeItem(found.item);
  } else if (found.kind === "software") {
    const s = found.item;
    task = s.configurationTaskId === null ? undefined : seed.task(s.configurationTaskScope, s.configurationTaskId);
    owner = task ? `${describeItem(s)} (its configuration task ${describeItem(task)})` : describeItem(s);
  } else {
    return [];
  }
  const declared = task?.parameters.map((p) => p.name) ?? [];
  const unknown = given.filter((name) => !declared.some((d) => d.toLowerCase() === name.toLowerCase()));
  if (unknown.length === 0) return [];
  const names = unknown.map((n) => `"${n}"`).join(", ");
  const takes = declared.length > 0 ? `it takes ${declared.join(", ")}` : task ? "it takes no parameters" : "it has no configuration task, so it takes no parameters";
  return [["TaskParameterValues", `taskParameterValues names ${unknown.length === 1 ? "a parameter" : "parameters"} ${names} that ${owner} does not declare; ${takes}.`]];
}
