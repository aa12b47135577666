/**
 * The e-mail options (ImmyBot's `maintenanceEmailConfiguration`: which e-mails go out, and which buttons and
 * actions they show) that the API repeats in three places: a schedule (`CreateScheduleRequest`), a session start
 * (`RunImmyServiceRequestBody`) and the session's record of it (`SessionJobArgs.maintenanceEmailConfiguration`).
 * One interface, so that the three cannot drift apart. Member order does not matter here: the field tables that
 * bind the requests (schedule-model.ts, session-model.ts) keep each request's own order.
 */

/** The e-mail options, in the order of `maintenanceEmailConfiguration`. */
export interface EmailOptionFields {
  sendDetectionEmail: boolean;
  sendDetectionEmailWhenAllActionsAreCompliant: boolean;
  sendFollowUpEmail: boolean;
  sendFollowUpOnlyIfActionNeeded: boolean;
  showRunNowButton: boolean;
  showPostponeButton: boolean;
  showMaintenanceActions: boolean;
}
