/**
 * The names `pulumi-immybot export` writes instead of ids, found with the lookups `policy.declare` resolves them
 * with (provider/lookups): the object by its id, then its name looked up again as the loader will look it up (a
 * computer within the file's tenant, software and tasks in both scopes). A name is written only when it finds the
 * same object again; otherwise the reason is given (a name two objects share, an object that no longer exists),
 * and the entry is left out.
 *
 * Every lookup goes through one read-only view of the client that asks ImmyBot each question once: the lists the
 * name lookups walk (every computer, every tenant, the catalog) are read once for the whole export, however many
 * names are looked up, with the client's retries and its bound on requests in flight.
 */
import type { ImmyBotClient, Query } from "../provider/client";
import type { ItemScope } from "../provider/deployment";
import {
  findComputer,
  findMaintenanceTask,
  findSoftware,
  findTag,
  findTenant,
  LookupError,
  type MaintenanceTaskParameter,
  type Tenant,
} from "../provider/lookups";

/** Why a name cannot be written (the entry that needs it is left out with this reason). */
export interface Unresolved {
  why: string;
}

/** A catalog item's name, with the scope when the name alone is in both scopes. */
export interface ItemName {
  name: string;
  scope?: ItemScope;
}

export interface TaskName extends ItemName {
  parameters: readonly MaintenanceTaskParameter[];
}

export interface SoftwareName extends ItemName {
  /** The parameters a deployment of the software takes (its configuration task's); undefined when it has none. */
  parameters?: readonly MaintenanceTaskParameter[];
}

export const isUnresolved = (v: unknown): v is Unresolved => typeof v === "object" && v !== null && "why" in v;

/**
 * A view of `client` that sends each GET once (the same path and query share one answer) and refuses every write:
 * an export only reads. The lookups and the list routes only GET.
 */
export function readOnceView(client: ImmyBotClient): ImmyBotClient {
  const answers = new Map<string, Promise<unknown>>();
  const refuse = () => Promise.reject(new Error("pulumi-immybot export only reads from ImmyBot"));
  const view = {
    get<T>(path: string, query?: Query): Promise<T> {
      const key = `${path}?${JSON.stringify(query ?? {})}`;
      let answer = answers.get(key);
      if (!answer) {
        answer = client.get<T>(path, query);
        answers.set(key, answer);
      }
      return answer as Promise<T>;
    },
    post: refuse,
    put: refuse,
    delete: refuse,
    request: refuse,
  };
  // The lookups take the client's class; they call only `get`, which this view answers.
  return view as unknown as ImmyBotClient;
}

/** The names of one instance's objects, each found once. */
export class InstanceNames {
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(private readonly client: ImmyBotClient) {}

  /** The tenant, if its name finds it again. */
  tenant(id: number): Promise<Tenant | Unresolved> {
    return this.once(`tenant|${id}`, async () => {
      const found = await orWhy(() => findTenant(this.client, { id }), `tenant ${id}`);
      if (isUnresolved(found)) return found;
      const again = await orWhy(() => findTenant(this.client, { name: found.name }));
      return sameOrWhy(again, (t) => t.id === id, `tenant ${id}`, found.name) ?? found;
    });
  }

  /** A computer's name, if it finds the computer again within `tenantId` (none: in every tenant). */
  computer(id: string, tenantId: number | undefined): Promise<{ name: string } | Unresolved> {
    return this.once(`computer|${id}|${tenantId ?? ""}`, async () => {
      const found = await orWhy(() => findComputer(this.client, { id: Number(id) }), `computer ${id}`);
      if (isUnresolved(found)) return found;
      const again = await orWhy(() => findComputer(this.client, { name: found.name, ...(tenantId === undefined ? {} : { tenantId }) }));
      return sameOrWhy(again, (c) => String(c.id) === id, `computer ${id}`, found.name) ?? { name: found.name };
    });
  }

  /** A tag's name, if it finds the tag again. */
  tag(id: string): Promise<{ name: string } | Unresolved> {
    return this.once(`tag|${id}`, async () => {
      const found = await orWhy(() => findTag(this.client, { id: Number(id) }), `tag ${id}`);
      if (isUnresolved(found)) return found;
      const again = await orWhy(() => findTag(this.client, { name: found.name }));
      return sameOrWhy(again, (t) => String(t.id) === id, `tag ${id}`, found.name) ?? { name: found.name };
    });
  }

  /** A software item's name (and scope, when needed), with its configuration task's parameters. */
  software(id: string, scope: ItemScope): Promise<SoftwareName | Unresolved> {
    return this.once(`software|${scope}|${id}`, async () => {
      const found = await orWhy(() => findSoftware(this.client, { id, scope }), `${scope} software ${id}`);
      if (isUnresolved(found)) return found;
      const name = await this.itemName(found.name, scope, `${scope} software ${id}`, (args) => findSoftware(this.client, args), id);
      if (isUnresolved(name) || !found.configurationTask) return name;
      const task = await orWhy(() => findMaintenanceTask(this.client, found.configurationTask!), `its configuration task ${found.configurationTask.id}`);
      return isUnresolved(task) ? task : { ...name, parameters: task.parameters };
    });
  }

  /** A maintenance task's name (and scope, when needed), with its parameters. */
  task(id: string, scope: ItemScope): Promise<TaskName | Unresolved> {
    return this.once(`task|${scope}|${id}`, async () => {
      const found = await orWhy(() => findMaintenanceTask(this.client, { id, scope }), `${scope} maintenance task ${id}`);
      if (isUnresolved(found)) return found;
      const name = await this.itemName(found.name, scope, `${scope} maintenance task ${id}`, (args) => findMaintenanceTask(this.client, args), id);
      return isUnresolved(name) ? name : { ...name, parameters: found.parameters };
    });
  }

  /** The name alone when it finds the item in both scopes; with its scope when the other scope has the name too. */
  private async itemName(
    name: string,
    scope: ItemScope,
    what: string,
    find: (args: { name: string; scope?: ItemScope }) => Promise<{ id: string; scope: ItemScope }>,
    id: string,
  ): Promise<ItemName | Unresolved> {
    const same = (i: { id: string; scope: ItemScope }) => i.id === id && i.scope === scope;
    const anywhere = await orWhy(() => find({ name }));
    if (!isUnresolved(anywhere) && same(anywhere)) return { name };
    const inScope = await orWhy(() => find({ name, scope }));
    return sameOrWhy(inScope, same, what, name) ?? { name, scope };
  }

  private once<T>(key: string, run: () => Promise<T>): Promise<T> {
    let found = this.memo.get(key) as Promise<T> | undefined;
    if (!found) {
      found = run();
      this.memo.set(key, found);
    }
    return found;
  }
}

/**
 * The lookup's result, or why it found nothing or several, in the lookup's words without its advice to a program
 * ("Pass `id` to choose one."); any other failure (ImmyBot unreachable, ...) is thrown.
 */
async function orWhy<T>(lookup: () => Promise<T>, what?: string): Promise<T | Unresolved> {
  try {
    return await lookup();
  } catch (e) {
    if (!(e instanceof LookupError) || e.code === "IMMYBOT_LOOKUP_ARGS") throw e;
    const message = e.message.replace(/\s*Pass `[^`]+`[^.]*\.\s*$/, "");
    return { why: what === undefined ? message : `${what}: ${message}` };
  }
}

/** undefined when the name found the object again; else why the name cannot stand for it. */
function sameOrWhy<T>(again: T | Unresolved, same: (v: T) => boolean, what: string, name: string): Unresolved | undefined {
  if (isUnresolved(again)) return { why: `${what} cannot be written by name: ${again.why}` };
  return same(again) ? undefined : { why: `${what} cannot be written by name: the name ${JSON.stringify(name)} finds another object` };
}
