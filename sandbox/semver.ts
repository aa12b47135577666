/**
 * Software versions as ImmyBot handles them (NuGet-style semantic versions: "24.08", "1.2.3-beta.1+build5"), and
 * the `SemanticVersion` object the spec documents for them. Only its read-only members exist, so the object is
 * an output: requests carry the version as a string (API notes §3.8).
 */

/** The spec's `SemanticVersion`, as a response carries it. */
export interface SemanticVersionObject {
  major: number;
  minor: number;
  patch: number;
  releaseLabels: string[];
  release: string;
  isPrerelease: boolean;
  hasMetadata: boolean;
  metadata: string | null;
}

/** 1 to 4 numeric parts (NuGet's NuGetVersion), an optional pre-release after "-", optional build metadata after "+". */
const VERSION = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

/** The version's parts, or undefined when `text` is not a version (the 4th numeric part, a revision, is not in the object). */
export function parseVersion(text: string): SemanticVersionObject | undefined {
  const m = VERSION.exec(text);
  if (!m) return undefined;
  const part = (s: string | undefined): number => (s === undefined ? 0 : Number(s));
  const [major, minor, patch] = [part(m[1]), part(m[2]), part(m[3])];
  if (![major, minor, patch, part(m[4])].every((n) => Number.isSafeInteger(n) && n <= 2147483647)) return undefined;
  const release = m[5] ?? "";
  return {
    major,
    minor,
    patch,
    releaseLabels: release === "" ? [] : release.split("."),
    release,
    isPrerelease: release !== "",
    hasMetadata: m[6] !== undefined,
    metadata: m[6] ?? null,
  };
}

export const VERSION_EXAMPLE = '"24.08" or "1.2.3-beta.1"';
