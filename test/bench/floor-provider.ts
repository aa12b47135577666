/**
 * The protocol floor of the benchmark: a provider module that answers every call of Pulumi's dynamic-provider host
 * at once, with no HTTP and next to no work, in messages of the same size as the real provider's. The bench runs
 * the same operations through the same engine harness and host with it (the shim requires it by name:
 * `pulumi-immybot/dist/test/bench/floor-provider`), on the same state, so what a run costs beyond it is the
 * provider's own work and its requests.
 *
 * - check: the stored inputs with the program's values over them (as large as the canonical inputs);
 * - diff: a change where a value the program gives is not what the state holds (values compared as contained in
 *   the stored ones: the state holds defaults the program leaves out);
 * - create: a new id, the inputs as outputs; update: the old outputs with the new values over them;
 * - read: the stored outputs as outputs and as inputs; delete: nothing.
 */
type Props = Record<string, unknown>;

let nextId = 1;

/** `given` is `stored`, or (for objects) every key of `given` is contained in `stored`'s value of that key. */
function contained(given: unknown, stored: unknown): boolean {
  if (given === stored) return true;
  if (!given || !stored || typeof given !== "object" || typeof stored !== "object" || Array.isArray(given) !== Array.isArray(stored)) return false;
  if (Array.isArray(given)) return JSON.stringify(given) === JSON.stringify(stored);
  return Object.entries(given).every(([k, v]) => v === undefined || contained(v, (stored as Props)[k]));
}

const floor = {
  async check(olds: Props, news: Props) {
    return { inputs: { ...olds, ...news } };
  },
  async diff(_id: string, olds: Props, news: Props) {
    const changed = Object.keys(news).some((k) => k !== "__provider" && !contained(news[k], olds[k]));
    return { changes: changed, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs: Props) {
    return { id: String(nextId++), outs: inputs };
  },
  async read(id: string, props: Props) {
    return { id, props, inputs: props };
  },
  async update(_id: string, olds: Props, news: Props) {
    return { outs: { ...olds, ...news } };
  },
  async delete() {},
};

export function configure(): void {}

export function lifecycle(): typeof floor {
  return floor;
}
