/**
 * How a maintenance run behaves on the machine: reboots, prompts, offline computers and user e-mails.
 * Shared by Schedule and MaintenanceSession (the API uses the same field names in both requests).
 */
import { z } from "zod";
import { OfflineBehavior, PromptTimeoutAction, RebootPreference, type OfflineBehaviorName, type PromptTimeoutActionName, type RebootPreferenceName } from "./enums";
import type { Tie } from "./tie";
import { enumValue, flag, int } from "./wire";
import type { RuleContext } from "../check";

/** Reboots and prompts during a maintenance run. */
export interface RebootArgs {
  /** UI: Reboot preference. "Normal" (UI: If necessary; the default), "Suppress", "Prompt" or "Force". */
  rebootPreference?: RebootPreferenceName;
  /** What happens when a reboot prompt times out (UI: Prompt timeout action): "Reboot" (default), "Suppress" or "FailSession". */
  promptTimeoutAction?: PromptTimeoutActionName;
  /** Minutes a reboot prompt waits for the user (UI: Prompt timeout), 1-1440. Default 60. */
  promptTimeoutMinutes?: number;
  /** Accept reboot prompts automatically (UI: Auto-consent to reboots). Default false. */
  autoConsentToReboots?: boolean;
  /** Hold reboots inside business hours whatever rebootPreference says, even Force (UI: Suppress reboots during business hours). Default false. */
  suppressRebootsDuringBusinessHours?: boolean;
  /** Computers offline at execution time: "Skip" them (default) or "ApplyOnConnect" (run when they come online). */
  offlineBehavior?: OfflineBehaviorName;
}

/** E-mails to the computer's user about a maintenance run. All default to false. */
export interface EmailArgs {
  /** E-mail the user after detection (UI: Send detection email). */
  sendDetectionEmail?: boolean;
  /** Send the detection e-mail even when nothing needs doing. Needs sendDetectionEmail. */
  sendDetectionEmailWhenAllActionsAreCompliant?: boolean;
  /** E-mail the user after execution (UI: Send follow-up email). */
  sendFollowUpEmail?: boolean;
  /** Send the follow-up e-mail only when actions ran. Needs sendFollowUpEmail. */
  sendFollowUpOnlyIfActionNeeded?: boolean;
  /** Show a "Run now" button in the user e-mail. */
  showRunNowButton?: boolean;
  /** Show a "Postpone" button in the user e-mail. */
  showPostponeButton?: boolean;
  /** List the maintenance actions in the e-mails. */
  showMaintenanceActions?: boolean;
}

/** When, on each computer, the execution stage runs. Both default to false. */
export interface ExecutionArgs {
  /** Evaluate the execution time in each computer's own time zone (UI: Use computer's time zone). */
  useComputersTimezoneForExecution?: boolean;
  /** Windows 10+: execute in the middle of the computer's non-active hours instead of at the execution time. */
  scheduleExecutionAfterActiveHours?: boolean;
}

export const rebootFields = {
  rebootPreference: RebootPreference.schema.default("Normal"),
  promptTimeoutAction: PromptTimeoutAction.schema.default("Reboot"),
  promptTimeoutMinutes: z.number().int().min(1).max(1440).default(60),
  autoConsentToReboots: z.boolean().default(false),
  suppressRebootsDuringBusinessHours: z.boolean().default(false),
  offlineBehavior: OfflineBehavior.schema.default("Skip"),
};
const _tieReboot: Tie<z.input<z.ZodObject<typeof rebootFields>>, RebootArgs> = true;

export const emailFields = {
  sendDetectionEmail: z.boolean().default(false),
  sendDetectionEmailWhenAllActionsAreCompliant: z.boolean().default(false),
  sendFollowUpEmail: z.boolean().default(false),
  sendFollowUpOnlyIfActionNeeded: z.boolean().default(false),
  showRunNowButton: z.boolean().default(false),
  showPostponeButton: z.boolean().default(false),
  showMaintenanceActions: z.boolean().default(false),
};
const _tieEmail: Tie<z.input<z.ZodObject<typeof emailFields>>, EmailArgs> = true;

export const executionFields = {
  useComputersTimezoneForExecution: z.boolean().default(false),
  scheduleExecutionAfterActiveHours: z.boolean().default(false),
};
const _tieExecution: Tie<z.input<z.ZodObject<typeof executionFields>>, ExecutionArgs> = true;

type RebootValues = z.output<z.ZodObject<typeof rebootFields>>;
type EmailValues = z.output<z.ZodObject<typeof emailFields>>;

/** Options that only mean something together with another one are rejected rather than silently ignored. */
export function maintenanceOptionRules(ctx: RuleContext<RebootValues & EmailValues>): void {
  const v = ctx.value;
  if (v.sendFollowUpOnlyIfActionNeeded && !v.sendFollowUpEmail && ctx.known("sendFollowUpEmail")) {
    ctx.issue("sendFollowUpOnlyIfActionNeeded", "needs sendFollowUpEmail: true; set it, or remove sendFollowUpOnlyIfActionNeeded");
  }
  if (v.sendDetectionEmailWhenAllActionsAreCompliant && !v.sendDetectionEmail && ctx.known("sendDetectionEmail")) {
    ctx.issue("sendDetectionEmailWhenAllActionsAreCompliant", "needs sendDetectionEmail: true; set it, or remove sendDetectionEmailWhenAllActionsAreCompliant");
  }
}

type ExecutionValues = z.output<z.ZodObject<typeof executionFields>>;
export type MaintenanceOptionValues = RebootValues & EmailValues & ExecutionValues;

/** The request fields of the options: the values, enums as the spec's integers. */
export type MaintenanceOptionsWire = Omit<MaintenanceOptionValues, "rebootPreference" | "promptTimeoutAction" | "offlineBehavior"> & {
  rebootPreference: number;
  promptTimeoutAction: number;
  offlineBehavior: number;
};

/** Option values -> request fields: the API uses the same names in schedules and sessions. */
export function maintenanceOptionsToWire(v: MaintenanceOptionValues): MaintenanceOptionsWire {
  return {
    rebootPreference: RebootPreference.toInt(v.rebootPreference),
    promptTimeoutAction: PromptTimeoutAction.toInt(v.promptTimeoutAction),
    promptTimeoutMinutes: v.promptTimeoutMinutes,
    autoConsentToReboots: v.autoConsentToReboots,
    suppressRebootsDuringBusinessHours: v.suppressRebootsDuringBusinessHours,
    offlineBehavior: OfflineBehavior.toInt(v.offlineBehavior),
    sendDetectionEmail: v.sendDetectionEmail,
    sendDetectionEmailWhenAllActionsAreCompliant: v.sendDetectionEmailWhenAllActionsAreCompliant,
    sendFollowUpEmail: v.sendFollowUpEmail,
    sendFollowUpOnlyIfActionNeeded: v.sendFollowUpOnlyIfActionNeeded,
    showRunNowButton: v.showRunNowButton,
    showPostponeButton: v.showPostponeButton,
    showMaintenanceActions: v.showMaintenanceActions,
    useComputersTimezoneForExecution: v.useComputersTimezoneForExecution,
    scheduleExecutionAfterActiveHours: v.scheduleExecutionAfterActiveHours,
  };
}

/** The option fields of an answer (GetScheduleResponse), as `models/wire.ts` decodes them: all non-nullable in the spec. */
export const maintenanceOptionsWireFields = {
  rebootPreference: enumValue(RebootPreference),
  promptTimeoutAction: enumValue(PromptTimeoutAction),
  promptTimeoutMinutes: int,
  autoConsentToReboots: flag,
  suppressRebootsDuringBusinessHours: flag,
  offlineBehavior: enumValue(OfflineBehavior),
  sendDetectionEmail: flag,
  sendDetectionEmailWhenAllActionsAreCompliant: flag,
  sendFollowUpEmail: flag,
  sendFollowUpOnlyIfActionNeeded: flag,
  showRunNowButton: flag,
  showPostponeButton: flag,
  showMaintenanceActions: flag,
  useComputersTimezoneForExecution: flag,
  scheduleExecutionAfterActiveHours: flag,
};
export type MaintenanceOptionsAnswer = z.output<z.ZodObject<typeof maintenanceOptionsWireFields>>;

/** Decoded option fields -> canonical option values (enum names). */
export function maintenanceOptionsFromWire(w: MaintenanceOptionsAnswer): MaintenanceOptionValues {
  return {
    rebootPreference: RebootPreference.fromWire(w.rebootPreference),
    promptTimeoutAction: PromptTimeoutAction.fromWire(w.promptTimeoutAction),
    promptTimeoutMinutes: w.promptTimeoutMinutes,
    autoConsentToReboots: w.autoConsentToReboots,
    suppressRebootsDuringBusinessHours: w.suppressRebootsDuringBusinessHours,
    offlineBehavior: OfflineBehavior.fromWire(w.offlineBehavior),
    sendDetectionEmail: w.sendDetectionEmail,
    sendDetectionEmailWhenAllActionsAreCompliant: w.sendDetectionEmailWhenAllActionsAreCompliant,
    sendFollowUpEmail: w.sendFollowUpEmail,
    sendFollowUpOnlyIfActionNeeded: w.sendFollowUpOnlyIfActionNeeded,
    showRunNowButton: w.showRunNowButton,
    showPostponeButton: w.showPostponeButton,
    showMaintenanceActions: w.showMaintenanceActions,
    useComputersTimezoneForExecution: w.useComputersTimezoneForExecution,
    scheduleExecutionAfterActiveHours: w.scheduleExecutionAfterActiveHours,
  };
}
