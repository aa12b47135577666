/**
 * Declaring a loaded policy: one Schedule, Deployment or MaintenanceSession per entry, named
 * `<file stem>-<entry name>`, with every name (tenant, computers, tags, software, tasks) resolved through the
 * lookups and secrets read from the stack config.
 *
 * Every resource is registered at once, with inputs that wait for the resolution of *all* names of the policy: when
 * any name is unknown (or a secret is missing, or a Password parameter has a plain value), every resource fails with
 * one {@link PolicyError} that lists each problem (`file: path: message`; a lookup's message lists the close
 * matches), and nothing is created or changed.
 */
import * as pulumi from "@pulumi/pulumi";
import { normalizeName, closeMatches } from "../../provider/lookups";
import { Deployment, type DeploymentArgs } from "../deployment";
import { getComputer, getMaintenanceTask, getSoftware, getTag, getTenant, type Computer, type MaintenanceTask, type Tenant } from "../lookups";
import { MaintenanceSession } from "../maintenance-session";
import { Schedule, type ScheduleArgs } from "../schedule";
import { isParameterSetting, isSecretReference, type LoadedPolicyFile, type Policy } from "./load";
import { formatPath, PolicyError, type PolicyProblem } from "./problems";
import { DEPLOYMENT_FIELDS, SCHEDULE_FIELDS, SESSION_FIELDS } from "./schema";
import type { PolicyDeployment, PolicyParameters, PolicySchedule, PolicySession, PolicyTarget } from "./types";

/** The resources declared for one policy file, by entry name. */
export interface DeclaredFile {
  /** The file, e.g. "tenants/contoso.yaml". */
  readonly path: string;
  /** The file's tenant as ImmyBot has it; undefined for a `crossTenant` file. */
  readonly tenant?: pulumi.Output<Tenant>;
  readonly schedules: Readonly<Record<string, Schedule>>;
  readonly deployments: Readonly<Record<string, Deployment>>;
  readonly sessions: Readonly<Record<string, MaintenanceSession>>;
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

type Path = (string | number)[];

/**
 * Declares the resources of a loaded policy (see `load`). `opts` apply to every resource (e.g. `parent`,
 * `protect`, `retainOnDelete`).
 */
export function declare(policy: Policy, opts?: pulumi.CustomResourceOptions): DeclaredPolicy {
  const r = new Resolution();
  const files: Record<string, DeclaredFile> = {};
  for (const file of policy.files) files[file.stem] = declareFile(file, r, opts);
  r.finish();
  return { files, resolved: r.done };
}

function declareFile(file: LoadedPolicyFile, r: Resolution, opts: pulumi.CustomResourceOptions | undefined): DeclaredFile {
  const { path: fp, stem, content } = file;
  // A crossTenant file has no tenant: its targets have no tenantId, and its computers are looked for in every tenant.
  const tenantName = content.tenant;
  const tenantKey = tenantName === undefined ? "" : normalizeName(tenantName);
  const tenant = tenantName === undefined ? undefined : r.find(fp, ["tenant"], `tenant|${tenantKey}`, () => getTenant({ name: tenantName }));
  const tenantId = tenant === undefined ? undefined : r.out(tenant).apply((t) => t.id);
  const computer = (name: string, at: Path) =>
    r.find(fp, at, `computer|${tenantKey}|${normalizeName(name)}`, () =>
      tenant === undefined ? getComputer({ name }) : tenant.then((t) => (t === undefined ? undefined : getComputer({ name, tenantId: t.id }))),
    );

  /** targetType, target and tenantId of a policy target (the file's tenant, if it has one, limits it). */
  const target = (t: PolicyTarget, at: Path) => {
    const limit = tenantId === undefined ? {} : { tenantId };
    if (t === "all") return { targetType: tenantId === undefined ? ("All" as const) : ("AllForTenant" as const), ...limit };
    if ("computer" in t) return { targetType: "Computer" as const, target: r.out(computer(t.computer, [...at, "computer"])).apply((c) => String(c.id)), ...limit };
    const tag = r.find(fp, [...at, "tag"], `tag|${normalizeName(t.tag)}`, () => getTag({ name: t.tag }));
    return { targetType: "Tag" as const, target: r.out(tag).apply((g) => String(g.id)), ...limit };
  };

  const deployments: Record<string, Deployment> = {};
  (content.deployments ?? []).forEach((d, i) => {
    const at: Path = ["deployments", i];
    deployments[d.name] = new Deployment(
      `${stem}-${d.name}`,
      {
        ...target(d.target, [...at, "target"]),
        targetGroupFilter: d.groupFilter,
        propagateToChildTenants: d.propagateToChildTenants,
        ...pick(d, DEPLOYMENT_FIELDS),
        ...item(d, at, fp, r),
        ...(d.parameters === undefined ? {} : { parameters: parameterInputs(d.parameters, (key, path) => r.secret(fp, [...at, "parameters", ...path], key)) }),
      },
      opts,
    );
  });

  const schedules: Record<string, Schedule> = {};
  (content.schedules ?? []).forEach((s: PolicySchedule, i) => {
    const at: Path = ["schedules", i];
    const args: ScheduleArgs = {
      ...target(s.target, [...at, "target"]),
      targetGroupFilter: s.groupFilter,
      propagateToChildTenants: s.propagateToChildTenants,
      ...pick(s, SCHEDULE_FIELDS),
      ...(s.deployment === undefined ? {} : { deployment: deployments[s.deployment] }),
    };
    schedules[s.name] = new Schedule(`${stem}-${s.name}`, args, opts);
  });

  const sessions: Record<string, MaintenanceSession> = {};
  (content.sessions ?? []).forEach((s: PolicySession, i) => {
    const at: Path = ["sessions", i];
    const computers = s.computers?.map((name, j) => computer(name, [...at, "computers", j]));
    sessions[s.name] = new MaintenanceSession(
      `${stem}-${s.name}`,
      {
        // Through the resolution, so the run waits for every name of the policy (and the deployment).
        deploymentId: r.gate((deployments[s.deployment] as Deployment).id),
        ...(computers === undefined ? {} : { computers: r.out(Promise.all(computers) as Promise<Computer[]>).apply((cs) => cs.map((c) => c.id)) }),
        ...pick(s, SESSION_FIELDS),
      },
      opts,
    );
  });

  return { path: fp, ...(tenant === undefined ? {} : { tenant: r.out(tenant) }), schedules, deployments, sessions };
}

/** `software` or `task` of a Deployment, from the item's name (and a Password parameter check for a task). */
function item(d: PolicyDeployment, at: Path, fp: string, r: Resolution): Pick<DeploymentArgs, "software" | "task"> {
  const scope = d.scope === undefined ? {} : { scope: d.scope };
  if (d.software !== undefined) {
    const name = d.software;
    const found = r.find(fp, [...at, "software"], `software|${d.scope ?? ""}|${normalizeName(name)}`, () => getSoftware({ name, ...scope }));
    return {
      software: r.out(found).apply((s) => ({ id: s.id, scope: s.scope, desiredState: d.desiredState ?? "LatestVersion", ...(d.version === undefined ? {} : { version: d.version }) })),
    };
  }
  const name = d.task as string;
  const found = r.find(fp, [...at, "task"], `task|${d.scope ?? ""}|${normalizeName(name)}`, () => getMaintenanceTask({ name, ...scope }));
  if (d.parameters !== undefined) {
    const parameters = d.parameters;
    r.track(fp, found, (task, problem) => checkTaskParameters(task, parameters, (path, message) => problem([...at, "parameters", ...path], message)));
  }
  return { task: r.out(found).apply((t) => ({ id: t.id, scope: t.scope, ...(d.mode === undefined ? {} : { mode: d.mode }) })) };
}

/** Parameter values with each `{ secretFromConfig }` replaced by the stack's secret. */
function parameterInputs(parameters: PolicyParameters, secret: (key: string, path: Path) => pulumi.Output<string> | undefined): DeploymentArgs["parameters"] {
  const resolve = (v: unknown, path: Path) => (isSecretReference(v) ? secret(v.secretFromConfig, path) : v);
  return Object.fromEntries(
    Object.entries(parameters).map(([name, v]) => [name, isParameterSetting(v) ? { ...v, value: resolve(v.value, [name, "value"]) } : resolve(v, [name])]),
  ) as DeploymentArgs["parameters"];
}

/** A task's parameters are ones it has, and its Password parameters come from secrets, never from the file. */
function checkTaskParameters(task: MaintenanceTask, parameters: PolicyParameters, problem: (path: Path, message: string) => void): void {
  const names = task.parameters.map((p) => p.name);
  for (const [name, v] of Object.entries(parameters)) {
    const def = task.parameters.find((p) => p.name === name);
    if (!def) {
      const near = closeMatches(name, names, (n) => n)[0];
      const list = task.parameters.map((p) => `${p.name} (${p.type})`).join(", ");
      problem([name], `is not a parameter of the ${task.scope} maintenance task ${JSON.stringify(task.name)} (id ${task.id})${near ? `; did you mean ${JSON.stringify(near)}?` : "."} ${list ? `Its parameters: ${list}` : "It has no parameters: remove parameters"}`);
      continue;
    }
    const setting = isParameterSetting(v);
    const value = setting ? v.value : v;
    if (def.type === "Password" && !isSecretReference(value)) {
      problem(
        setting ? [name, "value"] : [name],
        `is a Password parameter of ${JSON.stringify(task.name)}: its value must not be in Git. Write { secretFromConfig: <key> }, set the key with \`pulumi config set --secret <key> <value>\`, and change the password (Git keeps the old one in its history)`,
      );
    }
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as Pick<T, K>;
}

/** A lookup's or another error's message, as it reads after `file: path: `. */
function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The resolution of every name of a policy: lookups (each name asked once, reported at every place that uses it),
 * checks on their results, and secrets. `done` resolves when all have succeeded, else rejects with one
 * PolicyError listing every problem, in declaration order.
 */
class Resolution {
  readonly done: Promise<void>;
  private settle!: { resolve: () => void; reject: (e: unknown) => void };
  private readonly problems: { order: number; problem: PolicyProblem }[] = [];
  private readonly pending: Promise<unknown>[] = [];
  private readonly cache = new Map<string, Promise<unknown>>();
  private order = 0;
  private doneOutput?: pulumi.Output<void>;

  constructor() {
    this.done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // Every resource reports the failure; the promise itself is not an unhandled rejection.
    this.done.catch(() => undefined);
  }

  /** The one lookup for `key` (shared), reported at this place when it fails. */
  find<T>(file: string, path: Path, key: string, run: () => Promise<T | undefined>): Promise<T | undefined> {
    const order = this.order++;
    let lookup = this.cache.get(key) as Promise<T | undefined> | undefined;
    if (!lookup) {
      lookup = run();
      lookup.catch(() => undefined);
      this.cache.set(key, lookup);
    }
    const here = lookup.then(
      (v) => v,
      (e: unknown) => {
        this.add(order, { file, path: formatPath(path), message: messageOf(e) });
        return undefined;
      },
    );
    this.pending.push(here);
    return here;
  }

  /** A check on a lookup's result, whose problems count like the lookups' own. */
  track<T>(file: string, found: Promise<T | undefined>, check: (value: T, problem: (path: Path, message: string) => void) => void): void {
    const order = this.order++;
    this.pending.push(
      found.then((v) => {
        if (v !== undefined) check(v, (path, message) => this.add(order, { file, path: formatPath(path), message }));
      }),
    );
  }

  /** The stack's secret config value `key` (`name` in the project's namespace, or `namespace:name`). */
  secret(file: string, path: Path, key: string): pulumi.Output<string> | undefined {
    const colon = key.indexOf(":");
    const [namespace, name] = colon < 0 ? [undefined, key] : [key.slice(0, colon), key.slice(colon + 1)];
    const value = new pulumi.Config(namespace).getSecret(name);
    if (value === undefined) {
      const full = `${namespace ?? pulumi.getProject()}:${name}`;
      this.add(this.order++, { file, path: formatPath([...path, "secretFromConfig"]), message: `the stack has no config value ${JSON.stringify(full)}: set it with \`pulumi config set --secret ${key} <value>\`` });
    }
    return value;
  }

  /** A value once every name of the policy has resolved; fails with every problem otherwise. */
  out<T>(p: Promise<T | undefined>): pulumi.Output<T> {
    return pulumi.output(this.done.then(() => p as Promise<T>)) as unknown as pulumi.Output<T>;
  }

  /** `value`, held back until every name of the policy has resolved (its resources and secrecy are kept). */
  gate<T>(value: pulumi.Input<T>): pulumi.Output<T> {
    this.doneOutput ??= pulumi.output(this.done);
    return pulumi.all([this.doneOutput, value]).apply(([, v]) => v as T) as pulumi.Output<T>;
  }

  /** Called once every resource is declared: settles `done`. */
  finish(): void {
    void Promise.allSettled(this.pending).then((results) => {
      // A check that threw is a bug here, not a problem of the policy: fail with it rather than hide it.
      const broken = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (broken) return this.settle.reject(broken.reason);
      if (this.problems.length === 0) return this.settle.resolve();
      this.settle.reject(new PolicyError(this.problems.sort((a, b) => a.order - b.order).map((p) => p.problem)));
    });
  }

  private add(order: number, problem: PolicyProblem): void {
    this.problems.push({ order, problem });
  }
}
