/**
 * Problems in policy files, and the one error that lists them all: `file: path: message`, where the message says
 * what is wrong and how to fix it (e.g. `tenants/contoso.yaml: schedules[1].executionTime: "25:00" is not HH:mm
 * (24-hour, e.g. "22:00")`).
 */
import { formatPath } from "../../provider/models/plain";
import { closestName } from "../../provider/models/similar";

/** One problem in one policy file. */
export interface PolicyProblem {
  /** The file as shown in messages, e.g. "tenants/contoso.yaml". */
  file: string;
  /** Where in the file, e.g. "schedules[1].executionTime"; "" for the file as a whole or a YAML syntax error. */
  path: string;
  /** What is wrong and how to fix it. */
  message: string;
  /** 1-based line of the value in the file, when known. */
  line?: number;
  /** 1-based column of the value in the file, when known. */
  column?: number;
}

/** `file: path: message` (or `file: line L, column C: message` for a syntax error, `file: message` for the whole file). */
export function formatProblem(p: PolicyProblem): string {
  return p.path === "" ? `${p.file}: ${p.message}` : `${p.file}: ${p.path}: ${p.message}`;
}

/** A path in a file as text: `schedules[1].executionTime`, `deployments[0].parameters["Admin Password"]`. */
export { formatPath };

/** The key a misspelt key most likely meant: a few edits away (fewer for short keys), whatever the case. */
export function closestKey(word: string, keys: readonly string[]): string | undefined {
  return closestName(word, keys);
}

const kPolicyError = Symbol.for("pulumi-immybot.PolicyError");

/**
 * The policy has problems: every one of them, from every file, in `problems` and one per line in the message.
 * Pulumi prints it without a stack trace (it is marked as Pulumi's `RunError`).
 */
export class PolicyError extends Error {
  readonly problems: readonly PolicyProblem[];

  constructor(problems: readonly PolicyProblem[]) {
    const n = problems.length;
    const message = `The policy has ${n} problem${n === 1 ? "" : "s"}:\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`;
    super(message);
    this.name = "PolicyError";
    // Every resource of a policy fails with this one error, which Pulumi reports once (it dedupes by identity); its
    // serializer prefixes the message of an input's error with the property's name on each resource. The list of
    // problems says it all: the message stays as it is.
    Object.defineProperty(this, "message", { get: () => message, set: () => undefined, enumerable: false, configurable: true });
    this.problems = Object.freeze([...problems]);
    Object.defineProperty(this, kPolicyError, { value: true });
    // What `pulumi.RunError.isInstance` looks for: `pulumi up` prints the message alone.
    Object.defineProperty(this, "__pulumiRunError", { value: true });
  }

  // `instanceof` across two loaded copies of this module (the compiled SDK and its sources in tests).
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[kPolicyError] === true;
  }
}
