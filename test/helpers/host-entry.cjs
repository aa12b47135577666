// Starts Pulumi's real dynamic-provider host (what `pulumi up` runs as pulumi-resource-pulumi-nodejs), and makes
// it exit when its stdin closes, so a killed test runner never leaves it behind.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
require(process.env.PULUMI_IMMYBOT_HOST_MODULE);
if (process.env.HOSTPROF) {
  const inspector = require("node:inspector"); const s = new inspector.Session(); s.connect();
  s.post("Profiler.enable", () => s.post("Profiler.start"));
  process.stdin.removeAllListeners("end");
  process.stdin.on("end", () => s.post("Profiler.stop", (e, { profile }) => { require("fs").mkdirSync("/tmp/hostprof",{recursive:true}); require("fs").writeFileSync("/tmp/hostprof/p.cpuprofile", JSON.stringify(profile)); process.exit(0); }));
}
