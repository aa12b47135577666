/**
 * The data an ImmyBot instance already holds when the provider arrives: tenants, computers, tags, software and
 * maintenance tasks. Read-only for clients (the lookup routes list it; deployments and target previews point
 * into it). It is built in (`sandbox/default-seed.json`) and replaceable as a whole: `SandboxOptions.seed` (a
 * JSON file or an object) or `--seed-file FILE`. It is not part of the state file; a restarted sandbox reads
 * its seed again.
 *
 * One seed fact changes while the sandbox runs: whether a computer's agent is connected (`Seed.setOnline`, behind
 * `Sandbox.setComputerOnline`), because maintenance sessions wait for it. The state file keeps that change.
 *
 * A seed is checked before the sandbox starts: its shape (zod), unique ids, and every reference (a computer's
 * tenant, a tag id, a software's configuration task), so a broken seed fails with a message, not a 500 later.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import type { Tie } from "./tie";
import { parseVersion, VERSION_EXAMPLE } from "./semver";
import { LOOKUP_ENUMS } from "./wire-enums";
import { globalDeploymentSchema, type GlobalDeployment, type SeedGlobalDeployment } from "./global-deployments";

// ---- the seed file's shape (what people write) -----------------------------------------------------------------

export interface SeedTenant {
  id: number;
  name: string;
  /** Default: null. */
  slug?: string | null;
  /** The parent tenant (a child tenant); default null. */
  parentTenantId?: number | null;
  /** The MSP's own tenant; default false. */
  isMsp?: boolean;
  /** Default true. */
  active?: boolean;
  /** Tags on the tenant; default none. */
  tagIds?: number[];
  /** ISO 8601; default the seed epoch (2024-01-15T09:00:00Z). */
  createdDateUTC?: string;
}

export interface SeedTag {
  id: number;
  name: string;
  description?: string | null;
  /** A CSS colour, e.g. "#f59e0b". */
  color?: string | null;
}

/** The device class, which decides which targetGroupFilter (Servers, Workstations, ...) matches the computer. */
export type ComputerKind = "Workstation" | "Laptop" | "Server" | "DomainController" | "PrimaryDomainController";

export interface SeedPerson {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
}

export interface SeedComputer {
  id: number;
  name: string;
  tenantId: number;
  kind: ComputerKind;
  /** The agent is connected; default true. */
  online?: boolean;
  operatingSystem?: string | null;
  manufacturer?: string | null;
  model?: string | null;
  serialNumber?: string | null;
  domain?: string | null;
  /** Default: a GUID derived from the id. */
  deviceId?: string;
  tagIds?: number[];
  /** Default "Onboarded". */
  onboardingStatus?: "NeedsOnboarding" | "Onboarding" | "Onboarded";
  excludeFromMaintenance?: boolean;
  primaryPerson?: SeedPerson | null;
  /** ISO 8601; default the seed epoch. */
  createdDate?: string;
  /** ISO 8601 (`ComputerSearch.updatedDate`, the order of `orderByUpdatedDate`); default createdDate. */
  updatedDate?: string;
  /**
   * How a maintenance session's execution ends on this computer (sandbox only; no computer response carries it):
   * "Passed" (default), "Failed" (the installer exits with 1603), "PartialPassed" (installed, the post-install
   * test fails) or "NeverFinishes" (stays Running in execution until cancelled).
   */
  maintenanceOutcome?: MaintenanceOutcome;
}

/** The end of a simulated session's execution stage on a computer (SeedComputer.maintenanceOutcome). */
export type MaintenanceOutcome = "Passed" | "Failed" | "PartialPassed" | "NeverFinishes";

export interface SeedSoftware {
  /** Unique per scope; the deployment's maintenanceIdentifier (as a string). */
  id: number;
  name: string;
  /** Known versions, oldest first, e.g. ["23.01", "24.08"]. */
  versions?: string[];
  /** The software's configuration task: its parameters are the ones a deployment of this software takes. */
  configurationTaskId?: number | null;
  /** The scope of that task; default the software's own scope. */
  configurationTaskScope?: "Global" | "Local";
  /** Local software only: the tenant that owns it; default null (all tenants). */
  ownerTenantId?: number | null;
  useDynamicVersions?: boolean;
  notes?: string | null;
}

export type ParameterTypeName = "Number" | "Text" | "Boolean" | "Select" | "Password" | "File" | "Uri" | "KeyValuePair";

export interface SeedTaskParameter {
  /** Default: the task id * 100 + the parameter's position (1-based). */
  id?: number;
  name: string;
  dataType: ParameterTypeName;
  required?: boolean;
  /** As ImmyBot stores it: text (e.g. "false", "XtsAes256") or null. */
  defaultValue?: string | null;
  /** For Select parameters. */
  selectableValues?: string[] | null;
  hidden?: boolean;
  notes?: string | null;
}

export interface SeedTask {
  /** Unique per scope; the deployment's maintenanceIdentifier (as a string). */
  id: number;
  name: string;
  /** What the task runs against; default "Computer". */
  category?: "Computer" | "Tenant" | "Person";
  /** Configures a software; cannot be deployed on its own. Default false. */
  isConfigurationTask?: boolean;
  onboardingOnly?: boolean;
  /** In ImmyBot's order. */
  parameters?: SeedTaskParameter[];
}

/** A whole seed. Every section is optional; one left out is empty. */
export interface SeedData {
  tenants?: SeedTenant[];
  tags?: SeedTag[];
  computers?: SeedComputer[];
  software?: { global?: SeedSoftware[]; local?: SeedSoftware[] };
  maintenanceTasks?: { global?: SeedTask[]; local?: SeedTask[] };
  /** ImmyBot's published (global) deployments, read-only: see global-deployments.ts. */
  globalDeployments?: SeedGlobalDeployment[];
}

// ---- schema and defaults ---------------------------------------------------------------------------------------

export const SEED_EPOCH = "2024-01-15T09:00:00.000Z";

const id = z.number().int().min(1).max(2147483647);
const name = z.string().trim().min(1);
const nullableText = z.string().nullable();
const isoDate = z.iso.datetime({ offset: true });
const ids = z.array(id).default([]);
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const tenantSchema = z.strictObject({
  id,
  name,
  slug: nullableText.default(null),
  parentTenantId: id.nullable().default(null),
  isMsp: z.boolean().default(false),
  active: z.boolean().default(true),
  tagIds: ids,
  createdDateUTC: isoDate.default(SEED_EPOCH),
});
const _tieTenant: Tie<z.input<typeof tenantSchema>, SeedTenant> = true;

const tagSchema = z.strictObject({ id, name, description: nullableText.default(null), color: nullableText.default(null) });
const _tieTag: Tie<z.input<typeof tagSchema>, SeedTag> = true;

const personSchema = z.strictObject({ id, firstName: name, lastName: name, email: z.email() });
const _tiePerson: Tie<z.input<typeof personSchema>, SeedPerson> = true;

const computerSchema = z.strictObject({
  id,
  name,
  tenantId: id,
  kind: z.enum(["Workstation", "Laptop", "Server", "DomainController", "PrimaryDomainController"]),
  online: z.boolean().default(true),
  operatingSystem: nullableText.default(null),
  manufacturer: nullableText.default(null),
  model: nullableText.default(null),
  serialNumber: nullableText.default(null),
  domain: nullableText.default(null),
  deviceId: z.string().regex(GUID, "must be a GUID").optional(),
  tagIds: ids,
  onboardingStatus: z.enum(["NeedsOnboarding", "Onboarding", "Onboarded"]).default("Onboarded"),
  excludeFromMaintenance: z.boolean().default(false),
  primaryPerson: personSchema.nullable().default(null),
  createdDate: isoDate.default(SEED_EPOCH),
  updatedDate: isoDate.optional(),
  maintenanceOutcome: z.enum(["Passed", "Failed", "PartialPassed", "NeverFinishes"]).default("Passed"),
});
const _tieComputer: Tie<z.input<typeof computerSchema>, SeedComputer> = true;

const version = z.string().refine((v) => parseVersion(v) !== undefined, { error: (i) => `${JSON.stringify(i.input)} is not a version; use e.g. ${VERSION_EXAMPLE}` });
const scope = z.enum(["Global", "Local"]);

const softwareSchema = z.strictObject({
  id,
  name,
  versions: z.array(version).default([]),
  configurationTaskId: id.nullable().default(null),
  configurationTaskScope: scope.optional(),
  ownerTenantId: id.nullable().default(null),
  useDynamicVersions: z.boolean().default(false),
  notes: nullableText.default(null),
});
const _tieSoftware: Tie<z.input<typeof softwareSchema>, SeedSoftware> = true;

const parameterSchema = z.strictObject({
  id: id.optional(),
  name,
  dataType: z.enum(Object.keys(LOOKUP_ENUMS.parameterType.values) as [ParameterTypeName, ...ParameterTypeName[]]),
  required: z.boolean().default(false),
  defaultValue: nullableText.default(null),
  selectableValues: z.array(z.string()).nullable().default(null),
  hidden: z.boolean().default(false),
  notes: nullableText.default(null),
});
const _tieParameter: Tie<z.input<typeof parameterSchema>, SeedTaskParameter> = true;

const taskSchema = z.strictObject({
  id,
  name,
  category: z.enum(["Computer", "Tenant", "Person"]).default("Computer"),
  isConfigurationTask: z.boolean().default(false),
  onboardingOnly: z.boolean().default(false),
  parameters: z.array(parameterSchema).default([]),
});
const _tieTask: Tie<z.input<typeof taskSchema>, SeedTask> = true;

const seedSchema = z.strictObject({
  tenants: z.array(tenantSchema).default([]),
  tags: z.array(tagSchema).default([]),
  computers: z.array(computerSchema).default([]),
  software: z.strictObject({ global: z.array(softwareSchema).default([]), local: z.array(softwareSchema).default([]) }).default({ global: [], local: [] }),
  maintenanceTasks: z.strictObject({ global: z.array(taskSchema).default([]), local: z.array(taskSchema).default([]) }).default({ global: [], local: [] }),
  globalDeployments: z.array(globalDeploymentSchema).default([]),
});
const _tieSeed: Tie<z.input<typeof seedSchema>, SeedData> = true;

// ---- the checked seed (what the sandbox reads) -----------------------------------------------------------------

export type ItemScope = "Global" | "Local";
export type Tenant = z.output<typeof tenantSchema>;
export type Tag = z.output<typeof tagSchema>;
export type Computer = Omit<z.output<typeof computerSchema>, "deviceId" | "updatedDate"> & { deviceId: string; updatedDate: string };
export type Software = Omit<z.output<typeof softwareSchema>, "configurationTaskScope"> & { scope: ItemScope; configurationTaskScope: ItemScope };
export type TaskParameter = z.output<typeof parameterSchema> & { id: number; order: number };
/** A person of the seed: a computer's primary person, with that computer's tenant. */
export type Person = SeedPerson & { tenantId: number; computerId: number };
export type Task = Omit<z.output<typeof taskSchema>, "parameters"> & { scope: ItemScope; parameters: TaskParameter[] };

export class SeedError extends Error {}

/** A checked seed with lookups by id. Lists are in id order, as a database would return them. */
export class Seed {
  readonly tenants: readonly Tenant[];
  /** Seeded tags, then changed through the tag routes (tags.ts): the one part of the seed clients write. */
  tags: Tag[];
  readonly computers: readonly Computer[];
  readonly software: Readonly<Record<ItemScope, readonly Software[]>>;
  readonly tasks: Readonly<Record<ItemScope, readonly Task[]>>;
  readonly globalDeployments: readonly GlobalDeployment[];

  private constructor(
    /** The seed as given, for `Sandbox.seed()`. */
    readonly data: SeedData,
    parsed: z.output<typeof seedSchema>,
  ) {
    const byId = <T extends { id: number }>(rows: T[]): T[] => [...rows].sort((a, b) => a.id - b.id);
    this.tenants = byId(parsed.tenants);
    this.tags = byId(parsed.tags);
    this.computers = byId(parsed.computers).map((c) => ({ ...c, deviceId: (c.deviceId ?? derivedGuid(c.id)).toLowerCase(), updatedDate: c.updatedDate ?? c.createdDate }));
    const software = (s: ItemScope) =>
      byId(parsed.software[s === "Global" ? "global" : "local"]).map((w) => ({ ...w, scope: s, configurationTaskScope: w.configurationTaskScope ?? s }));
    this.software = { Global: software("Global"), Local: software("Local") };
    const tasks = (s: ItemScope) =>
      byId(parsed.maintenanceTasks[s === "Global" ? "global" : "local"]).map((t) => ({
        ...t,
        scope: s,
        parameters: t.parameters.map((p, i) => ({ ...p, id: p.id ?? t.id * 100 + i + 1, order: i })),
      }));
    this.tasks = { Global: tasks("Global"), Local: tasks("Local") };
    this.globalDeployments = byId(parsed.globalDeployments);
  }

  /** Checks `data` (shape, unique ids, references); throws SeedError naming every problem and `source`. */
  static from(data: unknown, source = "the seed"): Seed {
    const parsed = seedSchema.safeParse(data);
    if (!parsed.success) throw new SeedError(`${source} is not a valid sandbox seed:\n${z.prettifyError(parsed.error)}`);
    const seed = new Seed(structuredClone(data) as SeedData, parsed.data);
    const problems = seed.referenceProblems();
    if (problems.length > 0) throw new SeedError(`${source} is not a valid sandbox seed:\n${problems.map((p) => `✖ ${p}`).join("\n")}`);
    return seed;
  }

  tenant(id: number | null | undefined): Tenant | undefined {
    return this.tenants.find((t) => t.id === id);
  }

  tag(id: number | null | undefined): Tag | undefined {
    return this.tags.find((t) => t.id === id);
  }

  computer(id: number | null | undefined): Computer | undefined {
    return this.computers.find((c) => c.id === id);
  }

  /** Persons are the computers' primary persons (the first computer naming the person gives the tenant). */
  person(id: number | null | undefined): Person | undefined {
    const computer = this.computers.find((c) => c.primaryPerson?.id === id);
    return computer?.primaryPerson ? { ...computer.primaryPerson, tenantId: computer.tenantId, computerId: computer.id } : undefined;
  }

  /**
   * Connects or disconnects a computer's agent (the lookups show it at once). The only seed fact that changes at
   * run time; false when there is no such computer.
   */
  setOnline(id: number, online: boolean): boolean {
    const computer = this.computer(id);
    if (!computer) return false;
    computer.online = online;
    return true;
  }

  softwareItem(scope: ItemScope, id: number): Software | undefined {
    return this.software[scope].find((s) => s.id === id);
  }

  task(scope: ItemScope, id: number): Task | undefined {
    return this.tasks[scope].find((t) => t.id === id);
  }

  /** The tenant and, with `withChildren`, every tenant below it. */
  tenantScope(id: number, withChildren: boolean): Set<number> {
    const scope = new Set([id]);
    if (!withChildren) return scope;
    for (let grew = true; grew; ) {
      grew = false;
      for (const t of this.tenants) {
        if (t.parentTenantId !== null && scope.has(t.parentTenantId) && !scope.has(t.id)) {
          scope.add(t.id);
          grew = true;
        }
      }
    }
    return scope;
  }

  /** The software items a configuration task configures. */
  softwareConfiguredBy(task: Task): Software[] {
    return [...this.software.Global, ...this.software.Local].filter((s) => s.configurationTaskId === task.id && s.configurationTaskScope === task.scope);
  }

  private referenceProblems(): string[] {
    const problems: string[] = [];
    const unique = (what: string, rows: readonly { id: number }[]) => {
      const seen = new Set<number>();
      for (const r of rows) {
        if (seen.has(r.id)) problems.push(`${what}: id ${r.id} is used twice`);
        seen.add(r.id);
      }
    };
    unique("tenants", this.tenants);
    unique("tags", this.tags);
    unique("computers", this.computers);
    unique("software.global", this.software.Global);
    unique("software.local", this.software.Local);
    unique("maintenanceTasks.global", this.tasks.Global);
    unique("maintenanceTasks.local", this.tasks.Local);
    unique("globalDeployments", this.globalDeployments);
    for (const g of this.globalDeployments) {
      const task = g.maintenanceType === "GlobalMaintenanceTask";
      const item = task ? this.task("Global", Number(g.maintenanceIdentifier)) : this.softwareItem("Global", Number(g.maintenanceIdentifier));
      if (!item) problems.push(`global deployment ${g.id}: ${task ? "maintenanceTasks" : "software"}.global has no id ${g.maintenanceIdentifier}`);
    }

    const tagsExist = (where: string, tagIds: number[]) => {
      for (const t of tagIds) if (!this.tag(t)) problems.push(`${where}: tag ${t} is not in tags`);
    };
    for (const t of this.tenants) {
      if (t.parentTenantId !== null && !this.tenant(t.parentTenantId)) problems.push(`tenant ${t.id}: parentTenantId ${t.parentTenantId} is not in tenants`);
      if (t.parentTenantId === t.id || (t.parentTenantId !== null && this.isAncestor(t.id, t.parentTenantId))) problems.push(`tenant ${t.id}: its parents form a cycle`);
      tagsExist(`tenant ${t.id}`, t.tagIds);
    }
    for (const c of this.computers) {
      if (!this.tenant(c.tenantId)) problems.push(`computer ${c.id}: tenantId ${c.tenantId} is not in tenants`);
      tagsExist(`computer ${c.id}`, c.tagIds);
    }
    for (const s of [...this.software.Global, ...this.software.Local]) {
      const where = `${s.scope.toLowerCase()} software ${s.id}`;
      if (s.ownerTenantId !== null && !this.tenant(s.ownerTenantId)) problems.push(`${where}: ownerTenantId ${s.ownerTenantId} is not in tenants`);
      if (s.configurationTaskId !== null) {
        const task = this.task(s.configurationTaskScope, s.configurationTaskId);
        if (!task) problems.push(`${where}: configuration task ${s.configurationTaskId} is not in maintenanceTasks.${s.configurationTaskScope.toLowerCase()}`);
        else if (!task.isConfigurationTask) problems.push(`${where}: task ${task.id} "${task.name}" is its configuration task but has isConfigurationTask false`);
      }
    }
    for (const t of [...this.tasks.Global, ...this.tasks.Local]) {
      const names = new Set<string>();
      for (const p of t.parameters) {
        if (names.has(p.name.toLowerCase())) problems.push(`${t.scope.toLowerCase()} task ${t.id}: parameter "${p.name}" is declared twice`);
        names.add(p.name.toLowerCase());
      }
    }
    return problems;
  }

  /** True when `ancestor` is above `id` in the parent chain (guards against cycles by counting steps). */
  private isAncestor(ancestor: number, id: number): boolean {
    let current = this.tenant(id);
    for (let steps = 0; current && steps <= this.tenants.length; steps++) {
      if (current.id === ancestor) return true;
      current = current.parentTenantId === null ? undefined : this.tenant(current.parentTenantId);
    }
    return false;
  }
}

/** A stable GUID per computer id, for seeds that leave `deviceId` out. */
function derivedGuid(computerId: number): string {
  return `5eed0000-0000-4000-8000-${computerId.toString(16).padStart(12, "0")}`;
}

// ---- loading ---------------------------------------------------------------------------------------------------

/**
 * The built-in seed's file. It lives in `sandbox/` beside this module's source; compiled code runs from
 * `dist/sandbox/`, which tsc does not copy JSON into, so that case looks in the source folder.
 */
export function defaultSeedFile(): string {
  const candidates = [join(__dirname, "default-seed.json"), resolve(__dirname, "../../sandbox/default-seed.json")];
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new SeedError(`the sandbox's default seed is missing: looked for ${candidates.join(" and ")}`);
  return found;
}

/** A seed from a JSON file, an object, or (undefined) the built-in one. */
export function loadSeed(source: string | SeedData | undefined): Seed {
  if (source !== undefined && typeof source !== "string") return Seed.from(source, "the seed object");
  const file = source ?? defaultSeedFile();
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new SeedError(`cannot read the seed file ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SeedError(`the seed file ${file} is not valid JSON (${(e as Error).message})`);
  }
  return Seed.from(json, `the seed file ${file}`);
}
