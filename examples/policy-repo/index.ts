import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { policy } from "pulumi-immybot";

// Every *.yaml file of the policy directory: one per tenant (and one with `crossTenant: true` for entries across
// tenants). `load` validates them all before anything is declared and fails with every problem of every file;
// `declare` resolves the names (tenants, computers, tags, software, tasks) and declares one resource per entry,
// named <file>-<entry>.
const dir = new pulumi.Config().get("policyDir") ?? path.join(__dirname, "tenants");
const declared = policy.declare(policy.load(dir));

/** `<file>/<entry>` -> a value of each resource of one kind. */
function outputs<R, T>(kind: (file: policy.DeclaredFile) => Readonly<Record<string, R>>, value: (resource: R) => T): Record<string, T> {
  return Object.fromEntries(
    Object.entries(declared.files).flatMap(([stem, file]) => Object.entries(kind(file)).map(([name, resource]) => [`${stem}/${name}`, value(resource)])),
  );
}

export const tenants = Object.fromEntries(
  Object.entries(declared.files).flatMap(([stem, file]) => (file.tenant ? [[stem, file.tenant.apply((t) => ({ id: t.id, name: t.name }))]] : [])),
);
export const deploymentIds = outputs((f) => f.deployments, (d) => d.id);
export const scheduleIds = outputs((f) => f.schedules, (s) => s.id);
export const nextMaintenance = outputs((f) => f.schedules, (s) => s.nextOccurrence);
export const sessionResults = outputs((f) => f.sessions, (s) => ({ result: s.result, statusCounts: s.statusCounts }));
export const rolloutResults = outputs((f) => f.rollouts, (r) => ({ result: r.result, failedRing: r.failedRing }));
