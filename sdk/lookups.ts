/**
 * Lookups for programs: find a tenant, computer, software, maintenance task or tag by name or id, to use its id in
 * a resource; and review maintenance sessions (`getMaintenanceSessions`, `getMaintenanceSessionLogs`). They run in the program's own process (not in the dynamic-provider host), during preview and update.
 *
 * Settings are the provider's: stack config `immybot:*`, each falling back to its `IMMYBOT_*` environment
 * variable. All lookups of a process share one client (one token, one connection pool per instance), and the
 * results hold no secret. A failure rejects with an error whose message says what to change; `pulumi up` prints
 * that message alone (the error is marked as Pulumi's `RunError`), never a stack trace or a secret.
 *
 * @example
 * const chrome = await immybot.getSoftware({ name: "Google Chrome", scope: "Global" });
 * const contoso = immybot.getTenantOutput({ name: config.require("tenant") });
 * new immybot.Schedule("nightly", { targetType: "AllForTenant", tenantId: contoso.id, detectionTime: "01:00" });
 */
import * as pulumi from "@pulumi/pulumi";
import { clientFor, resolveSettings, type ImmyBotClient } from "../provider/client";
import {
  findComputer,
  findMaintenanceSessionLogs,
  findMaintenanceSessions,
  findMaintenanceTask,
  findSoftware,
  findTag,
  findTenant,
  type Computer,
  type ComputerLookup,
  type MaintenanceSessionList,
  type MaintenanceSessionLogs,
  type MaintenanceSessionLogsLookup,
  type MaintenanceSessionsLookup,
  type MaintenanceTask,
  type MaintenanceTaskLookup,
  type Software,
  type SoftwareLookup,
  type Tag,
  type TagLookup,
  type Tenant,
  type TenantLookup,
} from "../provider/lookups";
import type { Inputs } from "./resource";

export { LookupError, STATUS_GROUP_MEMBERS } from "../provider/lookups";
export type {
  Computer,
  LookupCandidate,
  LookupErrorCode,
  MaintenanceSessionInfo,
  MaintenanceSessionList,
  MaintenanceSessionLogLine,
  MaintenanceSessionLogs,
  SessionStatusGroup,
  MaintenanceTask,
  MaintenanceTaskParameter,
  MaintenanceTaskParameterTypeName,
  Software,
  // `Tag` is the resource (sdk/tag.ts); what getTag finds is a TagInfo.
  Tag as TagInfo,
  Tenant,
} from "../provider/lookups";

/** Arguments of {@link getTenant}: exactly one of `name` and `id`. */
export type GetTenantArgs = TenantLookup;
/** Arguments of {@link getComputer}: exactly one of `name` and `id`, optionally `tenantId`. */
export type GetComputerArgs = ComputerLookup;
/** Arguments of {@link getSoftware}: exactly one of `name` and `id`, optionally `scope`. */
export type GetSoftwareArgs = SoftwareLookup;
/** Arguments of {@link getMaintenanceTask}: exactly one of `name` and `id`, optionally `scope`. */
export type GetMaintenanceTaskArgs = MaintenanceTaskLookup;
/** Arguments of {@link getTag}: exactly one of `name` and `id`. */
export type GetTagArgs = TagLookup;

/** Arguments of {@link getMaintenanceSessions}: filters, all optional (every one given must hold), and `limit`. */
export type GetMaintenanceSessionsArgs = MaintenanceSessionsLookup;
/** Arguments of {@link getMaintenanceSessionLogs}: `sessionId`, optionally `actionId` and `limit`. */
export type GetMaintenanceSessionLogsArgs = MaintenanceSessionLogsLookup;

/** The process-wide client for the stack's settings (stack config, then IMMYBOT_* variables). */
function client(): ImmyBotClient {
  return clientFor(resolveSettings((key) => pulumi.runtime.getConfig(key), process.env));
}

/**
 * Runs one lookup with the stack's client. Whatever fails (settings, token, HTTP, no match) rejects with an error
 * marked as Pulumi's `RunError`, so `pulumi up` prints its message alone, without a stack trace; the error keeps
 * its class (`instanceof LookupError`), `code` and `candidates`. Messages never hold a secret: settings errors
 * name keys only and the client redacts tokens and secrets.
 *
 * Not an async function, and its work runs in `.then` handlers, on purpose: no error of a lookup is thrown or
 * rejected while an async function runs. Pulumi's language host runs the program with the V8 inspector's debugger
 * enabled (its closure serializer needs it), and then V8, at each throw or reject while an async function runs,
 * looks for a handler by walking every promise that depends on the promises of the async functions on the stack,
 * path by path. When a lookup fails, the program's outputs hang off those promises (lookups fed by it, resource
 * inputs, stack outputs; none handles the rejection): the `throw` that used to be here cost 10 to 40 s of CPU in a
 * program of a few resources, more as the program grew. A throw in a `.then` handler is not walked
 * (test/scenario/failed-lookup.test.ts holds this).
 */
function lookup<A, R>(find: (client: ImmyBotClient, args: A) => Promise<R>, args: A): Promise<R> {
  return Promise.resolve()
    .then(() => find(client(), args))
    .then(undefined, (e: unknown) => {
      throw plain(e);
    });
}

/** `e` marked the way `pulumi.RunError.isInstance` recognises (across SDK copies): reported without its stack. */
function plain(e: unknown): Error {
  const error = e instanceof Error ? e : new pulumi.RunError(String(e));
  if (!pulumi.RunError.isInstance(error)) Object.defineProperty(error, "__pulumiRunError", { value: true, configurable: true });
  return error;
}

/** Runs `get` once every argument is known (never while one is unknown, as in a preview). */
function whenKnown<A, R>(args: Inputs<A>, get: (args: A) => Promise<R>): pulumi.Output<R> {
  return pulumi.output(args as pulumi.Input<A>).apply((known) => get(known as A)) as unknown as pulumi.Output<R>;
}

/**
 * The one tenant with this name (case-insensitive) or id.
 * @example const contoso = await immybot.getTenant({ name: "Contoso" }); // tenantId: contoso.id
 */
export async function getTenant(args: GetTenantArgs): Promise<Tenant> {
  return lookup(findTenant, args);
}

/** {@link getTenant} taking Pulumi inputs and returning an Output. */
export function getTenantOutput(args: Inputs<GetTenantArgs>): pulumi.Output<Tenant> {
  return whenKnown(args, getTenant);
}

/**
 * The one computer with this name (case-insensitive) or id; `tenantId` tells apart computers of the same name.
 * @example const pc = await immybot.getComputer({ name: "CONTOSO-PC01", tenantId: 2 }); // target: String(pc.id)
 */
export async function getComputer(args: GetComputerArgs): Promise<Computer> {
  return lookup(findComputer, args);
}

/** {@link getComputer} taking Pulumi inputs and returning an Output. */
export function getComputerOutput(args: Inputs<GetComputerArgs>): pulumi.Output<Computer> {
  return whenKnown(args, getComputer);
}

/**
 * The one software item with this name (case-insensitive) or id, in `scope` ("Global" or "Local") or both.
 * @example const chrome = await immybot.getSoftware({ name: "Google Chrome", scope: "Global" }); // software: { id: chrome.id, scope: chrome.scope, ... }
 */
export async function getSoftware(args: GetSoftwareArgs): Promise<Software> {
  return lookup(findSoftware, args);
}

/** {@link getSoftware} taking Pulumi inputs and returning an Output. */
export function getSoftwareOutput(args: Inputs<GetSoftwareArgs>): pulumi.Output<Software> {
  return whenKnown(args, getSoftware);
}

/**
 * The one maintenance task with this name (case-insensitive) or id, in `scope` or both, with its parameters.
 * @example const bios = await immybot.getMaintenanceTask({ name: "Set BIOS password" }); // task: { id: bios.id, scope: bios.scope }
 */
export async function getMaintenanceTask(args: GetMaintenanceTaskArgs): Promise<MaintenanceTask> {
  return lookup(findMaintenanceTask, args);
}

/** {@link getMaintenanceTask} taking Pulumi inputs and returning an Output. */
export function getMaintenanceTaskOutput(args: Inputs<GetMaintenanceTaskArgs>): pulumi.Output<MaintenanceTask> {
  return whenKnown(args, getMaintenanceTask);
}

/**
 * The one tag with this name (case-insensitive) or id.
 * @example const canary = await immybot.getTag({ name: "Canary" }); // targetType: "Tag", target: String(canary.id)
 */
export async function getTag(args: GetTagArgs): Promise<Tag> {
  return lookup(findTag, args);
}

/** {@link getTag} taking Pulumi inputs and returning an Output. */
export function getTagOutput(args: Inputs<GetTagArgs>): pulumi.Output<Tag> {
  return whenKnown(args, getTag);
}

/**
 * The maintenance sessions that match every filter given, newest first, at most `limit` (default 100, at most
 * 1000): by status (names, or the groups "Completed", "Failed", "InProgress"), computer, tenant, session type,
 * deployment, schedule and creation window (`from`, `to`: ISO 8601 or a time ago such as "7d"). Each session carries
 * its statuses, computer and tenant, times, actions (with the deployment each came from), what started it and its
 * last log line. ImmyBot filters the list itself (`/maintenance-sessions/dx`); then each session costs two
 * requests (with `deploymentId`, each candidate one more: the dx list does not say the deployment).
 * @example
 * const failed = await immybot.getMaintenanceSessions({ tenantName: "Contoso", statusGroup: "Failed", from: "7d" });
 * // failed.sessions[0]: { id, status, computerName, lastLog, actions: [{ item, result, deploymentId, ... }], ... }
 */
export async function getMaintenanceSessions(args: GetMaintenanceSessionsArgs = {}): Promise<MaintenanceSessionList> {
  return lookup((c, a: GetMaintenanceSessionsArgs) => findMaintenanceSessions(c, a), args);
}

/** {@link getMaintenanceSessions} taking Pulumi inputs and returning an Output. */
export function getMaintenanceSessionsOutput(args: Inputs<GetMaintenanceSessionsArgs> = {}): pulumi.Output<MaintenanceSessionList> {
  return whenKnown(args, getMaintenanceSessions);
}

/**
 * One session's log lines (time, message, type, the action each belongs to), oldest first: the newest `limit`
 * (default 500, at most 5000), only those of `actionId` when given.
 * @example const log = await immybot.getMaintenanceSessionLogs({ sessionId: failed.sessions[0].id, limit: 50 });
 */
export async function getMaintenanceSessionLogs(args: GetMaintenanceSessionLogsArgs): Promise<MaintenanceSessionLogs> {
  return lookup(findMaintenanceSessionLogs, args);
}

/** {@link getMaintenanceSessionLogs} taking Pulumi inputs and returning an Output. */
export function getMaintenanceSessionLogsOutput(args: Inputs<GetMaintenanceSessionLogsArgs>): pulumi.Output<MaintenanceSessionLogs> {
  return whenKnown(args, getMaintenanceSessionLogs);
}
