/**
 * A temporary directory for the tests of one `describe` block (state files, seed files): made before its first
 * test and removed, with everything in it, after its last, so that no run leaves files behind in the system's
 * temp folder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

/** Registers the hooks; the returned function joins names onto the directory (none: the directory itself). */
export function useTempDir(prefix: string): (...names: string[]) => string {
  let dir: string | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return (...names) => join(dir!, ...names);
}
