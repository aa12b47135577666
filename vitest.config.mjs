import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The Pulumi closure serializer uses node:inspector, which worker threads lack.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // CI reads the JSON results; the default reporter is for people.
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
  },
});
