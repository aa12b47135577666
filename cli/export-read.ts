/**
 * What `pulumi-immybot export` reads from ImmyBot: every schedule (one unpaged list), every local deployment (Sieve
 * pages) and every global deployment (Sieve pages), each decoded with its resource's own wire mapping
 * (`schedule.fromWire`, `deployment-wire.ts`), so an exported entry means exactly what the resource reads back on
 * `pulumi up`. An object the mapping cannot read (an item kind the Deployment resource does not manage, an answer
 * missing a field) is left out with the mapping's reason, never dropped in silence.
 */
import { ImmyBotHttpError, ImmyBotUnexpectedResponseError, type ImmyBotClient } from "../provider/client";
import { sieveAll } from "../provider/client/paging";
import { fromWire as deploymentFromWire, type DeploymentInputs } from "../provider/deployment";
import { LifecycleError } from "../provider/errors";
import { MaintenanceType } from "../provider/models/enums";
import { listAnswer } from "../provider/models/wire";
import { fromWire as scheduleFromWire, type ScheduleInputs } from "../provider/schedule";

/** One ImmyBot object the export could not write, and why (what the report and the terminal list). */
export interface LeftOut {
  kind: "schedule" | "deployment" | "global deployment";
  /** ImmyBot's id ("*" for a whole list that could not be read). */
  id: string;
  /** The tenant it belongs to, when it has one and the answer says which. */
  tenantId?: number;
  /** That tenant's name (filled in once names are known). */
  tenant?: string;
  why: string;
}

export interface Instance {
  schedules: { id: string; inputs: ScheduleInputs }[];
  deployments: { id: string; inputs: DeploymentInputs }[];
  leftOut: LeftOut[];
}

const SCHEDULES = "/api/v1/schedules";
const DEPLOYMENTS = "/api/v1/target-assignments";
const GLOBAL_DEPLOYMENTS = "/api/v1/target-assignments/global";
const PAGE_SIZE = 500;

/** Every schedule and deployment of the instance, in id order, or the reason each one cannot be exported. */
export async function readInstance(client: ImmyBotClient, progress: (line: string) => void): Promise<Instance> {
  const leftOut: LeftOut[] = [];
  const [scheduleRows, deploymentRows, globalRows] = await Promise.all([
    client.get<unknown>(SCHEDULES).then((body) => listAnswer(body, "schedules", { method: "GET", path: SCHEDULES })),
    sieveAll<unknown>(client, DEPLOYMENTS, {}, PAGE_SIZE),
    globalDeployments(client, leftOut),
  ]);
  progress(`read ${scheduleRows.length} schedules, ${deploymentRows.length} deployments and ${globalRows.length} global deployments`);

  const schedules: Instance["schedules"] = [];
  for (const row of scheduleRows) {
    const read = decoded(() => scheduleFromWire(row, { method: "GET", path: SCHEDULES }));
    if ("why" in read) leftOut.push({ kind: "schedule", id: idOf(row), ...tenantOf(row), why: read.why });
    else schedules.push(read);
  }
  const deployments: Instance["deployments"] = [];
  for (const row of deploymentRows) {
    const read = decoded(() => deploymentFromWire(row, { method: "GET", path: DEPLOYMENTS }));
    if ("why" in read) leftOut.push({ kind: "deployment", id: idOf(row), ...tenantOf(row), why: read.why });
    else deployments.push(read);
  }
  for (const row of globalRows) {
    leftOut.push({
      kind: "global deployment",
      id: idOf(row),
      why: `a global deployment (ImmyBot's published catalog${itemOf(row)}): the Deployment resource manages your instance's own (local) deployments only`,
    });
  }
  const byId = (a: { id: string }, b: { id: string }) => Number(a.id) - Number(b.id);
  return { schedules: schedules.sort(byId), deployments: deployments.sort(byId), leftOut };
}

/**
 * The global deployments, only to report them. An instance without the route (an older ImmyBot answers its web app)
 * or without the permission is reported as one entry: what it holds there could not be seen.
 */
async function globalDeployments(client: ImmyBotClient, leftOut: LeftOut[]): Promise<unknown[]> {
  try {
    return await sieveAll<unknown>(client, GLOBAL_DEPLOYMENTS, {}, PAGE_SIZE);
  } catch (e) {
    if (!(e instanceof ImmyBotUnexpectedResponseError || (e instanceof ImmyBotHttpError && [403, 404].includes(e.status)))) throw e;
    leftOut.push({ kind: "global deployment", id: "*", why: `the global deployments could not be listed, so none is in the export: ${e.message}` });
    return [];
  }
}

/** The mapping's result, or why it cannot read the object (an answer it does not understand, an item kind it does not manage). */
function decoded<T>(read: () => T): T | { why: string } {
  try {
    return read();
  } catch (e) {
    if (e instanceof ImmyBotUnexpectedResponseError || (e instanceof LifecycleError && e.code === "IMMYBOT_UNSUPPORTED_ITEM")) return { why: e.message };
    throw e;
  }
}

function idOf(row: unknown): string {
  const id = (row as { id?: unknown } | null)?.id;
  return typeof id === "number" || typeof id === "string" ? String(id) : "?";
}

function tenantOf(row: unknown): { tenantId?: number } {
  const id = (row as { tenantId?: unknown } | null)?.tenantId;
  return typeof id === "number" ? { tenantId: id } : {};
}

/** ", GlobalSoftware 303" for a report line, from the row as it came. */
function itemOf(row: unknown): string {
  const r = row as { maintenanceType?: unknown; maintenanceIdentifier?: unknown } | null;
  const type = typeof r?.maintenanceType === "number" ? MaintenanceType.fromWire(r.maintenanceType) : r?.maintenanceType;
  return typeof type === "string" && typeof r?.maintenanceIdentifier === "string" ? `, ${type} ${r.maintenanceIdentifier}` : "";
}
