/**
 * `pulumi-immybot lint <dir>`: the best-practice checks of a policy repository (`policy.lint`) for a pull request.
 * The files are loaded as `validate` loads them (their format problems are listed too: a file with one is not
 * linted); no rule needs ImmyBot, so nothing is sent anywhere.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LINT_CONFIG_FILE, LINT_RULES, formatFinding, lint, readLintConfig, type LintFinding } from "../sdk/policy/lint";
import { formatProblem, type PolicyProblem } from "../sdk/policy/problems";
import { EXIT, UsageError, type CliIo, type Command } from "./command";
import { checkPolicyDir, policyDirArgument } from "./policy-dir";

const RULES = Object.entries(LINT_RULES)
  .map(([id, r]) => `  ${id.padEnd(26)} ${r.severity.padEnd(8)} ${r.finds}`)
  .join("\n");

const USAGE = `Usage: pulumi-immybot lint <dir> [options]

Checks the policy files of <dir> against ImmyBot's best practices and lists every finding: the file, where in it,
the severity and rule, what is wrong, the fix and why it matters. Needs no ImmyBot and changes nothing. Files with
format problems (as \`pulumi-immybot validate\` reports them) are listed and not linted.

Rules:
${RULES}

No rule needs ImmyBot; see docs/policy-repository.md for their details.

Switching rules off: on an entry, \`lint: { ignore: [test-first] }\`; for the repository, ${LINT_CONFIG_FILE} in <dir>:
  ignore: [staggered-windows]
  staggeredWindows: { maxPerTenant: 3, maxPerRepository: 10 }

Options:
  --format <text|json>  text (default), or JSON: { files, problems, findings, errors, warnings }
  --strict              exit 1 on warnings too
  --help                this text

Exit codes: 0 no error (warnings are listed); 1 an error-severity finding, a format problem, or with --strict a
warning; 2 wrong command line.
`;

export const command: Command = {
  usage: USAGE,
  run,
};

async function run(argv: string[], io: CliIo): Promise<number> {
  const { dir, json, strict } = parseCommandLine(argv);
  const out = (line: string) => io.stdout(`${line}\n`);

  const checked = checkPolicyDir(dir);
  const config = readLintConfig(dir);
  let files = 0;
  let findings: LintFinding[] = [];
  let problems: PolicyProblem[];
  if ("unreadable" in checked) {
    problems = [...checked.unreadable];
  } else {
    files = checked.paths.length;
    problems = [...config.problems, ...checked.problems];
    findings = lint({ files: checked.files }, config.options);
  }
  const errors = findings.filter((f) => f.severity === "error").length;
  const warnings = findings.length - errors;

  if (json) {
    out(JSON.stringify({ files, problems, findings, errors, warnings }, null, 2));
  } else {
    problems.forEach((p) => out(formatProblem(p)));
    findings.forEach((f) => out(formatFinding(f)));
    const counts = [
      `${errors} error${errors === 1 ? "" : "s"}`,
      `${warnings} warning${warnings === 1 ? "" : "s"}`,
      ...(problems.length > 0 ? [`${problems.length} format problem${problems.length === 1 ? "" : "s"} (fix those first: \`pulumi-immybot validate ${dir}\`)`] : []),
    ];
    const off = config.options.ignore?.length ? `; off for the repository (${join(dir, LINT_CONFIG_FILE)}): ${config.options.ignore.join(", ")}` : "";
    out(`${dir}: ${files} file${files === 1 ? "" : "s"}, ${counts.join(", ")}${off}.`);
  }
  return problems.length > 0 || errors > 0 || (strict && warnings > 0) ? EXIT.findings : EXIT.ok;
}

function parseCommandLine(argv: string[]): { dir: string; json: boolean; strict: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { format: { type: "string" }, strict: { type: "boolean" } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const format = parsed.values.format ?? "text";
  if (format !== "text" && format !== "json") throw new UsageError(`--format must be text or json; got ${JSON.stringify(format)}`);
  return { dir: policyDirArgument(parsed.positionals, "lint"), json: format === "json", strict: parsed.values.strict === true };
}
