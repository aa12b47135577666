// Starts Pulumi's real dynamic-provider host (what `pulumi up` runs as pulumi-resource-pulumi-nodejs), and makes
// it exit when its stdin closes, so a killed test runner never leaves it behind.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
require(process.env.PULUMI_IMMYBOT_HOST_MODULE);
