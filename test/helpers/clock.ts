/**
 * A sandbox clock (`Sandbox.start({ now })`) for tests that compare a schedule's `nextOccurrence` at two moments
 * (create, then read or refresh). On the wall clock such a test fails whenever a detection time passes between
 * the two. This clock is the real time set back to the last whole `markMinutes` mark, plus one second, running at
 * the real rate from there: for `markMinutes` minus a second it reaches no time of day on such a mark, so a
 * schedule whose detection times all lie on these marks keeps its next occurrence. It stays within `markMinutes`
 * of the real time and runs at its rate, so token expiry, the session simulation and the provider's comparison of
 * `createdDateUTC` with its own clock (through the `Date` header) behave as on the real clock.
 */
export interface ScheduleClock {
  /** The sandbox's `now`. */
  now: () => Date;
  /** Whether it is still short of the next mark: next occurrences read so far are still current. */
  quiet: () => boolean;
}

export function scheduleClock(markMinutes = 5): ScheduleClock {
  const mark = markMinutes * 60_000;
  const origin = Math.floor(Date.now() / mark) * mark + 1_000;
  const began = performance.now();
  const now = () => new Date(origin + (performance.now() - began));
  return { now, quiet: () => now().getTime() < origin - 1_000 + mark };
}
