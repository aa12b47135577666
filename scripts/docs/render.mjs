// Markdown for the generated blocks: argument and output tables (from JSON Schema, as typescript-json-schema makes
// it from the documented interfaces, or from the TypeScript checker for functions), error code tables, the
// settings table, the command's help and the index of pages. Only rendering: what is rendered is read in code.mjs.

const cell = (text) => String(text ?? "").replace(/\n/g, " ").replace(/\|/g, "\\|");
const refName = (ref) => decodeURIComponent(ref.replace("#/definitions/", ""));

/** `getMaintenanceTask` -> `get-maintenance-task`. */
export const kebab = (name) => name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();

/** The first sentence of a TSDoc text, for lists. */
export const firstSentence = (text) => /^[\s\S]*?(?<!\b(?:e\.g|i\.e))\.(?=\s|$)/.exec(text.replace(/\s+/g, " "))?.[0] ?? text;

// ---- JSON Schema tables (resources, policy format) ------------------------------------------------------------------

function typeOf(p) {
  if (p.enum) return p.enum.map((v) => `"${v}"`).join(" \\| ");
  // A nullable enum (e.g. `MaintenanceTypeName | null`): each alternative.
  if (p.anyOf) return p.anyOf.map(typeOf).join(" \\| ");
  if (p.type === "array" && p.items) return `${typeOf(p.items)}[]`;
  if (p.$ref) return refName(p.$ref).replace(/</g, "&lt;").replace(/\|/g, " \\| ");
  if (Array.isArray(p.type)) return p.type.join(" \\| ");
  return p.type ?? "any";
}

/** One table of a JSON Schema object: its properties with type, required and description. */
export function schemaTable(schema, header) {
  // Named enums resolve to their values; named objects keep their name (they get their own table).
  // Long enums (e.g. SessionStatusName) keep their name and are listed once, under the tables.
  const resolve = (p) => {
    const d = p.$ref ? schema.definitions[refName(p.$ref)] : p;
    return d && d.enum && d.enum.length <= 8 ? d : p;
  };
  const rows = Object.entries(schema.properties ?? {}).map(([k, p]) => {
    // A named enum or null (`DatabaseTypeName | null`) is an anyOf: each side resolved like a plain property.
    const t = p.anyOf ? { ...p, anyOf: p.anyOf.map(resolve) } : resolve(p);
    const req = (schema.required ?? []).includes(k) ? "yes" : "";
    return `| \`${k}\` | ${typeOf(t)} | ${req} | ${cell(p.description ?? t.description ?? "")} |`;
  });
  return [`| ${header} | type | required | description |`, "|---|---|---|---|", ...rows].join("\n");
}

/** The tables of each named object a schema refers to (e.g. SoftwareItem, SessionResult). */
export function nestedTables(schema) {
  return Object.entries(schema.definitions ?? {})
    .filter(([, d]) => d.type === "object" && d.properties)
    .map(([n, d]) => `\`${n}\`:\n\n${schemaTable({ ...d, definitions: schema.definitions }, "field")}`)
    .join("\n\n");
}

/** Enums too long for a table cell, listed once. */
export function longEnums(...schemas) {
  const defs = Object.assign({}, ...schemas.map((s) => s.definitions ?? {}));
  return Object.entries(defs)
    .filter(([, d]) => d.enum && d.enum.length > 8)
    .map(([n, d]) => `\`${n}\`: ${d.enum.map((v) => `"${v}"`).join(", ")}.`)
    .join("\n\n");
}

/** A resource's arguments, SDK-only arguments and outputs (the block `GENERATED:<Name>`). */
export function resourceTables(r, args, computed) {
  const parts = ["Arguments:", schemaTable(args, "argument")];
  if (r.sdkOnly.length > 0) {
    parts.push(
      "Also accepted by the SDK class (resolved in your program before the provider sees the arguments):",
      ["| argument | type | required | description |", "|---|---|---|---|", ...r.sdkOnly.map((a) => `| \`${a.name}\` | ${cell(a.type)} | ${a.optional ? "" : "yes"} | ${cell(a.doc)} |`)].join("\n"),
    );
  }
  const nested = nestedTables(args);
  if (nested) parts.push(nested);
  parts.push(`Outputs: \`id\`, every argument, and the following${r.computedDoc.text ? ` (${r.computedDoc.text.replace(/\.$/, "")})` : ""}:`, schemaTable(computed, "output"));
  const nestedOut = nestedTables(computed);
  if (nestedOut) parts.push(nestedOut);
  const enums = longEnums(args, computed);
  if (enums) parts.push(enums);
  return parts.join("\n\n");
}

// ---- TypeScript type tables (functions) ------------------------------------------------------------------------------

function typeTable(rows, header) {
  return [`| ${header} | type | required | description |`, "|---|---|---|---|", ...rows.map((r) => `| \`${r.name}\` | ${cell(r.type)} | ${r.required ? "yes" : ""} | ${cell(r.doc)} |`)].join("\n");
}

/** A function's arguments and result (the block `GENERATED:<name>`). */
export function functionTables(f) {
  const parts = [];
  const named = f.argsName && /^[\w.]+$/.test(f.argsName) ? ` (\`${f.argsName}\`)` : "";
  parts.push(f.args && f.args.rows.length > 0 ? `Arguments${named}:\n\n${typeTable(f.args.rows, "argument")}` : "Arguments: none.");
  parts.push(f.result.rows.length > 0 ? `Result (\`${f.resultName}\`)${f.resultName.endsWith("[]") ? ", each" : ""}:\n\n${typeTable(f.result.rows, "field")}` : `Result: \`${f.resultName}\`.`);
  const seen = new Set();
  for (const n of [...(f.args?.nested ?? []), ...f.result.nested]) {
    if (seen.has(n.name)) continue;
    seen.add(n.name);
    parts.push(`\`${n.name}\`${n.doc ? `: ${n.doc}` : ""}\n\n${typeTable(n.rows, "field")}`);
  }
  return parts.join("\n\n");
}

// ---- summaries ------------------------------------------------------------------------------------------------------

const examples = (doc) => doc.examples.map((e) => `\`\`\`ts\n${e}\n\`\`\``).join("\n\n");

export function resourceSummary(r) {
  return [
    r.doc.text,
    `\`new immybot.${r.name}(name, args, opts?)\`, type token \`pulumi-nodejs:dynamic/immybot:${r.name}\`.${r.get ? ` \`${r.name}.get(name, id)\`: ${r.get}` : ""}`,
    examples(r.doc),
  ]
    .filter(Boolean)
    .join("\n\n");
}

export function functionSummary(f) {
  return [
    f.doc.text,
    `\`immybot.${f.name}(args)\` returns a promise${f.output ? `; \`immybot.${f.name}Output(args)\` takes Pulumi inputs and returns an Output` : ""}.`,
    examples(f.doc),
  ]
    .filter(Boolean)
    .join("\n\n");
}

// ---- errors ---------------------------------------------------------------------------------------------------------

export function codeTable(codes, { withResources = false } = {}) {
  const head = withResources ? "| code | what happened | what to do | where |\n|---|---|---|---|" : "| code | what happened | what to do |\n|---|---|---|";
  const rows = codes.map((c) => `| \`${c.code}\` | ${cell(c.what)} | ${cell(c.fix)} |${withResources ? ` ${cell(c.resources.join(", ") || "any")} |` : ""}`);
  return [head, ...rows].join("\n");
}

/** The lifecycle codes a resource can fail with (`@resources` names it, or names none), and where the others are. */
export function resourceErrors(r, errors) {
  const own = errors.lifecycle.filter((c) => c.resources.length === 0 || c.resources.includes(r.name));
  return [
    `Errors of its lifecycle (\`LifecycleError\`, \`code\`; through \`pulumi up\` only the message is shown):`,
    codeTable(own),
    `Requests to ImmyBot fail with the client's codes (\`IMMYBOT_HTTP_<status>\`, \`IMMYBOT_AUTH\`, \`IMMYBOT_CONFIG\`, \`IMMYBOT_TRANSPORT\`, \`IMMYBOT_UNEXPECTED_RESPONSE\`): see [errors](../errors.md#client-errors). Bad arguments never get this far: check names the property and the fix.`,
  ].join("\n\n");
}

export function functionErrors(f, errors) {
  const own = errors.lookup.filter((c) => c.resources.length === 0 || c.resources.includes(f.name));
  return [
    "Errors (`LookupError`, `code`; `pulumi up` prints the message alone, without a stack trace):",
    codeTable(own),
    "Settings and requests fail with the client's codes: see [errors](../errors.md#client-errors).",
  ].join("\n\n");
}

// ---- settings, CLI, index -------------------------------------------------------------------------------------------

export function settingsTable(keys, defaults, docs) {
  const rows = Object.entries(keys).map(([key, spec]) => {
    const def = Object.hasOwn(defaults, key) ? `\`${defaults[key]}\`` : "";
    return `| \`immybot:${key}\`${spec.secret ? " (secret)" : ""} | \`${spec.env}\` | ${def} | ${cell(docs[key] ?? "")} |`;
  });
  return ["| config key | environment variable | default | what it is, and why the default |", "|---|---|---|---|", ...rows].join("\n");
}

export function cliReference(cli) {
  const fence = (t) => `\`\`\`text\n${t.trimEnd()}\n\`\`\``;
  const parts = [fence(cli.overview)];
  for (const c of cli.commands) parts.push(`### \`pulumi-immybot ${c.name}\`\n\n${fence(c.usage)}`);
  parts.push(
    `Exit codes, the same for every command: ${Object.entries(cli.exit)
      .map(([k, v]) => `\`${v}\` ${k}`)
      .join(", ")}.`,
  );
  return parts.join("\n\n");
}

/** Links to every function page, from docs/functions/. */
export function functionList(code) {
  return code.functions.map((f) => `- [${f.name}](${kebab(f.name)}.md): ${firstSentence(f.doc.text)}`).join("\n");
}

/** Links to every resource and function page, from `from` (a folder relative to the repository). */
export function referenceList(code, from) {
  const prefix = from === "." ? "docs/" : "";
  const line = (title, path, doc) => `- [${title}](${prefix}${path}): ${firstSentence(doc.text)}`;
  return [
    "Resources:",
    "",
    ...code.resources.map((r) => line(r.name, `resources/${kebab(r.name)}.md`, r.doc)),
    "",
    "Functions:",
    "",
    ...code.functions.map((f) => line(f.name, `functions/${kebab(f.name)}.md`, f.doc)),
  ].join("\n");
}
