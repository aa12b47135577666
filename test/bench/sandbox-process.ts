/**
 * The benchmark's sandbox, in a process of its own (as ImmyBot is): its added latency then is not delayed by
 * the busy event loop of the engine harness. Started with `fork`; prints nothing; its first IPC message is
 * sandbox.info; then it answers "stats" (request, token request and connection counts), "clear", "reset" (every
 * schedule and deployment deleted), "mutate" (changes and deletions made by hand, see {@link Mutation}) and "stop".
 * Options: argv[2] = JSON of SandboxOptions.
 */
import { Sandbox } from "../../sandbox/server";

/** Made by hand in ImmyBot: a schedule's reboot preference or a deployment's disabled flag changed, or the object deleted. */
export interface Mutation {
  kind: "Schedule" | "Deployment";
  id: number;
  action: "change" | "delete";
}

export interface SandboxStats {
  requests: number;
  apiRequests: number;
  tokenRequests: number;
  connections: number;
  apiConnections: number;
  /** CPU the sandbox process used since start (ms). */
  cpuMs: number;
  /** The most API requests it handled at once. */
  maxApiInFlight: number;
  byRoute: Record<string, number>;
}

async function main(): Promise<void> {
  const sandbox = await Sandbox.start({ port: 0, ...JSON.parse(process.argv[2] ?? "{}") });
  process.on("message", (msg: { id: number; cmd: string; arg?: unknown }) => {
    const reply = (value: unknown) => process.send!({ id: msg.id, value });
    if (msg.cmd === "clear") return reply(sandbox.clearRequests());
    if (msg.cmd === "reset") {
      for (const s of sandbox.schedules()) sandbox.deleteSchedule(s.id);
      for (const d of sandbox.deployments()) sandbox.deleteDeployment(d.id);
      return reply(null);
    }
    if (msg.cmd === "mutate") {
      for (const m of msg.arg as Mutation[]) {
        if (m.action === "delete") (m.kind === "Schedule" ? sandbox.deleteSchedule(m.id) : sandbox.deleteDeployment(m.id));
        else if (m.kind === "Schedule") sandbox.editSchedule(m.id, { rebootPreference: "Suppress" });
        else sandbox.editDeployment(m.id, { excluded: true });
      }
      return reply(null);
    }
    if (msg.cmd === "stats") {
      const requests = sandbox.requests;
      const byRoute: Record<string, number> = {};
      for (const r of requests) {
        const route = `${r.method} ${r.path.replace(/\/\d+(?=\/|$)/g, "/{id}")}`;
        byRoute[route] = (byRoute[route] ?? 0) + 1;
      }
      const stats: SandboxStats = {
        requests: requests.length,
        apiRequests: requests.filter((r) => r.path.startsWith("/api/")).length,
        tokenRequests: sandbox.tokenRequests,
        connections: sandbox.connectionsOpened,
        apiConnections: sandbox.apiConnectionsOpened,
        cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
        maxApiInFlight: sandbox.maxApiInFlight,
        byRoute,
      };
      return reply(stats);
    }
    if (msg.cmd === "stop") return void sandbox.stop().then(() => process.exit(0));
  });
  process.send!({ id: 0, value: sandbox.info });
  process.on("disconnect", () => process.exit(0));
}

void main();
