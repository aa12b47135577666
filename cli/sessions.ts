/**
 * `pulumi-immybot sessions`: the session review of ImmyBot's guide ("Regular review") as a command, for a terminal,
 * a CI job's summary page or a script. It runs the `getMaintenanceSessions` lookup with the provider's settings
 * (IMMYBOT_* variables) and renders the result (sessions-report.ts). The command line is checked in full before any
 * request; the provider's modules are loaded only then, so `--help` stays quick.
 */
import { parseArgs } from "node:util";
import type { MaintenanceSessionInfo, MaintenanceSessionsLookup } from "../provider/lookups";
import { EXIT, UsageError, type CliIo, type Command } from "./command";
import type { Format, ReportScope } from "./sessions-report";

export const USAGE = `Usage: pulumi-immybot sessions [options]

Reviews ImmyBot's maintenance sessions: those that match every filter given, newest first, with their status,
computer, what ran (a deployment, a full maintenance), who or which schedule started it and the last log line.
Settings come from the IMMYBOT_* variables, as for the provider: IMMYBOT_INSTANCE (or IMMYBOT_BASE_URL), and
IMMYBOT_CLIENT_ID, IMMYBOT_CLIENT_SECRET and IMMYBOT_AZURE_TENANT_ID (or IMMYBOT_ACCESS_TOKEN).

Filters (ImmyBot applies them itself, so a review of one tenant does not read the whole instance):
  --tenant NAME|ID      sessions of this tenant: its computers' and its cloud sessions (all digits: an id)
  --computer NAME|ID    sessions of this computer; a name is looked up within --tenant when given
  --status S[,S...]     sessions with one of these statuses or groups (repeatable). The groups:
                          Completed   every final status
                          Failed      Failed, Cancelled, Missed, PartialPassed and the two licensing statuses
                          InProgress  Running, Created, Pending, PendingConnectivity, PendingPreflight,
                                      PendingEphemeralAgentConnection
                        Any other value is one status: Passed, Running, PartialPassed, Postponed, ...
  --type T              Computer, Cloud (a tenant's) or Person sessions
  --deployment ID       sessions that ran this deployment, alone or within a full maintenance
  --schedule ID         sessions this schedule started
  --since WHEN          created at or after WHEN (default 7d): ISO 8601 ("2025-06-01",
                        "2025-06-01T08:00:00Z") or a time ago ("7d", "12h", "30m", "2w")
  --until WHEN          created before WHEN, written like --since (default: now)
  --limit N             at most N sessions, the newest (default 100, at most 1000)

Output:
  --format F            table (default, for a terminal), markdown (for a CI job's summary: counts by status,
                        the failed computers with their last log line, a chart per day by status) or json
  --fail-on S[,S...]    exit 1 when a session that matches the filters has one of these statuses or groups

Exit codes: 0 done; 1 a session matched --fail-on; 2 wrong command line or settings, or no such tenant or
computer; 3 could not finish: ImmyBot unreachable, credentials refused, an unreadable answer.

Examples:
  pulumi-immybot sessions --tenant Contoso --since 7d --status Failed
  pulumi-immybot sessions --computer CONTOSO-WS001 --tenant Contoso --since 30d
  pulumi-immybot sessions --since 1d --format markdown >> "$GITHUB_STEP_SUMMARY"
  pulumi-immybot sessions --since 1d --fail-on Failed
  pulumi-immybot sessions --since 2025-06-01 --until 2025-07-01 --format json > june.json
`;

const OPTIONS = {
  tenant: { type: "string" },
  computer: { type: "string" },
  status: { type: "string", multiple: true },
  type: { type: "string" },
  deployment: { type: "string" },
  schedule: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
  limit: { type: "string" },
  format: { type: "string" },
  "fail-on": { type: "string", multiple: true },
} as const;

/** The lookup's arguments as the command line names them, for messages. */
const FLAG: Record<string, string> = {
  tenantId: "--tenant",
  tenantName: "--tenant",
  computerId: "--computer",
  computerName: "--computer",
  status: "--status",
  statusGroup: "--status",
  sessionType: "--type",
  deploymentId: "--deployment",
  scheduleId: "--schedule",
  from: "--since",
  to: "--until",
  limit: "--limit",
};
const flag = (property: string): string => FLAG[property] ?? property;

type Lookups = typeof import("../provider/lookups");
type Statuses = { status: string[]; statusGroup: string[] };

export const command: Command = {
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const values = parseCommandLine(argv);
    const lookups = require("../provider/lookups") as Lookups;
    const enums = require("../provider/models/enums") as typeof import("../provider/models/enums");
    const { FORMATS } = require("./sessions-report") as typeof import("./sessions-report");
    const statusWords = (option: string, given: readonly string[] | undefined) => statusesOf(option, given, enums.SessionStatus.names, lookups.STATUS_GROUPS);

    const format = (values.format ?? "table").toLowerCase() as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`--format ${JSON.stringify(values.format)} is not a format; use ${FORMATS.join(", ")}`);
    const filter = statusWords("--status", values.status);
    const failOn = values["fail-on"] === undefined ? undefined : statusWords("--fail-on", values["fail-on"]);
    const args: MaintenanceSessionsLookup = {
      ...nameOrId("tenant", values.tenant),
      ...nameOrId("computer", values.computer),
      ...(filter.status.length ? { status: filter.status as never } : {}),
      ...(filter.statusGroup.length ? { statusGroup: filter.statusGroup as never } : {}),
      ...(values.type !== undefined ? { sessionType: (enums.SessionType.names.find((n) => n.toLowerCase() === values.type!.trim().toLowerCase()) ?? values.type) as never } : {}),
      ...(values.deployment !== undefined ? { deploymentId: values.deployment } : {}),
      ...(values.schedule !== undefined ? { scheduleId: values.schedule } : {}),
      from: values.since ?? "7d",
      ...(values.until !== undefined ? { to: values.until } : {}),
      ...(values.limit !== undefined ? { limit: wholeNumber("--limit", values.limit) } : {}),
    };
    // Relative moments count back from one clock reading, so the window the report states is the one it asked for.
    const now = Date.now();
    const checked = lookups.parseSessionsArgs(args, now, flag);
    if (!checked.ok) throw new UsageError(checked.problems.map((p) => `${flag(p.property)} ${p.reason}`).join("; "));
    const scope: ReportScope = { filters: describe(values), from: checked.from!, to: checked.to ?? now, limit: checked.query.limit };

    const { ImmyBotClient, ImmyBotConfigError, resolveSettings } = require("../provider/client") as typeof import("../provider/client");
    let client: InstanceType<typeof ImmyBotClient>;
    try {
      client = new ImmyBotClient(resolveSettings(() => undefined, io.env));
    } catch (e) {
      if (!(e instanceof ImmyBotConfigError)) throw e;
      io.stderr(`pulumi-immybot sessions: ${e.message}\n`);
      return EXIT.usage;
    }
    try {
      const find = (a: MaintenanceSessionsLookup) => lookups.findMaintenanceSessions(client, a, { now: () => now });
      const list = await find(args);
      const failed = failOn && (await failOnMatches(list.sessions, list.truncated, failOn, filter, args, find, lookups));
      const { render } = require("./sessions-report") as typeof import("./sessions-report");
      io.stdout(render(format, list, scope));
      if (!failed || failed.length === 0) return EXIT.ok;
      const shown = failed.slice(0, 10).map((s) => `${s.id} (${s.computerName ?? s.tenantName ?? "?"}, ${s.status})`);
      io.stderr(`pulumi-immybot sessions: --fail-on ${values["fail-on"]!.join(",")}: ${shown.join(", ")}${failed.length > 10 ? ", ..." : ""}\n`);
      return EXIT.findings;
    } catch (e) {
      // A tenant or computer that does not exist (or is ambiguous) is the command line's to fix.
      if (e instanceof lookups.LookupError) {
        io.stderr(`pulumi-immybot sessions: ${e.message}\n`);
        return EXIT.usage;
      }
      throw e;
    } finally {
      await client.close();
    }
  },
};

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends { multiple: true } ? string[] : string };

function parseCommandLine(argv: string[]): Values {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values as Values;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const message = e instanceof Error ? e.message : String(e);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const name = /'(-{1,2}[^'=]+)/.exec(message)?.[1] ?? message;
      const { closestName } = require("../provider/models/similar") as typeof import("../provider/models/similar");
      const near = closestName(name.replace(/^-+/, ""), Object.keys(OPTIONS));
      throw new UsageError(`unknown option ${name}${near ? `; did you mean --${near}?` : ""}`);
    }
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      throw new UsageError(`unexpected argument ${JSON.stringify(/'([^']*)'/.exec(message)?.[1] ?? message)}: every value follows its option, e.g. --tenant Contoso`);
    }
    throw new UsageError(message);
  }
}

function wholeNumber(option: string, value: string): number {
  if (!/^\s*\d+\s*$/.test(value)) throw new UsageError(`${option} needs a whole number, e.g. ${option} 100; got ${JSON.stringify(value)}`);
  return Number(value);
}

/** `--tenant 2` is the tenant with id 2; any other text is a name. */
function nameOrId(kind: "tenant" | "computer", value: string | undefined): Partial<MaintenanceSessionsLookup> {
  if (value === undefined) return {};
  return /^\s*\d+\s*$/.test(value) ? { [`${kind}Id`]: Number(value) } : { [`${kind}Name`]: value };
}

/** Status and group names from repeated, comma-separated values, any case ("in-progress" too); the group wins for "Failed". */
function statusesOf(option: string, given: readonly string[] | undefined, statuses: readonly string[], groups: readonly string[]): Statuses {
  const out: Statuses = { status: [], statusGroup: [] };
  const words = (given ?? []).flatMap((v) => v.split(",")).map((w) => w.trim());
  if (given !== undefined && words.every((w) => w === "")) throw new UsageError(`${option} needs a status or group, e.g. ${option} Failed`);
  for (const word of words.filter((w) => w !== "")) {
    const key = word.replace(/[\s_-]/g, "").toLowerCase();
    const group = groups.find((g) => g.toLowerCase() === key);
    const status = statuses.find((s) => s.toLowerCase() === key);
    if (group !== undefined) out.statusGroup.push(group);
    else if (status !== undefined) out.status.push(status);
    else {
      const { closestName } = require("../provider/models/similar") as typeof import("../provider/models/similar");
      const near = closestName(word, [...groups, ...statuses]);
      throw new UsageError(`${option} ${JSON.stringify(word)} is not a session status or group${near ? `; did you mean ${JSON.stringify(near)}?` : `; use one of ${[...groups, ...statuses].join(", ")}`}`);
    }
  }
  return out;
}

/** The filters in words, for the report's heading. */
function describe(values: Values): string[] {
  const out: string[] = [];
  if (values.tenant !== undefined) out.push(`tenant ${values.tenant}`);
  if (values.computer !== undefined) out.push(`computer ${values.computer}`);
  if (values.status !== undefined) out.push(`status ${values.status.join(", ")}`);
  if (values.type !== undefined) out.push(`type ${values.type}`);
  if (values.deployment !== undefined) out.push(`deployment ${values.deployment}`);
  if (values.schedule !== undefined) out.push(`schedule ${values.schedule}`);
  return out;
}

/**
 * The sessions that match the filters and --fail-on: those listed, or, when the list was cut at --limit and none of
 * those matched, the newest one ImmyBot has (one more lookup, filtered by the --fail-on statuses that the --status
 * filter lets through).
 */
async function failOnMatches(
  listed: readonly MaintenanceSessionInfo[],
  truncated: boolean,
  failOn: Statuses,
  filter: Statuses,
  args: MaintenanceSessionsLookup,
  find: (a: MaintenanceSessionsLookup) => Promise<{ sessions: MaintenanceSessionInfo[] }>,
  lookups: Lookups,
): Promise<MaintenanceSessionInfo[]> {
  const expand = (s: Statuses) => new Set<string>([...s.status, ...s.statusGroup.flatMap((g) => lookups.STATUS_GROUP_MEMBERS[g as keyof typeof lookups.STATUS_GROUP_MEMBERS])]);
  const wanted = expand(failOn);
  const matched = listed.filter((s) => wanted.has(s.status));
  if (matched.length > 0 || !truncated) return matched;
  const allowed = filter.status.length + filter.statusGroup.length > 0 ? expand(filter) : undefined;
  const both = [...wanted].filter((s) => !allowed || allowed.has(s));
  if (both.length === 0) return [];
  const { statusGroup: _group, ...rest } = args;
  return (await find({ ...rest, status: both as never, limit: args.deploymentId === undefined ? 1 : args.limit })).sessions;
}
