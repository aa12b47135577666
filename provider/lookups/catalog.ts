/**
 * The catalog: software (unpaged `/software/{global,local}`) and maintenance tasks (Sieve-paged
 * `/maintenance-tasks/{global,local}`), each in two scopes. Ids are per scope, so without a `scope` both scopes are
 * asked, and an id that exists in both is ambiguous.
 */
import { z } from "zod";
import { ImmyBotUnexpectedResponseError, type ImmyBotClient } from "../client";
import { sieveAll } from "../client/paging";
import type { ItemScope } from "../deployment";
import { DatabaseType, MaintenanceTaskParameterType } from "../models/enums";
import { decodeAnswer, enumOrNull, flagOrNull, intOrNull, textOrNull, type Answer } from "../models/wire";
import { LookupError } from "./errors";
import { exactlyOne, scopedKind } from "./match";
import { itemId, nameOrId, scopeArg, type MaintenanceTask, type MaintenanceTaskLookup, type Software, type SoftwareLookup } from "./model";
import { API, PAGE_SIZE, SCOPES, arrayOf, getOrNone } from "./shared";

// ---------------------------------------------------------------------------------------------------------------
// Software: unpaged /software/{global,local}, GET by id per scope

/** An id of the catalog: ImmyBot's software ids are integers, answered as numbers or (some routes) as text. */
const catalogId = z.union([z.int(), z.string()], { error: "expected an integer or text" });

/**
 * The fields of a `GetGlobalSoftwareResponse` / `GetLocalSoftwareResponse` the lookup reads; the configuration task
 * is `maintenanceTaskId` in the scope `maintenanceTaskType` (a DatabaseType; absent: the software's own scope).
 */
const softwareAnswer = z.object({ id: catalogId, name: textOrNull, maintenanceTaskId: intOrNull, maintenanceTaskType: enumOrNull(DatabaseType) });

function softwareFromWire(scope: ItemScope, at: Answer) {
  return (row: unknown): Software => {
    const w = decodeAnswer(softwareAnswer, row, "a software item", at);
    const configurationTask = w.maintenanceTaskId === null ? {} : { configurationTask: { id: String(w.maintenanceTaskId), scope: w.maintenanceTaskType === null ? scope : DatabaseType.fromWire(w.maintenanceTaskType) } };
    return { id: String(w.id), name: w.name ?? "", scope, maintenanceType: scope === "Global" ? "GlobalSoftware" : "LocalSoftware", ...configurationTask };
  };
}

/** The one software item with this name or id, in `scope` or in both scopes. */
export async function findSoftware(client: ImmyBotClient, args: SoftwareLookup): Promise<Software> {
  const wanted = nameOrId("Software", args, itemId, '"303"');
  const scope = scopeArg("Software", (args as { scope?: unknown }).scope);
  const lists = await Promise.all(
    (scope ? [scope] : SCOPES).map(async (s) => {
      const base = `${API}/software/${s.toLowerCase()}`;
      const path = "id" in wanted ? `${base}/${encodeURIComponent(wanted.id)}` : base;
      const found = "id" in wanted ? [await getOrNone<unknown>(client, path)].filter((x) => x !== undefined) : arrayOf<unknown>(await client.get<unknown>(path), path);
      return found.map(softwareFromWire(s, { method: "GET", path }));
    }),
  );
  return exactlyOne(scopedKind<Software>("software", "software items", scope), wanted, lists.flat());
}

// ---------------------------------------------------------------------------------------------------------------
// Maintenance tasks: Sieve /maintenance-tasks/{global,local}, GET by id per scope (for the parameters too)

/** The fields of a `MaintenanceTaskParameter` the lookup reads; the type comes as `dataType` (or `type`). */
const taskParameterAnswer = z.object({
  name: textOrNull,
  dataType: enumOrNull(MaintenanceTaskParameterType),
  type: enumOrNull(MaintenanceTaskParameterType),
  required: flagOrNull,
  hidden: flagOrNull,
  order: intOrNull,
});

/** The fields of a `MaintenanceTask` the lookup reads (a list row may leave out the parameters). */
const taskAnswer = z.object({
  id: catalogId,
  name: textOrNull,
  isConfigurationTask: flagOrNull,
  parameters: z
    .array(taskParameterAnswer, { error: "expected a list of parameters, or null" })
    .nullish()
    .transform((v) => v ?? []),
});
type WireTask = z.output<typeof taskAnswer>;

function taskFromWire(scope: ItemScope, w: WireTask, at: Answer): MaintenanceTask {
  return {
    id: String(w.id),
    name: w.name ?? "",
    scope,
    maintenanceType: scope === "Global" ? "GlobalMaintenanceTask" : "LocalMaintenanceTask",
    isConfigurationTask: w.isConfigurationTask === true,
    parameters: w.parameters
      .map((p, index) => ({ p, index }))
      .sort((a, b) => (a.p.order ?? a.index) - (b.p.order ?? b.index) || a.index - b.index)
      .map(({ p }) => {
        const type = p.dataType ?? p.type;
        if (type === null) {
          throw new ImmyBotUnexpectedResponseError(`ImmyBot GET ${at.path}: parameter ${JSON.stringify(p.name)} of task ${w.id} has no dataType.`, at);
        }
        return { name: p.name ?? "", type: MaintenanceTaskParameterType.fromWire(type), required: p.required === true, hidden: p.hidden === true };
      }),
  };
}

/** The one maintenance task with this name or id, in `scope` or in both scopes, with its parameters. */
export async function findMaintenanceTask(client: ImmyBotClient, args: MaintenanceTaskLookup): Promise<MaintenanceTask> {
  const wanted = nameOrId("Maintenance task", args, itemId, '"7"');
  const scope = scopeArg("Maintenance task", (args as { scope?: unknown }).scope);
  const base = (s: ItemScope) => `${API}/maintenance-tasks/${s.toLowerCase()}`;
  const decode = (row: unknown, path: string) => decodeAnswer(taskAnswer, row, "a maintenance task", { method: "GET", path });
  const detail = async (s: ItemScope, id: string) => {
    const path = `${base(s)}/${id}`;
    const found = await getOrNone<unknown>(client, path);
    return found === undefined ? undefined : decode(found, path);
  };
  const lists = await Promise.all(
    (scope ? [scope] : SCOPES).map(async (s) => {
      const found =
        "id" in wanted
          ? [await detail(s, wanted.id)].filter((x) => x !== undefined)
          : (await sieveAll<unknown>(client, base(s), {}, PAGE_SIZE)).map((row) => decode(row, base(s)));
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
  return taskFromWire(hit.scope, wire, { method: "GET", path: `${base(hit.scope)}/${hit.id}` });
}
