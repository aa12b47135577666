/**
 * How deep a policy file nests, measured before the YAML library builds anything from it: composing a document
 * is recursive (the `yaml` package catches its own stack overflow, but only to report "Maximum call stack size
 * exceeded"), and so are `toJS`, zod and the resources' checks. The tokens come from yaml's `Parser`, which keeps
 * its own stack, and are walked here without recursion.
 *
 * The limit here is a guard, twice the resources' own (provider/models/plain.ts): a value a little too deep
 * reaches the resources' checks, which name it exactly (`deployments[0].parameters.Deep`), as `pulumi preview`
 * would; one far too deep is refused here, named by its entry's field.
 */
import { CST, LineCounter, Parser } from "yaml";
import { MAX_DEPTH, type Path } from "../../provider/models/plain";

/** How deep a policy file may nest before the resources' checks see it. */
export const FILE_DEPTH = 2 * MAX_DEPTH;

/** The part of a path that names a place in a file: the list, the entry, its field, and a parameter's name. */
export function shownPath(path: Path): Path {
  return path.slice(0, path[2] === "parameters" ? 4 : 3);
}

/**
 * The first collection in `text` nested more than `max` levels deep: its 1-based line and column and its path
 * (see {@link shownPath}); undefined when there is none.
 */
export function yamlTooDeep(text: string, max = FILE_DEPTH): { line: number; col: number; path: Path } | undefined {
  const lines = new LineCounter();
  const stack: { token: CST.Token | null | undefined; depth: number; path: Path }[] = [];
  for (const token of new Parser(lines.addNewLine).parse(text)) {
    if (token.type === "document") stack.push({ token: token.value, depth: 1, path: [] });
  }
  while (stack.length > 0) {
    const { token, depth, path } = stack.pop()!;
    if (!CST.isCollection(token)) continue;
    if (depth > max) return { ...lines.linePos(token.offset), path: shownPath(path) };
    // Last item first, so the first deep collection in the text is found first.
    for (let i = token.items.length - 1; i >= 0; i--) {
      const item = token.items[i]!;
      const key = item.key ? CST.resolveAsScalar(item.key)?.value : undefined;
      // The path stops growing once it names a parameter (4 segments): the walk can go thousands of levels deep.
      stack.push({ token: item.value, depth: depth + 1, path: path.length < 4 ? [...path, key ?? i] : path });
      if (item.key) stack.push({ token: item.key, depth: depth + 1, path });
    }
  }
  return undefined;
}
