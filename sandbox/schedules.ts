/**
 * The schedule store: create, read, replace, delete on the shared state, and the mapping of a stored schedule
 * to GetScheduleResponse. Input has been bound and validated before it gets here (schedule-routes.ts).
 */
import { nextOccurrence } from "./next-occurrence";
import { targetDisplay } from "./schedule-display";
import { SCHEDULE_FIELD_NAMES, type ScheduleFields } from "./schedule-model";
import type { StateStore, StoredSchedule } from "./state";
import { Collection } from "./collection";

/** The spec's GetScheduleResponse minus `providerLink` (its $ref is not nullable, and the sandbox has no links). */
export interface ScheduleResponse extends ScheduleFields {
  targetText: string | null;
  targetTypeName: string | null;
  targetScopeName: string | null;
  targetMissing: boolean;
  tenantMissing: boolean;
  targetTypeMissing: boolean;
  targetTypeDescription: string | null;
  onboardingOnly: boolean;
  targetGroupFilterName: string | null;
  id: number;
  updatedDateUTC: string;
  createdDateUTC: string;
  updatedBy: number | null;
  createdBy: number | null;
  updatedByName: string | null;
  nextOccurenceDate: string | null;
}

/** Who made a change: the API caller (the app registration's user) or a person in the web UI. */
export interface Actor {
  userId: number;
  name: string;
}

export const API_ACTOR: Actor = { userId: 1, name: "Sandbox API" };
export const UI_ACTOR: Actor = { userId: 2, name: "Sandbox UI" };

export class ScheduleService {
  private readonly rows: Collection<StoredSchedule>;

  constructor(
    private readonly store: StateStore,
    private readonly now: () => Date,
  ) {
    this.rows = new Collection(store, () => store.state.schedules);
  }

  /** `tenantId` undefined = all schedules; a number = only that tenant's. */
  list(tenantId?: number): ScheduleResponse[] {
    return this.rows.all().filter((s) => tenantId === undefined || s.tenantId === tenantId).map((s) => this.toResponse(s));
  }

  get(id: number): ScheduleResponse | undefined {
    const stored = this.find(id);
    return stored && this.toResponse(stored);
  }

  /** The stored request fields (enums as integers), for edits that start from the current schedule. */
  fieldsOf(id: number): ScheduleFields | undefined {
    const stored = this.find(id);
    return stored && pickFields(stored);
  }

  create(fields: ScheduleFields, actor: Actor): ScheduleResponse {
    const state = this.store.state;
    const at = this.now().toISOString();
    const stored: StoredSchedule = {
      ...pickFields(fields),
      id: state.nextScheduleId++,
      createdDateUTC: at,
      updatedDateUTC: at,
      createdBy: actor.userId,
      updatedBy: actor.userId,
      updatedByName: actor.name,
    };
    return this.toResponse(this.rows.add(stored));
  }

  /** Full replace of the request fields; undefined when there is no such schedule. */
  replace(id: number, fields: ScheduleFields, actor: Actor): ScheduleResponse | undefined {
    const stored = this.rows.change(id, { ...pickFields(fields), updatedDateUTC: this.now().toISOString(), updatedBy: actor.userId, updatedByName: actor.name });
    return stored && this.toResponse(stored);
  }

  remove(id: number): boolean {
    return this.rows.remove(id);
  }

  private find(id: number): StoredSchedule | undefined {
    return this.rows.find(id);
  }

  /** GetScheduleResponse in the spec's property order; computed fields are derived at read time. */
  private toResponse(s: StoredSchedule): ScheduleResponse {
    const display = targetDisplay(s);
    const next = nextOccurrence(s, this.now().getTime());
    return {
      targetText: display.targetText,
      targetTypeName: display.targetTypeName,
      targetScopeName: display.targetScopeName,
      targetMissing: false,
      tenantMissing: false,
      targetTypeMissing: false,
      targetTypeDescription: display.targetTypeDescription,
      targetType: s.targetType,
      onboardingOnly: false,
      target: s.target,
      targetCategory: s.targetCategory,
      targetGroupFilter: s.targetGroupFilter,
      tenantId: s.tenantId,
      propagateToChildTenants: s.propagateToChildTenants,
      allowAccessToParentTenant: s.allowAccessToParentTenant,
      providerLinkId: s.providerLinkId,
      providerClientGroupType: s.providerClientGroupType,
      providerDeviceGroupType: s.providerDeviceGroupType,
      targetGroupFilterName: display.targetGroupFilterName,
      id: s.id,
      disabled: s.disabled,
      customCronExpression: s.customCronExpression,
      time: s.time,
      day: s.day,
      maintenanceTime: s.maintenanceTime,
      sendDetectionEmail: s.sendDetectionEmail,
      sendDetectionEmailWhenAllActionsAreCompliant: s.sendDetectionEmailWhenAllActionsAreCompliant,
      sendFollowUpEmail: s.sendFollowUpEmail,
      sendFollowUpOnlyIfActionNeeded: s.sendFollowUpOnlyIfActionNeeded,
      showRunNowButton: s.showRunNowButton,
      showPostponeButton: s.showPostponeButton,
      showMaintenanceActions: s.showMaintenanceActions,
      maintenanceType: s.maintenanceType,
      maintenanceIdentifier: s.maintenanceIdentifier,
      rebootPreference: s.rebootPreference,
      promptTimeoutAction: s.promptTimeoutAction,
      autoConsentToReboots: s.autoConsentToReboots,
      promptTimeoutMinutes: s.promptTimeoutMinutes,
      applyWindowsUpdates: s.applyWindowsUpdates,
      allowAccessToMSPResources: s.allowAccessToMSPResources,
      updatedDateUTC: s.updatedDateUTC,
      createdDateUTC: s.createdDateUTC,
      updatedBy: s.updatedBy,
      createdBy: s.createdBy,
      updatedByName: s.updatedByName,
      timeZoneInfoId: s.timeZoneInfoId,
      offlineBehavior: s.offlineBehavior,
      suppressRebootsDuringBusinessHours: s.suppressRebootsDuringBusinessHours,
      nextOccurenceDate: next === null ? null : new Date(next).toISOString(),
      useComputersTimezoneForExecution: s.useComputersTimezoneForExecution,
      scheduleExecutionAfterActiveHours: s.scheduleExecutionAfterActiveHours,
    };
  }
}

/** Only the request fields, so nothing else (an id, audit data) can be smuggled in through a spread. */
function pickFields(source: ScheduleFields): ScheduleFields {
  return Object.fromEntries(SCHEDULE_FIELD_NAMES.map((n) => [n, source[n]])) as unknown as ScheduleFields;
}
