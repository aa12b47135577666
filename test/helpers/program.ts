/**
 * Runs SDK code as a Pulumi program would, under Pulumi's mock monitor, forwarding every registration to the real
 * dynamic-provider host (check + create) and every `.get` to its read. Records what reached the monitor: the
 * inputs exactly as the engine would store them (secrets still wrapped) and each RegisterResource request's
 * additionalSecretOutputs.
 */
import { createRequire } from "node:module";
import { unwrapSecrets } from "../../provider/secrets";
import type { ProviderHost } from "./host";

const nodeRequire = createRequire(__filename);
export const pulumi = nodeRequire("@pulumi/pulumi");

/** Pulumi's wire marker of a secret, and the engine's unwrapping before it calls a provider that does not accept secrets. */
export { SECRET_SIG, unwrapSecrets } from "../../provider/secrets";

export interface Registration {
  type: string;
  name: string;
  id?: string;
  inputs: Record<string, unknown>;
}

/** `sdk`: the copy of @pulumi/pulumi the program runs with (default this checkout's; a user's project has its own). */
export function forwardToHost(host: ProviderHost, sdk: any = pulumi): { registered: Registration[]; secretOutputs: Map<string, string[]> } {
  const registered: Registration[] = [];
  const secretOutputs = new Map<string, string[]>();
  sdk.runtime.setMocks(
    {
      async newResource(args: Registration) {
        registered.push(args);
        const urn = `urn:pulumi:dev::immybot-test::${args.type}::${args.name}`;
        const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
        if (args.id) {
          const read = await host.read(urn, args.id, inputs);
          return { id: read.id, state: read.properties };
        }
        const checked = await host.check(urn, {}, inputs);
        if (checked.failures.length) throw new Error(JSON.stringify(checked.failures));
        const created = await host.create(urn, checked.inputs);
        return { id: created.id, state: created.properties };
      },
      call: () => ({}),
    },
    "immybot-test",
    "dev",
    false,
  );
  const monitor = sdk.runtime.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, cb: unknown) => {
    secretOutputs.set(req.getName(), req.getAdditionalsecretoutputsList());
    return register(req, cb);
  };
  return { registered, secretOutputs };
}

/** The value of an Output (or of anything with apply). */
export function value<T>(o: { apply(f: (v: T) => void): unknown }): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}
