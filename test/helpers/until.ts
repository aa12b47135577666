/** Waits, polling every 20 ms, until `condition()` holds; fails after `timeoutMs` (generous: machines are loaded). */
export async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}
