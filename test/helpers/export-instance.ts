/**
 * A realistic ImmyBot instance for `pulumi-immybot export` (test/scenario/export.test.ts), made the same way every
 * time: the default seed plus tenants, computers, tags, software and tasks, then the schedules and deployments the web
 * UI would make (through the sandbox's out-of-band helpers): 138 the policy format can express (66 schedules, 72
 * deployments), covering every target form, enum value and option it can write, with Password parameters (a task's, a
 * software's configuration task's, and a Text parameter whose name says it is secret); and 21 it cannot express (plus
 * 3 global deployments), each with the reason the export must give.
 */
import type { Sandbox, SeedData } from "../../sandbox/server";
import { api, tokenFor } from "./sandbox-http";

/** What the export must leave out: the object and a pattern of its reason. */
export interface Expected {
  kind: "schedule" | "deployment" | "global deployment";
  id: string;
  why: RegExp;
}

export interface MadeInstance {
  /** Objects the format can express (each must be adopted). */
  schedules: number;
  deployments: number;
  leftOut: Expected[];
  /** Secret parameter values by `<deployment id>|<parameter>` (to set in the stack config, and to look for in files). */
  secrets: Map<string, string>;
}

const DAYS = [0, 1, 2, 3, 4, 5, 6, null];
const REBOOT = ["Normal", "Suppress", "Prompt", "Force"];
const PROMPT = ["Reboot", "Suppress", "FailSession"];
const OFFLINE = ["Skip", "ApplyOnConnect"];
const GROUP = ["All", "Servers", "Workstations", "PortableDevices", "WorkstationsAndPortableDevices", "DomainControllers", "PrimaryDomainControllers"];
const ZONES = [null, "Europe/Berlin", "America/New_York", "Australia/Sydney"];
const STATES = ["LatestVersion", "AnyVersion", "ThisVersion", "NewerOrEqualVersion", "OlderOrEqualVersion", "UpdateIfFound", "NotPresent", "NoAction"];
const MODES = ["Enforce", "Audit", "Monitor", "NoAction"];
const ENFORCEMENT = ["Required", "Optional", "Adhoc", "Onboarding"];
const TAGS = [1, 2, 3, 4];
/** Schedules and deployments per tenant (five tenants), besides the ones across tenants and the 7-Zip ones. */
const PER_TENANT = 12;

/** The tenants whose files the export writes (the Adatum tenants share a name: they cannot be written by name). */
export const TENANTS = { northwind: 1, contoso: 2, labs: 3, fabrikam: 4, tailspin: 5, adatum: 6, adatumToo: 7 } as const;

/** The default seed plus what a larger instance has. */
export function exportSeed(base: SeedData): SeedData {
  const seed = structuredClone(base);
  seed.tenants!.push({ id: 5, name: "Tailspin Toys" }, { id: 6, name: "Adatum" }, { id: 7, name: "ADATUM" });
  seed.tags!.push({ id: 3, name: "Finance" }, { id: 4, name: "Pilot" });
  const kinds = ["Workstation", "Laptop", "Server"] as const;
  for (let i = 1; i <= 6; i++) seed.computers!.push({ id: 40 + i, name: `TT-WS0${i}`, tenantId: 5, kind: kinds[i % 3]!, tagIds: i % 2 ? [3] : [4] });
  seed.computers!.push(
    { id: 50, name: "FAB-KIOSK", tenantId: 4, kind: "Workstation" },
    { id: 51, name: "FAB-KIOSK", tenantId: 4, kind: "Workstation" },
    { id: 52, name: "ADA-WS01", tenantId: 6, kind: "Workstation" },
  );
  seed.software!.global!.push({ id: 401, name: "Zoom Workplace", versions: ["6.0.2", "6.1.0"] }, { id: 402, name: "Notepad++", versions: ["8.6.4"] }, { id: 403, name: "VLC media player" }, { id: 404, name: "Microsoft Teams" });
  seed.maintenanceTasks!.local!.push({
    id: 40,
    name: "Register RMM agent",
    parameters: [
      { name: "ApiToken", dataType: "Text" },
      { name: "Site", dataType: "Text" },
    ],
  });
  seed.globalDeployments!.push({ id: 3, maintenanceIdentifier: "114", desiredSoftwareState: "UpdateIfFound", targetEnforcement: "Required" });
  return seed;
}

type Item = { software: number; scope: "Global" | "Local" } | { task: number; scope: "Global" | "Local" };
/** Deployable items, in the order deployments cycle through them (Microsoft Teams 404 is deployed nowhere). */
const ITEMS: Item[] = [
  { software: 303, scope: "Global" },
  { software: 114, scope: "Global" },
  { software: 1, scope: "Local" },
  { task: 7, scope: "Local" },
  { software: 118, scope: "Global" },
  { software: 2, scope: "Local" },
  { task: 8, scope: "Local" },
  { software: 155, scope: "Global" },
  { task: 12, scope: "Global" },
  { software: 401, scope: "Global" },
  { task: 40, scope: "Local" },
  { software: 402, scope: "Global" },
  { task: 10, scope: "Local" },
  { software: 403, scope: "Global" },
  { task: 15, scope: "Global" },
  { task: 21, scope: "Global" },
];

/** Each tenant's computers in the seed (for Computer targets), by tenant id. */
const COMPUTERS: Record<number, string[]> = { 1: ["1", "2"], 2: ["3", "5", "6", "7"], 3: ["9", "10"], 4: ["11", "12", "13"], 5: ["41", "42", "43", "44"] };

/** Fills the sandbox (seeded with `exportSeed`) with the instance's schedules and deployments. */
export async function makeInstance(sandbox: Sandbox): Promise<MadeInstance> {
  const made: MadeInstance = { schedules: 0, deployments: 0, leftOut: [], secrets: new Map() };
  const token = await tokenFor(sandbox.info);
  const unsupported = (kind: Expected["kind"], id: number, why: RegExp) => made.leftOut.push({ kind, id: String(id), why });

  // ---- deployments: 13 per tenant, 7 across tenants ----
  const deployment = (fields: Record<string, unknown>) => sandbox.createDeployment({ softwareProviderType: "Inherent", targetEnforcement: "Required", ...fields }).id;
  const itemFields = (item: Item, j: number, where: string): Record<string, unknown> => {
    if ("software" in item) {
      const state = STATES[j % STATES.length]!;
      const version = ["ThisVersion", "NewerOrEqualVersion", "OlderOrEqualVersion"].includes(state) ? `${8 + (j % 3)}.${j % 10}` : null;
      return { maintenanceType: `${item.scope}Software`, maintenanceIdentifier: String(item.software), desiredSoftwareState: state, softwareSemanticVersion: version, ...parameters(item, j, where) };
    }
    return { maintenanceType: `${item.scope}MaintenanceTask`, maintenanceIdentifier: String(item.task), desiredSoftwareState: "NoAction", maintenanceTaskMode: MODES[j % MODES.length], ...parameters(item, j, where) };
  };
  const secretsOf = new Map<number, Record<string, string>>();
  const parameters = (item: Item, j: number, where: string): Record<string, unknown> => {
    const flags = { allowOverride: j % 3 === 0, requiresOverride: j % 5 === 0 ? true : null };
    const value = (v: unknown) => ({ value: v, ...flags });
    const secret = (name: string) => `S3cret-${name}-${where}-${j}!`;
    let values: Record<string, unknown> | null = null;
    let secrets: Record<string, string> = {};
    if ("task" in item && item.task === 7) (secrets = { AdminPassword: secret("bios") }), (values = { AdminPassword: value(secrets.AdminPassword), Enforce: value(j % 2 === 0) });
    if ("software" in item && item.software === 2) (secrets = { LicenseKey: secret("lob") }), (values = { ServerUrl: value(`https://lob${j}.contoso.example`), LicenseKey: value(secrets.LicenseKey), Channel: value("Stable") });
    if ("task" in item && item.task === 8) values = { Drives: value({ H: `\\\\fs01\\home\\${where}`, S: "\\\\fs01\\shared" }), Persistent: value(true) };
    if ("task" in item && item.task === 40) (secrets = { ApiToken: secret("rmm") }), (values = { ApiToken: value(secrets.ApiToken), Site: value(`site-${where}`) });
    if ("task" in item && item.task === 12) values = { EncryptionMethod: value("XtsAes256"), EscrowRecoveryKeyToEntra: value(true) };
    if ("task" in item && item.task === 10) values = { Prefix: value(`${where.toUpperCase()}-`) };
    secretsOf.set(j, secrets);
    return { taskParameterValues: values };
  };
  const remember = (id: number, j: number) => {
    for (const [name, value] of Object.entries(secretsOf.get(j) ?? {})) made.secrets.set(`${id}|${name}`, value);
    made.deployments++;
  };
  const notes: [number, string][] = [];

  for (const [t, computers] of Object.entries(COMPUTERS).map(([t, c]) => [Number(t), c] as const)) {
    for (let j = 0; j < PER_TENANT; j++) {
      const item = ITEMS[(j + t) % ITEMS.length]!;
      const target = j % 4 === 2 ? { targetType: "Tag", target: String(TAGS[(j + t) % TAGS.length]) } : j % 4 === 3 ? { targetType: "Computer", target: computers[j % computers.length] } : { targetType: "AllForTenant", target: null };
      const id = deployment({
        ...itemFields(item, j, `t${t}`),
        ...target,
        tenantId: t,
        targetGroupFilter: GROUP[j % GROUP.length],
        propagateToChildTenants: t === 2 && j % 5 === 0,
        targetEnforcement: ENFORCEMENT[j % ENFORCEMENT.length],
        onboardingOnly: ENFORCEMENT[j % ENFORCEMENT.length] === "Onboarding",
        excluded: j % 7 === 5,
        visibility: { selfService: j % 3 === 1, technicianPod: j % 5 === 2 },
      });
      if (j % 6 === 4) notes.push([id, `Approved by change board, ticket CB-${t}${j}`]);
      remember(id, j);
    }
    // Every tenant deploys 7-Zip, which schedules below are limited to.
    remember(deployment({ ...itemFields({ software: 303, scope: "Global" }, 0, `t${t}`), targetType: "AllForTenant", tenantId: t }), 0);
  }
  for (const [j, target] of [{ targetType: "All" }, { targetType: "Tag", target: "2" }, { targetType: "Computer", target: "1" }, { targetType: "All", targetGroupFilter: "Servers" }, { targetType: "Tag", target: "1" }, { targetType: "Computer", target: "41" }].entries()) {
    const item = ITEMS[j * 3 % ITEMS.length]!;
    remember(deployment({ ...itemFields(item, j, "all"), targetGroupFilter: "All", ...target, tenantId: null, targetEnforcement: ENFORCEMENT[j % 4], onboardingOnly: j % 4 === 3 }), j);
  }
  remember(deployment({ ...itemFields({ software: 303, scope: "Global" }, 0, "all"), targetType: "All", tenantId: null }), 0);

  const chocolatey = { maintenanceType: "ChocolateySoftware", maintenanceIdentifier: "googlechrome", desiredSoftwareState: "LatestVersion", softwareProviderType: "Chocolatey" };
  unsupported("deployment", deployment({ ...itemFields(ITEMS[0]!, 0, "x"), targetType: "Metascript", target: "12", tenantId: 2 }), /targetType Metascript \(a metascript decides the computers/);
  unsupported("deployment", deployment({ ...chocolatey, targetType: "AllForTenant", tenantId: 4 }), /ChocolateySoftware item, which this provider does not manage/);
  unsupported("deployment", deployment({ maintenanceType: "NiniteSoftware", maintenanceIdentifier: "vlc", desiredSoftwareState: "LatestVersion", softwareProviderType: "Ninite", targetType: "All" }), /NiniteSoftware item/);
  unsupported("deployment", deployment({ ...itemFields(ITEMS[0]!, 0, "x"), targetType: "AllForTenant", tenantId: 1, licenseId: 3 }), /licenseId is set \(3\)/);
  unsupported("deployment", deployment({ ...itemFields(ITEMS[4]!, 0, "x"), targetType: "AllForTenant", tenantId: 5, providerLinkIdForMaintenanceItem: 2 }), /providerLinkIdForMaintenanceItem is set/);
  unsupported("deployment", deployment({ ...itemFields(ITEMS[0]!, 0, "x"), targetType: "Person", target: "1", targetCategory: "Person", tenantId: 2 }), /targetType Person/);
  unsupported("deployment", deployment({ ...itemFields(ITEMS[0]!, 0, "x"), targetType: "AllForTenant", tenantId: 7 }), /tenant 7 cannot be written by name: .*2 tenants are named "ADATUM"/);
  const longNotes = deployment({ ...itemFields(ITEMS[7]!, 1, "x"), targetType: "AllForTenant", tenantId: 4 });
  notes.push([longNotes, "x".repeat(4001)]);
  unsupported("deployment", longNotes, /the policy loader refuses it: notes: .*4000/);
  for (const [id, text] of notes) {
    const answer = await api(sandbox, token, "POST", `/api/v1/target-assignments/${id}/notes`, { notes: text });
    if (answer.status !== 200) throw new Error(`notes of deployment ${id}: ${answer.status} ${answer.text}`);
  }

  // ---- schedules: 12 per tenant, 6 across tenants ----
  const schedule = (fields: Record<string, unknown>) => sandbox.createSchedule({ offlineBehavior: "Skip", promptTimeoutMinutes: 60, ...fields }).id;
  const when = (i: number, t: number): Record<string, unknown> => {
    // Detection times on 5-minute marks only: the scenario's clock passes none of them (test/helpers/clock.ts).
    const minute = (i * 5) % 60;
    if (i % 3 === 0) return { customCronExpression: i % 2 ? `${minute} ${(i + t) % 24} * * ${i % 7}` : `${minute} ${(i + 3 * t) % 24} 1,15 * *`, time: null, day: null, maintenanceTime: null };
    const hour = (i * 2 + t) % 24;
    const time = `${String(hour).padStart(2, "0")}:${i % 2 ? "30" : "00"}`;
    return { time, day: DAYS[(i + t) % DAYS.length], maintenanceTime: i % 4 === 1 ? `${String((hour + 2) % 24).padStart(2, "0")}:00` : null };
  };
  const options = (i: number): Record<string, unknown> => ({
    rebootPreference: REBOOT[i % 4],
    promptTimeoutAction: PROMPT[i % 3],
    promptTimeoutMinutes: i % 5 === 0 ? 60 : 15 + i,
    offlineBehavior: OFFLINE[i % 2],
    autoConsentToReboots: i % 3 === 1,
    suppressRebootsDuringBusinessHours: i % 4 === 2,
    sendDetectionEmail: i % 5 >= 3,
    sendDetectionEmailWhenAllActionsAreCompliant: i % 5 === 4,
    sendFollowUpEmail: i % 6 >= 4,
    sendFollowUpOnlyIfActionNeeded: i % 6 === 5,
    showRunNowButton: i % 7 === 1,
    showPostponeButton: i % 7 === 2,
    showMaintenanceActions: i % 2 === 1,
    useComputersTimezoneForExecution: i % 6 === 1,
    scheduleExecutionAfterActiveHours: i % 8 === 3,
    timeZoneInfoId: ZONES[i % ZONES.length],
    disabled: i % 9 === 8,
  });
  for (const [t, computers] of Object.entries(COMPUTERS).map(([t, c]) => [Number(t), c] as const)) {
    for (let i = 0; i < PER_TENANT; i++) {
      const target = i % 5 === 3 ? { targetType: "Tag", target: String(TAGS[(i + t) % TAGS.length]) } : i % 5 === 4 ? { targetType: "Computer", target: computers[i % computers.length] } : { targetType: "AllForTenant", target: null };
      const item = i % 10 === 7 ? { maintenanceType: "GlobalSoftware", maintenanceIdentifier: "303" } : {};
      schedule({
        ...when(i, t),
        ...options(i),
        ...target,
        ...item,
        tenantId: t,
        targetGroupFilter: GROUP[(i + t) % GROUP.length],
        propagateToChildTenants: t === 2 && i % 6 === 0,
        applyWindowsUpdates: i % 5 === 1 && !("maintenanceType" in item),
        allowAccessToMSPResources: t === 1 && i % 7 === 0,
      });
      made.schedules++;
    }
  }
  for (const [i, target] of [{ targetType: "All" }, { targetType: "Tag", target: "1" }, { targetType: "Computer", target: "1" }, { targetType: "All", maintenanceType: "GlobalSoftware", maintenanceIdentifier: "303" }, { targetType: "Tag", target: "2" }, { targetType: "All" }].entries()) {
    schedule({ ...when(i + 1, 0), ...options(i + 2), targetGroupFilter: GROUP[i], ...target, tenantId: null });
    made.schedules++;
  }

  const plain = { time: "02:00", day: 6 };
  unsupported("schedule", schedule({ ...plain, targetType: "FilterScript", target: "12", tenantId: 2 }), /targetType FilterScript \(a filter script decides the computers\)/);
  unsupported("schedule", schedule({ ...plain, targetType: "Person", target: "1", targetCategory: "Person", tenantId: 4 }), /targetType Person/);
  unsupported("schedule", schedule({ ...plain, targetType: "AzureGroup", target: "0f8fad5b-d9cb-469f-a165-70867728950e" }), /targetType AzureGroup/);
  unsupported("schedule", schedule({ ...plain, targetType: "TenantTag", target: "1" }), /targetType TenantTag/);
  unsupported("schedule", schedule({ ...plain, targetType: "All", tenantId: 4 }), /targetType All limited to tenant 4/);
  unsupported("schedule", schedule({ ...plain, targetType: "AllForTenant", targetCategory: "Tenant", tenantId: 5 }), /runs against Tenant \(targetCategory\)/);
  unsupported("schedule", schedule({ ...plain, targetType: "AllForTenant", tenantId: 2, allowAccessToParentTenant: true }), /allowAccessToParentTenant is set/);
  unsupported("schedule", schedule({ ...plain, targetType: "AllForTenant", tenantId: 2, maintenanceType: "ChocolateySoftware", maintenanceIdentifier: "googlechrome" }), /limited to a ChocolateySoftware item/);
  unsupported("schedule", schedule({ ...plain, targetType: "AllForTenant", tenantId: 5, maintenanceType: "GlobalSoftware", maintenanceIdentifier: "404" }), /limited to "Microsoft Teams" \(GlobalSoftware 404\), and no deployment of it in tenants\/tailspin-toys\.yaml/);
  unsupported("schedule", schedule({ ...plain, targetType: "AllForTenant", tenantId: 6 }), /tenant 6 cannot be written by name: .*2 tenants are named "Adatum"/);
  unsupported("schedule", schedule({ ...plain, targetType: "Computer", target: "50", tenantId: 4 }), /2 computers in tenant 4 are named "FAB-KIOSK"/);
  unsupported("schedule", schedule({ ...plain, targetType: "Computer", target: "6", tenantId: 4 }), /No computer in tenant 4 named "CONTOSO-WS001"/);
  unsupported("schedule", schedule({ ...plain, targetType: "AllForTenant", tenantId: 1, sendFollowUpOnlyIfActionNeeded: true }), /the policy loader refuses it: sendFollowUpOnlyIfActionNeeded: needs sendFollowUpEmail: true/);

  for (const g of [1, 2, 3]) unsupported("global deployment", g, /a global deployment \(ImmyBot's published catalog, Global(Software|MaintenanceTask) \d+\)/);
  return made;
}
