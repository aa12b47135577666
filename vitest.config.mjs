import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Every layer (test/unit, integration, contract, host, scenario, types, cli); `npm run test:<layer>` runs one.
    include: ["test/**/*.test.ts"],
    // The Pulumi closure serializer uses node:inspector, which worker threads lack.
    pool: "forks",
    // Two test files at a time: most of a scenario's time is spent waiting (the sandbox's delays, provider hosts
    // starting), so two overlap well on 2 cores; more would only queue for the CPU.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // CI reads the JSON results; the default reporter is for people.
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
  },
});
