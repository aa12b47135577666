/**
 * What a simulated session's detection "finds" for its maintenance item, worked out from the seed when the session
 * is created and stored with it (so a restarted sandbox, or a changed seed, tells the same story):
 *
 * - software: installed at its oldest seeded version (none: not installed); the desired version follows the
 *   desired state (LatestVersion = the newest seeded version, ThisVersion / NewerOrEqual / OlderOrEqual = the
 *   requested semanticVersion). The action is Install, Uninstall for NotPresent, NoAction for NoAction.
 * - a task: found not compliant; the action follows the mode (TaskEnforce, TaskAudit, TaskMonitor, NoAction).
 * - packages and updates that are not in the seed (Chocolatey, Ninite, Windows and agent updates): like software
 *   without versions, named by their identifier.
 * - full maintenance without an item: kind "none", no action of its own; its actions are the applicable
 *   deployments' (full-maintenance.ts), each planned like an item. With none, the session's story says so.
 *
 * The log lines of the story live here too, so one module holds all the wording.
 */
import { deployedItem } from "./deployment-rules";
import type { MaintenanceOutcome, Seed } from "./seed";
import type { MaintenanceParams } from "./session-model";
import { DEPLOYMENT_ENUMS, memberName, SESSION_ENUMS } from "./wire-enums";

export interface ItemPlan {
  kind: "software" | "task" | "none";
  /** The item's name (maintenanceDisplayName); null without an item. */
  displayName: string | null;
  /** MaintenanceActionType; null without an item (then there is no action). */
  actionType: number | null;
  detectedVersion: string | null;
  desiredVersion: string | null;
  /** How the desired state reads in the detection line: "latest", ">= 24.08", "enforce", ... */
  desired: string;
}

const STATE = DEPLOYMENT_ENUMS.desiredSoftwareState.values;
const MODE = DEPLOYMENT_ENUMS.maintenanceTaskMode.values;
const ACTION = SESSION_ENUMS.actionType.values;

export function planFor(params: MaintenanceParams | null, seed: Seed): ItemPlan {
  if (params === null) return { kind: "none", displayName: null, actionType: null, detectedVersion: null, desiredVersion: null, desired: "full maintenance" };
  const found = deployedItem(params, seed);
  if (found?.kind === "task") {
    const mode = params.maintenanceTaskMode;
    const actionType = mode === MODE.Audit ? ACTION.TaskAudit : mode === MODE.Monitor ? ACTION.TaskMonitor : mode === MODE.NoAction ? ACTION.NoAction : ACTION.TaskEnforce;
    return { kind: "task", displayName: found.item.name, actionType, detectedVersion: null, desiredVersion: null, desired: (memberName(DEPLOYMENT_ENUMS.maintenanceTaskMode, mode) ?? String(mode)).toLowerCase() };
  }
  const versions = found?.kind === "software" ? found.item.versions : [];
  const name = found?.kind === "software" ? found.item.name : (params.maintenanceIdentifier ?? memberName(DEPLOYMENT_ENUMS.maintenanceType, params.maintenanceType) ?? "the item");
  const detected = versions[0] ?? null;
  const latest = versions[versions.length - 1] ?? null;
  const requested = params.semanticVersion;
  const base = { kind: "software" as const, displayName: name, detectedVersion: detected };
  switch (params.desiredSoftwareState) {
    case STATE.NotPresent:
      return { ...base, actionType: ACTION.Uninstall, desiredVersion: null, desired: "not present" };
    case STATE.NoAction:
      return { ...base, actionType: ACTION.NoAction, desiredVersion: null, desired: "no action" };
    case STATE.ThisVersion:
      return { ...base, actionType: ACTION.Install, desiredVersion: requested, desired: requested ?? "a version" };
    case STATE.NewerOrEqualVersion:
      return { ...base, actionType: ACTION.Install, desiredVersion: requested, desired: `>= ${requested}` };
    case STATE.OlderOrEqualVersion:
      return { ...base, actionType: ACTION.Install, desiredVersion: requested, desired: `<= ${requested}` };
    case STATE.AnyVersion:
      return { ...base, actionType: ACTION.Install, desiredVersion: detected ?? latest, desired: "any version" };
    case STATE.UpdateIfFound:
      return { ...base, actionType: ACTION.Install, desiredVersion: latest, desired: "update if found" };
    default:
      return { ...base, actionType: ACTION.Install, desiredVersion: latest, desired: "latest" };
  }
}

const withVersion = (name: string, version: string | null): string => (version ? `${name} ${version}` : name);

/** The log lines of the story, by moment. */
export function storyLines(plan: ItemPlan) {
  const name = plan.displayName ?? "";
  const uninstall = plan.actionType === ACTION.Uninstall;
  const noAction = plan.actionType === ACTION.NoAction;
  if (plan.kind === "none") {
    return {
      detected: "Detection finished: no deployment applies; nothing to do",
      executing: "Running full maintenance",
      outcome: {
        Passed: "Full maintenance completed",
        Failed: "Install failed: the installer exited with code 1603",
        PartialPassed: "Installed, but the post-install test failed",
        NeverFinishes: "Waiting for the installer to finish",
      } satisfies Record<MaintenanceOutcome, string>,
      failureReason: "the installer exited with code 1603",
    };
  }
  if (plan.kind === "task") {
    return {
      detected: `Tested ${name}: not compliant; mode: ${plan.desired}`,
      executing: noAction ? `Nothing to do for ${name}` : `Running ${name}`,
      outcome: {
        Passed: `${name}: task succeeded`,
        Failed: `Task failed: ${name}'s script exited with code 1`,
        PartialPassed: `${name}: the task ran, but its test still fails`,
        NeverFinishes: `Waiting for ${name} to finish`,
      },
      failureReason: "the task's script exited with code 1",
    };
  }
  const detected = plan.detectedVersion ? `Detected ${name} ${plan.detectedVersion}` : `${name} is not installed`;
  return {
    detected: `${detected}; desired: ${plan.desired}`,
    executing: noAction ? `Nothing to do for ${name}` : uninstall ? `Uninstalling ${withVersion(name, plan.detectedVersion)}` : `Installing ${withVersion(name, plan.desiredVersion)}`,
    outcome: {
      Passed: noAction ? `${name}: nothing to do` : uninstall ? `${name} uninstalled` : `${withVersion(name, plan.desiredVersion)} installed`,
      Failed: uninstall ? "Uninstall failed: the uninstaller exited with code 1603" : "Install failed: the installer exited with code 1603",
      PartialPassed: uninstall ? "Uninstalled, but the post-uninstall test failed" : "Installed, but the post-install test failed",
      NeverFinishes: uninstall ? "Waiting for the uninstaller to finish" : "Waiting for the installer to finish",
    },
    failureReason: uninstall ? "the uninstaller exited with code 1603" : "the installer exited with code 1603",
  };
}
