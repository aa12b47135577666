/**
 * The dynamic provider object that Pulumi serializes into every resource's state (`__provider`).
 *
 * It is deliberately a thin shim: each method `require`s this package's provider code by package name when the
 * host calls it. So state holds a few hundred bytes instead of a copy of the code, an upgrade of the package
 * takes effect for existing resources (refresh and delete included), and no credential, zod schema or HTTP
 * agent is ever captured. `require` is resolved by the host from the stack's working directory, where the
 * package is installed under node_modules.
 */
import type * as pulumi from "@pulumi/pulumi";

/** The module the shim loads; overridable only for tests that install the package under another name. */
export const PROVIDER_MODULE = "pulumi-immybot/dist/provider";

const shims = new Map<string, pulumi.dynamic.ResourceProvider>();

/** One shim object per resource type and module, so Pulumi serializes it once per program (it caches by object). */
export function shimFor(kind: string, moduleName: string = PROVIDER_MODULE): pulumi.dynamic.ResourceProvider {
  const key = `${moduleName}#${kind}`;
  let shim = shims.get(key);
  if (!shim) shims.set(key, (shim = makeShim(kind, moduleName)));
  return shim;
}

function makeShim(kind: string, moduleName: string): pulumi.dynamic.ResourceProvider {
  return {
    async configure(req) {
      require(moduleName).configure(req.config);
    },
    async check(olds, news) {
      return require(moduleName).lifecycle(kind).check(olds, news);
    },
    async diff(id, olds, news) {
      return require(moduleName).lifecycle(kind).diff(id, olds, news);
    },
    async create(inputs) {
      return require(moduleName).lifecycle(kind).create(inputs);
    },
    async read(id, props) {
      return require(moduleName).lifecycle(kind).read(id, props);
    },
    async update(id, olds, news) {
      return require(moduleName).lifecycle(kind).update(id, olds, news);
    },
    async delete(id, props) {
      return require(moduleName).lifecycle(kind).delete(id, props);
    },
  };
}
