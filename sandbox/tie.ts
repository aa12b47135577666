/**
 * Compile-time tie between a documented seed interface and the zod schema that checks it: same keys, each side
 * assignable to the other. `const _tie: Tie<z.input<typeof schema>, SeedX> = true;` fails to compile when they
 * drift. The sandbox keeps its own (it imports nothing from provider/).
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
