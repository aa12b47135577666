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

type ConfigGetter = (key: string) => string | undefined;

let stackConfig: ConfigGetter = () => undefined;

/** Called from the shim's `configure` with the host's config object (`get("immybot:clientId")`, ...). */
export function configure(config: { get(key: string): string | undefined }): void {
  stackConfig = (key) => config.get(key);
  resolved = undefined;
}

const KEYS = Object.entries(settingKeys).map(([key, spec]) => [`immybot:${key}`, spec.env] as const);

/** The raw values (config, then environment, per key) the settings were resolved from, and the result. */
let resolved: { raw: (string | undefined)[]; settings: Settings } | undefined;

/**
 * Settings from stack config, falling back to IMMYBOT_* environment variables; throws one error listing every problem.
 * Every check and every request asks for them: they are resolved (validated, hashed) again only when a raw value changed.
 */
export function settings(): Settings {
  const raw = KEYS.flatMap(([key, env]) => [stackConfig(key), process.env[env]]);
  if (!resolved || raw.some((v, i) => v !== resolved!.raw[i])) resolved = { raw, settings: resolveSettings(stackConfig, process.env) };
  return resolved.settings;
}

/** The shared client for the configured instance. */
export function client(): ImmyBotClient {
  return clientFor(settings());
}
