/**
 * The sandbox models ImmyBot and must not lean on the client it is used to test: no file under sandbox/ may import
 * from provider/ or sdk/ (nor the package by its own name). Every import, export-from, dynamic import and require
 * specifier is resolved against its file and checked.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

const REPO = resolve(__dirname, "../..");
const FORBIDDEN = ["provider", "sdk"].map((d) => join(REPO, d));

/** Module specifiers in TypeScript/JavaScript source: static and type imports, export-from, import(), require(). */
function specifiers(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[\w*${}\s,]+?\s+from\s+)?["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1]!));
}

/** Why `specifier` in `file` reaches outside the sandbox's side, or undefined when it does not. */
function violation(file: string, specifier: string): string | undefined {
  if (/^pulumi-immybot(\/|$)/.test(specifier)) return `${specifier} (the package itself)`;
  if (!specifier.startsWith(".")) return undefined; // node: built-ins and npm packages
  const target = resolve(dirname(file), specifier);
  const hit = FORBIDDEN.find((dir) => target === dir || target.startsWith(dir + sep));
  return hit ? `${specifier} (${relative(REPO, target)})` : undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(?:[cm]?[jt]s|tsx)$/.test(e.name) ? [path] : [];
  });
}

describe("sandbox imports", () => {
  it("nothing under sandbox/ imports from provider/ or sdk/", () => {
    const files = sourceFiles(join(REPO, "sandbox"));
    expect(files.length).toBeGreaterThan(30);
    const found = files.flatMap((file) => specifiers(readFileSync(file, "utf8")).map((s) => ({ file, s })));
    expect(found.length).toBeGreaterThan(100);
    const bad = found.flatMap(({ file, s }) => {
      const why = violation(file, s);
      return why ? [`${relative(REPO, file)}: ${why}`] : [];
    });
    expect(bad).toEqual([]);
  });

  it("the scan sees every form of import, and flags one that crosses over", () => {
    const file = join(REPO, "sandbox", "example.ts");
    const source = [
      `import { z } from "zod";`,
      `import type { Tie } from "../provider/models/tie";`,
      `import {\n  TargetType,\n  type X,\n} from "../provider/models/enums";`,
      `export { shim } from "../sdk/shim";`,
      `export * from "./enums";`,
      `import "../provider/index";`,
      `const lazy = () => import("../sdk");`,
      `const old = require("../provider/schedule");`,
      `import * as self from "pulumi-immybot/dist/provider";`,
    ].join("\n");
    const seen = specifiers(source).sort();
    expect(seen).toEqual(["zod", "../provider/models/tie", "../provider/models/enums", "../sdk/shim", "./enums", "../provider/index", "../sdk", "../provider/schedule", "pulumi-immybot/dist/provider"].sort());
    expect(seen.filter((s) => violation(file, s) !== undefined)).toEqual(["../provider/models/tie", "../provider/models/enums", "../sdk/shim", "../provider/index", "../sdk", "../provider/schedule", "pulumi-immybot/dist/provider"].sort());
    expect(violation(file, "./provider-like")).toBeUndefined();
  });
});
