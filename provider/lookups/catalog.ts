/**
 * The catalog: software (unpaged `/software/{global,local}`) and maintenance tasks (Sieve-paged
 * `/maintenance-tasks/{global,local}`), each in two scopes. Ids are per scope, so without a `scope` both scopes are
 * asked, and an id that exists in both is ambiguous.
 */
import type { ImmyBotClient } from "../client";
import { ImmyBotUnexpectedResponseError } from "../client";
import { sieveAll } from "../client/paging";
import type { ItemScope } from "../deployment";
import { MaintenanceTaskParameterType } from "../models/enums";
import { LookupError } from "./errors";
import { exactlyOne, scopedKind } from "./match";
import { itemId, nameOrId, scopeArg, type MaintenanceTask, type MaintenanceTaskLookup, type Software, type SoftwareLookup } from "./model";
import { API, PAGE_SIZE, SCOPES, arrayOf, getOrNone, int } from "./shared";

// ---------------------------------------------------------------------------------------------------------------
// Software: unpaged /software/{global,local}, GET by id per scope

interface WireSoftware {
  id: number | string;
  name?: string | null;
}

function softwareFromWire(scope: ItemScope) {
  return (w: WireSoftware): Software => ({
    id: String(w.id),
    name: w.name ?? "",
    scope,
    maintenanceType: scope === "Global" ? "GlobalSoftware" : "LocalSoftware",
  });
}

/** The one software item with this name or id, in `scope` or in both scopes. */
export async function findSoftware(client: ImmyBotClient, args: SoftwareLookup): Promise<Software> {
  const wanted = nameOrId("Software", args, itemId, '"303"');
  const scope = scopeArg("Software", (args as { scope?: unknown }).scope);
  const lists = await Promise.all(
    (scope ? [scope] : SCOPES).map(async (s) => {
      const base = `${API}/software/${s.toLowerCase()}`;
      const found =
        "id" in wanted
          ? [await getOrNone<WireSoftware>(client, `${base}/${encodeURIComponent(wanted.id)}`)].filter((x): x is WireSoftware => x !== undefined)
          : arrayOf<WireSoftware>(await client.get<unknown>(base), base);
      return found.map(softwareFromWire(s));
    }),
  );
  return exactlyOne(scopedKind<Software>("software", "software items", scope), wanted, lists.flat());
}

// ---------------------------------------------------------------------------------------------------------------
// Maintenance tasks: Sieve /maintenance-tasks/{global,local}, GET by id per scope (for the parameters too)

interface WireTaskParameter {
  name?: string | null;
  dataType?: number | string | null;
  type?: number | string | null;
  required?: boolean | null;
  hidden?: boolean | null;
  order?: number | null;
}

interface WireTask {
  id: number | string;
  name?: string | null;
  isConfigurationTask?: boolean | null;
  parameters?: WireTaskParameter[] | null;
}

function taskFromWire(scope: ItemScope, path: string) {
  return (w: WireTask): MaintenanceTask => ({
    id: String(w.id),
    name: w.name ?? "",
    scope,
    maintenanceType: scope === "Global" ? "GlobalMaintenanceTask" : "LocalMaintenanceTask",
    isConfigurationTask: w.isConfigurationTask === true,
    parameters: [...(w.parameters ?? [])]
      .map((p, index) => ({ p, index }))
      .sort((a, b) => (int(a.p.order) ?? a.index) - (int(b.p.order) ?? b.index) || a.index - b.index)
      .map(({ p }) => {
        const type = p.dataType ?? p.type;
        if (type === undefined || type === null) {
          throw new ImmyBotUnexpectedResponseError(
            `ImmyBot GET ${path}: parameter ${JSON.stringify(p.name)} of task ${w.id} has no dataType.`,
            { method: "GET", path },
          );
        }
        return { name: p.name ?? "", type: MaintenanceTaskParameterType.fromWire(type), required: p.required === true, hidden: p.hidden === true };
      }),
  });
}

/** The one maintenance task with this name or id, in `scope` or in both scopes, with its parameters. */
export async function findMaintenanceTask(client: ImmyBotClient, args: MaintenanceTaskLookup): Promise<MaintenanceTask> {
  const wanted = nameOrId("Maintenance task", args, itemId, '"7"');
  const scope = scopeArg("Maintenance task", (args as { scope?: unknown }).scope);
  const base = (s: ItemScope) => `${API}/maintenance-tasks/${s.toLowerCase()}`;
  const detail = (s: ItemScope, id: string) => getOrNone<WireTask>(client, `${base(s)}/${id}`);
  const lists = await Promise.all(
    (scope ? [scope] : SCOPES).map(async (s) => {
      const found =
        "id" in wanted
          ? [await detail(s, wanted.id)].filter((x): x is WireTask => x !== undefined)
          : await sieveAll<WireTask>(client, base(s), {}, PAGE_SIZE);
      return found.map((w) => ({ scope: s, wire: w, id: String(w.id), name: w.name ?? "" }));
    }),
  );
  const kind = scopedKind<{ scope: ItemScope; wire: WireTask; id: string; name: string }>("maintenance task", "maintenance tasks", scope);
  const hit = exactlyOne(kind, wanted, lists.flat());
  // A list row may leave out the parameters: read the task itself unless it was just read by id.
  const wire = "id" in wanted ? hit.wire : await detail(hit.scope, hit.id);
  if (wire === undefined) {
    throw new LookupError("IMMYBOT_LOOKUP_NONE", `${hit.scope} maintenance task ${hit.id} ${JSON.stringify(hit.name)} was listed but is gone (404); try again.`);
  }
  return taskFromWire(hit.scope, `${base(hit.scope)}/${hit.id}`)(wire);
}
