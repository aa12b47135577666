/** Name similarity, shared by "did you mean" in check failures and close matches in lookups. */

/**
 * Levenshtein distance from `pattern` to `text`; with `anywhere`, to the closest substring of `text` (Sellers:
 * starting and ending anywhere in `text` is free), so a typo of one word of a longer name still counts as close.
 */
export function editDistance(pattern: string, text: string, anywhere = false): number {
  let prev = Array.from({ length: text.length + 1 }, (_, j) => (anywhere ? 0 : j));
  for (let i = 1; i <= pattern.length; i++) {
    const cur = [i];
    for (let j = 1; j <= text.length; j++) {
      const substitute = (prev[j - 1] as number) + (pattern[i - 1] === text[j - 1] ? 0 : 1);
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, substitute);
    }
    prev = cur;
  }
  return anywhere ? Math.min(...prev) : (prev[text.length] as number);
}


/** The candidate a misspelt word most likely meant (case ignored), at most `maxDistance` edits away; for "did you mean". */
export function closestWord(word: string, candidates: readonly string[], maxDistance = 3): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  for (const c of candidates) {
    // The distance is at least the difference in length: skip the quadratic work (a 100 000-character input).
    if (Math.abs(c.length - word.length) > maxDistance) continue;
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/** The candidate a misspelt name most likely meant: a few edits away, fewer for short names (case ignored). */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  return closestWord(word, candidates, Math.min(3, Math.ceil(word.length / 3)));
}

/** Letters and digits only, lower case: "Installed – latest" and "installed-latest" are the same words. */
function squashed(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * The one candidate that begins with `word` ("Latest" -> "LatestVersion"), for a shortened name that is too
 * many edits away to count as a typo; undefined when none or several do, or when `word` is too short to tell.
 */
export function startOf(word: string, candidates: readonly string[]): string | undefined {
  const w = squashed(word);
  if (w.length < 3) return undefined;
  const found = candidates.filter((c) => squashed(c).startsWith(w));
  return found.length === 1 ? found[0] : undefined;
}

/**
 * `; did you mean "X"?` when `input` is text close to one of `candidates` (and not exactly it), else "". Close is,
 * in this order: one of ImmyBot's UI `labels` (label -> name, e.g. `{ "If necessary": "Normal" }`), a typo (a
 * few edits), or the start of exactly one candidate.
 */
export function didYouMean(input: unknown, candidates: readonly string[], labels: Readonly<Record<string, string>> = {}): string {
  if (typeof input !== "string") return "";
  const label = Object.keys(labels).find((l) => squashed(l) === squashed(input) && squashed(input) !== "");
  if (label !== undefined) return `; did you mean ${JSON.stringify(labels[label])}? (ImmyBot's UI calls it ${JSON.stringify(label)})`;
  const near = closestName(input, candidates) ?? startOf(input, candidates);
  return near === undefined || near === input ? "" : `; did you mean ${JSON.stringify(near)}?`;
}
