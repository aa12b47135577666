/**
 * `pulumi-immybot export`'s whole mapping, without the disk: ImmyBot's schedules and deployments -> the policy
 * files of a repository (one per tenant, one `crossTenant` file), what was left out and why, and the secret config
 * keys to set. The same instance always gives the same files, byte for byte.
 *
 * Every file is checked with the policy loader itself (`parse`): an entry it refuses (a value ImmyBot holds that
 * the resource's rules do not allow) is left out with the loader's message, so the repository loads without a
 * problem. Nothing is written to ImmyBot: every request goes through a view that only reads.
 */
import { jsonEqual, parseInputs } from "../provider/check";
import type { ImmyBotClient } from "../provider/client";
import { model as deploymentModel } from "../provider/deployment";
import { findTenant, LookupError, type Tenant } from "../provider/lookups";
import { model as scheduleModel } from "../provider/schedule";
import { formatPolicyFile, parse, PolicyError, type PolicyFile } from "../sdk/policy";
import { UsageError } from "./command";
import { CROSS, deploymentDraft, scheduleDraft, withSecretKeys, type Draft, type FileKey } from "./export-entries";
import { InstanceNames, isUnresolved, readOnceView } from "./export-lookups";
import { fileStems, NameBook, slug } from "./export-names";
import { readInstance, type LeftOut } from "./export-read";

export type { LeftOut } from "./export-read";

/** The directory the policy files go to, inside the repository. */
export const POLICY_DIR = "tenants";
/** The crossTenant file's stem. */
export const CROSS_STEM = "cross-tenant";
/** A progress line per this many objects looked up (the lookups' requests are what takes time on a large instance). */
const PROGRESS_EVERY = 250;

export interface ExportOptions {
  client: ImmyBotClient;
  /** Only these tenants (names or ids); their files only, without the crossTenant file. Default: every tenant. */
  tenants?: readonly string[];
  /** A line of progress (what has been read, looked up, checked). */
  progress?: (line: string) => void;
}

/** One policy file: its path in the repository ("tenants/contoso.yaml") and its text. */
export interface ExportedFile {
  path: string;
  text: string;
}

/** A secret parameter's stack config key (`pulumi config set --secret <key>`), and where it is used. */
export interface SecretKey {
  key: string;
  /** The file and entry, e.g. "tenants/contoso.yaml", "set-bios-password". */
  file: string;
  entry: string;
  deploymentId: string;
  parameter: string;
}

export interface ExportResult {
  files: ExportedFile[];
  /** Objects not in the files, with why: by kind, then id. */
  leftOut: LeftOut[];
  /** Config keys to set before the first `pulumi up`, by key. */
  secrets: SecretKey[];
  /** What the first `pulumi up` will still change (values ImmyBot holds in another form than the provider writes). */
  notes: string[];
  exported: { schedules: number; deployments: number };
}

/** Reads the instance and maps it to policy files (see the module's comment). */
export async function exportPolicy(options: ExportOptions): Promise<ExportResult> {
  const progress = options.progress ?? (() => undefined);
  const client = readOnceView(options.client);
  const names = new InstanceNames(client);
  const only = options.tenants === undefined ? undefined : await tenantIds(client, options.tenants);
  const instance = await readInstance(client, progress);
  const wanted = (tenantId: number | undefined) => only === undefined || (tenantId !== undefined && only.has(tenantId));

  // With --tenant, what belongs to no tenant asked for (global deployments, entries without a tenant) is not reported either.
  const leftOut = instance.leftOut.filter((l) => only === undefined || (l.tenantId !== undefined && only.has(l.tenantId)));
  const objects = [
    ...instance.deployments.filter((d) => wanted(d.inputs.tenantId)).map((d) => ({ kind: "deployment" as const, id: d.id, tenantId: d.inputs.tenantId, draft: () => deploymentDraft(d.id, d.inputs, names) })),
    ...instance.schedules.filter((s) => wanted(s.inputs.tenantId)).map((s) => ({ kind: "schedule" as const, id: s.id, tenantId: s.inputs.tenantId, draft: () => scheduleDraft(s.id, s.inputs, names) })),
  ];
  progress(`looking up the names of what ${objects.length} schedules and deployments refer to`);
  let drafts: Draft[] = [];
  let done = 0;
  const mapped = await Promise.all(
    objects.map(async (o) => {
      const draft = await o.draft();
      if (++done % PROGRESS_EVERY === 0) progress(`looked up ${done} of ${objects.length}`);
      return { o, draft };
    }),
  );
  for (const { o, draft } of mapped) {
    if (isUnresolved(draft)) leftOut.push({ kind: o.kind, id: o.id, ...(o.tenantId === undefined ? {} : { tenantId: o.tenantId }), why: draft.why });
    else drafts.push(draft);
  }

  const tenants = new Map<number, Tenant>();
  for (const id of new Set(drafts.map((d) => d.file).filter((f): f is number => f !== CROSS))) tenants.set(id, (await names.tenant(id)) as Tenant);
  const stems = fileStems([...tenants.values()], [CROSS_STEM]);

  progress(`checking ${drafts.length} entries with the policy loader`);
  for (;;) {
    const built = build(drafts, tenants, stems);
    const refused = new Map<Draft, string>(built.unlinked);
    if (refused.size === 0) for (const [draft, why] of loaderProblems(built)) refused.set(draft, why);
    if (refused.size === 0) {
      for (const l of leftOut) if (l.tenantId !== undefined) l.tenant = tenants.get(l.tenantId)?.name ?? (await tenantName(names, l.tenantId));
      return {
        files: built.files,
        leftOut: leftOut.sort(byKindAndId),
        secrets: built.secrets.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
        notes: [...built.notes, ...drafts.flatMap(rewritten)],
        exported: { schedules: drafts.filter((d) => d.list === "schedules").length, deployments: drafts.filter((d) => d.list === "deployments").length },
      };
    }
    for (const [draft, why] of refused) {
      const kind = draft.list === "schedules" ? "schedule" : "deployment";
      leftOut.push({ kind, id: draft.id, ...(draft.file === CROSS ? {} : { tenantId: draft.file }), why });
    }
    drafts = drafts.filter((d) => !refused.has(d));
  }
}

/** The ids of the tenants asked for by name or id; an unknown one is a usage error (with the lookup's close matches). */
async function tenantIds(client: ImmyBotClient, wanted: readonly string[]): Promise<Set<number>> {
  const ids = new Set<number>();
  for (const t of wanted) {
    try {
      ids.add((await findTenant(client, /^\d+$/.test(t.trim()) ? { id: Number(t) } : { name: t })).id);
    } catch (e) {
      if (e instanceof LookupError) throw new UsageError(`--tenant ${JSON.stringify(t)}: ${e.message}`);
      throw e;
    }
  }
  return ids;
}

async function tenantName(names: InstanceNames, id: number): Promise<string> {
  const t = await names.tenant(id);
  return isUnresolved(t) ? `tenant ${id}` : t.name;
}

interface Built {
  files: ExportedFile[];
  /** Per file path, its entries per list in the order written (what a loader problem's index points at). */
  placed: Map<string, Record<Draft["list"], Draft[]>>;
  /** Schedules limited to an item no deployment of their file deploys. */
  unlinked: Map<Draft, string>;
  secrets: SecretKey[];
  notes: string[];
}

/** Names every entry (files by stem, entries by id), links schedules to deployments, and writes each file's text. */
function build(drafts: readonly Draft[], tenants: ReadonlyMap<number, Tenant>, stems: ReadonlyMap<number, string>): Built {
  const stemOf = (f: FileKey) => (f === CROSS ? CROSS_STEM : (stems.get(f) as string));
  const byFile = new Map<FileKey, Draft[]>();
  for (const d of drafts) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  const book = new NameBook();
  const out: Built = { files: [], placed: new Map(), unlinked: new Map(), secrets: [], notes: [] };
  for (const [file, list] of [...byFile].sort(([a], [b]) => (stemOf(a) < stemOf(b) ? -1 : 1))) {
    const stem = stemOf(file);
    const path = `${POLICY_DIR}/${stem}.yaml`;
    const named = new Map<Draft, string>();
    for (const kind of ["deployments", "schedules"] as const) {
      const taken = new Set<string>();
      for (const d of list.filter((x) => x.list === kind).sort((a, b) => Number(a.id) - Number(b.id))) named.set(d, book.take(stem, d.base, taken));
    }
    const deployments = list.filter((d) => d.list === "deployments").sort((a, b) => Number(a.id) - Number(b.id));
    const entries = (kind: Draft["list"]) =>
      list
        .filter((d) => d.list === kind && !out.unlinked.has(d))
        .map((d) => ({ d, name: named.get(d) as string }))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const d of list.filter((x) => x.list === "schedules" && x.item !== undefined)) {
      if (!deployments.some((x) => x.item === d.item)) {
        const [type, id] = (d.item as string).split("|");
        out.unlinked.set(d, `it is limited to ${JSON.stringify(d.itemName)} (${type} ${id}), and no deployment of it in ${path} can be referred to (a policy schedule is limited to an item through a deployment of its file)`);
      }
    }
    const content: PolicyFile = file === CROSS ? { crossTenant: true } : { tenant: (tenants.get(file) as Tenant).name };
    const placed: Record<Draft["list"], Draft[]> = { deployments: [], schedules: [] };
    content.deployments = entries("deployments").map(({ d, name }) => {
      placed.deployments.push(d);
      const keys = new Map<string, string>();
      const used = new Set<string>();
      for (const parameter of d.secrets) {
        const base = `${stem}-${name}-${slug(parameter) || "parameter"}`;
        let key = base;
        for (let n = 2; used.has(key); n++) key = `${base}-${n}`;
        used.add(key);
        keys.set(parameter, key);
        out.secrets.push({ key, file: path, entry: name, deploymentId: d.id, parameter });
        const value = (d.inputs as { parameters?: Record<string, { value: unknown }> }).parameters?.[parameter]?.value;
        if (typeof value !== "string") out.notes.push(`deployment ${d.id} (${path}: ${name}): its secret parameter ${JSON.stringify(parameter)} holds ${value === null ? "no value" : "a value that is not text"} in ImmyBot; stack config holds text, so the first pulumi up sets it to the text of ${key}`);
      }
      return { name, ...withSecretKeys(d.entry, keys) } as never;
    });
    content.schedules = entries("schedules").map(({ d, name }) => {
      placed.schedules.push(d);
      const deployment = d.item === undefined ? undefined : deployments.find((x) => x.item === d.item);
      return { name, ...d.entry, ...(deployment ? { deployment: named.get(deployment) } : {}) } as never;
    });
    if (content.deployments.length === 0) delete content.deployments;
    if (content.schedules.length === 0) delete content.schedules;
    out.placed.set(path, placed);
    out.files.push({ path, text: formatPolicyFile(content, { schema: "../node_modules/pulumi-immybot/policy.schema.json", comment: header(file, tenants) }) });
  }
  return out;
}

function header(file: FileKey, tenants: ReadonlyMap<number, Tenant>): string[] {
  const what = file === CROSS ? "Entries across tenants (ImmyBot targets without a tenant)" : `Tenant ${JSON.stringify((tenants.get(file) as Tenant).name)} (id ${file})`;
  return [`${what}, exported from ImmyBot by \`pulumi-immybot export\`.`, "Each adoptId ties an entry to the object it was exported from: the first `pulumi up` takes it under management."];
}

/** The entries the policy loader refuses, with its message. A problem outside an entry is a bug of the export. */
function loaderProblems(built: Built): Map<Draft, string> {
  const refused = new Map<Draft, string>();
  try {
    parse(built.files);
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    for (const p of e.problems) {
      const at = /^(schedules|deployments)\[(\d+)\]/.exec(p.path);
      const draft = at ? built.placed.get(p.file)?.[at[1] as Draft["list"]][Number(at[2])] : undefined;
      if (!draft) throw new Error(`pulumi-immybot export wrote a file the policy loader refuses (a bug; please report it): ${p.file}: ${p.path}: ${p.message}`);
      refused.set(draft, `${refused.has(draft) ? `${refused.get(draft)}; ` : "the policy loader refuses it: "}${p.path.replace(/^\w+\[\d+\]\.?/, "") || "entry"}: ${p.message}`);
    }
  }
  return refused;
}

/** What the first up rewrites: a value ImmyBot holds in another form than the resource's check gives it. */
function rewritten(d: Draft): string[] {
  const model = d.list === "schedules" ? scheduleModel : deploymentModel;
  const { inputs, failures } = parseInputs(model as never, d.inputs as never);
  if (failures.length > 0) return [];
  const held = d.inputs as Record<string, unknown>;
  const keys = Object.keys(held).filter((k) => !jsonEqual(inputs[k], held[k]));
  return keys.length === 0 ? [] : [`${d.list === "schedules" ? "schedule" : "deployment"} ${d.id}: the first pulumi up writes ${keys.join(", ")} in the form the provider writes (ImmyBot holds ${keys.length === 1 ? "it" : "them"} in another form)`];
}

const KIND_ORDER = ["schedule", "deployment", "global deployment"];
function byKindAndId(a: LeftOut, b: LeftOut): number {
  return KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || (Number(a.id) || 0) - (Number(b.id) || 0);
}
