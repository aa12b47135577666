/**
 * The seed as the API shows it: the response bodies of the lookup routes (GetTenantResponse, ComputerSearch,
 * ComputerListViewModel, GetComputerResponse, Get{Global,Local}SoftwareResponse, the untyped task and tag
 * bodies) and the target preview's rows, plus what a computer's device class means for a targetGroupFilter.
 *
 * Fields whose spec `$ref` is not nullable and that the sandbox has nothing for (a tenant's azureTenantLink, a
 * software's icon, a computer's activeSessionStatus) are left out rather than sent as null, so bodies stay valid.
 */
import { SEED_EPOCH, type Computer, type ComputerKind, type Seed, type Software, type Task, type Tenant } from "./seed";
import { parseVersion } from "./semver";
import { LOOKUP_ENUMS, SCHEDULE_ENUMS } from "./wire-enums";

const FILTER = SCHEDULE_ENUMS.targetGroupFilter.values;
const SERVER_KINDS: ComputerKind[] = ["Server", "DomainController", "PrimaryDomainController"];

/** Which device classes each targetGroupFilter keeps. */
const GROUP_FILTER_KINDS: Record<number, readonly ComputerKind[]> = {
  [FILTER.All]: ["Workstation", "Laptop", "Server", "DomainController", "PrimaryDomainController"],
  [FILTER.Servers]: SERVER_KINDS,
  [FILTER.Workstations]: ["Workstation"],
  [FILTER.PortableDevices]: ["Laptop"],
  [FILTER.WorkstationsAndPortableDevices]: ["Workstation", "Laptop"],
  [FILTER.DomainControllers]: ["DomainController", "PrimaryDomainController"],
  [FILTER.PrimaryDomainControllers]: ["PrimaryDomainController"],
};

export function matchesGroupFilter(computer: Computer, targetGroupFilter: number): boolean {
  return (GROUP_FILTER_KINDS[targetGroupFilter] ?? []).includes(computer.kind);
}

/** Win32_ComputerSystem.DomainRole: member workstation 1, member server 3, backup DC 4, primary DC 5. */
const DOMAIN_ROLE: Record<ComputerKind, number> = { Workstation: 1, Laptop: 1, Server: 3, DomainController: 4, PrimaryDomainController: 5 };
/** Win32_SystemEnclosure.ChassisTypes: desktop 3, notebook 10, rack mount 23. */
const CHASSIS: Record<ComputerKind, number[]> = { Workstation: [3], Laptop: [10], Server: [23], DomainController: [23], PrimaryDomainController: [23] };

const onboardingStatus = (c: Computer): number => LOOKUP_ENUMS.onboardingStatus.values[c.onboardingStatus];
const databaseType = (scope: "Global" | "Local"): number => LOOKUP_ENUMS.databaseType.values[scope];

/** The MSP tenant owns every other tenant. */
function ownerOf(seed: Seed, tenant: Tenant): number | null {
  if (tenant.isMsp) return null;
  return seed.tenants.find((t) => t.isMsp)?.id ?? null;
}

/** GetTenantResponse. */
export function tenantResponse(seed: Seed, t: Tenant) {
  return {
    id: t.id,
    name: t.name,
    slug: t.slug,
    parentTenantId: t.parentTenantId,
    ownerTenantId: ownerOf(seed, t),
    active: t.active,
    isMsp: t.isMsp,
    updatedBy: null,
    updatedDateUTC: t.createdDateUTC,
    createdBy: null,
    createdDateUTC: t.createdDateUTC,
    tenantTagIds: [...t.tagIds],
    tenantTagNames: t.tagIds.map((id) => seed.tag(id)?.name ?? String(id)),
    markedForDeletionAtUtc: null,
  };
}

const tenantName = (seed: Seed, c: Computer): string => seed.tenant(c.tenantId)?.name ?? "";

/** ComputerSearch: a row of `GET /computers`. */
export function computerSearchRow(seed: Seed, c: Computer) {
  return { id: c.id, name: c.name, tenant: tenantName(seed, c), tenantId: c.tenantId, online: c.online, updatedDate: c.updatedDate, excludeFromMaintenance: c.excludeFromMaintenance };
}

/** ComputerListViewModel: a row of `GET /computers/paged`. */
export function computerListRow(seed: Seed, c: Computer) {
  return {
    createdDate: c.createdDate,
    id: c.id,
    deletedAt: null,
    isOnline: c.online,
    primaryUserFirstName: c.primaryPerson?.firstName ?? null,
    primaryUserLastName: c.primaryPerson?.lastName ?? null,
    primaryUserEmail: c.primaryPerson?.email ?? null,
    tenantName: tenantName(seed, c),
    tenantId: c.tenantId,
    primaryPersonId: c.primaryPerson?.id ?? null,
    providerLinkIds: [],
    computerTagIds: [...c.tagIds],
    deviceId: c.deviceId,
    onboardingStatus: onboardingStatus(c),
    activeSessionId: null,
    computerName: c.name,
    chassisTypes: CHASSIS[c.kind],
    operatingSystem: c.operatingSystem,
    manufacturer: c.manufacturer,
    model: c.model,
    serialNumber: c.serialNumber,
    domainRole: DOMAIN_ROLE[c.kind],
    hasPendingReboot: false,
    domain: c.domain,
    lastBootTimeUtc: null,
    internalIpAddress: null,
    externalIpAddress: null,
    lastLoggedOnUser: c.primaryPerson ? `${(c.domain ?? "").split(".")[0]!.toUpperCase()}\\${c.primaryPerson.firstName.toLowerCase()}.${c.primaryPerson.lastName.toLowerCase()}` : null,
    isSandbox: false,
    excludeFromMaintenance: c.excludeFromMaintenance,
    devLabVmClaimExpirationDateUtc: null,
    devLabVmUnclaimed: false,
    devLabVmName: null,
    isDevLab: false,
    lastProviderAgentEventDateUtc: c.updatedDate,
    licensed: true,
  };
}

export interface ComputerDetailOptions {
  includeSessions: boolean;
  includePrimaryPerson: boolean;
  includeAdditionalPersons: boolean;
  includeProviderAgents: boolean;
}

/** GetComputerResponse: `GET /computers/{id}` (the name is `computerName` here, not `name`). */
export function computerDetail(seed: Seed, c: Computer, o: ComputerDetailOptions) {
  const tenant = seed.tenant(c.tenantId);
  const person = c.primaryPerson;
  return {
    id: c.id,
    deviceId: c.deviceId,
    tenantId: c.tenantId,
    computerName: c.name,
    primaryPersonId: person?.id ?? null,
    onboardingStatus: onboardingStatus(c),
    isOnline: c.online,
    isDomainController: c.kind === "DomainController" || c.kind === "PrimaryDomainController",
    isPortable: c.kind === "Laptop",
    isServer: SERVER_KINDS.includes(c.kind),
    isDesktop: c.kind === "Workstation",
    tenantName: tenant?.name ?? null,
    inventory: null,
    isMissingSomeRequiredInventoryResults: false,
    detectionOutdated: false,
    isSandbox: false,
    excludeFromMaintenance: c.excludeFromMaintenance,
    devLabVmClaimExpirationDateUtc: null,
    isDevLab: false,
    devLabVmUnclaimed: false,
    ephemeralAgentConnected: false,
    licensed: true,
    excludedFromUserAffinity: false,
    sessions: o.includeSessions ? [] : null,
    additionalPersons: o.includeAdditionalPersons ? [] : null,
    ...(person && o.includePrimaryPerson
      ? {
          primaryPerson: {
            id: person.id,
            tenantId: c.tenantId,
            azurePrincipalId: null,
            firstName: person.firstName,
            lastName: person.lastName,
            emailAddress: person.email,
            displayName: `${person.firstName} ${person.lastName}`,
            updatedBy: null,
            createdBy: null,
            updatedDateUTC: c.createdDate,
            createdDateUTC: c.createdDate,
          },
        }
      : {}),
    ...(tenant ? { tenant: tenantResponse(seed, tenant) } : {}),
    agents: o.includeProviderAgents ? [] : null,
    computerTagIds: [...c.tagIds],
  };
}

/** CalculateTargetedComputerResponse: one row of a target preview (ImmyBot's abbreviated keys). */
export function targetedComputer(seed: Seed, c: Computer) {
  const person = c.primaryPerson;
  return {
    id: c.id,
    cn: c.name,
    on: c.online,
    tn: tenantName(seed, c),
    ppi: person?.id ?? null,
    ppn: person ? `${person.firstName} ${person.lastName}` : null,
    ti: c.tenantId,
    os: c.operatingSystem,
    obs: onboardingStatus(c),
    sn: c.serialNumber,
    dr: DOMAIN_ROLE[c.kind],
    sb: false,
    ct: CHASSIS[c.kind],
  };
}

/** SoftwareType: GlobalSoftware 0, LocalSoftware 1. */
const softwareType = (s: Software): number => (s.scope === "Global" ? 0 : 1);

function versionResponse(s: Software, version: string) {
  return {
    displayName: `${s.name} ${version}`,
    displayVersion: version,
    ...(parseVersion(version) ? { semanticVersion: parseVersion(version) } : {}),
    semanticVersionString: version,
    testRequired: false,
    uninstallIfNotInTarget: false,
    url: null,
    softwareIdentifier: String(s.id),
    numActionSuccesses: 0,
    numActionFailures: 0,
    licenseType: 0,
    upgradeStrategy: 0,
    softwareType: softwareType(s),
    notes: null,
    softwareId: s.id,
    createdDateUTC: SEED_EPOCH,
    updatedDateUTC: SEED_EPOCH,
    ...(s.scope === "Local" ? { updatedBy: null } : {}),
  };
}

/** GetGlobalSoftwareResponse / GetLocalSoftwareResponse, versions included (the `include` query is not needed for them). */
export function softwareResponse(s: Software) {
  const common = {
    name: s.name,
    licenseRequirement: 0,
    installOrder: 0,
    hidden: false,
    softwareType: softwareType(s),
    identifier: String(s.id),
    id: s.id,
    ownerTenantId: s.ownerTenantId,
    detectionMethod: 0,
    softwareTableName: s.name,
    notes: s.notes,
    softwareVersions: s.versions.map((v) => versionResponse(s, v)),
    softwarePrerequisites: [],
    maintenanceTaskId: s.configurationTaskId,
    maintenanceTaskType: databaseType(s.configurationTaskScope),
    rebootNeeded: false,
    updatedDateUTC: SEED_EPOCH,
    createdDateUTC: SEED_EPOCH,
    upgradeCode: null,
    repairType: 0,
    softwareTableNameSearchMode: 0,
    recommended: false,
    testRequired: false,
    upgradeStrategy: 0,
    licenseType: 0,
    useDynamicVersions: s.useDynamicVersions,
  };
  return s.scope === "Global" ? common : { ...common, tenantSoftware: s.ownerTenantId === null ? [] : [s.ownerTenantId], updatedDate: SEED_EPOCH, updatedBy: null };
}

/**
 * A maintenance task as `GET /maintenance-tasks/{scope}[/{id}]` answers it. The spec leaves these bodies untyped;
 * this follows the API notes (§5) and is shaped so the spec's `MaintenanceTask` entity accepts it.
 */
export function taskResponse(t: Task) {
  return {
    id: t.id,
    name: t.name,
    databaseType: databaseType(t.scope),
    maintenanceTaskCategory: LOOKUP_ENUMS.taskCategory.values[t.category],
    isConfigurationTask: t.isConfigurationTask,
    onboardingOnly: t.onboardingOnly,
    ignoreDuringAutomaticOnboarding: false,
    testEnabled: true,
    getEnabled: false,
    setEnabled: true,
    recommended: false,
    executeSerially: false,
    useScriptParamBlock: true,
    notes: null,
    createdDate: SEED_EPOCH,
    updatedDate: SEED_EPOCH,
    parameters: t.parameters.map((p) => ({
      id: p.id,
      maintenanceTaskId: t.id,
      name: p.name,
      dataType: LOOKUP_ENUMS.parameterType.values[p.dataType],
      required: p.required,
      defaultValue: p.defaultValue,
      selectableValues: p.selectableValues,
      hidden: p.hidden,
      order: p.order,
      notes: p.notes,
    })),
  };
}

/** A tag as `GET /tags[/{id}]` answers it (untyped in the spec; the `Tag` entity accepts it). */
export function tagResponse(t: { id: number; name: string; description: string | null; color: string | null }) {
  return { id: t.id, name: t.name, description: t.description, color: t.color };
}
