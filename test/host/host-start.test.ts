/**
 * The test harness's own provider-host start (test/helpers/host.ts): a host that fails to start says why (exit
 * code or signal, stderr, stdout), and hosts asked for together start at most two at a time, each one working.
 */
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ProviderHost } from "../helpers/host";
import { useTempDir } from "../helpers/temp-dir";

const tmp = useTempDir("host-start-");

describe("ProviderHost.start", () => {
  it("reports the exit code and stderr of a host that exits before it listens", async () => {
    const err = await ProviderHost.start({ NODE_OPTIONS: `--require ${tmp("no-such-module.js")}` }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/^provider host \(pid \d+\) exited before it listened \(exit code 1\) after [\d.]+ s\n/);
    expect(message).toMatch(/\nstderr: [^]*Cannot find module .*no-such-module\.js/);
    expect(message).toMatch(/\nstdout: /);
  });

  it("kills a host that does not listen in time, and reports that with its output so far", async () => {
    // Loaded before the host's own code (node --require): prints to both streams, then holds the only thread.
    const stuck = tmp("stuck.js");
    writeFileSync(stuck, 'console.log("loading"); console.error("busy"); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30_000);\n');
    const err = await ProviderHost.start({ NODE_OPTIONS: `--require ${stuck}` }, { startTimeoutMs: 3_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/^provider host \(pid \d+\) did not start within 3 s \(killed\) after [\d.]+ s\nstderr: busy\nstdout: loading$/);
  });

  it("starts hosts asked for together two at a time, and every one of them answers", async () => {
    const hosts = await Promise.all(Array.from({ length: 3 }, () => ProviderHost.start()));
    try {
      expect(ProviderHost.peakStarting).toBe(2);
      expect(new Set(hosts.map((h) => h.pid)).size).toBe(3);
      for (const h of hosts) await h.configure({});
    } finally {
      await Promise.all(hosts.map((h) => h.stop()));
    }
  });
});
