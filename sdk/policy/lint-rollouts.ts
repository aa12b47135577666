/**
 * What the best-practice checks know about rings: the tags a repository declares with their computers, the
 * rollouts that put a smaller ring in front of a deployment ("test-first"), and "rollout-first-ring": a rollout
 * whose first ring is not a small group. Read from the files only, like every rule (no ImmyBot): a tag's computers
 * are known where the repository declares them (`tags:`), and a fraction is judged as written.
 */
import type { LoadedPolicyFile } from "./load";
import { tenantKey, type RuleFinding } from "./lint-rules";
import { formatPath } from "./problems";
import type { PolicyRollout } from "./types";

/** The limits of "rollout-first-ring": how large a rollout's first ring may be. */
export interface RolloutLintOptions {
  /** The largest share of the deployment's computers a first ring may take (`fraction`). Default 0.2. */
  maxFirstRingFraction?: number;
  /** The most computers a first ring may have (listed, or carrying a tag the repository declares). Default 5. */
  maxFirstRingComputers?: number;
}

export const ROLLOUT_LINT_DEFAULTS: Required<RolloutLintOptions> = { maxFirstRingFraction: 0.2, maxFirstRingComputers: 5 };

/** One tag entry's computers, with the tenant of the file that declares them ("" for a crossTenant file). */
export interface DeclaredMembers {
  tenant: string;
  computers: readonly string[];
}

/** The computers of every tag the repository declares, by tag name in lower case (an entry per declaring file). */
export function declaredTags(files: readonly LoadedPolicyFile[]): Map<string, DeclaredMembers[]> {
  const out = new Map<string, DeclaredMembers[]>();
  for (const file of files) {
    for (const tag of file.content.tags ?? []) {
      const key = tag.name.toLowerCase();
      out.set(key, [...(out.get(key) ?? []), { tenant: tenantKey(file), computers: tag.computers ?? [] }]);
    }
  }
  return out;
}

/**
 * The computers (names in lower case) that carry a declared tag, as seen from a file of `tenant`: those declared in
 * files of that tenant or of a tenant sharing its infrastructure (`sameScope`); every declared one for a
 * crossTenant file (""). Undefined when the repository does not declare the tag.
 */
export function tagComputers(tags: Map<string, DeclaredMembers[]>, name: string, tenant: string, sameScope: (a: string, b: string) => boolean = (a, b) => a === b): Set<string> | undefined {
  const entries = tags.get(name.trim().toLowerCase());
  if (entries === undefined) return undefined;
  return new Set(entries.filter((e) => tenant === "" || sameScope(e.tenant, tenant)).flatMap((e) => e.computers.map((c) => c.trim().toLowerCase())));
}

/** Is there a rollout of deployment `name` in `file` whose first ring is smaller than everything? (a ring in front, for "test-first") */
export function rolloutInFront(file: LoadedPolicyFile, name: string): boolean {
  return (file.content.rollouts ?? []).some((r) => r.deployment === name && r.rings.length > 0 && !(r.rings[0]!.fraction === 1));
}

/** "rollout-first-ring": a first ring with a fraction, or a number of computers (listed or declared on its tag), above the limits. */
export function rolloutFirstRing(files: readonly LoadedPolicyFile[], options: RolloutLintOptions = {}): RuleFinding[] {
  const limits = { ...ROLLOUT_LINT_DEFAULTS, ...options };
  const tags = declaredTags(files);
  const out: RuleFinding[] = [];
  for (const file of files) {
    (file.content.rollouts ?? []).forEach((rollout: PolicyRollout, i) => {
      const ring = rollout.rings[0];
      if (ring === undefined) return;
      const at = (key: string) => formatPath(["rollouts", i, "rings", 0, key]);
      const what = rollout.deployment === undefined ? "the full maintenance" : `deployment ${rollout.deployment}`;
      const push = (key: string, message: string, fix: string) => out.push({ rule: "rollout-first-ring", file: file.path, path: at(key), entry: rollout, message, fix });
      const smaller = `start with a small ring (e.g. \`{ name: canary, tag: Canary }\` with a few computers, or \`fraction: ${limits.maxFirstRingFraction}\`) and move these computers to a later ring`;
      if (ring.fraction !== undefined && ring.fraction > limits.maxFirstRingFraction) {
        push("fraction", `the first ring "${ring.name}" takes ${ring.fraction * 100}% of ${what}'s computers at once, more than ${limits.maxFirstRingFraction * 100}% (rollouts.maxFirstRingFraction)`, `${smaller}, or raise rollouts.maxFirstRingFraction in .immybot-lint.yaml`);
      }
      const listed = ring.computers?.length;
      const tagged = ring.tag === undefined ? undefined : tagComputers(tags, ring.tag, tenantKey(file))?.size;
      const count = listed ?? tagged;
      if (count !== undefined && count > limits.maxFirstRingComputers) {
        const how = listed !== undefined ? `lists ${count} computers` : `is the tag ${ring.tag}, which this repository puts on ${count} computers`;
        push(listed !== undefined ? "computers" : "tag", `the first ring "${ring.name}" ${how}, more than ${limits.maxFirstRingComputers} (rollouts.maxFirstRingComputers)`, `${smaller}, or raise rollouts.maxFirstRingComputers in .immybot-lint.yaml`);
      }
    });
  }
  return out;
}
