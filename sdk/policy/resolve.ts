/**
 * Resolving the names of a loaded policy (tenant, computers, tags, software, tasks) through lookups, and the checks
 * that need what the lookups find (a task's parameters). Pulumi-free: `declare` resolves through the SDK's lookups
 * and turns the results into resources; `pulumi-immybot validate` resolves through the provider's lookups with its
 * own client and only reports. So both ask the same names, in the same order, with the same messages.
 *
 * Each name is asked once per policy (every place that uses it reports its failure), and every problem of every
 * file is collected: {@link Resolution.done} rejects with one {@link PolicyError} listing them in declaration order.
 *
 * No `async` function here, on purpose: a rejection must not happen while one runs (see `lookup` in sdk/lookups.ts,
 * the V8 inspector's cost in a Pulumi program).
 */
import { closeMatches, normalizeName } from "../../provider/lookups";
import type {
  Computer,
  ComputerLookup,
  MaintenanceTask,
  MaintenanceTaskLookup,
  Software,
  SoftwareLookup,
  Tag,
  TagLookup,
  Tenant,
  TenantLookup,
} from "../../provider/lookups";
import { isParameterSetting, isSecretReference, type LoadedPolicyFile, type Policy } from "./load";
import { formatPath, PolicyError, type PolicyProblem } from "./problems";
import type { PolicyDeployment, PolicyParameters, PolicyTarget } from "./types";

/** The lookups a resolution asks: the SDK's (`getTenant`, ...) or the provider's bound to a client. */
export interface PolicyLookups {
  tenant(args: TenantLookup): Promise<Tenant>;
  computer(args: ComputerLookup): Promise<Computer>;
  tag(args: TagLookup): Promise<Tag>;
  software(args: SoftwareLookup): Promise<Software>;
  task(args: MaintenanceTaskLookup): Promise<MaintenanceTask>;
}

export type Path = (string | number)[];
/** Reports a problem at a path of one file. */
export type Report = (path: Path, message: string) => void;

/**
 * A policy target in ImmyBot's terms: the file's tenant limits it (a crossTenant file has none: `all` is All);
 * `target` is the computer's or tag's id.
 */
export interface ResolvedTarget {
  targetType: "All" | "AllForTenant" | "Computer" | "Tag";
  /** The id, as ImmyBot's target key (a string); undefined when the name did not resolve. */
  target?: Promise<string | undefined>;
  /** A tag the repository declares (`tags:`), by its name in lower case: its id is the Tag resource's, not looked up. */
  declaredTag?: string;
}

/** A rollout ring's computers as resolved: by name, or by a tag (declared in the repository, or looked up). */
export interface ResolvedRing {
  computers?: Promise<(Computer | undefined)[]>;
  tag?: Omit<ResolvedTarget, "targetType">;
}

/** What one file's names resolve to, entry by entry (in the order of the file's lists). */
export interface ResolvedFile {
  /** Undefined for a crossTenant file. */
  tenant?: Promise<Tenant | undefined>;
  deployments: {
    target: ResolvedTarget;
    /** The software or task (by the entry's `software` or `task` key). */
    item: Promise<Software | MaintenanceTask | undefined>;
    /** Reports a problem of the entry's parameters in their place (after its names), e.g. a missing secret. */
    reportParameters: Report;
  }[];
  schedules: { target: ResolvedTarget }[];
  sessions: { computers?: Promise<(Computer | undefined)[]> }[];
  tags: { computers?: Promise<(Computer | undefined)[]>; tenants?: Promise<(Tenant | undefined)[]> }[];
  rollouts: { rings: ResolvedRing[] }[];
}

/** The tags a policy declares (`tags:` of every file), by name in lower case: `{ tag: <name> }` means them. */
export function declaredTagNames(policy: Policy): ReadonlySet<string> {
  return new Set(policy.files.flatMap((f) => (f.content.tags ?? []).map((t) => t.name.toLowerCase())));
}

/**
 * Starts every lookup of `file` (the tenant first, then deployments, schedules, sessions, tags and rollouts, entry
 * by entry) and the checks on what they find. A tag in `declaredTags` (see {@link declaredTagNames}) is not looked
 * up. Call {@link Resolution.finish} once every file is started.
 */
export function resolveFile(file: LoadedPolicyFile, r: Resolution, lookups: PolicyLookups, declaredTags: ReadonlySet<string> = new Set()): ResolvedFile {
  const { path: fp, content } = file;
  // A crossTenant file has no tenant: its computers are looked for among every tenant's.
  const tenantName = content.tenant;
  const tenantKey = tenantName === undefined ? "" : normalizeName(tenantName);
  const tenant = tenantName === undefined ? undefined : r.find(fp, ["tenant"], `tenant|${tenantKey}`, () => lookups.tenant({ name: tenantName }));
  const computer = (name: string, at: Path) =>
    r.find(fp, at, `computer|${tenantKey}|${normalizeName(name)}`, () =>
      tenant === undefined ? lookups.computer({ name }) : tenant.then((t) => (t === undefined ? undefined : lookups.computer({ name, tenantId: t.id }))),
    );
  const id = (p: Promise<{ id: number } | undefined>) => p.then((v) => (v === undefined ? undefined : String(v.id)));

  const tag = (name: string, at: Path): Omit<ResolvedTarget, "targetType"> =>
    declaredTags.has(name.toLowerCase()) ? { declaredTag: name.toLowerCase() } : { target: id(r.find(fp, at, `tag|${normalizeName(name)}`, () => lookups.tag({ name }))) };
  const target = (t: PolicyTarget, at: Path): ResolvedTarget => {
    if (t === "all") return { targetType: tenant === undefined ? "All" : "AllForTenant" };
    if ("computer" in t) return { targetType: "Computer", target: id(computer(t.computer, [...at, "computer"])) };
    return { targetType: "Tag", ...tag(t.tag, [...at, "tag"]) };
  };
  const computers = (names: readonly string[] | undefined, at: Path) => (names === undefined ? undefined : Promise.all(names.map((name, j) => computer(name, [...at, j]))));

  return {
    ...(tenant === undefined ? {} : { tenant }),
    deployments: (content.deployments ?? []).map((d, i) => {
      const at: Path = ["deployments", i];
      const resolved = { target: target(d.target, [...at, "target"]), item: item(d, at, fp, r, lookups) };
      return { ...resolved, reportParameters: r.reserve(fp) };
    }),
    schedules: (content.schedules ?? []).map((s, i) => ({ target: target(s.target, ["schedules", i, "target"]) })),
    sessions: (content.sessions ?? []).map((s, i) => (s.computers === undefined ? {} : { computers: computers(s.computers, ["sessions", i, "computers"]) })),
    tags: (content.tags ?? []).map((t, i) => ({
      ...(t.computers === undefined ? {} : { computers: computers(t.computers, ["tags", i, "computers"]) }),
      ...(t.tenants === undefined ? {} : { tenants: Promise.all(t.tenants.map((name, j) => r.find(fp, ["tags", i, "tenants", j], `tenant|${normalizeName(name)}`, () => lookups.tenant({ name })))) }),
    })),
    rollouts: (content.rollouts ?? []).map((ro, i) => ({
      rings: ro.rings.map((ring, j) => {
        const at: Path = ["rollouts", i, "rings", j];
        if (ring.computers !== undefined) return { computers: computers(ring.computers, [...at, "computers"]) };
        return ring.tag === undefined ? {} : { tag: tag(ring.tag, [...at, "tag"]) };
      }),
    })),
  };
}

/** The problems of every name of `policy` (none when all resolve); rejects only when a check itself fails. */
export function resolveNames(policy: Policy, lookups: PolicyLookups): Promise<readonly PolicyProblem[]> {
  const r = new Resolution();
  const declared = declaredTagNames(policy);
  for (const file of policy.files) resolveFile(file, r, lookups, declared);
  r.finish();
  return r.done.then(
    () => [],
    (e: unknown) => {
      if (e instanceof PolicyError) return e.problems;
      throw e;
    },
  );
}

/** The deployment's software or task (and, for a task, the check of its parameters). */
function item(d: PolicyDeployment, at: Path, fp: string, r: Resolution, lookups: PolicyLookups): Promise<Software | MaintenanceTask | undefined> {
  const scope = d.scope === undefined ? {} : { scope: d.scope };
  if (d.software !== undefined) {
    const name = d.software;
    return r.find(fp, [...at, "software"], `software|${d.scope ?? ""}|${normalizeName(name)}`, () => lookups.software({ name, ...scope }));
  }
  const name = d.task as string;
  const found = r.find(fp, [...at, "task"], `task|${d.scope ?? ""}|${normalizeName(name)}`, () => lookups.task({ name, ...scope }));
  if (d.parameters !== undefined) {
    const parameters = d.parameters;
    r.track(fp, found, (task, problem) => checkTaskParameters(task, parameters, (path, message) => problem([...at, "parameters", ...path], message)));
  }
  return found;
}

/** A task's parameters are ones it has, and its Password parameters come from secrets, never from the file. */
function checkTaskParameters(task: MaintenanceTask, parameters: PolicyParameters, problem: Report): void {
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

/** A lookup's or another error's message, as it reads after `file: path: `. */
function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The resolution of every name of a policy: lookups (each name asked once, reported at every place that uses it),
 * checks on their results, and problems reported by the caller in a reserved place. `done` resolves when all have
 * succeeded, else rejects with one PolicyError listing every problem, in declaration order.
 */
export class Resolution {
  readonly done: Promise<void>;
  private settle!: { resolve: () => void; reject: (e: unknown) => void };
  private readonly problems: { order: number; problem: PolicyProblem }[] = [];
  private readonly pending: Promise<unknown>[] = [];
  private readonly cache = new Map<string, Promise<unknown>>();
  private order = 0;

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
  track<T>(file: string, found: Promise<T | undefined>, check: (value: T, problem: Report) => void): void {
    const order = this.order++;
    this.pending.push(
      found.then((v) => {
        if (v !== undefined) check(v, (path, message) => this.add(order, { file, path: formatPath(path), message }));
      }),
    );
  }

  /** A place in the order, here, for problems the caller finds itself (before {@link finish}). */
  reserve(file: string): Report {
    const order = this.order++;
    return (path, message) => this.add(order, { file, path: formatPath(path), message });
  }

  /** Called once every lookup is started: settles `done`. */
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
