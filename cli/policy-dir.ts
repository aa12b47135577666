/**
 * What the commands that read a policy repository share (`validate`, `lint`): the directory argument, and the
 * files checked by the policy loader, with paths as given on the command line.
 */
import { statSync } from "node:fs";
import { basename, join } from "node:path";
import { checkSources, readPolicyDir } from "../sdk/policy/load";
import { PolicyError, type PolicyProblem } from "../sdk/policy/problems";
import { UsageError } from "./command";

/** The one directory of the command line, which must exist. */
export function policyDirArgument(positionals: readonly string[], command: string): string {
  const [dir, ...extra] = positionals;
  if (dir === undefined) throw new UsageError(`give the directory that holds the policy files, e.g. \`pulumi-immybot ${command} tenants\``);
  if (extra.length > 0) throw new UsageError(`one directory only; got also ${extra.map((a) => JSON.stringify(a)).join(", ")}`);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new UsageError(`${JSON.stringify(dir)} is not a directory: give the directory that holds the policy files`);
  return dir;
}

/**
 * Every policy file of `dir` through the loader, in one pass: the files valid on their own, every problem, and the
 * paths of all files in order. Paths as given on the command line (`tenants/contoso.yaml`), so a terminal or CI log
 * can open them. `unreadable` when there are no files or the directory cannot be read.
 */
export function checkPolicyDir(dir: string): (ReturnType<typeof checkSources> & { paths: string[] }) | { unreadable: readonly PolicyProblem[] } {
  let checked: ReturnType<typeof checkSources>;
  try {
    checked = checkSources(readPolicyDir(dir).map((s) => ({ ...s, path: join(dir, basename(s.path)) })));
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    return { unreadable: e.problems };
  }
  const paths = [...new Set([...checked.files.map((f) => f.path), ...checked.problems.map((p) => p.file)])].sort();
  return { ...checked, paths };
}
