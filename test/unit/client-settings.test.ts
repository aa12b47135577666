import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ImmyBotConfigError } from "../../provider/client/errors";
import { isLoopbackHost, resolveSettings, secretsOf, settingKeys, type Settings } from "../../provider/client/settings";

const SECRET = "s3cr3t-Value~with/odd\"chars";
const TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.pre-issued-token";

function fromConfig(config: Record<string, string>, env: NodeJS.ProcessEnv = {}): Settings {
  return resolveSettings((key) => config[key], env);
}

function problemsOf(config: Record<string, string>, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    fromConfig(config, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ImmyBotConfigError);
    expect((e as ImmyBotConfigError).code).toBe("IMMYBOT_CONFIG");
    return [...(e as ImmyBotConfigError).problems];
  }
  throw new Error("expected an ImmyBotConfigError");
}

const creds = {
  "immybot:instance": "contoso",
  "immybot:clientId": "11111111-2222-3333-4444-555555555555",
  "immybot:clientSecret": SECRET,
  "immybot:azureTenantId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
};

describe("resolveSettings: derived values and defaults", () => {
  it("derives base URL, token URL and scope from instance and tenant", () => {
    const s = fromConfig(creds);
    expect(s).toMatchObject({
      instance: "contoso",
      baseUrl: "https://contoso.immy.bot",
      origin: "https://contoso.immy.bot",
      scope: "https://contoso.immy.bot/.default",
      auth: "clientCredentials",
      tokenUrl: "https://login.microsoftonline.com/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/oauth2/v2.0/token",
      maxConcurrency: 16,
      initialConcurrency: 4,
      requestTimeoutMs: 30_000,
      maxRetries: 4,
    });
    expect(secretsOf(s)).toEqual({ clientSecret: SECRET });
    expect(Object.isFrozen(s)).toBe(true);
  });

  it.each(["contoso", "contoso.immy.bot", "Contoso.Immy.Bot", " contoso "])("accepts the instance as %j", (instance) => {
    expect(fromConfig({ ...creds, "immybot:instance": instance }).baseUrl).toBe("https://contoso.immy.bot");
  });

  it("prefers baseUrl over instance, keeps a path prefix and takes the scope from the origin", () => {
    const s = fromConfig({ ...creds, "immybot:baseUrl": "https://immy.example.com/tenant-a/" });
    expect(s.baseUrl).toBe("https://immy.example.com/tenant-a");
    expect(s.origin).toBe("https://immy.example.com");
    expect(s.scope).toBe("https://immy.example.com/.default");
  });

  it("prefers tokenUrl over the URL derived from azureTenantId, and needs no tenant with it", () => {
    const { "immybot:azureTenantId": _t, ...noTenant } = creds;
    const s = fromConfig({ ...noTenant, "immybot:tokenUrl": "https://login.example.com/t/token" });
    expect(s.tokenUrl).toBe("https://login.example.com/t/token");
    expect(s.azureTenantId).toBeUndefined();
  });

  it("accepts a pre-issued access token instead of client credentials", () => {
    const s = fromConfig({ "immybot:instance": "contoso", "immybot:accessToken": TOKEN });
    expect(s.auth).toBe("accessToken");
    expect(s.tokenUrl).toBeUndefined();
    expect(secretsOf(s)).toEqual({ accessToken: TOKEN });
  });

  it("reads tuning numbers and allows maxRetries 0", () => {
    const s = fromConfig({ ...creds, "immybot:maxConcurrency": "2", "immybot:requestTimeoutMs": "5000", "immybot:maxRetries": "0", "immybot:retryMinDelayMs": "1", "immybot:retryMaxDelayMs": "5" });
    expect(s).toMatchObject({ maxConcurrency: 2, requestTimeoutMs: 5000, maxRetries: 0, retryMinDelayMs: 1, retryMaxDelayMs: 5 });
    // A maxConcurrency the user set is where the adaptive limit starts; unset, it starts at 4 and may grow to 16.
    expect(s.initialConcurrency).toBe(2);
    expect(fromConfig({ ...creds, "immybot:maxConcurrency": "32" })).toMatchObject({ maxConcurrency: 32, initialConcurrency: 32 });
  });

  it("looks for leftovers of interrupted runs within 60 minutes and takes none over unless told to", () => {
    expect(fromConfig(creds)).toMatchObject({ leftoverMinutes: 60, adoptLeftovers: false });
    expect(fromConfig({ ...creds, "immybot:leftoverMinutes": "0" })).toMatchObject({ leftoverMinutes: 0, adoptLeftovers: false });
    expect(fromConfig({ ...creds, "immybot:adoptLeftovers": "TRUE", "immybot:leftoverMinutes": "15" })).toMatchObject({ leftoverMinutes: 15, adoptLeftovers: true });
    expect(fromConfig({ ...creds, "immybot:adoptLeftovers": "false" })).toMatchObject({ adoptLeftovers: false });
  });

  it("refuses adoptLeftovers that is not a boolean, or that has no look to take leftovers from", () => {
    expect(problemsOf({ ...creds, "immybot:adoptLeftovers": "yes" })).toEqual([
      'immybot:adoptLeftovers (IMMYBOT_ADOPT_LEFTOVERS) must be true or false (got "yes"); set it with `pulumi config set immybot:adoptLeftovers true` or IMMYBOT_ADOPT_LEFTOVERS.',
    ]);
    expect(problemsOf({ ...creds, "immybot:adoptLeftovers": "true", "immybot:leftoverMinutes": "0" }).join("\n")).toMatch(/adoptLeftovers.*needs a look for leftovers.*leftoverMinutes.*is 0/);
  });
});

describe("resolveSettings: environment fallback", () => {
  const env = {
    IMMYBOT_INSTANCE: "fabrikam",
    IMMYBOT_CLIENT_ID: "env-client",
    IMMYBOT_CLIENT_SECRET: SECRET,
    IMMYBOT_AZURE_TENANT_ID: "env-tenant.onmicrosoft.com",
    IMMYBOT_MAX_CONCURRENCY: "8",
  };

  it("falls back to IMMYBOT_* variables for every key", () => {
    const s = fromConfig({}, env);
    expect(s).toMatchObject({ baseUrl: "https://fabrikam.immy.bot", clientId: "env-client", azureTenantId: "env-tenant.onmicrosoft.com", maxConcurrency: 8 });
    expect(secretsOf(s).clientSecret).toBe(SECRET);
  });

  it("takes stack config over the environment, key by key", () => {
    const s = fromConfig({ "immybot:instance": "contoso", "immybot:maxConcurrency": "3" }, env);
    expect(s).toMatchObject({ baseUrl: "https://contoso.immy.bot", clientId: "env-client", maxConcurrency: 3 });
  });

  it("treats empty values as unset", () => {
    const s = fromConfig({ "immybot:instance": "", "immybot:clientId": "  " }, env);
    expect(s).toMatchObject({ baseUrl: "https://fabrikam.immy.bot", clientId: "env-client" });
  });

  it("every key has a distinct IMMYBOT_ variable", () => {
    expect(Object.keys(settingKeys).sort()).toEqual(
      ["accessToken", "adoptLeftovers", "azureTenantId", "baseUrl", "clientId", "clientSecret", "instance", "leftoverMinutes", "maxConcurrency", "maxRetries", "requestTimeoutMs", "retryMaxDelayMs", "retryMinDelayMs", "tokenUrl"],
    );
    const vars = Object.values(settingKeys).map((k) => k.env);
    expect(new Set(vars).size).toBe(vars.length);
    for (const v of vars) expect(v).toMatch(/^IMMYBOT_[A-Z_]+$/);
  });
});

describe("resolveSettings: one error listing every problem", () => {
  it("lists the instance, then clientId, clientSecret and azureTenantId in one problem, each fix once, when nothing is set", () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(2);
    const [instance, credentials] = problems as [string, string];
    expect(instance).toContain("pulumi config set immybot:instance");
    expect(instance).toContain("IMMYBOT_INSTANCE");
    expect(instance).toContain("IMMYBOT_BASE_URL");
    expect(credentials).toMatch(/^no credentials are set; set each of them:\n/);
    const count = (text: string) => credentials.split(text).length - 1;
    for (const [key, env] of [["clientId", "IMMYBOT_CLIENT_ID"], ["clientSecret", "IMMYBOT_CLIENT_SECRET"], ["azureTenantId", "IMMYBOT_AZURE_TENANT_ID"], ["tokenUrl", "IMMYBOT_TOKEN_URL"], ["accessToken", "IMMYBOT_ACCESS_TOKEN"]]) {
      expect(count(`pulumi config set ${key === "clientSecret" || key === "accessToken" ? "--secret " : ""}immybot:${key} `), key).toBe(1);
      expect(count(env), env).toBe(1);
    }
    // The alternative comes once, after the list of what to set.
    expect(credentials.split("\n").at(-1)).toMatch(/^ {4}or, instead of client credentials, a pre-issued access token: `pulumi config set --secret immybot:accessToken/);
  });

  it("puts all problems into the one message", () => {
    let err: unknown;
    try {
      fromConfig({});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImmyBotConfigError);
    const { message, problems } = err as ImmyBotConfigError;
    expect(problems).toHaveLength(2);
    expect(message).toMatch(/^ImmyBot provider configuration has 2 problems:\n/);
    for (const p of problems) expect(message).toContain(p);
  });

  it("lists only what is missing from partial client credentials", () => {
    const problems = problemsOf({ "immybot:instance": "contoso", "immybot:clientId": "x" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^client credentials are incomplete; set each of them:\n {6}immybot:clientSecret: .*\n {6}immybot:azureTenantId: /);
    expect(problems[0]).not.toContain("immybot:clientId:");
  });

  it("collects every invalid value at once", () => {
    const problems = problemsOf({
      "immybot:instance": "https://contoso.immy.bot",
      "immybot:clientId": "x",
      "immybot:clientSecret": SECRET,
      "immybot:tokenUrl": "ftp://login.example.com/token",
      "immybot:maxConcurrency": "0",
      "immybot:requestTimeoutMs": "1.5",
      "immybot:maxRetries": "-1",
      "immybot:retryMinDelayMs": "abc",
    });
    expect(problems).toHaveLength(6);
    expect(problems.join("\n")).toMatch(/immybot:instance \(IMMYBOT_INSTANCE\) must be the instance's subdomain.*immybot:baseUrl/);
    expect(problems.join("\n")).toMatch(/immybot:tokenUrl \(IMMYBOT_TOKEN_URL\) must be an https:\/\/ URL/);
    expect(problems.join("\n")).toMatch(/immybot:maxConcurrency \(IMMYBOT_MAX_CONCURRENCY\) must be a positive integer \(got "0"\)/);
    expect(problems.join("\n")).toMatch(/immybot:requestTimeoutMs \(IMMYBOT_REQUEST_TIMEOUT_MS\) must be a positive integer \(got "1.5"\)/);
    expect(problems.join("\n")).toMatch(/immybot:maxRetries \(IMMYBOT_MAX_RETRIES\) must be a non-negative integer/);
    expect(problems.join("\n")).toMatch(/immybot:retryMinDelayMs \(IMMYBOT_RETRY_MIN_DELAY_MS\) must be a positive integer/);
  });

  it("refuses an access token together with a client secret", () => {
    const problems = problemsOf({ ...creds, "immybot:accessToken": TOKEN });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/both immybot:accessToken .* and immybot:clientSecret .* are set/);
  });

  it("refuses a base URL that includes /api/v1, a query, or credentials", () => {
    expect(problemsOf({ ...creds, "immybot:baseUrl": "https://contoso.immy.bot/api/v1" })[0]).toContain("without the API path");
    expect(problemsOf({ ...creds, "immybot:baseUrl": "https://contoso.immy.bot/?x=1" })[0]).toContain("query");
    expect(problemsOf({ ...creds, "immybot:baseUrl": "https://u:p@contoso.immy.bot" })[0]).toContain("user name or password");
    expect(problemsOf({ ...creds, "immybot:baseUrl": "not a url" })[0]).toContain("not a valid URL");
  });

  it("refuses a maximum retry delay below the minimum", () => {
    expect(problemsOf({ ...creds, "immybot:retryMinDelayMs": "100", "immybot:retryMaxDelayMs": "10" })[0]).toContain("must not be smaller");
  });

  it("refuses a malformed tenant id", () => {
    expect(problemsOf({ ...creds, "immybot:azureTenantId": "a/b" })[0]).toContain("immybot:azureTenantId (IMMYBOT_AZURE_TENANT_ID) must be an Entra tenant id");
  });
});

/**
 * Host names as `new URL(...)` gives them for `http://<host>:8080/`. A name that only starts or ends like a loopback
 * address is someone else's host (DNS can point `127.0.0.1.example.com` anywhere): plain http to it would send the
 * credentials unencrypted over the network.
 */
const LOOPBACK_TABLE: [host: string, loopback: boolean][] = [
  ["127.0.0.1", true],
  ["127.5.6.7", true],
  ["127.255.255.255", true],
  ["localhost", true],
  ["LocalHost", true],
  ["[::1]", true],
  ["[0:0:0:0:0:0:0:1]", true],
  ["127.0.0.1.example.com", false],
  ["127.0.0.1evil.com", false],
  ["localhost.evil.com", false],
  ["evil-localhost", false],
  ["localhost.", false],
  ["[::2]", false],
  ["[::1:0]", false],
  ["128.0.0.1", false],
  ["10.0.0.5", false],
  ["0.0.0.0", false],
  ["contoso.immy.bot", false],
];

describe("isLoopbackHost", () => {
  it("covers loopback and look-alike hosts", () => {
    expect(LOOPBACK_TABLE.filter(([, loopback]) => loopback).length).toBeGreaterThanOrEqual(5);
    expect(LOOPBACK_TABLE.filter(([, loopback]) => !loopback).length).toBeGreaterThanOrEqual(5);
  });

  it.each(LOOPBACK_TABLE)("%s: loopback %s", (host, loopback) => {
    expect(isLoopbackHost(new URL(`http://${host}:8080/`).hostname)).toBe(loopback);
  });

  // Names no URL yields (a host ending in a number is parsed as IPv4; hosts are lower-cased), for callers that pass others.
  it.each([
    ["x127.0.0.1", false],
    ["LOCALHOST", true],
    ["::1", true],
  ] as const)("%s as given: loopback %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it.each(LOOPBACK_TABLE)("baseUrl and tokenUrl http://%s: accepted %s", (host, loopback) => {
    const baseUrl = `http://${host}:8080`;
    const tokenUrl = `http://${host}:8080/t/oauth2/v2.0/token`;
    const canonical = (url: string) => new URL(url).href.replace(/\/$/, "");
    if (loopback) {
      const s = fromConfig({ ...creds, "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl });
      expect(s.baseUrl).toBe(canonical(baseUrl));
      expect(s.tokenUrl).toBe(canonical(tokenUrl));
    } else {
      const problems = problemsOf({ ...creds, "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl });
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(/^immybot:baseUrl \(IMMYBOT_BASE_URL\) uses plain http:\/\/ to .*use https:\/\//);
      expect(problems[1]).toMatch(/^immybot:tokenUrl \(IMMYBOT_TOKEN_URL\) uses plain http:\/\/ to .*use https:\/\//);
    }
  });
});

describe("resolveSettings: plain http only for loopback", () => {
  it.each(["http://contoso.immy.bot", "http://10.0.0.5:8080", "http://128.0.0.1"])("refuses baseUrl %s", (url) => {
    const problems = problemsOf({ ...creds, "immybot:baseUrl": url });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/immybot:baseUrl \(IMMYBOT_BASE_URL\) uses plain http:\/\/.*use https:\/\//);
  });

  it.each(["http://127.0.0.1:8080", "http://127.5.6.7", "http://localhost:3000/prefix", "http://[::1]:9000"])("accepts baseUrl %s", (url) => {
    expect(fromConfig({ ...creds, "immybot:baseUrl": url }).baseUrl).toBe(url.replace(/\/$/, ""));
  });

  it("refuses an http token URL unless it is loopback", () => {
    expect(problemsOf({ ...creds, "immybot:tokenUrl": "http://login.example.com/token" })[0]).toContain("immybot:tokenUrl (IMMYBOT_TOKEN_URL) uses plain http://");
    expect(fromConfig({ ...creds, "immybot:tokenUrl": "http://127.0.0.1:1/t/token" }).tokenUrl).toBe("http://127.0.0.1:1/t/token");
  });
});

describe("Settings never show a secret", () => {
  const withSecret = fromConfig(creds);
  const withToken = fromConfig({ "immybot:instance": "contoso", "immybot:accessToken": TOKEN });

  it.each([
    ["JSON.stringify", (s: Settings) => JSON.stringify(s)],
    ["util.inspect (showHidden)", (s: Settings) => inspect(s, { showHidden: true, depth: 10, getters: true })],
    ["String()", (s: Settings) => String(s)],
    ["template", (s: Settings) => `${JSON.stringify(Object.entries(s))}`],
  ])("%s", (_name, show) => {
    for (const s of [withSecret, withToken]) {
      const text = show(s);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(TOKEN);
    }
  });

  it("keys and fingerprint hold no secret", () => {
    expect(Object.keys(withSecret)).not.toContain("clientSecret");
    expect(withSecret.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it("no configuration problem quotes a secret, even next to other problems", () => {
    const problems = problemsOf({ "immybot:clientSecret": SECRET, "immybot:accessToken": TOKEN, "immybot:maxRetries": "x" });
    expect(problems.join("\n")).not.toContain(SECRET);
    expect(problems.join("\n")).not.toContain(TOKEN);
  });
});

describe("Settings fingerprint", () => {
  it("is equal for equal settings and differs when the instance, the client or the secret differs", () => {
    const a = fromConfig(creds).fingerprint;
    expect(fromConfig({ ...creds }).fingerprint).toBe(a);
    expect(fromConfig({}, { IMMYBOT_INSTANCE: "contoso", IMMYBOT_CLIENT_ID: creds["immybot:clientId"], IMMYBOT_CLIENT_SECRET: SECRET, IMMYBOT_AZURE_TENANT_ID: creds["immybot:azureTenantId"] }).fingerprint).toBe(a);
    expect(fromConfig({ ...creds, "immybot:clientSecret": `${SECRET}x` }).fingerprint).not.toBe(a);
    expect(fromConfig({ ...creds, "immybot:instance": "fabrikam" }).fingerprint).not.toBe(a);
    expect(fromConfig({ ...creds, "immybot:clientId": "other" }).fingerprint).not.toBe(a);
    expect(fromConfig({ ...creds, "immybot:maxConcurrency": "2" }).fingerprint).not.toBe(a);
  });

  it("secretsOf refuses objects not made by resolveSettings", () => {
    expect(() => secretsOf({ ...fromConfig(creds) })).toThrow(TypeError);
  });
});
