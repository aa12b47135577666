/**
 * What the provider host loads (dist/provider, in a fresh Node process as the host's first call loads it): each
 * resource type's module when the host first calls for it, undici (the HTTP client's wire) with the first request, and zod without
 * its ~50 message locales, which still load, unchanged, when something reads `z.locales`.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/host";

/** Runs `script` in a fresh Node process in the repository, after loading dist/provider; its JSON output. */
function inFreshProcess(script: string): Record<string, unknown> {
  const prelude = `const loaded = (part) => Object.keys(require.cache).filter((f) => f.includes(part)).length; const provider = require(${JSON.stringify(join(REPO, "dist/provider"))});`;
  return JSON.parse(execFileSync(process.execPath, ["-e", `${prelude}\n${script}`], { cwd: REPO, encoding: "utf8" })) as Record<string, unknown>;
}

describe("loading the provider", () => {
  it("loads a resource type's module on the first call for it, and undici with the first request", () => {
    const out = inFreshProcess(`
      const before = { schedule: loaded("dist/provider/schedule.js"), session: loaded("dist/provider/maintenance-session.js"), undici: loaded("node_modules/undici/") };
      provider.lifecycle("Schedule");
      const after = { schedule: loaded("dist/provider/schedule.js"), session: loaded("dist/provider/maintenance-session.js"), undici: loaded("node_modules/undici/") };
      provider.lifecycle("MaintenanceSession");
      console.log(JSON.stringify({ before, after, session: loaded("dist/provider/maintenance-session.js") }));`);
    expect(out).toEqual({ before: { schedule: 0, session: 0, undici: 0 }, after: { schedule: 1, session: 0, undici: 0 }, session: 1 });
  });

  it("loads zod without its locales, which load when z.locales is read, and zod's messages are unchanged", () => {
    const out = inFreshProcess(`
      const { z } = require("zod");
      const atStart = loaded("zod/v4/locales/");
      const english = z.string().safeParse(1).error.issues[0].message;
      const names = Object.keys(z.locales);
      z.config(z.locales.de());
      const german = z.string().safeParse(1).error.issues[0].message;
      z.config(z.locales.en());
      console.log(JSON.stringify({ atStart, english, names: names.length, hasDe: names.includes("de"), german, all: loaded("zod/v4/locales/") }));`);
    expect(out.atStart).toBeLessThan(5);
    expect(out.english).toBe("Invalid input: expected string, received number");
    expect(out.names).toBeGreaterThan(40);
    expect(out.hasDe).toBe(true);
    expect(out.german).toMatch(/^Ungültige Eingabe/);
    expect(out.all).toBeGreaterThan(40);
  });
});
