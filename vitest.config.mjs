import { BaseSequencer } from "vitest/node";
import { configDefaults, defineConfig } from "vitest/config";

/**
 * The layers, slowest first: the scenario files (faults alone takes about 100 s) must start at once, or the run
 * ends with one worker busy on them while the other idles. Within a layer vitest's own order applies: longest
 * first when a previous run's timings are cached (node_modules/.vite), else largest first, as on CI after `npm ci`.
 * One file is a layer of its own: test/cli/package.test.ts (npm pack, an install, tsc: about 40 s of one worker)
 * starts with the slow ones rather than last.
 */
// Every layer (test/unit, integration, contract, host, scenario, types, cli); `npm run test:<layer>` runs one.
const ALL = "test/**/*.test.ts";
// Files that need a process of their own (see `projects` below).
const ISOLATED = ["test/scenario/**/*.test.ts"];
const LAYERS = ["scenario", "cli/package.test", "types/generated.test", "host", "types", "integration", "contract", "cli", "unit"];

class SlowLayersFirst extends BaseSequencer {
  async sort(files) {
    const sorted = await super.sort(files);
    const rank = (f) => {
      const i = LAYERS.findIndex((layer) => f.moduleId.includes(`/test/${layer}${layer.endsWith(".test") ? ".ts" : "/"}`));
      return i === -1 ? LAYERS.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    // The Pulumi closure serializer uses node:inspector, which worker threads lack.
    pool: "forks",
    // Four test files at a time on 2 cores: much of a host or scenario test is spent waiting (the sandbox's delays,
    // a provider's look for a late commit or a slow background job, hosts starting), so more files fill those gaps
    // (vitest alone, idle: 4m04s with three, 3m09s with four, no better with five); timeouts are set for a loaded machine.
    maxWorkers: 4,
    sequence: { sequencer: SlowLayersFirst },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // CI reads the JSON results; the default reporter is for people.
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
    // A test process serves several files in turn (its modules, @pulumi/pulumi among them, loaded once: about a quarter
    // of the suite's CPU), except for the scenario files, each running Pulumi programs in its own process as the
    // language host does (the runtime's process-wide stack, settings and rejection handlers its own).
    projects: [
      { extends: true, test: { name: "own-process", include: ISOLATED, isolate: true } },
      { extends: true, test: { name: "shared-process", include: [ALL], exclude: [...configDefaults.exclude, ...ISOLATED], isolate: false } },
    ],
  },
});
