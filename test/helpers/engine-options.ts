/**
 * What a test can set on the engine harness (test/helpers/engine.ts): the stack, its config and environment, the
 * provider hosts, and the engine's parallelism and error handling.
 */
import { availableParallelism } from "node:os";
import type { ProviderHost } from "./host";

export interface EngineOptions {
  stateFile: string;
  /** Default: a module program's Pulumi.yaml `name`, else "immybot-test". */
  project?: string;
  stack?: string;
  /** Stack config for the program, keys `<namespace>:<key>`. */
  config?: Record<string, string>;
  /** Config keys holding secrets (`pulumi.Config#requireSecret` then returns secrets). */
  secretConfig?: string[];
  /** Environment variables set while the program runs (e.g. IMMYBOT_* for lookups). */
  env?: Record<string, string>;
  /** The provider config each operation's host gets in Configure, `<namespace>:<key>` (e.g. `immybot:baseUrl`). */
  hostConfig?: Record<string, string>;
  /** Keys of hostConfig sent as secrets (as the engine sends secret stack config). */
  hostSecretConfig?: string[];
  /** The environment of each provider host. Default: `env`. */
  hostEnv?: Record<string, string>;
  /** Record each host's gRPC conversation (ProviderHost.traffic). */
  record?: boolean;
  /** Awaited before each call to a host is sent (`method`: "check", "create", ...): a test holds calls back with it. */
  beforeCall?: (method: string) => Promise<void> | void;
  /** Called when an operation's host is started and configured, before its first resource call. */
  onHost?: (host: ProviderHost) => void;
  /** Called when an operation ends, just before its host is stopped (e.g. to read the process's resource usage). */
  beforeHostStop?: (host: ProviderHost) => void;
  /**
   * Take each operation's host from the hosts started ahead in the background (ProviderHost.fresh: a process that
   * has served nothing yet), so the operation does not wait for one to start. Default true; false starts it when
   * needed (the bench: no start running beside the operation it measures).
   */
  prestartHosts?: boolean;
  /** Steps in flight at once (`pulumi up --parallel`). Default 4 x os.availableParallelism(), as recent CLIs. */
  parallel?: number;
  /** Run Diffs on the workers, as PULUMI_PARALLEL_DIFF=true does. Default false: in the step generator, serially. */
  parallelDiff?: boolean;
  /**
   * Keep starting steps after one failed (`pulumi up --continue-on-error`): the resources depending on a failed one
   * are not run, the operation still fails with every error, and nothing is deleted. Default false.
   */
  continueOnError?: boolean;
  /** The passphrase the secrets key is derived from (PULUMI_CONFIG_PASSPHRASE). Default "immybot-test-passphrase". */
  passphrase?: string;
}

/** The CLI's default `--parallel`: four steps per CPU. */
export function defaultParallel(): number {
  return 4 * availableParallelism();
}
