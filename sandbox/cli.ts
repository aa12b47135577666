/**
 * Command line for the sandbox (`pulumi-immybot sandbox`, `npm run sandbox`). The first stdout line is one JSON
 * object with the connection details (a script can read that line and go); everything after it is for people.
 *
 *   pulumi-immybot sandbox [--port N] [--state FILE] [--seed-file FILE] [--client-id X] [--client-secret Y] [--latency-ms N]
 *     [--rate-429 0..1] [--rate-5xx 0..1] [--rate-reset 0..1] [--seed N] ...   (--help lists all)
 *
 * With `npm run sandbox -- ...` npm prints its own banner first; use `npm run --silent sandbox -- ...` when a
 * program reads the first line.
 */
import { parseArgs } from "node:util";
import type { FaultOptions } from "./faults";
import { Sandbox, type RequestLogEntry, type SandboxOptions } from "./server";

export const USAGE = `Usage: pulumi-immybot sandbox [options]

Starts the ImmyBot API emulator on 127.0.0.1 until Ctrl-C. The first line on stdout is JSON with its\naddresses and credentials (baseUrl, tokenUrl, clientId, clientSecret, azureTenantId).

  --port N                     port on 127.0.0.1 (default 0 = any free port)
  --state FILE                 keep state in FILE (created if missing); default: memory only
  --seed-file FILE             the instance's tenants, computers, tags, software and tasks (JSON, replaces
                               the built-in sandbox/default-seed.json as a whole)
  --client-id X                client id to accept (default: from the state file, else random)
  --client-secret Y            client secret to accept (default: from the state file, else random)
  --azure-tenant-id T          Entra tenant id in the token URL (default: from the state file, else random)
  --token-lifetime-seconds N   access token lifetime (default 3599)
  --session-time-scale X       run maintenance sessions X times faster than 2 s queue + 10 s detection +
                               20 s execution (default 1; e.g. 10 for a 3.2 s session)
  --latency-ms N               delay before every /api/ request is handled
  --rate-429 R                 share (0..1) of /api/ requests answered 429 + Retry-After
  --retry-after-seconds N      Retry-After on those 429s (default 1)
  --rate-5xx R                 share answered with a 5xx (see --status-5xx)
  --status-5xx S               500, 502, 503 (default) or 504
  --rate-reset R               share whose connection is reset before they are handled
  --rate-reset-after-commit R  share handled (committed) and then reset without an answer
  --rate-slow R                share answered only after --slow-ms
  --rate-late-commit R         share handled (committed) only after --slow-ms, then answered
  --slow-ms N                  hold time of slow answers (default 30000)
  --seed N                     seed of the random faults (default: the clock)
  --faults-on-token            apply random faults to the token endpoint too
  --accept-enum-names          also bind enums in request bodies given by name ("Force"), as some live
                               instances did; default: integers only, as the OpenAPI spec types them
  --exit-on-stdin-close        stop when stdin closes (for a parent process that may die)
  --verbose                    print one line per request
  --help                       this text
`;

const OPTIONS = {
  port: { type: "string" },
  state: { type: "string" },
  "seed-file": { type: "string" },
  "client-id": { type: "string" },
  "client-secret": { type: "string" },
  "azure-tenant-id": { type: "string" },
  "token-lifetime-seconds": { type: "string" },
  "session-time-scale": { type: "string" },
  "latency-ms": { type: "string" },
  "rate-429": { type: "string" },
  "retry-after-seconds": { type: "string" },
  "rate-5xx": { type: "string" },
  "status-5xx": { type: "string" },
  "rate-reset": { type: "string" },
  "rate-reset-after-commit": { type: "string" },
  "rate-slow": { type: "string" },
  "rate-late-commit": { type: "string" },
  "slow-ms": { type: "string" },
  seed: { type: "string" },
  "faults-on-token": { type: "boolean" },
  "accept-enum-names": { type: "boolean" },
  "exit-on-stdin-close": { type: "boolean" },
  verbose: { type: "boolean" },
  help: { type: "boolean" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];

class UsageError extends Error {}

/** A numeric flag, or undefined when absent; refuses text that is not a number. */
function numberFlag(values: Values, name: keyof typeof OPTIONS): number | undefined {
  const raw = values[name];
  if (raw === undefined || typeof raw === "boolean") return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${name} needs a number, got "${raw}"`);
  return n;
}

function optionsFrom(values: Values): SandboxOptions {
  const status5xx = numberFlag(values, "status-5xx");
  if (status5xx !== undefined && ![500, 502, 503, 504].includes(status5xx)) throw new UsageError(`--status-5xx must be 500, 502, 503 or 504`);
  const sessionTimeScale = numberFlag(values, "session-time-scale");
  if (sessionTimeScale !== undefined && !(sessionTimeScale > 0)) throw new UsageError(`--session-time-scale must be a number > 0, got ${sessionTimeScale}`);
  const faults: FaultOptions = {
    latencyMs: numberFlag(values, "latency-ms"),
    rate429: numberFlag(values, "rate-429"),
    retryAfterSeconds: numberFlag(values, "retry-after-seconds"),
    rate5xx: numberFlag(values, "rate-5xx"),
    status5xx: status5xx as FaultOptions["status5xx"],
    rateReset: numberFlag(values, "rate-reset"),
    rateResetAfterCommit: numberFlag(values, "rate-reset-after-commit"),
    rateSlow: numberFlag(values, "rate-slow"),
    rateLateCommit: numberFlag(values, "rate-late-commit"),
    slowMs: numberFlag(values, "slow-ms"),
    seed: numberFlag(values, "seed"),
    faultsOnToken: values["faults-on-token"],
  };
  return {
    port: numberFlag(values, "port") ?? 0,
    stateFile: values.state,
    seed: values["seed-file"],
    clientId: values["client-id"],
    clientSecret: values["client-secret"],
    azureTenantId: values["azure-tenant-id"],
    tokenLifetimeSeconds: numberFlag(values, "token-lifetime-seconds"),
    sessionTimeScale,
    acceptEnumNames: values["accept-enum-names"],
    faults,
    onRequest: values.verbose ? printRequest : undefined,
  };
}

function printRequest(e: RequestLogEntry): void {
  const query = new URLSearchParams(e.query).toString();
  const outcome = e.status === null ? "no answer" : String(e.status);
  console.log(`${new Date(e.at).toISOString()} ${e.method} ${e.path}${query ? `?${query}` : ""} -> ${outcome}${e.fault ? ` (fault: ${e.fault})` : ""}`);
}

function describe(sandbox: Sandbox, options: SandboxOptions): string[] {
  const { baseUrl, tokenUrl } = sandbox.info;
  const activeFaults = Object.entries(sandbox.faults.options).filter(([, v]) => v !== undefined && v !== 0 && v !== false);
  return [
    `ImmyBot API sandbox listening on ${baseUrl} (loopback only)`,
    `  token:       POST ${tokenUrl}  (client credentials, scope ${baseUrl}/.default)`,
    `  schedules:   GET/POST ${baseUrl}/api/v1/schedules, GET/PUT/DELETE .../{id}, POST .../{id}/run-now`,
    `  deployments: GET/POST ${baseUrl}/api/v1/target-assignments, GET/PUT/DELETE .../{id}, POST .../{id}/notes, POST .../target-preview`,
    `  lookups:     GET ${baseUrl}/api/v1/tenants, computers, computers/paged, software/{global,local}, maintenance-tasks/{global,local}, tags (and .../{id}), system/timezones`,
    `  sessions:    POST ${baseUrl}/api/v1/run-immy-service(-new), GET .../maintenance-sessions/{id}, .../{id}/logs, .../{id}/last-log, .../{id}/cancel, .../dx, POST .../cancel (time scale ${options.sessionTimeScale ?? 1})`,
    `  seed:        ${options.seed === undefined ? "built in (sandbox/default-seed.json)" : String(options.seed)}: ${describeSeed(sandbox)}`,
    `  state:       ${options.stateFile ?? "in memory (lost on exit)"}`,
    `  enums:       ${options.acceptEnumNames ? "integers or names in request bodies (--accept-enum-names)" : "integers only in request bodies, as the spec types them"}`,
    `  faults:      ${activeFaults.length ? activeFaults.map(([k, v]) => `${k}=${v}`).join(" ") : "none"}`,
    `Press Ctrl-C to stop.`,
  ];
}

/** "4 tenants, 13 computers, 6 software, 8 tasks, 2 tags". */
function describeSeed(sandbox: Sandbox): string {
  const s = sandbox.seed();
  const both = (scopes?: { global?: unknown[]; local?: unknown[] }): number => (scopes?.global?.length ?? 0) + (scopes?.local?.length ?? 0);
  return `${s.tenants?.length ?? 0} tenants, ${s.computers?.length ?? 0} computers, ${both(s.software)} software, ${both(s.maintenanceTasks)} tasks, ${s.tags?.length ?? 0} tags`;
}

/** Runs the sandbox until a signal (or stdin closes with --exit-on-stdin-close); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let values: Values;
  let options: SandboxOptions;
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    options = optionsFrom(values);
  } catch (e) {
    process.stderr.write(`sandbox: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }

  const sandbox = await Sandbox.start(options);
  process.stdout.write(JSON.stringify(sandbox.info) + "\n");
  for (const line of describe(sandbox, options)) console.log(line);

  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
    if (values["exit-on-stdin-close"]) {
      process.stdin.once("end", resolve);
      process.stdin.once("close", resolve);
      process.stdin.resume();
    }
  });
  await sandbox.stop();
  console.log("Sandbox stopped.");
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`sandbox: ${(e as Error).message ?? e}\n`);
      process.exit(1);
    },
  );
}
