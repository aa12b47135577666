// What the docs are generated from, read from the code (never typed into the generator): the SDK's exports
// (resource classes and functions, with their TSDoc), the provider's argument and output interfaces, the error
// code unions with their comments, the provider settings, and the command's --help texts.
//
// New resources and functions are found by what `sdk/index.ts` exports: a class extending ImmyBotResource is a
// resource (its provider module exports `<Name>Args` and `<Name>Computed`), a function named `get...` is a function
// (its `...Output` twin is mentioned on its page). Nothing here lists them by name.
import { createRequire } from "node:module";
import { join, relative } from "node:path";

const require = createRequire(import.meta.url);
const ts = require("typescript");

export const COMPILER_OPTIONS = { strict: true, skipLibCheck: true, esModuleInterop: true };

/** The TypeScript view of the SDK: one program rooted at sdk/index.ts (it reaches every provider module it uses). */
export function readCode(repo) {
  const roots = ["sdk/index.ts", "provider/errors.ts", "provider/client/errors.ts", "provider/lookups/errors.ts", "provider/client/settings.ts"];
  const program = ts.createProgram(
    roots.map((f) => join(repo, f)),
    { ...ts.convertCompilerOptionsFromJson(COMPILER_OPTIONS, repo).options, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS },
  );
  const checker = program.getTypeChecker();
  const rel = (file) => relative(repo, file).split("\\").join("/");
  const ours = program.getSourceFiles().filter((f) => !f.isDeclarationFile && !rel(f.fileName).startsWith(".."));

  /** The one exported interface (or type alias) `name` declared under `folder`, with its file. */
  function declared(name, folder) {
    const found = [];
    for (const f of ours) {
      if (!rel(f.fileName).startsWith(folder)) continue;
      for (const s of f.statements) {
        if ((ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) && s.name.text === name && isExported(s)) found.push({ file: rel(f.fileName), node: s });
      }
    }
    return found.length === 1 ? found[0] : undefined;
  }

  const index = program.getSourceFile(join(repo, "sdk/index.ts"));
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(index));
  const resolved = exports.map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s));

  const resources = [];
  const functions = [];
  for (const symbol of resolved) {
    const decl = symbol.valueDeclaration;
    if (decl && ts.isClassDeclaration(decl) && extendsResource(decl)) {
      const name = symbol.name;
      const args = declared(`${name}Args`, "provider/");
      const computed = declared(`${name}Computed`, "provider/");
      if (!args || !computed) {
        throw new Error(`sdk exports the resource ${name}, but provider/ has no single exported \`${name}Args\` and \`${name}Computed\`: the docs are generated from them`);
      }
      resources.push({
        name,
        doc: docOf(checker, symbol),
        argsFile: args.file,
        computedFile: computed.file,
        computedDoc: docOf(checker, checker.getSymbolAtLocation(computed.node.name)),
        sdkOnly: sdkOnlyArgs(checker, exports, name, args.node),
        get: staticGet(checker, symbol),
      });
    } else if (decl && ts.isFunctionDeclaration(decl) && /^get[A-Z]/.test(symbol.name) && !symbol.name.endsWith("Output")) {
      const signature = checker.getSignatureFromDeclaration(decl);
      const param = signature.getParameters()[0];
      const argsType = param ? checker.getTypeOfSymbolAtLocation(param, decl) : undefined;
      const returned = checker.getReturnTypeOfSignature(signature);
      const promised = checker.getPromisedTypeOfPromise(returned) ?? returned;
      // A list of results is described by its element.
      const result = checker.isArrayType(promised) ? checker.getTypeArguments(promised)[0] : promised;
      functions.push({
        name: symbol.name,
        doc: docOf(checker, symbol),
        output: resolved.some((s) => s.name === `${symbol.name}Output`),
        args: argsType && describeType(checker, argsType, decl),
        argsName: param && decl.parameters[0].type ? decl.parameters[0].type.getText() : undefined,
        result: describeType(checker, result, decl),
        resultName: checker.typeToString(promised),
      });
    }
  }
  resources.sort((a, b) => a.name.localeCompare(b.name));
  functions.sort((a, b) => a.name.localeCompare(b.name));
  return {
    resources,
    functions,
    errors: {
      lifecycle: codeUnion(program, join(repo, "provider/errors.ts"), "LifecycleErrorCode"),
      client: codeUnion(program, join(repo, "provider/client/errors.ts"), "ImmyBotErrorCode"),
      lookup: codeUnion(program, join(repo, "provider/lookups/errors.ts"), "LookupErrorCode"),
    },
    settingDocs: settingDocs(program, checker, join(repo, "provider/client/settings.ts")),
  };

  function extendsResource(decl) {
    return (decl.heritageClauses ?? []).some((h) => h.types.some((t) => t.expression.getText() === "ImmyBotResource"));
  }
}

function isExported(node) {
  return (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Export) !== 0;
}

/** A symbol's TSDoc: its text, and its `@example` blocks. */
export function docOf(checker, symbol) {
  if (!symbol) return { text: "", examples: [] };
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const examples = symbol
    .getJsDocTags(checker)
    .filter((t) => t.name === "example")
    .map((t) => ts.displayPartsToString(t.text).trim());
  return { text, examples };
}

/** Arguments the SDK class takes besides the provider's (e.g. Schedule's `deployment`), with their TSDoc. */
function sdkOnlyArgs(checker, exports, name, providerArgs) {
  const alias = exports.find((s) => s.name === `${name}Args`);
  if (!alias) return [];
  const sdkType = checker.getDeclaredTypeOfSymbol(alias.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(alias) : alias);
  const own = new Set(checker.getPropertiesOfType(checker.getTypeAtLocation(providerArgs.name)).map((p) => p.name));
  return checker
    .getPropertiesOfType(sdkType)
    .filter((p) => !own.has(p.name))
    .map((p) => {
      const decl = p.valueDeclaration ?? p.declarations?.[0];
      const type = decl?.type ? decl.type.getText() : checker.typeToString(checker.getTypeOfSymbol(p));
      return { name: p.name, type, optional: (p.flags & ts.SymbolFlags.Optional) !== 0, doc: docOf(checker, p).text };
    });
}

/** The class's static `get`, when it has one: its TSDoc. */
function staticGet(checker, classSymbol) {
  const get = classSymbol.exports?.get("get");
  return get ? docOf(checker, get).text : undefined;
}

/**
 * A TypeScript type as rows of a table: each property with its type, whether it is required and its TSDoc; and
 * the named object types it refers to, each with rows of its own (e.g. MaintenanceTask -> MaintenanceTaskParameter).
 */
export function describeType(checker, type, at) {
  const nested = new Map();
  const isObject = (t) => (t.flags & ts.TypeFlags.Object) !== 0 || t.isIntersection();
  /** Properties of an object type; of a union of object types (`{ name } | { id }`), those of every member. */
  const rowsOf = (t) => {
    const members = t.isUnion() && t.types.every(isObject) ? t.types : [t];
    const rows = new Map();
    for (const m of members) {
      for (const p of checker.getPropertiesOfType(m)) {
        const pt = checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(p, at));
        const required = (p.flags & ts.SymbolFlags.Optional) === 0 && members.every((o) => checker.getPropertyOfType(o, p.name));
        if (!rows.has(p.name)) rows.set(p.name, { name: p.name, type: typeText(pt), required, doc: docOf(checker, p).text });
      }
    }
    return [...rows.values()];
  };
  const named = (t) => {
    const s = t.aliasSymbol ?? t.symbol;
    const decl = s?.declarations?.[0];
    return decl && (ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl)) && !decl.getSourceFile().isDeclarationFile ? s.name : undefined;
  };
  const isLiteral = (u) => u.isStringLiteral() || u.isNumberLiteral() || (u.flags & ts.TypeFlags.BooleanLiteral) !== 0;
  const literals = (types) => (types.every((u) => (u.flags & ts.TypeFlags.BooleanLiteral) !== 0) ? "boolean" : types.map((u) => JSON.stringify(u.value)).join(" | "));
  function typeText(t) {
    if (t.isUnion() && t.types.every(isLiteral)) return literals(t.types);
    if (checker.isArrayType(t)) {
      const inner = typeText(checker.getTypeArguments(t)[0]);
      return inner.includes(" | ") ? `(${inner})[]` : `${inner}[]`;
    }
    if (t.isUnion()) {
      // TypeScript flattens `Status | Status[]` into the literals and the array: say it once, "or a list of them".
      const lits = t.types.filter(isLiteral);
      const rest = t.types.filter((u) => !isLiteral(u));
      if (lits.length > 1) {
        const text = literals(lits);
        return [text, ...rest.map((u) => (checker.isArrayType(u) && typeText(u) === `(${text})[]` ? "a list of them" : typeText(u)))].join(" | ");
      }
      return t.types.map(typeText).join(" | ");
    }
    const name = named(t);
    if (name && (t.flags & ts.TypeFlags.Object) !== 0 && checker.getPropertiesOfType(t).length > 0) {
      if (!nested.has(name)) {
        nested.set(name, null);
        nested.set(name, { doc: docOf(checker, t.aliasSymbol ?? t.symbol).text, rows: rowsOf(t) });
      }
      return name;
    }
    return checker.typeToString(t);
  }
  const rows = rowsOf(type);
  return { rows, nested: [...nested].map(([name, v]) => ({ name, ...v })) };
}

/** The members of a string-literal union type alias, each with its comment (what it means, `@fix`, `@resources`). */
function codeUnion(program, file, name) {
  const source = program.getSourceFile(file);
  const alias = source.statements.find((s) => ts.isTypeAliasDeclaration(s) && s.name.text === name);
  if (!alias) throw new Error(`${file} has no type ${name}`);
  const text = source.getFullText();
  const members = ts.isUnionTypeNode(alias.type) ? alias.type.types : [alias.type];
  return members.map((m, i) => {
    const code = ts.isLiteralTypeNode(m) ? m.literal.text : m.getText().replace(/^`|`$/g, "").replace("${number}", "<status>");
    // The member's comment stands before its `|`: the last doc comment between the previous member and this one.
    const between = text.slice(i === 0 ? alias.type.pos : members[i - 1].end, m.getStart(source));
    const last = [...between.matchAll(/\/\*\*([\s\S]*?)\*\//g)].at(-1);
    const body = last ? last[1].replace(/^\s*\* ?/gm, "").trim() : "";
    return { code, ...parseComment(body) };
  });
}

/** `what it means @fix what to do @resources A, B` -> its parts. */
function parseComment(body) {
  const [what, ...tags] = body.split(/\s@(?=\w+\s)/);
  const tag = (n) => tags.find((t) => t.startsWith(`${n} `))?.slice(n.length + 1).replace(/\s+/g, " ").trim();
  const resources = tag("resources");
  return { what: what.replace(/\s+/g, " ").trim(), fix: tag("fix") ?? "", resources: resources ? resources.split(/,\s*/) : [] };
}

/** The TSDoc of each key of `settingKeys` (what the setting is for, and why its default). */
function settingDocs(program, checker, file) {
  const source = program.getSourceFile(file);
  const out = {};
  ts.forEachChild(source, function visit(node) {
    if (ts.isVariableDeclaration(node) && node.name.getText() === "settingKeys") {
      let init = node.initializer;
      while (init && !ts.isObjectLiteralExpression(init)) init = init.expression;
      for (const p of init?.properties ?? []) out[p.name.getText()] = docOf(checker, checker.getSymbolAtLocation(p.name)).text;
    } else ts.forEachChild(node, visit);
  });
  return out;
}

/** Values that only running the code gives (settings, --help texts), loaded from the TypeScript sources. */
export async function runCode(repo) {
  require("ts-node").register({ transpileOnly: true, compilerOptions: { module: "commonjs" } });
  const settings = require(join(repo, "provider/client/settings.ts"));
  const cli = require(join(repo, "cli/index.ts"));
  const { EXIT } = require(join(repo, "cli/command.ts"));
  const help = async (argv) => {
    let out = "";
    const io = { stdout: (t) => (out += t), stderr: (t) => (out += t), env: {} };
    await cli.main(argv, io);
    return out;
  };
  const overview = await help(["--help"]);
  const names = [...overview.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]);
  const commands = [];
  for (const name of names) commands.push({ name, usage: await help([name, "--help"]) });
  return { settingKeys: settings.settingKeys, settingDefaults: settings.settingDefaults, cli: { overview, commands, exit: EXIT } };
}
