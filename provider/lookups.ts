/**
 * Lookups (data sources): find exactly one tenant, computer, software, maintenance task or tag by name or by id,
 * and return it in the provider's own terms (names for enums, string ids where ImmyBot's routes take strings); and
 * review maintenance sessions (a filtered list, one session's log lines: `lookups/sessions.ts`).
 *
 * - By name: a trimmed, case-insensitive exact match over the whole list. No match is a {@link LookupError}
 *   (`IMMYBOT_LOOKUP_NONE`) that lists close matches (typos and partial names); several matches are one
 *   (`IMMYBOT_LOOKUP_AMBIGUOUS`) that lists every candidate with its id and says how to pick one.
 * - By id: a GET of the item; a 404 is `IMMYBOT_LOOKUP_NONE`. Software and task ids are per scope, so without a
 *   `scope` both scopes are asked, and an id that exists in both is ambiguous.
 *
 * Arguments are checked before any request. This module knows nothing of Pulumi: `sdk/lookups.ts` wraps it.
 *
 * The parts, in `lookups/`: `model.ts` (results, arguments and their checks), `errors.ts` (`LookupError`),
 * `match.ts` (exactly one of the candidates, close matches), `shared.ts` (routes and paging), and one file per
 * family with its wire mapping and lookup: `tenants.ts`, `computers.ts`, `catalog.ts` (software and tasks),
 * `tags.ts`; the session reviews in `sessions-model.ts` (results, arguments, status groups) and `sessions.ts`.
 */
export type {
  Computer,
  ComputerLookup,
  MaintenanceTask,
  MaintenanceTaskLookup,
  MaintenanceTaskParameter,
  MaintenanceTaskParameterTypeName,
  Software,
  SoftwareLookup,
  Tag,
  TagLookup,
  Tenant,
  TenantLookup,
  Wanted,
} from "./lookups/model";
export { LookupError, type LookupCandidate, type LookupErrorCode } from "./lookups/errors";
export { closeMatches, closeness, exactlyOne, normalizeName, type CandidateKind, type Within } from "./lookups/match";
export { findTenant } from "./lookups/tenants";
export { allComputers, findComputer } from "./lookups/computers";
export { findMaintenanceTask, findSoftware } from "./lookups/catalog";
export { findTag } from "./lookups/tags";
export type {
  MaintenanceSessionInfo,
  MaintenanceSessionList,
  MaintenanceSessionLogLine,
  MaintenanceSessionLogs,
  MaintenanceSessionLogsLookup,
  MaintenanceSessionsLookup,
  SessionStatusGroup,
} from "./lookups/sessions-model";
export { STATUS_GROUPS, STATUS_GROUP_MEMBERS, SESSIONS_LIMIT, LOG_LIMIT, parseMoment, parseSessionsArgs } from "./lookups/sessions-model";
export { dxFilter, findMaintenanceSessionLogs, findMaintenanceSessions, type SessionLookupOptions } from "./lookups/sessions";
