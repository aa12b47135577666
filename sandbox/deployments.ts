/**
 * The deployment store (local target assignments): list with Sieve, create, read, replace, delete, notes, and the
 * mapping of a stored deployment to `LocalTargetAssignmentResource`. Input has been bound and validated before
 * it gets here (deployment-routes.ts); display fields are derived from the seed at read time.
 */
import type { DeploymentFields } from "./deployment-model";
import { DEPLOYMENT_FIELD_NAMES } from "./deployment-model";
import type { Reply } from "./http";
import { targetDisplay } from "./schedule-display";
import type { Actor } from "./schedules";
import type { Seed } from "./seed";
import { parseVersion, type SemanticVersionObject } from "./semver";
import { applySieve, type SieveField } from "./sieve";
import type { StateStore, StoredDeployment } from "./state";
import { targetNames } from "./targets";
import { DEPLOYMENT_ENUMS, LOOKUP_ENUMS, SCHEDULE_ENUMS } from "./wire-enums";
import { Collection } from "./collection";

/**
 * The spec's LocalTargetAssignmentResource. `softwareSemanticVersion` (a non-nullable `SemanticVersion` $ref, a
 * string in requests) is the parsed object, present only when the deployment has a version;
 * `softwareSemanticVersionString` carries the text as sent.
 */
export interface DeploymentResponse extends Omit<DeploymentFields, "softwareSemanticVersion"> {
  softwareSemanticVersion?: SemanticVersionObject;
  targetText: string | null;
  targetTypeName: string | null;
  targetScopeName: string | null;
  targetMissing: boolean;
  tenantMissing: boolean;
  targetTypeMissing: boolean;
  targetTypeDescription: string | null;
  targetGroupFilterName: string | null;
  id: number;
  isCore: boolean;
  notes: string | null;
  notesUpdatedByUserName: string | null;
  notesUpdatedUtc: string | null;
  targetName: string | null;
  softwareSemanticVersionString: string | null;
  licenseName: string | null;
  updatedDateUTC: string;
  updatedBy: string | null;
  createdDateUTC: string;
  sortOrder: number;
  integrationTypeId: string | null;
  integrationPrompt: string | null;
  databaseType: number;
}

/** Keyed targets show their object's name: "Computer: CONTOSO-WS001" rather than "Computer: 6". */
const KEYED_TYPES = new Set<number>([SCHEDULE_ENUMS.targetType.values.Computer, SCHEDULE_ENUMS.targetType.values.Tag, SCHEDULE_ENUMS.targetType.values.SpecificTenant]);

const E = DEPLOYMENT_ENUMS;

/** What Sieve can filter and sort deployments by (`Filters=maintenanceIdentifier==303,maintenanceType==GlobalSoftware`). */
export const DEPLOYMENT_SIEVE_FIELDS: SieveField<StoredDeployment>[] = [
  { name: "id", type: "int", get: (d) => d.id },
  { name: "maintenanceIdentifier", type: "string", get: (d) => d.maintenanceIdentifier },
  { name: "maintenanceType", type: { enum: E.maintenanceType }, get: (d) => d.maintenanceType },
  { name: "tenantId", type: "int", get: (d) => d.tenantId },
  { name: "targetType", type: { enum: E.targetType }, get: (d) => d.targetType },
  { name: "target", type: "string", get: (d) => d.target },
  { name: "targetEnforcement", type: { enum: E.targetEnforcement }, get: (d) => d.targetEnforcement },
  { name: "desiredSoftwareState", type: { enum: E.desiredSoftwareState }, get: (d) => d.desiredSoftwareState },
  { name: "maintenanceTaskMode", type: { enum: E.maintenanceTaskMode }, get: (d) => d.maintenanceTaskMode },
  { name: "excluded", type: "bool", get: (d) => d.excluded },
  { name: "onboardingOnly", type: "bool", get: (d) => d.onboardingOnly },
  { name: "sortOrder", type: "int", get: (d) => d.sortOrder },
  { name: "createdDateUTC", type: "string", get: (d) => d.createdDateUTC },
  { name: "updatedDateUTC", type: "string", get: (d) => d.updatedDateUTC },
];

export class DeploymentService {
  private readonly rows: Collection<StoredDeployment>;

  constructor(
    private readonly store: StateStore,
    private readonly seed: Seed,
    private readonly now: () => Date,
  ) {
    this.rows = new Collection(store, () => store.state.deployments);
  }

  list(): DeploymentResponse[] {
    return this.rows.all().map((d) => deploymentResponse(d, this.seed));
  }

  /** The Sieve-paged list (`Filters`, `Sorts`, `Page`, `PageSize`), or the 400 for a query it cannot apply. */
  query(query: URLSearchParams): DeploymentResponse[] | Reply {
    const result = applySieve(this.rows.all(), query, DEPLOYMENT_SIEVE_FIELDS);
    return "reply" in result ? result.reply : result.rows.map((d) => deploymentResponse(d, this.seed));
  }

  get(id: number): DeploymentResponse | undefined {
    const stored = this.find(id);
    return stored && deploymentResponse(stored, this.seed);
  }

  /** The stored payload fields (enums as integers), for edits that start from the current deployment. */
  fieldsOf(id: number): DeploymentFields | undefined {
    const stored = this.find(id);
    return stored && pickFields(stored);
  }

  create(fields: DeploymentFields, actor: Actor): DeploymentResponse {
    const state = this.store.state;
    const at = this.now().toISOString();
    const id = state.nextDeploymentId++;
    const stored: StoredDeployment = {
      ...pickFields(fields),
      id,
      createdDateUTC: at,
      updatedDateUTC: at,
      updatedBy: actor.name,
      notes: null,
      notesUpdatedByUserName: null,
      notesUpdatedUtc: null,
      sortOrder: id,
    };
    return deploymentResponse(this.rows.add(stored), this.seed);
  }

  /** Full replace of the payload fields (notes and audit data stay); undefined when there is no such deployment. */
  replace(id: number, fields: DeploymentFields, actor: Actor): DeploymentResponse | undefined {
    const stored = this.rows.change(id, { ...pickFields(fields), updatedDateUTC: this.now().toISOString(), updatedBy: actor.name });
    return stored && deploymentResponse(stored, this.seed);
  }

  /** Sets the notes (null clears them) and who set them when; false when there is no such deployment. */
  setNotes(id: number, notes: string | null, actor: Actor): boolean {
    return this.rows.change(id, { notes, notesUpdatedByUserName: actor.name, notesUpdatedUtc: this.now().toISOString() }) !== undefined;
  }

  remove(id: number): boolean {
    return this.rows.remove(id);
  }

  private find(id: number): StoredDeployment | undefined {
    return this.rows.find(id);
  }
}

/** LocalTargetAssignmentResource in the spec's property order (display fields from the seed as it is now). */
export function deploymentResponse(d: StoredDeployment, seed: Seed): DeploymentResponse {
  const display = targetDisplay(d);
  const names = targetNames(d, seed);
  const shownTarget = KEYED_TYPES.has(d.targetType) ? (names.targetName ?? d.target) : d.targetType === SCHEDULE_ENUMS.targetType.values.AllForTenant ? names.tenantName : null;
  const version = d.softwareSemanticVersion === null ? undefined : parseVersion(d.softwareSemanticVersion);
  return {
    targetText: shownTarget ? `${display.targetTypeName}: ${shownTarget}` : display.targetText,
    targetTypeName: display.targetTypeName,
    targetScopeName: display.targetScopeName,
    targetMissing: names.targetMissing,
    tenantMissing: names.tenantMissing,
    targetTypeMissing: false,
    targetTypeDescription: display.targetTypeDescription,
    targetType: d.targetType,
    onboardingOnly: d.onboardingOnly,
    target: d.target,
    targetCategory: d.targetCategory,
    targetGroupFilter: d.targetGroupFilter,
    tenantId: d.tenantId,
    propagateToChildTenants: d.propagateToChildTenants,
    allowAccessToParentTenant: d.allowAccessToParentTenant,
    providerLinkId: d.providerLinkId,
    providerClientGroupType: d.providerClientGroupType,
    providerDeviceGroupType: d.providerDeviceGroupType,
    targetGroupFilterName: display.targetGroupFilterName,
    id: d.id,
    isCore: false,
    excluded: d.excluded,
    targetEnforcement: d.targetEnforcement,
    notes: d.notes,
    notesUpdatedByUserName: d.notesUpdatedByUserName,
    notesUpdatedUtc: d.notesUpdatedUtc,
    maintenanceType: d.maintenanceType,
    maintenanceIdentifier: d.maintenanceIdentifier,
    targetName: names.targetName,
    ...(version ? { softwareSemanticVersion: version } : {}),
    softwareSemanticVersionString: d.softwareSemanticVersion,
    desiredSoftwareState: d.desiredSoftwareState,
    softwareProviderType: d.softwareProviderType,
    licenseId: d.licenseId,
    licenseName: null,
    updatedDateUTC: d.updatedDateUTC,
    updatedBy: d.updatedBy,
    createdDateUTC: d.createdDateUTC,
    maintenanceTaskMode: d.maintenanceTaskMode,
    // In clear text, password parameters included, as ImmyBot answers.
    taskParameterValues: d.taskParameterValues === null ? null : structuredClone(d.taskParameterValues),
    sortOrder: d.sortOrder,
    integrationTypeId: null,
    integrationPrompt: null,
    providerLinkIdForMaintenanceItem: d.providerLinkIdForMaintenanceItem,
    databaseType: LOOKUP_ENUMS.databaseType.values.Local,
    visibility: { ...d.visibility },
  };
}

/** Only the payload fields, deep-copied, so nothing else (an id, audit data) comes in through a spread. */
function pickFields(source: DeploymentFields): DeploymentFields {
  return structuredClone(Object.fromEntries(DEPLOYMENT_FIELD_NAMES.map((n) => [n, source[n]]))) as unknown as DeploymentFields;
}
