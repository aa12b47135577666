/**
 * Compile-time tie between a documented TypeScript interface (the source of TSDoc, JSON Schema and the docs
 * tables) and the zod schema that validates it: same keys, and each side assignable to the other.
 * Usage: `const _tie: Tie<z.input<typeof schema>, Args> = true;` fails to compile when they drift.
 */
export type Tie<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? [A] extends [B]
      ? [B] extends [A]
        ? true
        : "zod input is narrower than the interface"
      : "interface is narrower than the zod input"
    : "interface has keys the zod schema lacks"
  : "zod schema has keys the interface lacks";

/**
 * Every key of `T`, each once, as a list: the argument is a record literal of `true`s, which the compiler checks for
 * missing and extra keys, so a field added to `T` cannot be forgotten in the list.
 * Usage: `keysOf<ScheduleComputed>({ nextOccurrence: true, createdAt: true, updatedAt: true })`.
 */
export function keysOf<T>(all: { readonly [K in keyof T]-?: true }): (keyof T & string)[] {
  return Object.keys(all) as (keyof T & string)[];
}
