// Starts Pulumi's real dynamic-provider host (what `pulumi up` runs as pulumi-resource-pulumi-nodejs), and makes
// it exit when its stdin closes, so a killed test runner never leaves it behind.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
require(process.env.PULUMI_IMMYBOT_HOST_MODULE);
// A host started ahead (ProviderHost.fresh) also loads the provider's code, as its first call would load it (from the
// project's node_modules, so the shim's require finds the same module); it has served nothing.
const preload = process.env.PULUMI_IMMYBOT_HOST_PRELOAD;
if (preload) require(require.resolve(preload, { paths: [process.cwd()] }));
