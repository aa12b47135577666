/**
 * Process-wide configuration for the provider code the serialized shim loads at call time.
 *
 * The dynamic-provider host deserializes each resource type's shim separately and calls its `configure` once;
 * a host process serves one stack, so every shim sees the same stack config. Keeping the config here (not in
 * the shim's closure) gives all resources of the process one view of it, and through `clientFor` one client,
 * one token and one connection pool per credential set. Credentials never enter the serialized shim.
 */
import { clientFor, type ImmyBotClient } from "./client";
import { resolveSettings, settingKeys, type Settings } from "./client/settings";

const KEYS = Object.entries(settingKeys).map(([key, spec]) => [`immybot:${key}`, spec.env] as const);

/** The provider's stack config (`immybot:*`), read once at configure: a host process serves one stack and one config. */
let stackConfig = new Map<string, string | undefined>();

/** The environment variables the settings may come from: those of the keys the stack config leaves unset or empty. */
let watched: readonly string[] = KEYS.map(([, name]) => name);

/** Called from the shim's `configure` with the host's config object (`get("immybot:clientId")`, ...). */
export function configure(config: { get(key: string): string | undefined }): void {
  stackConfig = new Map(KEYS.map(([key]) => [key, config.get(key)]));
  // A key the stack config sets never reads its variable (resolveSettings): only the others' variables can change the settings.
  watched = KEYS.filter(([key]) => (stackConfig.get(key) ?? "").trim() === "").map(([, name]) => name);
  resolved = undefined;
}

/** The environment variables the settings were resolved with, and the result. */
let resolved: { env: (string | undefined)[]; settings: Settings } | undefined;

/**
 * Settings from stack config, falling back to IMMYBOT_* environment variables; throws one error listing every problem.
 * Every check and every request asks for them: they are resolved (validated, hashed) again only after a configure or
 * when a variable of a key the stack config leaves unset changed.
 */
export function settings(): Settings {
  // Each read of process.env calls into the runtime, and every check asks: only the variables that matter are read.
  if (resolved && watched.every((name, i) => process.env[name] === resolved!.env[i])) return resolved.settings;
  resolved = { env: watched.map((name) => process.env[name]), settings: resolveSettings((key) => stackConfig.get(key), process.env) };
  return resolved.settings;
}

/** The shared client for the configured instance. */
export function client(): ImmyBotClient {
  // A static import: the tests run these sources through vitest, whose loader a lazy `require` of a .ts file
  // bypasses; undici, the client's heavy part, is loaded by the transport with the first request anyway.
  return clientFor(settings());
}
