#!/usr/bin/env node
/**
 * `pulumi-immybot`: what users run outside a Pulumi program, as one command with subcommands. Each subcommand lives
 * in its own module, loaded only when it runs, so `--help` and a quick `validate` do not load the rest.
 */
import { closestName } from "../provider/models/similar";
import { EXIT, UsageError, processIo, type CliIo, type Command } from "./command";

/** The commands, in the order `--help` lists them. Add one: a module exporting `command`, and a line here. */
const COMMANDS: ReadonlyArray<{ name: string; summary: string; load: () => Command }> = [
  { name: "sandbox", summary: "start the ImmyBot API emulator on 127.0.0.1 (for trying things and for tests)", load: () => require("./sandbox").command },
  { name: "sessions", summary: "review maintenance sessions: a table, Markdown for a CI job's summary, or JSON; --fail-on for pipelines", load: () => require("./sessions").command },
  { name: "validate", summary: "check a policy repository's files (format, and names when ImmyBot's settings are set); changes nothing", load: () => require("./validate").command },
  { name: "lint", summary: "check a policy repository against ImmyBot's best practices (staggered windows, test first, reboots, e-mails)", load: () => require("./lint").command },
  { name: "export", summary: "write an existing ImmyBot instance's schedules and deployments into a policy repository", load: () => require("./export").command },
];

const HELP_FLAGS = new Set(["--help", "-h"]);

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: pulumi-immybot <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "`pulumi-immybot <command> --help` shows a command's options.",
    `Exit codes: ${EXIT.ok} done; ${EXIT.findings} done and found what you asked to fail on; ${EXIT.usage} wrong command line; ${EXIT.failed} could not finish.`,
    "",
  ].join("\n");
}

/** The package's version: package.json sits above `cli/` in the sources and above `dist/cli/` when built. */
function version(): string {
  for (const path of ["../package.json", "../../package.json"]) {
    try {
      const pkg = require(path) as { name?: string; version?: string };
      if (pkg.name === "pulumi-immybot" && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return "unknown";
}

/** Runs `argv` (without node and the script) and returns the exit code; never throws. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || HELP_FLAGS.has(name) || name === "help") {
    (name === undefined ? io.stderr : io.stdout)(overview());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === "--version" || name === "-v") {
    io.stdout(`${version()}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    const near = closestName(name, COMMANDS.map((c) => c.name));
    io.stderr(`pulumi-immybot: unknown command "${name}"${near ? `; did you mean "${near}"?` : ""}\n\n${overview()}`);
    return EXIT.usage;
  }
  const command = entry.load();
  if (rest.some((a) => HELP_FLAGS.has(a))) {
    io.stdout(command.usage);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`pulumi-immybot ${name}: ${e.message}\n\n${command.usage}`);
      return EXIT.usage;
    }
    io.stderr(`pulumi-immybot ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
