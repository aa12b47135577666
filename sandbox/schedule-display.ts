/**
 * The read-only display strings of GetScheduleResponse. The real wording of ImmyBot's UI is not documented;
 * these are the sandbox's own, close enough for a human and stable for tests. Clients must not diff them.
 */
import type { ScheduleFields } from "./schedule-model";
import { memberName, SCHEDULE_ENUMS } from "./wire-enums";

interface TargetTypeText {
  name: string;
  description: string;
}

const TARGET_TYPE_TEXT: Record<string, TargetTypeText> = {
  All: { name: "All Computers", description: "Every computer in scope." },
  Computer: { name: "Computer", description: "One specific computer." },
  Metascript: { name: "Metascript", description: "Computers returned by a metascript." },
  Person: { name: "Person", description: "One specific person." },
  AzureGroup: { name: "Azure Group", description: "Members of an Azure AD group." },
  TenantMetascript: { name: "Tenant Metascript", description: "Tenants returned by a metascript." },
  AllForTenant: { name: "All Computers for Tenant", description: "Every computer of one tenant." },
  ProviderDeviceGroup: { name: "Integration Device Group", description: "Computers in a group of an integration." },
  ProviderClientGroup: { name: "Integration Client Group", description: "Computers of the clients in a group of an integration." },
  TenantFilterScript: { name: "Tenant Filter Script", description: "Tenants returned by a filter script." },
  FilterScript: { name: "Filter Script", description: "Computers returned by a filter script." },
  AllTenants: { name: "All Tenants", description: "Every tenant." },
  SpecificTenant: { name: "Specific Tenant", description: "One specific tenant." },
  Tag: { name: "Tag", description: "Computers with a tag." },
  TenantTag: { name: "Tenant Tag", description: "Tenants with a tag." },
  CloudTag: { name: "Cloud Tag", description: "Cloud tenants with a tag." },
  CloudProviderClientGroup: { name: "Cloud Integration Client Group", description: "Tenants of the clients in a group of an integration." },
};

const GROUP_FILTER_TEXT: Record<string, string> = {
  All: "All",
  Servers: "Servers",
  Workstations: "Workstations",
  PortableDevices: "Portable Devices",
  WorkstationsAndPortableDevices: "Workstations and Portable Devices",
  DomainControllers: "Domain Controllers",
  PrimaryDomainControllers: "Primary Domain Controllers",
};

/** Targets that pick one object are "Individual" whatever the tenant. */
const INDIVIDUAL_TARGETS = new Set([SCHEDULE_ENUMS.targetType.values.Computer, SCHEDULE_ENUMS.targetType.values.Person]);

export interface TargetDisplay {
  targetText: string;
  targetTypeName: string;
  targetScopeName: string;
  targetTypeDescription: string;
  targetGroupFilterName: string;
}

/** The target fields the display strings depend on (schedules and deployments share them). */
export type DisplayedTarget = Pick<ScheduleFields, "targetType" | "target" | "tenantId" | "targetGroupFilter">;

export function targetDisplay(f: DisplayedTarget): TargetDisplay {
  const typeName = memberName(SCHEDULE_ENUMS.targetType, f.targetType);
  const type = (typeName && TARGET_TYPE_TEXT[typeName]) || { name: `Target type ${f.targetType}`, description: "" };
  const filterName = memberName(SCHEDULE_ENUMS.targetGroupFilter, f.targetGroupFilter);
  return {
    targetText: f.target ? `${type.name}: ${f.target}` : type.name,
    targetTypeName: type.name,
    targetScopeName: INDIVIDUAL_TARGETS.has(f.targetType) ? "Individual" : f.tenantId === null ? "Cross Tenant" : "Single Tenant",
    targetTypeDescription: type.description,
    targetGroupFilterName: (filterName && GROUP_FILTER_TEXT[filterName]) || String(f.targetGroupFilter),
  };
}
