/**
 * A program's resources as the best-practice checks see them: the properties the engine sends a policy pack (the
 * inputs after the provider's check, for `validateResource`; the state's properties, for `validateStack`) mapped to
 * the neutral shape of `sdk/policy/checks.ts`.
 *
 * Reading never throws: @pulumi/policy hands policies a proxy that throws on a value not known yet (an output at
 * preview), and a raw property may hold the engine's unknown sentinel; both become {@link UNKNOWN}, which the checks
 * judge as "cannot say".
 */
import { UNKNOWN, type DeploymentFacts, type Maybe, type OptionsEntry, type RunOptions } from "../policy/checks";
import type { FirstRingSeen, RolloutFacts } from "../policy/checks-rollouts";
import type { ScheduleTimes } from "../policy/checks-windows";

/** The type token of each resource class: `pulumi.dynamic.Resource` with module "immybot". */
export const TYPES = {
  Schedule: "pulumi-nodejs:dynamic/immybot:Schedule",
  Deployment: "pulumi-nodejs:dynamic/immybot:Deployment",
  MaintenanceSession: "pulumi-nodejs:dynamic/immybot:MaintenanceSession",
  MaintenanceRollout: "pulumi-nodejs:dynamic/immybot:MaintenanceRollout",
  Tag: "pulumi-nodejs:dynamic/immybot:Tag",
  TagMembership: "pulumi-nodejs:dynamic/immybot:TagMembership",
} as const;

/** What a policy gets of one resource (the fields of @pulumi/policy's PolicyResource that are read here). */
export interface ResourceSeen {
  type: string;
  urn: string;
  name: string;
  props: Record<string, unknown>;
  propertyDependencies?: Record<string, readonly ResourceSeen[]>;
}

/**
 * The engine's unknown sentinels (@pulumi/policy's `proxy.js`: one per kind of value). Strings no argument
 * of these resources can hold.
 */
const SENTINELS = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/** `o[key]`, or UNKNOWN when it is not known yet. */
export function read(o: unknown, key: string): unknown {
  if (o === UNKNOWN) return UNKNOWN;
  if (o === null || typeof o !== "object") return undefined;
  let v: unknown;
  try {
    v = (o as Record<string, unknown>)[key];
  } catch {
    return UNKNOWN; // the policy SDK's proxy: the value is not known during preview
  }
  return typeof v === "string" && SENTINELS.has(v) ? UNKNOWN : v;
}

/** A value of the expected type, UNKNOWN, or undefined (absent, or of another type: the provider's check reports it). */
const typed =
  <T>(is: (v: unknown) => v is T) =>
  (o: unknown, key: string): Maybe<T | undefined> => {
    const v = read(o, key);
    return v === UNKNOWN ? UNKNOWN : is(v) ? v : undefined;
  };
const str = typed((v): v is string => typeof v === "string");
const bool = typed((v): v is boolean => typeof v === "boolean");
const num = typed((v): v is number => typeof v === "number");
/** An id given as a number or a string, as text. */
const id = (o: unknown, key: string): Maybe<string | undefined> => {
  const v = read(o, key);
  return v === UNKNOWN ? UNKNOWN : typeof v === "number" || typeof v === "string" ? String(v) : undefined;
};

/** The reboot, prompt and e-mail options of a Schedule, MaintenanceSession or MaintenanceRollout. */
export function runOptions(props: unknown): RunOptions {
  return {
    rebootPreference: str(props, "rebootPreference"),
    suppressRebootsDuringBusinessHours: bool(props, "suppressRebootsDuringBusinessHours"),
    promptTimeoutAction: str(props, "promptTimeoutAction"),
    promptTimeoutMinutes: num(props, "promptTimeoutMinutes"),
    sendDetectionEmail: bool(props, "sendDetectionEmail"),
    sendFollowUpEmail: bool(props, "sendFollowUpEmail"),
    showRunNowButton: bool(props, "showRunNowButton"),
    showPostponeButton: bool(props, "showPostponeButton"),
    showMaintenanceActions: bool(props, "showMaintenanceActions"),
  };
}

/** The Deployment a run's `deploymentId` comes from, when it is a resource of the stack. */
function deploymentOf(r: ResourceSeen): ResourceSeen | undefined {
  return (r.propertyDependencies?.deploymentId ?? []).find((d) => d.type === TYPES.Deployment);
}

const KIND = { [TYPES.Schedule]: "schedule", [TYPES.MaintenanceSession]: "session", [TYPES.MaintenanceRollout]: "rollout" } as const;

/**
 * A Schedule, MaintenanceSession or MaintenanceRollout as an options entry (undefined for other types). A run's
 * group filter is its Deployment's, when the stack has it (`deployment: d` in the program), else not known:
 * `withGroupFilter: false` (a resource policy, which sees one resource) leaves it out, for the rules that need none.
 */
export function optionsEntry(r: ResourceSeen, withGroupFilter: boolean): OptionsEntry | undefined {
  const kind = (KIND as Record<string, OptionsEntry["kind"]>)[r.type];
  if (kind === undefined) return undefined;
  let groupFilter: OptionsEntry["groupFilter"] = UNKNOWN;
  if (kind === "schedule") groupFilter = str(r.props, "targetGroupFilter");
  else if (withGroupFilter) {
    const deployment = deploymentOf(r);
    // A full maintenance runs on the computers given, whatever they are; a deployment not in the stack is not known here.
    groupFilter = deployment ? str(deployment.props, "targetGroupFilter") : read(r.props, "fullMaintenance") === true ? undefined : read(r.props, "deploymentId") === UNKNOWN ? UNKNOWN : undefined;
  }
  return { kind, options: runOptions(r.props), groupFilter };
}

/** The tenant a target is limited to: its id as text, "" for none, UNKNOWN when not known yet. */
function tenantOf(props: unknown): Maybe<string> {
  const t = id(props, "tenantId");
  return t === undefined ? "" : t;
}
const tenantShown = (tenant: Maybe<string>) => (tenant === UNKNOWN ? "a tenant (not known yet)" : `tenant ${tenant}`);

/** Every computer, a ring (one computer or a tag), or something else, by targetType. */
function targetKind(props: unknown): DeploymentFacts["target"] {
  const t = str(props, "targetType");
  if (t === UNKNOWN) return UNKNOWN;
  return t === "All" || t === "AllForTenant" ? "all" : t === "Computer" || t === "Tag" ? "ring" : "other";
}

/** Is `session` limited to some computers before the rest? UNKNOWN counts as limited. */
function limitsSession(session: ResourceSeen): boolean {
  const computers = read(session.props, "computers");
  return computers === UNKNOWN || (Array.isArray(computers) && computers.length > 0);
}

/**
 * The computers (ids as text) the stack's TagMemberships put on a tag: those whose tagId is `tagId`, or that take
 * it from the Tag resource `tag` (when the id is not known yet, at the preview that creates the tag). Undefined
 * when no TagMembership of the stack is for the tag; computers not known yet are not counted.
 */
function tagMembers(resources: readonly ResourceSeen[], tagId: Maybe<string | undefined>, tag: ResourceSeen | undefined): Set<string> | undefined {
  const of = resources.filter(
    (m) => m.type === TYPES.TagMembership && ((typeof tagId === "string" && id(m.props, "tagId") === tagId) || (tag !== undefined && (m.propertyDependencies?.tagId ?? []).some((d) => d.urn === tag.urn))),
  );
  if (of.length === 0) return undefined;
  return new Set(of.flatMap((m) => read(m.props, "computers")).filter((c): c is number | string => typeof c === "number" || typeof c === "string").map(String));
}

/** The one Tag resource `key` of `r` comes from, if exactly one. */
function tagResource(r: ResourceSeen, key: string): ResourceSeen | undefined {
  const tags = (r.propertyDependencies?.[key] ?? []).filter((d) => d.type === TYPES.Tag);
  return tags.length === 1 ? tags[0] : undefined;
}

/** A MaintenanceRollout's first ring as the checks see it, with the computers the stack's TagMemberships put on its tag. */
export function firstRing(rollout: ResourceSeen, resources: readonly ResourceSeen[]): FirstRingSeen {
  const rings = read(rollout.props, "rings");
  if (rings === UNKNOWN) return UNKNOWN;
  if (!Array.isArray(rings) || rings.length === 0) return undefined;
  const first: unknown = rings[0];
  if (first === UNKNOWN) return UNKNOWN;
  const computers = read(first, "computers");
  const tag = id(first, "tag");
  // Not known yet (a new Tag at preview): the Tag resource the rings come from, when they name only one.
  const from = tag === UNKNOWN ? tagResource(rollout, "rings") : undefined;
  return {
    name: str(first, "name"),
    fraction: num(first, "fraction"),
    listed: computers === UNKNOWN ? UNKNOWN : Array.isArray(computers) ? computers.length : undefined,
    tag: from?.name ?? tag,
    tagged: tag === undefined ? undefined : tagMembers(resources, tag, from)?.size,
  };
}

/** The runs (MaintenanceSession, MaintenanceRollout) of `type` whose deploymentId comes from `deployment`. */
const runsOf = (resources: readonly ResourceSeen[], type: string, deployment: ResourceSeen) => resources.filter((r) => r.type === type && (r.propertyDependencies?.deploymentId ?? []).some((d) => d.urn === deployment.urn));

/** Every Deployment of the stack as "test-first" sees it, with the stack's runs of it. */
export function deploymentFacts(resources: readonly ResourceSeen[]): { resource: ResourceSeen; facts: DeploymentFacts }[] {
  return resources
    .filter((r) => r.type === TYPES.Deployment)
    .map((r) => {
      const software = read(r.props, "software");
      const softwareId = software === undefined ? undefined : software === UNKNOWN ? UNKNOWN : (id(software, "id") ?? UNKNOWN);
      const tenant = tenantOf(r.props);
      const facts: DeploymentFacts = {
        name: r.name,
        tenant,
        tenantShown: tenantShown(tenant),
        software: softwareId,
        softwareShown: typeof softwareId === "string" ? `software ${softwareId}` : "this software",
        scope: software === UNKNOWN ? UNKNOWN : str(software, "scope"),
        desiredState: software === UNKNOWN ? UNKNOWN : str(software, "desiredState"),
        disabled: bool(r.props, "disabled"),
        target: targetKind(r.props),
        groupFilter: str(r.props, "targetGroupFilter"),
        limitedRun: runsOf(resources, TYPES.MaintenanceSession, r).some(limitsSession),
        rolloutFirstRings: runsOf(resources, TYPES.MaintenanceRollout, r).map((rollout) => firstRing(rollout, resources)),
      };
      return { resource: r, facts };
    });
}

/** Every MaintenanceRollout of the stack as "rollout-first-ring" sees it. */
export function rolloutFacts(resources: readonly ResourceSeen[]): { resource: ResourceSeen; facts: RolloutFacts }[] {
  return resources
    .filter((r) => r.type === TYPES.MaintenanceRollout)
    .map((r) => {
      const deployment = deploymentOf(r);
      const subject = read(r.props, "fullMaintenance") === true ? "the full maintenance" : deployment ? `deployment ${deployment.name}` : "the deployment";
      return { resource: r, facts: { subject, first: firstRing(r, resources) } };
    });
}

/**
 * A Schedule's computers where the stack knows them: a "Computer" target is one; a "Tag" target, the computers the
 * stack's TagMemberships put on the tag. Undefined otherwise (every computer, a tag of no TagMembership, or not known yet).
 */
function scheduleComputers(r: ResourceSeen, resources: readonly ResourceSeen[]): ReadonlySet<string> | undefined {
  const type = str(r.props, "targetType");
  const target = str(r.props, "target");
  if (type === "Computer") return typeof target === "string" ? new Set([target]) : undefined;
  if (type === "Tag") return target === undefined ? undefined : tagMembers(resources, target, target === UNKNOWN ? tagResource(r, "target") : undefined);
  return undefined;
}

/** Every Schedule of the stack as "staggered-windows" sees it. */
export function scheduleTimes(resources: readonly ResourceSeen[]): { resource: ResourceSeen; times: ScheduleTimes }[] {
  return resources
    .filter((r) => r.type === TYPES.Schedule)
    .map((r) => {
      const tenant = tenantOf(r.props);
      const p = r.props;
      return {
        resource: r,
        times: {
          tenant,
          tenantShown: tenantShown(tenant),
          where: r.name,
          disabled: bool(p, "disabled"),
          scheduleExecutionAfterActiveHours: bool(p, "scheduleExecutionAfterActiveHours"),
          cronExpression: str(p, "cronExpression"),
          executionTime: str(p, "executionTime"),
          detectionTime: str(p, "detectionTime"),
          dayOfWeek: str(p, "dayOfWeek"),
          timeZone: str(p, "timeZone"),
          computers: scheduleComputers(r, resources),
        },
      };
    });
}
