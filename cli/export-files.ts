/**
 * The repository `pulumi-immybot export` writes: the policy files under `tenants/` (their first line names the JSON
 * Schema in node_modules/pulumi-immybot, so it follows upgrades), `export-report.md` (what was left out and why, the
 * secret config keys, what the first `up` still changes), and the Pulumi project around them (`Pulumi.yaml`,
 * `index.ts`, `tsconfig.json`, `package.json`: examples/policy-repo's, shipped with the package; `.gitignore`),
 * each written only where none exists, so an export into an existing
 * project keeps its own. Every file is the same in two exports of the same instance (no dates, no order of chance).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { UsageError } from "./command";
import { POLICY_DIR, type ExportResult } from "./export-repo";

export const REPORT_FILE = "export-report.md";
/** The example repository these files come from, in the package (`cli/` in the sources, `dist/cli/` when built). */
const TEMPLATE_DIRS = [join(__dirname, "../examples/policy-repo"), join(__dirname, "../../examples/policy-repo")];

/**
 * Writes the repository into `out`. A directory that already holds policy files or a report is refused unless
 * `force` (then its policy files are replaced: every `*.yaml` of `tenants/` goes first, so a tenant no longer
 * exported leaves no file behind).
 */
export function writeRepository(out: string, result: ExportResult, options: { force: boolean; instance: string }): string[] {
  const policyDir = join(out, POLICY_DIR);
  for (const f of earlierExport(out, options.force)) rmSync(join(policyDir, f));
  mkdirSync(policyDir, { recursive: true });
  const written: string[] = [];
  const write = (path: string, text: string, keep = false) => {
    const file = join(out, path);
    if (keep && existsSync(file)) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    written.push(path);
  };
  for (const f of result.files) write(f.path, f.text);
  write(REPORT_FILE, reportText(result, options.instance));
  for (const name of ["Pulumi.yaml", "index.ts", "tsconfig.json", "package.json"]) write(name, template(name), true);
  write(".gitignore", "node_modules/\n", true);
  return written;
}

/**
 * The policy files of an earlier export in `out` (to replace, with `force`); without `force` an earlier export is a
 * usage error, raised before anything is read from ImmyBot.
 */
export function earlierExport(out: string, force: boolean): string[] {
  const policyDir = join(out, POLICY_DIR);
  const old = existsSync(policyDir) ? readdirSync(policyDir).filter((f) => /\.ya?ml$/i.test(f)) : [];
  if (!force && (old.length > 0 || existsSync(join(out, REPORT_FILE)))) {
    throw new UsageError(`${out} already holds an export (${old.length > 0 ? `${POLICY_DIR}/${old[0]}` : REPORT_FILE}): give an empty or new directory, or --force to replace its policy files`);
  }
  return old;
}

function template(name: string): string {
  const dir = TEMPLATE_DIRS.find((d) => existsSync(join(d, name)));
  if (!dir) throw new Error(`pulumi-immybot's copy of examples/policy-repo/${name} is missing (looked in ${TEMPLATE_DIRS.join(" and ")}); reinstall the package`);
  return readFileSync(join(dir, name), "utf8");
}


/** `export-report.md`: what was exported, left out and to be set, in Markdown. */
export function reportText(result: ExportResult, instance: string): string {
  const { schedules, deployments } = result.exported;
  const lines = [
    "# pulumi-immybot export",
    "",
    `From ${instance}: ${schedules} schedules and ${deployments} deployments in ${result.files.length} policy files (${result.files.map((f) => f.path).join(", ") || "none"}).`,
    "Every entry carries the adoptId of the object it was exported from: the first `pulumi up` takes each one under management and changes nothing (except what \"Changes\" below lists).",
    "After that first `pulumi up` the adoptIds can go (later runs ignore them); remove them before copying an entry, or the copy takes the same object over.",
    "",
    `## Left out (${result.leftOut.length})`,
    "",
  ];
  if (result.leftOut.length === 0) lines.push("Nothing: every schedule and deployment is in the files.");
  else {
    lines.push("What the policy format cannot express stays as it is in ImmyBot, unmanaged by Pulumi.", "", "| kind | id | tenant | why |", "|---|---|---|---|");
    for (const l of result.leftOut) lines.push(`| ${l.kind} | ${l.id} | ${cell(l.tenant ?? "")} | ${cell(l.why)} |`);
  }
  lines.push("", `## Secrets (${result.secrets.length})`, "");
  if (result.secrets.length === 0) lines.push("No parameter holds a secret.");
  else {
    lines.push("Their values are not in the files. Set each in the stack before the first `pulumi up` (to the value ImmyBot holds, or a new one):", "", "```sh");
    lines.push(...configLines(result));
    lines.push("```");
  }
  if (result.notes.length > 0) lines.push("", `## Changes (${result.notes.length})`, "", ...result.notes.map((n) => `- ${n}`));
  return `${lines.join("\n")}\n`;
}

/** `pulumi config set --secret <key>   # where it is used` for each secret (the CLI asks for the value). */
export function configLines(result: ExportResult): string[] {
  const width = Math.max(0, ...result.secrets.map((s) => s.key.length));
  return result.secrets.map((s) => `pulumi config set --secret ${s.key.padEnd(width)}   # ${s.file}: ${s.entry}, parameter ${JSON.stringify(s.parameter)} (deployment ${s.deploymentId})`);
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
