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
