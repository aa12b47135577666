/**
 * Drives a Node policy pack as the Pulumi CLI does, with no CLI: `pulumi-analyzer-policy` runs
 * `node node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine address> .` in the pack's directory; the pack's
 * `new PolicyPack(...)` serves the analyzer over gRPC and prints its port; the engine then calls GetAnalyzerInfo,
 * Configure, Analyze (each resource's checked inputs) and AnalyzeStack (every resource). Here the pack runs in a
 * scratch copy of the given directory whose node_modules link to this checkout (pulumi-immybot) and its copies of
 * @pulumi/policy and @pulumi/pulumi, as a user's installed pack has them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "./host";

const nodeRequire = createRequire(__filename);
const grpc = nodeRequire("@grpc/grpc-js");
const services = nodeRequire("@pulumi/pulumi/proto/analyzer_grpc_pb");
const messages = nodeRequire("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = nodeRequire("google-protobuf/google/protobuf/struct_pb");
const { Empty } = nodeRequire("google-protobuf/google/protobuf/empty_pb");

/** The pack's start includes ts-node compiling (and type-checking) index.ts: generous for a loaded machine. */
const START_TIMEOUT_MS = 120_000;

/** One resource as the engine sends it: type token, name, properties (with UNKNOWN where not known yet). */
export interface AnalyzedResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  /** Property name -> the URNs its value came from (a Deployment's id, ...). */
  propertyDependencies?: Record<string, string[]>;
}

/** A violation as the analyzer answers it. */
export interface Violation {
  policyName: string;
  message: string;
  enforcementLevel: "advisory" | "mandatory" | "disabled" | "remediate";
  urn: string;
}

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;

export function analyzerUrn(type: string, name: string): string {
  return `urn:pulumi:dev::immybot-test::${type}::${name}`;
}

export class PolicyAnalyzer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly exited: Promise<unknown>,
    private readonly stub: any,
    private readonly dir: string,
    readonly logs: { stdout: string; stderr: string },
  ) {}

  /** Starts the pack in `packDir` (copied) and waits until it listens. */
  static async start(packDir: string): Promise<PolicyAnalyzer> {
    const dir = mkdtempSync(join(tmpdir(), "immybot-policy-pack-"));
    for (const f of readdirSync(packDir)) if (f !== "node_modules") cpSync(join(packDir, f), join(dir, f), { recursive: true });
    mkdirSync(join(dir, "node_modules", "@pulumi"), { recursive: true });
    symlinkSync(REPO, join(dir, "node_modules", "pulumi-immybot"), "dir");
    for (const p of ["@pulumi/policy", "@pulumi/pulumi"]) symlinkSync(join(REPO, "node_modules", p), join(dir, "node_modules", p), "dir");
    // The engine address is the first argument; the pack never calls the engine in these tests.
    const child = spawn(process.execPath, [join(dir, "node_modules/@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:1", "."], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    for (const handle of [child, child.stdout, child.stderr]) (handle as { unref?: () => void } | null)?.unref?.();
    const exited = new Promise((r) => child.once("exit", r));
    const logs = { stdout: "", stderr: "" };
    child.stdout!.on("data", (d) => (logs.stdout += d));
    child.stderr!.on("data", (d) => (logs.stderr += d));
    const port = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`the policy pack did not listen within ${START_TIMEOUT_MS / 1000} s\n${logs.stderr}\n${logs.stdout}`)), START_TIMEOUT_MS);
      child.stdout!.on("data", () => {
        const m = /^(\d+)\s*$/m.exec(logs.stdout);
        if (m) {
          clearTimeout(timer);
          ok(m[1]!);
        }
      });
      child.once("close", (code) => {
        clearTimeout(timer);
        fail(new Error(`the policy pack exited (code ${code}) before it listened\n${logs.stderr}\n${logs.stdout}`));
      });
    }).catch(async (e: unknown) => {
      child.kill("SIGKILL");
      await exited;
      rmSync(dir, { recursive: true, force: true });
      throw e;
    });
    const stub = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new PolicyAnalyzer(child, exited, stub, dir, logs);
  }

  async stop(): Promise<void> {
    this.stub.close();
    this.child.kill("SIGTERM");
    await this.exited;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private call<T>(method: string, req: unknown): Promise<T> {
    return new Promise((ok, fail) => this.stub[method](req, { deadline: Date.now() + 60_000 }, (err: unknown, resp: T) => (err ? fail(err) : ok(resp))));
  }

  /** GetAnalyzerInfo: the pack's name and each policy's name, enforcement level, description and kind. */
  async info(): Promise<{ name: string; policies: { name: string; enforcementLevel: string; description: string; type: "resource" | "stack"; config: string[] }[] }> {
    const resp: any = await this.call("getAnalyzerInfo", new Empty());
    return {
      name: resp.getName(),
      policies: resp.getPoliciesList().map((p: any) => ({
        name: p.getName(),
        enforcementLevel: LEVELS[p.getEnforcementlevel()],
        description: p.getDescription(),
        type: p.getPolicyType() === messages.PolicyType.POLICY_TYPE_STACK ? "stack" : "resource",
        config: Object.keys(p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}),
      })),
    };
  }

  /** Configure: the pack's config as `--policy-pack-config` gives it, per policy. */
  async configure(config: Record<string, { enforcementLevel: (typeof LEVELS)[number]; properties?: Record<string, unknown> }>): Promise<void> {
    const req = new messages.ConfigureAnalyzerRequest();
    for (const [name, c] of Object.entries(config)) {
      const pc = new messages.PolicyConfig();
      pc.setEnforcementlevel(LEVELS.indexOf(c.enforcementLevel));
      pc.setProperties(Struct.fromJavaScript(c.properties ?? {}));
      req.getPolicyconfigMap().set(name, pc);
    }
    await this.call("configure", req);
  }

  /** Analyze: one resource, as the engine sends it before its step. */
  async analyze(r: AnalyzedResource): Promise<Violation[]> {
    const req = new messages.AnalyzeRequest();
    req.setType(r.type);
    req.setName(r.name);
    req.setUrn(analyzerUrn(r.type, r.name));
    req.setProperties(Struct.fromJavaScript(r.props));
    req.setOptions(new messages.AnalyzerResourceOptions()); // the engine always sends them (protect, parent, ...)
    return violations(await this.call("analyze", req));
  }

  /** AnalyzeStack: every resource of the stack, with the URNs each property depends on. */
  async analyzeStack(resources: AnalyzedResource[]): Promise<Violation[]> {
    const req = new messages.AnalyzeStackRequest();
    req.setResourcesList(
      resources.map((r) => {
        const m = new messages.AnalyzerResource();
        m.setType(r.type);
        m.setName(r.name);
        m.setUrn(analyzerUrn(r.type, r.name));
        m.setProperties(Struct.fromJavaScript(r.props));
        m.setOptions(new messages.AnalyzerResourceOptions());
        for (const [prop, urns] of Object.entries(r.propertyDependencies ?? {})) {
          const deps = new messages.AnalyzerPropertyDependencies();
          deps.setUrnsList(urns);
          m.getPropertydependenciesMap().set(prop, deps);
        }
        return m;
      }),
    );
    return violations(await this.call("analyzeStack", req));
  }
}

function violations(resp: any): Violation[] {
  return resp.getDiagnosticsList().map((d: any) => ({ policyName: d.getPolicyname(), message: d.getMessage(), enforcementLevel: LEVELS[d.getEnforcementlevel()], urn: d.getUrn() }));
}
