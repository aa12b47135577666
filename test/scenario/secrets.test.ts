/**
 * The whole-run secret scan (issue 6): a program with a Deployment whose parameters hold a password from secret
 * stack config and a MaintenanceSession that follows it, through `up`, `refresh`, a no-change `up`, `preview`, a
 * change of the password, and failures that produce error messages (a check failure on a mistyped secret
 * argument, ImmyBot answering 400 to a deployment write, a session that fails, wrong credentials at the token
 * endpoint or the API, in the program's lookups and in the host). Once per way of authenticating: the client
 * secret as secret stack config (sent in Configure), the client secret in IMMYBOT_CLIENT_SECRET, and a pre-issued
 * access token in IMMYBOT_ACCESS_TOKEN.
 *
 * Then every secret (the client secret, a wrong one, both passwords, every access token the sandbox issued, a bogus
 * token) is searched for in everything the run left behind: the state file after each step, every `__provider`,
 * every resource's stored inputs and outputs, the stack outputs, the stdout and stderr of every provider host (each
 * operation starts its own), every error message (the engine's and the host's), and the recorded gRPC traffic. None is there in plain text, with one exception
 * that is asserted exactly rather than ignored: the engine sends the host secret inputs unwrapped, because Pulumi's
 * Node dynamic-provider host answers Configure with acceptSecrets=false (the real engine does the same). So a
 * password may appear in an engine->host request only under a `parameters` property, and in a host->engine answer
 * only wrapped as a secret; a client secret given as stack config appears only in each host's Configure request, in
 * the RPC secret form; access tokens appear nowhere.
 *
 * Every search can fail: the scan finds a planted value, the password does reach ImmyBot and the revealed state,
 * the traffic and the logs are not empty, and the client secret given as config is found exactly where expected.
 */
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../../sandbox/server";
import { Engine, EngineError, type RunResult } from "../helpers/engine";
import { REPO, type ProviderHost } from "../helpers/host";
import { SECRET_SIG, SIG_KEY } from "../../provider/secrets";
import { pulumi } from "../helpers/program";
import { tokenFor } from "../helpers/sandbox-http";
import { useTempDir } from "../helpers/temp-dir";

const require = createRequire(__filename);
const sdk = () => require(join(REPO, "dist/sdk/index.js"));
const tmp = useTempDir("secrets-scenario-");

const PROJECT = "secrets-test";
const PASSWORD = "BIOS-first-pa55word-7q1";
const NEXT_PASSWORD = "BIOS-second-pa55word-9z4";
const WRONG_SECRET = "wrong-client-secret-Xk29Pq";
const BOGUS_TOKEN = "bogus-access-token-Vt83Lm";

let sandbox: Sandbox;
let preIssuedToken: string;

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0, sessionTimeScale: 100, sessionEnqueueDelayMs: 100 });
  preIssuedToken = await tokenFor(sandbox.info);
});

afterAll(async () => {
  await sandbox?.stop();
});

// ---- the program ----------------------------------------------------------------------------------------------

interface Variant {
  /** Config key of the password: "biosPassword" or "nextPassword". */
  passwordKey?: string;
  /** Resolve the task and the computer by name (in the program's process, with the program's credentials). */
  lookups?: boolean;
  /** The whole parameters argument is the password (a check failure that would quote it). */
  parametersAsPassword?: boolean;
  /** A misspelt parameter name: ImmyBot answers 400. */
  misspelt?: boolean;
  /** Run on this computer instead (8 fails). */
  computer?: number;
}

/** `seen` gets whether the Deployment's parameters output reached the program as a secret. */
function program(v: Variant = {}, seen?: Promise<boolean>[]) {
  return () => {
    const immybot = sdk();
    const config = new pulumi.Config();
    const password = config.requireSecret(v.passwordKey ?? "biosPassword");
    const lookups = v.lookups ?? true;
    const task = lookups ? immybot.getMaintenanceTaskOutput({ name: "Set BIOS password" }) : { id: "7" };
    const pc = lookups ? immybot.getComputerOutput({ name: "CONTOSO-WS001", tenantId: 2 }) : { id: 6 };
    const parameters = v.parametersAsPassword ? password : { AdminPassword: password, Enforce: true, ...(v.misspelt ? { AdminPasword: password } : {}) };
    const bios = new immybot.Deployment("bios-password", {
      task: { id: task.id, scope: "Local", mode: "Enforce" },
      parameters,
      targetType: "Computer",
      target: pulumi.output(pc.id).apply(String),
    });
    const run = new immybot.MaintenanceSession("bios-now", { deployment: bios, computers: [v.computer ?? pc.id], triggers: [bios.updatedAt], timeout: "2m" });
    seen?.push(pulumi.isSecret(bios.parameters));
    return { deploymentId: bios.id, runResult: run.result, parameters: bios.parameters, password };
  };
}

// ---- how the run authenticates ---------------------------------------------------------------------------------

interface Credentials {
  /** The host's environment and its Configure arguments (keys in hostSecretConfig sent as secrets). */
  hostEnv: Record<string, string>;
  hostConfig: Record<string, string>;
  hostSecretConfig: string[];
  /** The program's stack config (besides the passwords) and environment, for its lookups. */
  config: Record<string, string>;
  secretConfig: string[];
  env: Record<string, string>;
}

interface Mode {
  title: string;
  good(): Credentials;
  /** The same with a wrong secret (or token). */
  wrong(): Credentials;
  /** Values given as secret stack config to the host: each may appear once, wrapped, in that host's Configure. */
  configSecret?: string;
}

const clientConfig = (secret: string) => ({
  "immybot:baseUrl": sandbox.info.baseUrl,
  "immybot:tokenUrl": sandbox.info.tokenUrl,
  "immybot:clientId": sandbox.info.clientId,
  "immybot:clientSecret": secret,
});
const clientEnv = (secret: string) => ({
  IMMYBOT_BASE_URL: sandbox.info.baseUrl,
  IMMYBOT_TOKEN_URL: sandbox.info.tokenUrl,
  IMMYBOT_CLIENT_ID: sandbox.info.clientId,
  IMMYBOT_CLIENT_SECRET: secret,
});
const tokenEnv = (token: string) => ({ IMMYBOT_BASE_URL: sandbox.info.baseUrl, IMMYBOT_ACCESS_TOKEN: token });

const asConfig = (secret: string): Credentials => ({
  hostEnv: {},
  hostConfig: clientConfig(secret),
  hostSecretConfig: ["immybot:clientSecret"],
  config: clientConfig(secret),
  secretConfig: ["immybot:clientSecret"],
  env: {},
});
const asEnv = (env: Record<string, string>): Credentials => ({ hostEnv: env, hostConfig: {}, hostSecretConfig: [], config: {}, secretConfig: [], env });

const MODES: Mode[] = [
  { title: "the client secret as secret stack config (Configure)", good: () => asConfig(sandbox.info.clientSecret), wrong: () => asConfig(WRONG_SECRET), configSecret: "client" },
  { title: "the client secret in IMMYBOT_CLIENT_SECRET", good: () => asEnv(clientEnv(sandbox.info.clientSecret)), wrong: () => asEnv(clientEnv(WRONG_SECRET)) },
  { title: "a pre-issued access token in IMMYBOT_ACCESS_TOKEN", good: () => asEnv(tokenEnv(preIssuedToken)), wrong: () => asEnv(tokenEnv(BOGUS_TOKEN)) },
];

/** An engine whose every operation starts a host with these credentials, recording its gRPC traffic. */
function engineFor(c: Credentials, stateFile: string): Engine {
  return new Engine({
    hostConfig: c.hostConfig,
    hostSecretConfig: c.hostSecretConfig,
    hostEnv: c.hostEnv,
    record: true,
    stateFile,
    project: PROJECT,
    config: { ...c.config, [`${PROJECT}:biosPassword`]: PASSWORD, [`${PROJECT}:nextPassword`]: NEXT_PASSWORD },
    secretConfig: [...c.secretConfig, `${PROJECT}:biosPassword`, `${PROJECT}:nextPassword`],
    env: c.env,
  });
}

// ---- what a run leaves behind, and the scan ----------------------------------------------------------------------

interface Artifact {
  where: string;
  text: string;
}

/** Where each secret occurs in plain text: as is, JSON-escaped, or URL-encoded (as a form body would carry it). */
function scan(artifacts: readonly Artifact[], secrets: Readonly<Record<string, string>>): string[] {
  const hits: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    const forms = [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])];
    for (const a of artifacts) if (forms.some((f) => a.text.includes(f))) hits.push(`${name} in ${a.where}`);
  }
  return hits;
}

interface Message {
  dir: "request" | "response" | "error";
  method: string;
  body: unknown;
}

function parseTraffic(host: Pick<ProviderHost, "traffic">): Message[] {
  return host.traffic.map((line) => {
    const m = /^(request|response|error) (\w+) (.*)$/s.exec(line);
    if (!m) throw new Error(`unparsable traffic line: ${line.slice(0, 80)}`);
    return { dir: m[1] as Message["dir"], method: m[2]!, body: JSON.parse(m[3]!) };
  });
}

/** Every place in `v` holding `needle` (in a string or a key): its path, and whether it sits inside a secret wrapper. */
function occurrences(v: unknown, needle: string, path: string[] = [], wrapped = false): { path: string; wrapped: boolean }[] {
  if (typeof v === "string") return v.includes(needle) ? [{ path: path.join("."), wrapped }] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => occurrences(x, needle, [...path, String(i)], wrapped));
  if (v && typeof v === "object") {
    const isSecret = (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
    return Object.entries(v).flatMap(([k, x]) => [
      ...(k.includes(needle) ? [{ path: [...path, k].join("."), wrapped }] : []),
      ...occurrences(x, needle, [...path, k], wrapped || isSecret),
    ]);
  }
  return [];
}

/** Each occurrence of `needle` in the traffic: `<dir> <method> <path>` (+ " (wrapped)" inside a secret). */
function trafficOccurrences(messages: readonly Message[], needle: string): string[] {
  return messages.flatMap((m) => occurrences(m.body, needle).map((o) => `${m.dir} ${m.method} ${o.path}${o.wrapped ? " (wrapped)" : ""}`));
}

// ---- the runs ----------------------------------------------------------------------------------------------------

const ops = (r: RunResult) => r.steps.map((s) => `${s.op} ${s.name}`).sort();

describe("the whole-run secret scan", () => {
  it("the scan finds a value planted in any form, and only where it is", () => {
    const artifacts = [
      { where: "clean", text: "nothing to see" },
      { where: "planted", text: `xx${PASSWORD}yy` },
      { where: "planted as JSON", text: JSON.stringify({ v: 'a"b' }) },
      { where: "planted URL-encoded", text: `client_secret=${encodeURIComponent("p+q/r")}` },
    ];
    expect(scan(artifacts, { password: PASSWORD, quoted: 'a"b', encoded: "p+q/r" })).toEqual(["password in planted", "quoted in planted as JSON", "encoded in planted URL-encoded"]);
    const message = { dir: "response" as const, method: "check", body: { inputs: { parameters: { [SIG_KEY]: SECRET_SIG, value: { AdminPassword: { value: PASSWORD } } }, notes: PASSWORD } } };
    expect(trafficOccurrences([message], PASSWORD)).toEqual(["response check inputs.parameters.value.AdminPassword.value (wrapped)", "response check inputs.notes"]);
  });

  for (const mode of MODES) {
    it(`leaves no secret in plain text with ${mode.title}`, async () => {
      const good = mode.good();
      const n = MODES.indexOf(mode);
      const stateFile = tmp(`stack-${n}.json`);
      const tokensBefore = sandbox.issuedTokens().length;
      const engine = engineFor(good, stateFile);
      const artifacts: Artifact[] = [];
      const errors: string[] = [];

      /** The state file, every `__provider`, every resource's stored inputs and outputs, and the stack outputs, now. */
      const snapshot = (label: string, e: Engine = engine, file = stateFile, result?: RunResult) => {
        if (existsSync(file)) artifacts.push({ where: `state file after ${label}`, text: readFileSync(file, "utf8") });
        for (const r of e.resources) {
          for (const [side, props] of [["inputs", r.inputs], ["outputs", r.outputs]] as const) {
            if (props.__provider !== undefined) artifacts.push({ where: `__provider of ${r.urn} (${side}) after ${label}`, text: String(props.__provider) });
            artifacts.push({ where: `${side} of ${r.urn} after ${label}`, text: JSON.stringify(props) });
          }
        }
        artifacts.push({ where: `stack outputs after ${label}`, text: JSON.stringify(e.outputs) });
        if (result) artifacts.push({ where: `outputs of ${label}`, text: JSON.stringify(result.outputs) });
      };
      const failing = async (label: string, p: Promise<unknown>, expected: RegExp, e: Engine = engine, file = stateFile) => {
        const error = await p.then(
          () => undefined,
          (x: unknown) => x,
        );
        expect(error, label).toBeInstanceOf(EngineError);
        const ee = error as EngineError;
        errors.push(ee.message, ...ee.errors);
        expect(ee.message, label).toMatch(expected);
        snapshot(label, e, file);
        return ee;
      };

      // up: the password reaches ImmyBot (which keeps it in clear text) and the run passes.
      const seen: Promise<boolean>[] = [];
      const up = await engine.up(program({}, seen));
      snapshot("up", engine, stateFile, up);
      expect(ops(up)).toEqual(["create bios-now", "create bios-password"]);
      const deploymentId = Number(engine.resource("bios-password")!.id);
      expect(sandbox.deployment(deploymentId)?.taskParameterValues).toMatchObject({ AdminPassword: { value: PASSWORD }, Enforce: { value: true } });
      expect(engine.reveal(up.outputs)).toMatchObject({ runResult: "Succeeded", password: PASSWORD, parameters: { AdminPassword: { value: PASSWORD } } });
      // Secret stack outputs and the parameters are stored encrypted, and reach the program as secrets.
      const sealed = { [SIG_KEY]: SECRET_SIG, ciphertext: expect.stringMatching(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/) };
      expect(up.outputs).toMatchObject({ runResult: "Succeeded", password: sealed, parameters: sealed });
      const stored = engine.resource("bios-password")!;
      expect(stored).toMatchObject({ inputs: { parameters: sealed }, outputs: { parameters: sealed }, additionalSecretOutputs: ["parameters"] });
      expect(engine.reveal(stored.inputs.parameters)).toMatchObject({ AdminPassword: { value: PASSWORD } });
      expect(JSON.parse(readFileSync(stateFile, "utf8")).encryptionsalt).toMatch(/^v1:[^:]+:v1:/);
      expect(await Promise.all(seen)).toEqual([true]);

      // refresh, and a second up that changes nothing.
      const refreshed = await engine.refresh();
      snapshot("refresh", engine, stateFile, refreshed);
      expect(ops(refreshed)).toEqual(["refresh bios-now", "refresh bios-password"]);
      expect(engine.resource("bios-password")!.outputs.parameters).toEqual(stored.outputs.parameters); // an unchanged secret keeps its ciphertext
      const again = await engine.up(program());
      snapshot("no-change up", engine, stateFile, again);
      expect(ops(again)).toEqual(["same bios-now", "same bios-password"]);

      // preview, then the change: a new password is written, and the run follows the deployment.
      const preview = await engine.preview(program({ passwordKey: "nextPassword" }));
      snapshot("preview", engine, stateFile, preview);
      expect(ops(preview)).toEqual(["delete-replaced bios-now", "replace bios-now", "update bios-password"]);
      const changed = await engine.up(program({ passwordKey: "nextPassword" }));
      snapshot("change", engine, stateFile, changed);
      expect(ops(changed)).toEqual(["delete-replaced bios-now", "replace bios-now", "update bios-password"]);
      expect(sandbox.deployment(deploymentId)?.taskParameterValues).toMatchObject({ AdminPassword: { value: NEXT_PASSWORD } });
      expect(engine.reveal(changed.outputs)).toMatchObject({ runResult: "Succeeded", password: NEXT_PASSWORD });

      // Failures with messages: a check failure on the password given as the whole parameters argument (the
      // message would quote it), ImmyBot's 400 to a write, a session that fails.
      const check = await failing("a check failure", engine.up(program({ passwordKey: "nextPassword", parametersAsPassword: true })), /parameters: must be an object of parameter values by name/);
      expect(check.message).toContain("[REDACTED]");
      await failing("a 400 from ImmyBot", engine.up(program({ passwordKey: "nextPassword", misspelt: true })), /400 Bad Request.*"AdminPasword"/);
      await failing("a failed session", engine.up(program({ passwordKey: "nextPassword", computer: 8 })), /Failed/);
      expect(engine.resource("bios-now")!.initErrors?.length).toBeGreaterThan(0);

      // Wrong credentials: in the program's lookups (in this process), at the host's create, and at its refresh
      // (a read error, which the host also prints to stderr).
      const wrong = mode.wrong();
      const lookupState = tmp(`wrong-lookups-${n}.json`);
      const lookupEngine = engineFor(wrong, lookupState);
      await failing("wrong credentials in the lookups", lookupEngine.up(program()), /401|token|credential/i, lookupEngine, lookupState);
      const createState = tmp(`wrong-create-${n}.json`);
      const createEngine = engineFor(wrong, createState);
      await failing("wrong credentials at create", createEngine.up(program({ lookups: false })), /bios-password: [\s\S]*(401|token|credential)/i, createEngine, createState);
      const refreshState = tmp(`wrong-refresh-${n}.json`);
      copyFileSync(stateFile, refreshState);
      const refreshEngine = engineFor(wrong, refreshState);
      const refreshError = await failing("wrong credentials at refresh", refreshEngine.refresh(), /401|token|credential/i, refreshEngine, refreshState);
      expect(refreshError.host?.logs.stderr).toMatch(/401|token|credential/i);

      const destroyed = await engine.destroy();
      snapshot("destroy", engine, stateFile, destroyed);
      expect(sandbox.deployment(deploymentId)).toBeUndefined();

      // ---- the scan ----
      const secrets: Record<string, string> = {
        "client secret": sandbox.info.clientSecret,
        "wrong client secret": WRONG_SECRET,
        password: PASSWORD,
        "next password": NEXT_PASSWORD,
        "bogus token": BOGUS_TOKEN,
        "pre-issued token": preIssuedToken,
        ...Object.fromEntries(sandbox.issuedTokens().map((t, i) => [`issued token ${i + 1}`, t])),
      };
      // In client-credentials mode the provider and the lookups obtained their own tokens: searched too.
      if (mode.title.includes("client secret")) expect(sandbox.issuedTokens().length).toBeGreaterThan(tokensBefore);
      for (const s of Object.values(secrets)) expect(s.length).toBeGreaterThanOrEqual(16);

      // Every operation had a host of its own: the good credentials' hosts, and the wrong ones' (none for the lookups,
      // which fail in the program before any resource registers).
      const hosts = { host: engine.hosts, "wrong host": [createEngine, refreshEngine, lookupEngine].flatMap((e) => e.hosts) };
      expect(hosts.host).toHaveLength(9); // up, refresh, up, preview, up, three failed ups, destroy
      expect(hosts["wrong host"]).toHaveLength(2);
      expect(new Set([...hosts.host, ...hosts["wrong host"]].map((h) => h.pid)).size).toBe(11);
      const traffic = Object.entries(hosts).flatMap(([label, hs]) => hs.map((h, i) => ({ label, i, messages: parseTraffic(h) })));
      for (const [label, hs] of Object.entries(hosts)) {
        for (const [i, h] of hs.entries()) {
          artifacts.push({ where: `${label} ${i + 1} stdout`, text: h.logs.stdout }, { where: `${label} ${i + 1} stderr`, text: h.logs.stderr });
          // Positive control: the logs are there to be searched (each host printed its port).
          expect(h.logs.stdout).toMatch(/^\d+\s*$/m);
        }
      }
      for (const { label, i, messages } of traffic) {
        for (const m of messages.filter((x) => x.dir === "error")) artifacts.push({ where: `${label} ${i + 1} error answer to ${m.method}`, text: JSON.stringify(m.body) });
      }
      artifacts.push(...errors.map((text, i) => ({ where: `error message ${i + 1}`, text })));
      // Positive controls: the artifacts are there to be searched.
      expect(errors.length).toBeGreaterThanOrEqual(5);
      expect(artifacts.filter((a) => a.where.startsWith("__provider")).length).toBeGreaterThan(0);
      expect(artifacts.filter((a) => a.where.includes("error answer")).length).toBeGreaterThanOrEqual(4);

      // Nothing in plain text in the state, __provider, outputs, logs or error messages.
      expect(scan(artifacts, secrets)).toEqual([]);

      // The traffic, with its one exception.
      const allTraffic = traffic.flatMap((t) => t.messages);
      expect(allTraffic.length).toBeGreaterThan(20);
      for (const [name, password] of [["password", PASSWORD], ["next password", NEXT_PASSWORD]] as const) {
        const found = trafficOccurrences(allTraffic, password);
        // Requests carry it plain, only as a Deployment parameter; answers only wrapped, as the parameters; errors never.
        const requests = found.filter((f) => f.startsWith("request "));
        const answers = found.filter((f) => f.startsWith("response "));
        expect(found.filter((f) => !f.startsWith("request ") && !f.startsWith("response ")), name).toEqual([]);
        expect(requests.filter((f) => !/^request (check|diff|create|read|update|delete) (news|olds|properties|inputs|oldInputs)\.parameters(\.\S+)?$/.test(f)), name).toEqual([]);
        expect(answers.filter((f) => !/^response (check|create|read|update) (inputs|properties)\.parameters\.value(\.\S+)? \(wrapped\)$/.test(f)), name).toEqual([]);
        // ... and it is really there (the search can fail).
        expect(requests, name).toContain(name === "password" ? "request create properties.parameters.AdminPassword.value" : "request update news.parameters.AdminPassword.value");
        expect(answers, name).toContain("response check inputs.parameters.value.AdminPassword.value (wrapped)");
        expect(answers.some((f) => f.startsWith("response create properties.parameters.value.AdminPassword.value")) || answers.some((f) => f.startsWith("response update properties.parameters.value.AdminPassword.value")), name).toBe(true);
      }
      // The client secret (right or wrong) given as stack config: once per host it was given to, wrapped, in that
      // host's Configure request; otherwise nowhere.
      for (const [name, secret, owner] of [["client secret", sandbox.info.clientSecret, "host"], ["wrong client secret", WRONG_SECRET, "wrong host"]] as const) {
        for (const t of traffic) {
          const expected = mode.configSecret && t.label === owner ? ["request configure args.immybot:clientSecret.value (wrapped)"] : [];
          expect(trafficOccurrences(t.messages, secret), `${name} in ${t.label} ${t.i + 1}`).toEqual(expected);
        }
      }
      // Access tokens: nowhere in the traffic.
      for (const [name, token] of Object.entries(secrets).filter(([k]) => k.includes("token"))) {
        expect(trafficOccurrences(allTraffic, token), name).toEqual([]);
      }
      // Nine whole operations, each with a provider host of its own: about 8 s idle, 14-19 s beside two CPU-bound
      // processes; the default 30 s was reached on a busier machine.
    }, 90_000);
  }
});
