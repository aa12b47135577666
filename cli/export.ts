/**
 * `pulumi-immybot export`: an existing ImmyBot instance -> a policy repository ready to commit. The mapping is in
 * `export-repo.ts` (and the modules it names), the files in `export-files.ts`; this module is the command line:
 * options, settings (`IMMYBOT_*`, as the provider reads them), progress on stderr, the summary on stdout and the
 * exit code (1 when anything was left out).
 */
import { parseArgs } from "node:util";
import { ImmyBotClient, ImmyBotConfigError, resolveSettings } from "../provider/client";
import { EXIT, UsageError, type CliIo, type Command } from "./command";
import { configLines, earlierExport, REPORT_FILE, writeRepository } from "./export-files";
import { exportPolicy } from "./export-repo";

const USAGE = `Usage: pulumi-immybot export --out <dir> [--tenant <name or id>]... [--force]

Reads the schedules and deployments of an ImmyBot instance and writes a policy repository that policy.load reads:
one file per tenant under <dir>/tenants/ (and tenants/cross-tenant.yaml for entries without a tenant), names instead
of ids, every entry with the adoptId of its object, so that the first \`pulumi up\` takes each object under
management and changes nothing. Password parameters (and parameters whose name says they are secret) are never
written: each becomes { secretFromConfig: <key> }, and the \`pulumi config set --secret\` lines to run are printed.
What the format cannot express (metascript and other script, person or group targets, item kinds the resources do
not manage, global deployments, ...) is listed with its id and why on the terminal and in <dir>/${REPORT_FILE}.
Also written: Pulumi.yaml, index.ts, tsconfig.json, package.json, .gitignore where missing.

Options:
  --out <dir>        where to write the repository (created if needed)
  --tenant <t>       only this tenant (name or id); repeat for several. Without it: every tenant, and the
                     entries without a tenant
  --force            replace the policy files of an earlier export in <dir>
  -h, --help         this text

Settings come from the environment, as the provider reads them: IMMYBOT_INSTANCE (or IMMYBOT_BASE_URL) and
IMMYBOT_CLIENT_ID, IMMYBOT_CLIENT_SECRET, IMMYBOT_AZURE_TENANT_ID (or IMMYBOT_ACCESS_TOKEN); IMMYBOT_MAX_CONCURRENCY,
IMMYBOT_MAX_RETRIES, ... tune the requests. The export only reads from ImmyBot.

Exit codes: 0 everything exported; 1 exported, and something was left out (listed); 2 wrong command line or
settings, an unknown --tenant, or <dir> holds an earlier export (nothing written); 3 could not finish (nothing
written).
`;

export const command: Command = {
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { out, tenants, force } = options(argv);
    earlierExport(out, force);
    let settings;
    try {
      settings = resolveSettings(() => undefined, io.env);
    } catch (e) {
      if (e instanceof ImmyBotConfigError) throw new UsageError(e.message);
      throw e;
    }
    const progress = (line: string) => io.stderr(`pulumi-immybot export: ${line}\n`);
    const client = new ImmyBotClient(settings);
    try {
      progress(`reading ${settings.baseUrl}`);
      const result = await exportPolicy({ client, ...(tenants.length > 0 ? { tenants } : {}), progress });
      writeRepository(out, result, { force, instance: settings.baseUrl });
      io.stdout(summary(out, result));
      return result.leftOut.length > 0 ? EXIT.findings : EXIT.ok;
    } finally {
      await client.close();
    }
  },
};

function options(argv: string[]): { out: string; tenants: string[]; force: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { out: { type: "string" }, tenant: { type: "string", multiple: true }, force: { type: "boolean" } } });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { out, tenant, force } = parsed.values;
  if (out === undefined || out.trim() === "") throw new UsageError("--out <dir> is required: the directory to write the repository into");
  return { out, tenants: tenant ?? [], force: force === true };
}

function summary(out: string, result: Awaited<ReturnType<typeof exportPolicy>>): string {
  const { schedules, deployments } = result.exported;
  const lines = [`Exported ${schedules} schedules and ${deployments} deployments into ${out} (${result.files.length} policy files):`];
  for (const f of result.files) lines.push(`  ${f.path}`);
  if (result.leftOut.length > 0) {
    lines.push("", `Left out: ${result.leftOut.length} (they stay as they are in ImmyBot; also in ${REPORT_FILE}):`);
    for (const l of result.leftOut) lines.push(`  ${l.kind} ${l.id}${l.tenant ? ` (${l.tenant})` : ""}: ${l.why}`);
  }
  if (result.secrets.length > 0) {
    lines.push("", `Secrets: ${result.secrets.length}. In the stack, before the first \`pulumi up\` (each asks for its value):`, ...configLines(result).map((l) => `  ${l}`));
  }
  if (result.notes.length > 0) lines.push("", "The first `pulumi up` will still change:", ...result.notes.map((n) => `  ${n}`));
  lines.push("", `Next: cd ${out} && npm install && pulumi stack init${result.secrets.length > 0 ? ", the config lines above," : ""} then \`pulumi up\`: each entry shows as a create, which takes its object over (adoptId) without writing to ImmyBot.`);
  return `${lines.join("\n")}\n`;
}
