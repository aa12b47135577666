/**
 * What the tests of the blast radius at preview share (test/host/run-preview*.test.ts): a deployment reaching
 * Contoso's computers, their names as the sandbox's seed has them, the check of a new run, and the wait for a line
 * on the host's stdout.
 */
import { expect } from "vitest";
import { type ProviderHost, urnFor } from "./host";

/** Wire fields of a deployment of 7-Zip (latest) to every computer of Contoso (tenant 2, six computers). */
export const CONTOSO_7ZIP = { maintenanceType: 0, maintenanceIdentifier: "303", desiredSoftwareState: 5, targetType: 21, targetCategory: 0, tenantId: 2, targetEnforcement: 1, softwareProviderType: 3 };
/** Contoso's computers in id order (3 to 8), as the sandbox's seed has them. */
export const CONTOSO = ["CONTOSO-DC01", "CONTOSO-DC02", "CONTOSO-FS01", "CONTOSO-WS001", "CONTOSO-LT014", "CONTOSO-LT022"];
/** What a preview says of a run on Contoso's six computers. */
export const SIX = `6 computers: ${CONTOSO.slice(0, 5).join(", ")} and 1 more`;

/** The check of a new run, as the engine makes it at preview: no olds; fails the test on a check failure. */
export async function checkNew(host: ProviderHost, provider: string, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const checked = await host.check(urnFor("MaintenanceSession", name), {}, { ...args, __provider: provider });
  expect(checked.failures).toEqual([]);
  return checked.inputs;
}

/** The host's stdout comes through a pipe of its own: wait for the text rather than race the gRPC answer. */
export async function printed(host: ProviderHost, text: string | RegExp): Promise<void> {
  const out = expect.poll(() => host.logs.stdout, { timeout: 10_000 });
  await (typeof text === "string" ? out.toContain(text) : out.toMatch(text));
}
