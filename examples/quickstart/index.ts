import * as immybot from "pulumi-immybot";

// Everything by name: the tenant, a computer, and the software, resolved through ImmyBot's API.
const contoso = immybot.getTenantOutput({ name: "Contoso" });
const workstation = immybot.getComputerOutput({ name: "CONTOSO-WS001", tenantId: contoso.id });
const sevenZip = immybot.getSoftwareOutput({ name: "7-Zip", scope: "Global" });

// Weekly maintenance for the tenant: detect on Saturday at 20:00, execute at 22:00 Berlin time, reboot if necessary.
const weekly = new immybot.Schedule("weekly-maintenance", {
  targetType: "AllForTenant",
  tenantId: contoso.id,
  dayOfWeek: "Saturday",
  detectionTime: "20:00",
  executionTime: "22:00",
  timeZone: "Europe/Berlin",
  rebootPreference: "Normal", // UI: "If necessary"
  sendFollowUpEmail: true,
});

// 7-Zip, latest version, on every computer of the tenant.
const deployment = new immybot.Deployment("7zip-latest", {
  software: { id: sevenZip.id, desiredState: "LatestVersion" },
  targetType: "AllForTenant",
  tenantId: contoso.id,
});

// Enforce it now on one workstation (not at the next Saturday) and wait for the result: a failed run fails `pulumi up`.
// Change `triggers` to run it again.
const now = new immybot.MaintenanceSession("7zip-now", {
  deployment,
  computers: [workstation.id],
  rebootPreference: "Suppress",
  timeout: "15m",
  triggers: ["first run"],
});

export const tenantId = contoso.id;
export const scheduleId = weekly.id;
export const nextOccurrence = weekly.nextOccurrence;
export const deploymentId = deployment.id;
export const runResult = now.result;
export const runStatusCounts = now.statusCounts;
export const runSessionIds = now.sessionIds;
