/**
 * Declaring a loaded policy: one Schedule, Deployment, MaintenanceSession, Tag (with its TagMembership,
 * `<file stem>-<tag>-members`) or MaintenanceRollout per entry, named `<file stem>-<entry name>`, with every name
 * (tenant, computers, tags, software, tasks) resolved through the lookups and secrets read from the stack config.
 * A tag the repository declares is referred to by its resource's id (after its members are set), never looked up.
 *
 * Every resource is registered at once, with inputs that wait for the resolution of *all* names of the policy: when
 * any name is unknown (or a secret is missing, or a Password parameter has a plain value), every resource fails with
 * one {@link PolicyError} that lists each problem (`file: path: message`; a lookup's message lists the close
 * matches), and nothing is created or changed.
 */
import * as pulumi from "@pulumi/pulumi";
import { Deployment, type DeploymentArgs } from "../deployment";
import { getComputer, getMaintenanceTask, getSoftware, getTag, getTenant, type Computer, type Tenant } from "../lookups";
import { MaintenanceRollout, type MaintenanceRolloutArgs } from "../maintenance-rollout";
import { MaintenanceSession } from "../maintenance-session";
import { Schedule, type ScheduleArgs } from "../schedule";
import { Tag } from "../tag";
import { TagMembership } from "../tag-membership";
import { isParameterSetting, isSecretReference, type LoadedPolicyFile, type Policy } from "./load";
import { declaredTagNames, resolveFile, Resolution, type Path, type PolicyLookups, type Report, type ResolvedFile, type ResolvedTarget } from "./resolve";
import { DEPLOYMENT_FIELDS, ROLLOUT_FIELDS, SCHEDULE_FIELDS, SESSION_FIELDS, TAG_FIELDS } from "./schema";
import type { PolicyParameters, PolicyRollout, PolicySchedule, PolicySession } from "./types";

/** The resources declared for one policy file, by entry name. */
export interface DeclaredFile {
  /** The file, e.g. "tenants/contoso.yaml". */
  readonly path: string;
  /** The file's tenant as ImmyBot has it; undefined for a `crossTenant` file. */
  readonly tenant?: pulumi.Output<Tenant>;
  readonly schedules: Readonly<Record<string, Schedule>>;
  readonly deployments: Readonly<Record<string, Deployment>>;
  readonly sessions: Readonly<Record<string, MaintenanceSession>>;
  readonly tags: Readonly<Record<string, Tag>>;
  /** The members of each tag that lists computers or tenants, by the tag's entry name. */
  readonly tagMemberships: Readonly<Record<string, TagMembership>>;
  readonly rollouts: Readonly<Record<string, MaintenanceRollout>>;
}

/** What {@link declare} created: per file (by file stem, e.g. "contoso"), its resources by entry name. */
export interface DeclaredPolicy {
  readonly files: Readonly<Record<string, DeclaredFile>>;
  /**
   * Settles when every name of the policy is resolved: rejects with the one {@link PolicyError} every resource
   * fails with. A program need not wait for it.
   */
  readonly resolved: Promise<void>;
}

/** A program's lookups: settings from the stack config, failures reported without a stack trace. */
const SDK_LOOKUPS: PolicyLookups = { tenant: getTenant, computer: getComputer, tag: getTag, software: getSoftware, task: getMaintenanceTask };

/**
 * Declares the resources of a loaded policy (see `load`). `opts` apply to every resource (e.g. `parent`,
 * `protect`, `retainOnDelete`).
 */
export function declare(policy: Policy, opts?: pulumi.CustomResourceOptions): DeclaredPolicy {
  const r = new Resolution();
  const outputs = new Outputs(r);
  const declared = declaredTagNames(policy);
  const names = policy.files.map((file) => resolveFile(file, r, SDK_LOOKUPS, declared));
  // Every file's tags first: a `{ tag: <name> }` of any file may mean them.
  const tags = new Map<string, pulumi.Output<string>>();
  const tagResources = policy.files.map((file, i) => declareTags(file, names[i]!, outputs, tags, opts));
  const files: Record<string, DeclaredFile> = {};
  policy.files.forEach((file, i) => (files[file.stem] = { ...declareFile(file, names[i]!, outputs, tags, opts), ...tagResources[i]! }));
  r.finish();
  return { files, resolved: r.done };
}

/**
 * A file's Tag resources and their TagMemberships; `ids` gets each tag's id by name (lower case), available once
 * its members are set, so what targets it (a ring above all) starts after them.
 */
function declareTags(file: LoadedPolicyFile, names: ResolvedFile, o: Outputs, ids: Map<string, pulumi.Output<string>>, opts: pulumi.CustomResourceOptions | undefined) {
  const tags: Record<string, Tag> = {};
  const tagMemberships: Record<string, TagMembership> = {};
  (file.content.tags ?? []).forEach((t, i) => {
    const tag = new Tag(`${file.stem}-${t.name}`, { name: o.gate(t.name), ...pick(t, TAG_FIELDS) }, opts);
    tags[t.name] = tag;
    const { computers, tenants } = names.tags[i]!;
    const ofIds = (p: Promise<({ id: number } | undefined)[]> | undefined) => (p === undefined ? undefined : o.out(p as Promise<{ id: number }[]>).apply((xs) => xs.map((x) => x.id)));
    if ((t.computers?.length ?? 0) + (t.tenants?.length ?? 0) === 0) {
      ids.set(t.name.toLowerCase(), tag.tagId);
      return;
    }
    const members = new TagMembership(`${file.stem}-${t.name}-members`, { tagId: o.gate(tag.tagId), computers: ofIds(computers), tenants: ofIds(tenants) }, opts);
    tagMemberships[t.name] = members;
    ids.set(t.name.toLowerCase(), pulumi.all([tag.tagId, members.id]).apply(([id]) => id));
  });
  return { tags, tagMemberships };
}

/** Values of the resolution as Outputs, each available once every name of the policy has resolved. */
class Outputs {
  private doneOutput?: pulumi.Output<void>;

  constructor(readonly r: Resolution) {}

  /** A value once every name of the policy has resolved; fails with every problem otherwise. */
  out<T>(p: Promise<T | undefined>): pulumi.Output<T> {
    return pulumi.output(this.r.done.then(() => p as Promise<T>)) as unknown as pulumi.Output<T>;
  }

  /** `value`, held back until every name of the policy has resolved (its resources and secrecy are kept). */
  gate<T>(value: pulumi.Input<T>): pulumi.Output<T> {
    this.doneOutput ??= pulumi.output(this.r.done);
    return pulumi.all([this.doneOutput, value]).apply(([, v]) => v as T) as pulumi.Output<T>;
  }
}

function declareFile(
  file: LoadedPolicyFile,
  names: ResolvedFile,
  o: Outputs,
  tags: ReadonlyMap<string, pulumi.Output<string>>,
  opts: pulumi.CustomResourceOptions | undefined,
): Omit<DeclaredFile, "tags" | "tagMemberships"> {
  const { path: fp, stem, content } = file;
  // A crossTenant file has no tenant: its targets have no tenantId.
  const limit = names.tenant === undefined ? {} : { tenantId: o.out(names.tenant).apply((t) => t.id) };
  /** A tag's or computer's id: the declared tag's resource id, or what the lookup found. */
  const idOf = (t: Omit<ResolvedTarget, "targetType">) => (t.declaredTag !== undefined ? o.gate(tags.get(t.declaredTag) as pulumi.Output<string>) : t.target === undefined ? undefined : o.out(t.target));
  /** targetType, target and tenantId of a policy target (the file's tenant, if it has one, limits it). */
  const target = (t: ResolvedTarget) => {
    const id = idOf(t);
    return { targetType: t.targetType, ...(id === undefined ? {} : { target: id }), ...limit };
  };

  const deployments: Record<string, Deployment> = {};
  (content.deployments ?? []).forEach((d, i) => {
    const resolved = names.deployments[i]!;
    const found = o.out(resolved.item);
    const item: Pick<DeploymentArgs, "software" | "task"> =
      d.software !== undefined
        ? { software: found.apply((s) => ({ id: s.id, scope: s.scope, desiredState: d.desiredState ?? "LatestVersion", ...(d.version === undefined ? {} : { version: d.version }) })) }
        : { task: found.apply((t) => ({ id: t.id, scope: t.scope, ...(d.mode === undefined ? {} : { mode: d.mode }) })) };
    deployments[d.name] = new Deployment(
      `${stem}-${d.name}`,
      {
        ...target(resolved.target),
        targetGroupFilter: d.groupFilter,
        propagateToChildTenants: d.propagateToChildTenants,
        ...pick(d, DEPLOYMENT_FIELDS),
        ...item,
        ...(d.parameters === undefined ? {} : { parameters: parameterInputs(d.parameters, (key, path) => secret(resolved.reportParameters, ["deployments", i, "parameters", ...path], key)) }),
      },
      opts,
    );
  });

  const schedules: Record<string, Schedule> = {};
  (content.schedules ?? []).forEach((s: PolicySchedule, i) => {
    const args: ScheduleArgs = {
      ...target(names.schedules[i]!.target),
      targetGroupFilter: s.groupFilter,
      propagateToChildTenants: s.propagateToChildTenants,
      ...pick(s, SCHEDULE_FIELDS),
      ...(s.deployment === undefined ? {} : { deployment: deployments[s.deployment] }),
    };
    schedules[s.name] = new Schedule(`${stem}-${s.name}`, args, opts);
  });

  const sessions: Record<string, MaintenanceSession> = {};
  (content.sessions ?? []).forEach((s: PolicySession, i) => {
    const computers = names.sessions[i]!.computers;
    sessions[s.name] = new MaintenanceSession(
      `${stem}-${s.name}`,
      {
        // Through the resolution, so the run waits for every name of the policy (and the deployment).
        deploymentId: o.gate((deployments[s.deployment] as Deployment).id),
        ...(computers === undefined ? {} : { computers: o.out(computers as Promise<Computer[]>).apply((cs) => cs.map((c) => c.id)) }),
        ...pick(s, SESSION_FIELDS),
      },
      opts,
    );
  });

  const rollouts: Record<string, MaintenanceRollout> = {};
  (content.rollouts ?? []).forEach((ro: PolicyRollout, i) => {
    const resolved = names.rollouts[i]!.rings;
    const rings = ro.rings.map((ring, j) => {
      const { computers, tag } = resolved[j]!;
      return {
        name: ring.name,
        ...pick(ring, ["fraction", "maxFailures", "soak", "maxConcurrent"] as const),
        ...(computers === undefined ? {} : { computers: o.out(computers as Promise<Computer[]>).apply((cs) => cs.map((c) => c.id)) }),
        ...(tag === undefined ? {} : { tag: idOf(tag) }),
      };
    });
    const subject = ro.deployment === undefined ? {} : { deploymentId: o.gate((deployments[ro.deployment] as Deployment).id) };
    // The rings' ids are Outputs inside the list: one Output of the whole list (the resource waits for all of them).
    const args = { ...subject, ...pick(ro, ROLLOUT_FIELDS), rings: pulumi.output(rings) } as unknown as MaintenanceRolloutArgs;
    rollouts[ro.name] = new MaintenanceRollout(`${stem}-${ro.name}`, args, opts);
  });

  return { path: fp, ...(names.tenant === undefined ? {} : { tenant: o.out(names.tenant) }), schedules, deployments, sessions, rollouts };
}

/** Parameter values with each `{ secretFromConfig }` replaced by the stack's secret. */
function parameterInputs(parameters: PolicyParameters, secret: (key: string, path: Path) => pulumi.Output<string> | undefined): DeploymentArgs["parameters"] {
  const resolve = (v: unknown, path: Path) => (isSecretReference(v) ? secret(v.secretFromConfig, path) : v);
  return Object.fromEntries(
    Object.entries(parameters).map(([name, v]) => [name, isParameterSetting(v) ? { ...v, value: resolve(v.value, [name, "value"]) } : resolve(v, [name])]),
  ) as DeploymentArgs["parameters"];
}

/** The stack's secret config value `key` (`name` in the project's namespace, or `namespace:name`); reported when missing. */
function secret(report: Report, path: Path, key: string): pulumi.Output<string> | undefined {
  const colon = key.indexOf(":");
  const [namespace, name] = colon < 0 ? [undefined, key] : [key.slice(0, colon), key.slice(colon + 1)];
  const value = new pulumi.Config(namespace).getSecret(name);
  if (value === undefined) {
    const full = `${namespace ?? pulumi.getProject()}:${name}`;
    report([...path, "secretFromConfig"], `the stack has no config value ${JSON.stringify(full)}: set it with \`pulumi config set --secret ${key} <value>\``);
  }
  return value;
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as Pick<T, K>;
}
