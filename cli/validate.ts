/**
 * `pulumi-immybot validate <dir>`: the fast check of a policy repository for a pull request. It loads the files with
 * the policy loader (`pulumi preview`'s own checks, no Pulumi), resolves their names through the lookups when
 * ImmyBot's settings are in the environment, and lists every problem at once. It changes nothing.
 */
import { parseArgs } from "node:util";
import { ImmyBotClient, resolveSettings, settingKeys, type Settings } from "../provider/client";
import { findComputer, findMaintenanceTask, findSoftware, findTag, findTenant, LookupError } from "../provider/lookups";
import { formatProblem, type PolicyProblem } from "../sdk/policy/problems";
import { resolveNames, type PolicyLookups } from "../sdk/policy/resolve";
import { EXIT, UsageError, type CliIo, type Command } from "./command";
import { checkPolicyDir, policyDirArgument } from "./policy-dir";

/** The settings that say where ImmyBot is and who signs in: any of them set means "resolve the names". */
const CONNECTION = ["instance", "baseUrl", "clientId", "clientSecret", "accessToken", "azureTenantId", "tokenUrl"] as const;
const CONNECTION_VARS = CONNECTION.map((k) => settingKeys[k].env);

const USAGE = `Usage: pulumi-immybot validate <dir> [options]

Checks the policy files of <dir> (every *.yaml and *.yml in it) as \`pulumi preview\` would, without Pulumi and
without changing anything, and lists every problem of every file: the file, where in it, what is wrong and the fix.

The format (keys, values, the resources' own rules) is always checked. The names (tenant, computers, tags,
software, tasks) and task parameters are resolved against ImmyBot when its settings are in the environment:
IMMYBOT_INSTANCE (or IMMYBOT_BASE_URL) with IMMYBOT_AZURE_TENANT_ID, IMMYBOT_CLIENT_ID and IMMYBOT_CLIENT_SECRET
(or IMMYBOT_ACCESS_TOKEN). Without them only the format is checked, and the output says so. Secrets from the stack
config (secretFromConfig) are not read here: \`pulumi preview\` checks them.

Options:
  --format-only   check the format only, even when ImmyBot's settings are set
  --help          this text

Exit codes: 0 no problem; 1 problems (listed); 2 wrong command line; 3 could not finish: ImmyBot unreachable or its
settings incomplete or refused (the format problems found are listed all the same).
`;

export const command: Command = {
  usage: USAGE,
  run,
};

async function run(argv: string[], io: CliIo): Promise<number> {
  const { dir, formatOnly } = parseCommandLine(argv);
  const out = (line: string) => io.stdout(`${line}\n`);

  // The format: every file, in one pass; the files valid on their own go on to the names.
  const checked = checkPolicyDir(dir);
  if ("unreadable" in checked) {
    checked.unreadable.forEach((p) => out(formatProblem(p)));
    return EXIT.findings;
  }
  const { files, problems, paths } = checked;
  const fileCount = paths.length;

  const names = await checkNames(files, fileCount - files.length, formatOnly, io.env);
  // File by file, in the order of the directory (a stable sort keeps each file's own order).
  const order = new Map(paths.map((f, i) => [f, i]));
  const all = [...problems, ...(names.problems ?? [])].sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0));
  all.forEach((p) => out(formatProblem(p)));
  const inFiles = new Set(all.map((p) => p.file)).size;
  const found = all.length === 0 ? "no problems" : `${all.length} problem${all.length === 1 ? "" : "s"} in ${inFiles} of them`;
  out(`${dir}: ${fileCount} file${fileCount === 1 ? "" : "s"}, ${found}; ${names.scope}.`);
  if (names.failure !== undefined) {
    io.stderr(`pulumi-immybot validate: the names could not be checked: ${names.failure}\n`);
    return EXIT.failed;
  }
  return all.length === 0 ? EXIT.ok : EXIT.findings;
}

function parseCommandLine(argv: string[]): { dir: string; formatOnly: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { "format-only": { type: "boolean" } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const dir = policyDirArgument(parsed.positionals, "validate");
  return { dir, formatOnly: parsed.values["format-only"] === true };
}

interface NameCheck {
  /** The name problems, when the names were checked. */
  problems?: readonly PolicyProblem[];
  /** What was checked, for the summary line. */
  scope: string;
  /** Why the names could not be checked (settings, ImmyBot unreachable, credentials refused). */
  failure?: string;
}

/** Resolves the names of `files` (the files valid on their own; `skipped` more had format problems). */
async function checkNames(files: Parameters<typeof resolveNames>[0]["files"], skipped: number, formatOnly: boolean, env: NodeJS.ProcessEnv): Promise<NameCheck> {
  if (formatOnly) return { scope: "format only (--format-only): names not checked" };
  if (!CONNECTION_VARS.some((v) => (env[v] ?? "").trim() !== "")) {
    return { scope: `format only: names not checked (no ImmyBot settings in the environment; set ${CONNECTION_VARS.slice(0, 2).join(" or ")} and credentials to check them)` };
  }
  let settings: Settings;
  try {
    settings = resolveSettings(() => undefined, env);
  } catch (e) {
    return { scope: "format only: names not checked", failure: (e as Error).message };
  }
  const client = new ImmyBotClient(settings);
  // A lookup that found no match, or several, is a problem of the policy; anything else (network, credentials,
  // an answer that cannot be read) means the check could not be done: it is kept aside and the run ends with exit 3.
  let failure: unknown;
  const guard =
    <A, R>(find: (c: ImmyBotClient, args: A) => Promise<R>) =>
    (args: A): Promise<R> =>
      find(client, args).catch((e: unknown) => {
        if (!(e instanceof LookupError)) failure ??= e;
        throw e;
      });
  const lookups: PolicyLookups = { tenant: guard(findTenant), computer: guard(findComputer), tag: guard(findTag), software: guard(findSoftware), task: guard(findMaintenanceTask) };
  try {
    const problems = await resolveNames({ files }, lookups);
    if (failure !== undefined) return { scope: "names not checked", failure: failure instanceof Error ? failure.message : String(failure) };
    const except = skipped === 0 ? "" : ` (not those of the ${skipped} file${skipped === 1 ? "" : "s"} with format problems: fix those first)`;
    return { problems, scope: `names checked against ${settings.baseUrl}${except}` };
  } finally {
    await client.close();
  }
}
