/**
 * A maintenance session as `GET /api/v1/maintenance-sessions/{id}?includeStages&includeActions` answers it
 * (integer enums, UTC dates), for tests that script ImmyBot's answers. `extra` replaces any field.
 */
export type Wire = Record<string, unknown>;

export function sessionWire(id: number, sessionStatus: number, extra: Wire = {}): Wire {
  return {
    id,
    sessionStatus,
    computerId: 6,
    computerName: "PC-6",
    tenantId: 2,
    tenantName: "Contoso",
    personId: null,
    createdDateUTC: "2026-11-20T10:00:00Z",
    updatedDateUTC: "2026-11-20T10:05:30Z",
    scheduledExecutionDate: null,
    fullMaintenance: false,
    onboardingStageStatus: 3,
    detectionStageStatus: sessionStatus,
    executionStageStatus: sessionStatus,
    agentUpdatesStageStatus: 3,
    resolutionStageStatus: 3,
    inventoryStageStatus: 3,
    maintenanceActions: [],
    ...extra,
  };
}

/**
 * 7-Zip (global software 303, latest) on Contoso's computers, as `GET /api/v1/target-assignments/12` answers it (a
 * LocalTargetAssignmentResource, integer enums), for tests that script the deployment a run reads. `extra` replaces
 * any field.
 */
export function deploymentWire(extra: Wire = {}): Wire {
  return {
    id: 12,
    databaseType: 1,
    maintenanceType: 0,
    maintenanceIdentifier: "303",
    desiredSoftwareState: 5,
    maintenanceTaskMode: 0,
    softwareProviderType: 3,
    softwareSemanticVersionString: null,
    taskParameterValues: null,
    providerLinkIdForMaintenanceItem: null,
    licenseId: null,
    targetType: 21,
    target: null,
    targetCategory: 0,
    targetGroupFilter: 0,
    tenantId: 2,
    propagateToChildTenants: false,
    allowAccessToParentTenant: false,
    providerLinkId: null,
    providerClientGroupType: null,
    providerDeviceGroupType: null,
    onboardingOnly: false,
    targetEnforcement: 1,
    excluded: false,
    visibility: { selfService: false, technicianPod: false },
    ...extra,
  };
}
