import * as immybot from "pulumi-immybot";

// Weekly maintenance for tenant 1: detect on Saturday at 20:00, execute at 22:00 Berlin time, reboot if necessary.
const weekly = new immybot.Schedule("weekly-maintenance", {
  targetType: "AllForTenant",
  tenantId: 1,
  dayOfWeek: "Saturday",
  detectionTime: "20:00",
  executionTime: "22:00",
  timeZone: "Europe/Berlin",
  rebootPreference: "Normal",
  sendFollowUpEmail: true,
});

export const scheduleId = weekly.id;
export const nextOccurrence = weekly.nextOccurrence;
