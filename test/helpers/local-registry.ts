/**
 * An npm registry on 127.0.0.1 that serves exactly the packages of this checkout's package-lock.json, their
 * tarballs read from the npm cache that `npm ci` filled. A brand-new project can then `npm install` the
 * pulumi-immybot tarball with npm's own resolver and no network.
 *
 * Why not `npm install --offline`: `npm ci` stores the tarballs, and at most the abbreviated metadata it asked for,
 * while `npm install` (npm 11) asks for the full metadata of each package, so an offline install of a new project
 * fails with ENOTCACHED even though every tarball is there. The metadata here is built from the lock file (versions,
 * dependencies, peer and optional dependencies, bins, engines, integrity): what npm resolves with. Each tarball is
 * checked by npm against the lock file's integrity, as from the real registry.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

interface LockEntry {
  version?: string;
  integrity?: string;
  link?: boolean;
  inBundle?: boolean;
  license?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, unknown>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  os?: string[];
  cpu?: string[];
}

/** The npm cache directory (npm sets npm_config_cache for the scripts it runs). */
export function npmCacheDir(): string {
  return process.env.npm_config_cache ?? execFileSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).trim();
}

/** Where the npm cache (cacache) keeps the content with this sha512 integrity. */
function cachedTarball(cache: string, integrity: string): string | undefined {
  const sha512 = integrity.split(/\s+/).find((i) => i.startsWith("sha512-"));
  if (!sha512) return undefined;
  const hex = Buffer.from(sha512.slice("sha512-".length), "base64").toString("hex");
  return join(cache, "_cacache", "content-v2", "sha512", hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

export class LocalRegistry {
  /** Tarballs asked for that the npm cache does not hold (npm then fails, or skips an optional one). */
  readonly missing: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Serves the packages of `lockFile`, with tarballs from the npm cache `cache`. */
  static async start(lockFile: string, cache: string = npmCacheDir()): Promise<LocalRegistry> {
    const lock = JSON.parse(readFileSync(lockFile, "utf8")) as { packages: Record<string, LockEntry> };
    const versions = new Map<string, Map<string, LockEntry>>();
    for (const [path, entry] of Object.entries(lock.packages)) {
      const at = path.lastIndexOf("node_modules/");
      if (at < 0 || entry.link || entry.inBundle || !entry.version || !entry.integrity) continue;
      const name = path.slice(at + "node_modules/".length);
      if (!versions.has(name)) versions.set(name, new Map());
      versions.get(name)!.set(entry.version, entry);
    }
    let registry: LocalRegistry;
    const server = createServer((req, res) => {
      const url = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname).slice(1);
      const tarball = /^(.+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(url);
      if (tarball) {
        const entry = versions.get(tarball[1]!)?.get(tarball[2]!);
        const file = entry && cachedTarball(cache, entry.integrity!);
        if (!file || !existsSync(file)) {
          registry.missing.push(`${tarball[1]}@${tarball[2]}`);
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { "content-type": "application/octet-stream" }).end(readFileSync(file));
        return;
      }
      const known = versions.get(url);
      if (!known) {
        res.writeHead(404, { "content-type": "application/json" }).end('{"error":"Not found"}');
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(packument(url, known, registry.url)));
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    registry = new LocalRegistry(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return registry;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((ok) => this.server.close(ok));
  }
}

/** The registry document of one package: its versions in the lock file, the highest as `latest`. */
function packument(name: string, known: Map<string, LockEntry>, base: string): unknown {
  const baseName = name.split("/").at(-1);
  const entries = [...known].map(([version, e]) => [
    version,
    {
      name,
      version,
      license: e.license,
      dependencies: e.dependencies,
      optionalDependencies: e.optionalDependencies,
      peerDependencies: e.peerDependencies,
      peerDependenciesMeta: e.peerDependenciesMeta,
      bin: e.bin,
      engines: e.engines,
      os: e.os,
      cpu: e.cpu,
      dist: { tarball: `${base}${name}/-/${baseName}-${version}.tgz`, integrity: e.integrity },
    },
  ]);
  const latest = [...known.keys()].sort((a, b) => a.localeCompare(b, "en", { numeric: true })).at(-1);
  return { name, "dist-tags": { latest }, versions: Object.fromEntries(entries) };
}
