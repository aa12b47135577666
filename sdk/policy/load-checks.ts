/**
 * What only the policy knows, checked across a file's entries and across files: a file's tenant, unique entry
 * names, references to deployments of the same file, unique resource names and tag names across the repository.
 */
import { closeMatches } from "../../provider/lookups";
import { isPlainObject, type Entry, type Report } from "./load-judges";
import { formatPath, type PolicyProblem } from "./problems";
import { LISTS, NAME, tenant as tenantSchema, type ListKey } from "./schema";

/** A file is for one tenant, or across tenants: exactly one of `tenant` and `crossTenant`. */
export function checkTenant(raw: Entry, add: Report): void {
  if (raw.tenant === undefined && raw.crossTenant === undefined) add(["tenant"], tenantSchema.safeParse(undefined).error?.issues[0]?.message ?? "is required");
  if (raw.tenant !== undefined && raw.crossTenant !== undefined) {
    add(["crossTenant"], "cannot be combined with tenant: a file is either for one tenant (tenant: <name>) or across tenants (crossTenant: true); remove one");
  }
}

/** Entry names are unique within each list of a file. */
export function checkNames(raw: Entry, add: Report): void {
  for (const list of Object.keys(LISTS) as ListKey[]) {
    const entries = raw[list];
    if (!Array.isArray(entries)) continue;
    const first = new Map<string, number>();
    entries.forEach((entry, i) => {
      const name = isPlainObject(entry) ? entry.name : undefined;
      if (typeof name !== "string" || !NAME.test(name)) return;
      const earlier = first.get(name);
      if (earlier === undefined) first.set(name, i);
      else add([list, i, "name"], `${JSON.stringify(name)} is already the name of ${list}[${earlier}]: names must be unique among the ${list} of a file (they name the resources); rename one`);
    });
  }
}

/** A schedule's, session's or rollout's `deployment` names a deployment of the same file. */
export function checkReferences(raw: Entry, add: Report): void {
  const deployments = Array.isArray(raw.deployments) ? raw.deployments : [];
  const names = deployments.map((d) => (isPlainObject(d) ? d.name : undefined)).filter((n): n is string => typeof n === "string");
  for (const list of ["schedules", "sessions", "rollouts"] as const) {
    const entries = raw[list];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry, i) => {
      const ref = isPlainObject(entry) ? entry.deployment : undefined;
      if (typeof ref !== "string" || names.includes(ref)) return;
      const near = closeMatches(ref, names, (n) => n);
      const hint =
        names.length === 0
          ? "this file declares no deployments: add one under deployments, or remove this reference"
          : `${near.length > 0 ? `did you mean ${JSON.stringify(near[0])}? ` : ""}The file's deployments: ${names.join(", ")}`;
      add([list, i, "deployment"], `${JSON.stringify(ref)} is not the name of a deployment in this file; ${hint}`);
    });
  }
}

/** A file's data as read, for the checks across files. */
export interface NamedEntries {
  path: string;
  stem: string;
  raw: Entry;
}

/**
 * Resource names (`<stem>-<name>`) are unique per resource type across all files: checked on every entry with a
 * usable name, also in files with other problems, so one run reports a clash with the rest.
 */
export function checkResourceNames(files: readonly NamedEntries[], problems: PolicyProblem[]): void {
  for (const list of Object.keys(LISTS) as ListKey[]) {
    const owner = new Map<string, { file: string; at: string }>();
    for (const file of files) {
      const entries = Array.isArray(file.raw[list]) ? (file.raw[list] as unknown[]) : [];
      entries.forEach((entry, i) => {
        const name = isPlainObject(entry) ? entry.name : undefined;
        if (typeof name !== "string" || !NAME.test(name)) return;
        const resource = `${file.stem}-${name}`;
        const path = formatPath([list, i, "name"]);
        const other = owner.get(resource);
        if (other === undefined) owner.set(resource, { file: file.path, at: `${file.path}: ${path}` });
        // The same name twice in one file is the file's own problem (checkNames), reported there.
        else if (other.file !== file.path) problems.push({ file: file.path, path, message: `makes the resource name ${JSON.stringify(resource)}, as ${other.at} does: rename one of them` });
      });
    }
  }
}


/** A tag lists each computer and tenant once (names compared as ImmyBot's lookups do, whatever the case). */
export function checkTags(raw: Entry, add: Report): void {
  const tags = Array.isArray(raw.tags) ? raw.tags : [];
  tags.forEach((tag, i) => {
    if (!isPlainObject(tag)) return;
    for (const key of ["computers", "tenants"] as const) {
      const names = tag[key];
      if (!Array.isArray(names)) continue;
      const first = new Map<string, number>();
      names.forEach((name, j) => {
        if (typeof name !== "string") return;
        const k = name.trim().toLowerCase();
        const earlier = first.get(k);
        if (earlier === undefined) first.set(k, j);
        else add(["tags", i, key, j], `${JSON.stringify(name)} is already listed as ${key}[${earlier}]: list each ${key === "computers" ? "computer" : "tenant"} once`);
      });
    }
  });
}

/**
 * ImmyBot's tags are global: one entry per tag name in the whole repository (any case), or `{ tag: <name> }` would
 * not say which entry it means and two resources would manage one tag.
 */
export function checkTagNames(files: readonly NamedEntries[], problems: PolicyProblem[]): void {
  const owner = new Map<string, { file: string; at: string; name: string }>();
  for (const file of files) {
    const tags = Array.isArray(file.raw.tags) ? file.raw.tags : [];
    tags.forEach((tag, i) => {
      const name = isPlainObject(tag) ? tag.name : undefined;
      if (typeof name !== "string" || !NAME.test(name)) return;
      const key = name.toLowerCase();
      const path = formatPath(["tags", i, "name"]);
      const other = owner.get(key);
      if (other === undefined) owner.set(key, { file: file.path, at: `${file.path}: ${path}`, name });
      // The same name twice in one file is reported by checkNames.
      else if (!(other.file === file.path && other.name === name)) {
        problems.push({ file: file.path, path, message: `declares the tag ${JSON.stringify(name)} again (${other.at} declares it; tags are global in ImmyBot): declare each tag once, and list its computers of every tenant there or in one entry per tenant under different names` });
      }
    });
  }
}
