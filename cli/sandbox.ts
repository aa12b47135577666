/** `pulumi-immybot sandbox`: the ImmyBot API emulator, as `npm run sandbox` starts it in this repository. */
import type { Command } from "./command";

// The sandbox's own module keeps its options and usage; loading it here would start nothing until run is called.
const sandboxCli = (): typeof import("../sandbox/cli") => require("../sandbox/cli");

export const command: Command = {
  get usage() {
    return sandboxCli().USAGE;
  },
  // The sandbox reports its own usage errors (exit 2) and runs until Ctrl-C; it writes to the process's streams.
  run: (argv) => sandboxCli().main(argv),
};
