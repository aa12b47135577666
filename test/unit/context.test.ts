/**
 * The provider's settings as every check and request asks for them (provider/context.ts): resolved once per stack
 * config, and again when an IMMYBOT_* variable that can still matter changes (a key the stack config sets never
 * reads its variable).
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { configure, settings } from "../../provider/context";

const CONFIG: Record<string, string> = {
  "immybot:baseUrl": "https://contoso.immy.bot",
  "immybot:tokenUrl": "https://login.example/token",
  "immybot:clientId": "from-config",
  "immybot:clientSecret": "secret",
};
const VARIABLES = ["IMMYBOT_CLIENT_ID", "IMMYBOT_MAX_CONCURRENCY"];
const saved = Object.fromEntries(VARIABLES.map((v) => [v, process.env[v]]));

// Test files share a process: the next one finds the provider's context as a fresh host would.
afterAll(() => configure({ get: () => undefined }));

afterEach(() => {
  for (const v of VARIABLES) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
});

describe("settings", () => {
  it("are resolved again when a variable of a key the stack config leaves unset changes, and only then", () => {
    for (const v of VARIABLES) delete process.env[v];
    configure({ get: (key) => CONFIG[key] });
    const first = settings();
    expect(first.clientId).toBe("from-config");
    expect(settings()).toBe(first);
    // The stack config sets clientId: its variable never counts.
    process.env.IMMYBOT_CLIENT_ID = "from-env";
    expect(settings()).toBe(first);
    // maxConcurrency is not in the stack config: its variable does.
    process.env.IMMYBOT_MAX_CONCURRENCY = "7";
    const second = settings();
    expect(second).not.toBe(first);
    expect(second.maxConcurrency).toBe(7);
    expect(second.clientId).toBe("from-config");
    expect(settings()).toBe(second);
  });

  it("take a variable for a key the stack config gives empty (an empty value counts as unset)", () => {
    for (const v of VARIABLES) delete process.env[v];
    configure({ get: (key) => (key === "immybot:clientId" ? "  " : CONFIG[key]) });
    process.env.IMMYBOT_CLIENT_ID = "from-env";
    expect(settings().clientId).toBe("from-env");
    process.env.IMMYBOT_CLIENT_ID = "changed";
    expect(settings().clientId).toBe("changed");
  });
});
