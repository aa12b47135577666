/**
 * What every `pulumi-immybot` command is: its usage text (shown by `--help` and after a usage error) and a run
 * function that returns the process exit code (its name and one-line summary are in the list in `cli/index.ts`). Commands write through
 * {@link CliIo} rather than `process.stdout`, so tests run them in-process and read exactly what a user sees.
 */

/** Exit codes, the same for every command (documented in each command's `--help`). */
export const EXIT = {
  /** Done, and nothing the caller asked to fail on was found. */
  ok: 0,
  /** Done, and it found what the caller asked to fail on (problems in a policy repository, `--fail-on` sessions). */
  findings: 1,
  /** The command line is wrong: unknown command or option, a bad value. Nothing was sent to ImmyBot. */
  usage: 2,
  /** The command could not finish: ImmyBot unreachable, credentials refused, an answer it could not read. */
  failed: 3,
} as const;

/** Where a command writes, and the environment it reads its settings from (`IMMYBOT_*`). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  /** The full `--help` text, starting with "Usage: pulumi-immybot <name> ...". */
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

/** A wrong command line: the dispatcher prints the message, then the command's usage, and exits with {@link EXIT.usage}. */
export class UsageError extends Error {
  readonly code = "CLI_USAGE";
  override name = "UsageError";
}

/** The process's own streams and environment. */
export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
};
