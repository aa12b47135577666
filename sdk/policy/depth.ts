/**
 * How deep a policy file nests, measured before the YAML library builds anything from it: composing a document
 * is recursive (the `yaml` package catches its own stack overflow, but only to report "Maximum call stack size
 * exceeded"), and so are `toJS`, zod and the resources' checks. The tokens come from yaml's `Parser`, which keeps
 * its own stack, and are walked here without recursion.
 *
 * The limit is the resources' own (provider/models/plain.ts) counted from an entry's field: a file (1) lists
 * entries (2) whose fields (3) hold the values (4 and deeper), so a field's value gets MAX_DEPTH levels, as it
 * does in `pulumi preview`.
 */
import { CST, LineCounter, Parser } from "yaml";
import { MAX_DEPTH, type Path } from "../../provider/models/plain";

/** How deep a policy file may nest: a field's value MAX_DEPTH levels below an entry of a list. */
export const FILE_DEPTH = MAX_DEPTH + 3;

/** How many segments of a path name the place in a file: the list, the entry and its field. */
export const SHOWN_SEGMENTS = 3;

/**
 * The first collection in `text` nested more than `max` levels deep: its 1-based line and column and its path
 * (at most {@link SHOWN_SEGMENTS} segments); undefined when there is none.
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
    if (depth > max) return { ...lines.linePos(token.offset), path };
    // Last item first, so the first deep collection in the text is found first.
    for (let i = token.items.length - 1; i >= 0; i--) {
      const item = token.items[i]!;
      const key = item.key ? CST.resolveAsScalar(item.key)?.value : undefined;
      stack.push({ token: item.value, depth: depth + 1, path: path.length < SHOWN_SEGMENTS ? [...path, key ?? i] : path });
      if (item.key) stack.push({ token: item.key, depth: depth + 1, path });
    }
  }
  return undefined;
}
