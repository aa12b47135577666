/**
 * What the best-practice checks know about rings in a policy repository: the tags it declares with their computers,
 * each rollout's first ring on the neutral shape of `checks-rollouts.ts` (for "test-first" and
 * "rollout-first-ring"), and the findings of "rollout-first-ring" in file and path. Read from the files only, like
 * every rule (no ImmyBot): a tag's computers are known where the repository declares them (`tags:`), and a fraction
 * is judged as written.
 */
import { firstRingIssues, type FirstRingSeen, type RolloutLintOptions } from "./checks-rollouts";
import type { LoadedPolicyFile } from "./load";
import { policyFinding, tenantKey, type RuleFinding } from "./lint-rules";
import type { PolicyRollout } from "./types";

export { ROLLOUT_LINT_DEFAULTS, type RolloutLintOptions } from "./checks-rollouts";

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

/** A rollout's first ring as the checks see it: its computers listed, or its tag with the computers the repository declares on it. */
export function firstRing(rollout: PolicyRollout, file: LoadedPolicyFile, tags: Map<string, DeclaredMembers[]>): FirstRingSeen {
  const ring = rollout.rings[0];
  if (ring === undefined) return undefined;
  return { name: ring.name, fraction: ring.fraction, listed: ring.computers?.length, tag: ring.tag, tagged: ring.tag === undefined ? undefined : tagComputers(tags, ring.tag, tenantKey(file))?.size };
}

/** "rollout-first-ring" (see `checks-rollouts.ts`) of every rollout of the repository. */
export function rolloutFirstRing(files: readonly LoadedPolicyFile[], options: RolloutLintOptions = {}): RuleFinding[] {
  const tags = declaredTags(files);
  return files.flatMap((file) =>
    (file.content.rollouts ?? []).flatMap((rollout, i) =>
      firstRingIssues({ subject: rollout.deployment === undefined ? "the full maintenance" : `deployment ${rollout.deployment}`, first: firstRing(rollout, file, tags) }, options, "policy-file").map((issue) =>
        policyFinding(file, ["rollouts", i], rollout, issue),
      ),
    ),
  );
}
