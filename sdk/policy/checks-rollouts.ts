/**
 * "rollout-first-ring" on the neutral shape (see `checks.ts`), and what makes a rollout a smaller ring in front of
 * its deployment for "test-first". A rollout's first ring as the adapters know it: a fraction as written, the
 * computers it lists, or a tag with the computers the repository (`tags:`) or the stack (TagMembership) puts on it.
 */
import { UNKNOWN, type Dialect, type Issue, type Maybe } from "./checks";

/** The limits of "rollout-first-ring": how large a rollout's first ring may be. */
export interface RolloutLintOptions {
  /** The largest share of the deployment's computers a first ring may take (`fraction`). Default 0.2. */
  maxFirstRingFraction?: number;
  /** The most computers a first ring may have (listed, or carrying a tag the repository declares or the stack's TagMembership lists). Default 5. */
  maxFirstRingComputers?: number;
}

export const ROLLOUT_LINT_DEFAULTS: Required<RolloutLintOptions> = { maxFirstRingFraction: 0.2, maxFirstRingComputers: 5 };

/** A rollout's first ring as the checks see it (undefined: not given). */
export interface FirstRing {
  name: Maybe<string | undefined>;
  fraction?: Maybe<number | undefined>;
  /** How many computers it lists. */
  listed?: Maybe<number | undefined>;
  /** The tag as shown, e.g. "Canary", "7" or a Tag resource's name, when the ring is a tag. */
  tag?: Maybe<string | undefined>;
  /** How many computers carry the tag, where the repository or the stack says (undefined: not known). */
  tagged?: number;
}

/** A rollout's first ring: UNKNOWN when its rings are not known yet, undefined when it has none. */
export type FirstRingSeen = Maybe<FirstRing | undefined>;

/**
 * Does a rollout whose first ring is `ring` put a smaller ring in front of its deployment ("test-first")? Yes when
 * the first ring is a tag, listed computers, or a fraction below 1; a ring not known yet counts (no finding the
 * checks cannot be sure of).
 */
export function ringInFront(ring: FirstRingSeen): boolean {
  if (ring === UNKNOWN) return true;
  if (ring === undefined) return false;
  return ring.fraction === undefined || ring.fraction === UNKNOWN || ring.fraction < 1;
}

/** A rollout as "rollout-first-ring" sees it. */
export interface RolloutFacts {
  /** What it rolls out, as shown: "deployment chrome" or "the full maintenance". */
  subject: string;
  first: FirstRingSeen;
}

/** "rollout-first-ring": a first ring with a fraction, or a number of computers (listed or carrying its tag), above the limits. */
export function firstRingIssues(rollout: RolloutFacts, options: RolloutLintOptions, dialect: Dialect): Issue[] {
  const limits = { ...ROLLOUT_LINT_DEFAULTS, ...options };
  const ring = rollout.first;
  if (ring === undefined || ring === UNKNOWN) return [];
  const program = dialect === "program";
  const at = (key: string) => ["rings", 0, key];
  const where = program ? "in immybotPolicies({ rollouts }) or the policy pack's config" : "in .immybot-lint.yaml";
  const name = ring.name === UNKNOWN || ring.name === undefined ? "" : ` "${ring.name}"`;
  const smaller = program
    ? `start with a small ring (e.g. \`{ name: "canary", tag: canary.tagId }\` with a few computers, or \`fraction: ${limits.maxFirstRingFraction}\`) and move these computers to a later ring`
    : `start with a small ring (e.g. \`{ name: canary, tag: Canary }\` with a few computers, or \`fraction: ${limits.maxFirstRingFraction}\`) and move these computers to a later ring`;
  const out: Issue[] = [];
  if (typeof ring.fraction === "number" && ring.fraction > limits.maxFirstRingFraction) {
    out.push({
      rule: "rollout-first-ring",
      property: at("fraction"),
      message: `the first ring${name} takes ${ring.fraction * 100}% of ${rollout.subject}'s computers at once, more than ${limits.maxFirstRingFraction * 100}% (rollouts.maxFirstRingFraction)`,
      fix: `${smaller}, or raise rollouts.maxFirstRingFraction ${where}`,
    });
  }
  const listed = typeof ring.listed === "number" ? ring.listed : undefined;
  const count = listed ?? (ring.tag !== undefined ? ring.tagged : undefined);
  if (count !== undefined && count > limits.maxFirstRingComputers) {
    const holder = program ? "the stack's TagMemberships put" : "this repository puts";
    const how = listed !== undefined ? `lists ${count} computers` : `is the tag ${ring.tag === UNKNOWN ? "(not known yet)" : ring.tag}, which ${holder} on ${count} computers`;
    out.push({
      rule: "rollout-first-ring",
      property: at(listed !== undefined ? "computers" : "tag"),
      message: `the first ring${name} ${how}, more than ${limits.maxFirstRingComputers} (rollouts.maxFirstRingComputers)`,
      fix: `${smaller}, or raise rollouts.maxFirstRingComputers ${where}`,
    });
  }
  return out;
}
