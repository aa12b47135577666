/**
 * The three faces of `pulumi-immybot sessions`: a table for a terminal, Markdown for a CI job's summary page
 * (counts by status, failed computers with their last log line, a per-day chart by status) and JSON for scripts.
 */
import type { MaintenanceSessionInfo, MaintenanceSessionList } from "../provider/lookups";
import { STATUS_GROUP_MEMBERS } from "../provider/lookups";
import { chartData, mermaidChart, seriesOf, type BinUnit } from "./sessions-chart";

/** What was asked, as the report states it. */
export interface ReportScope {
  /** The filters as given, in words: "tenant Contoso", "status Failed", ... */
  filters: string[];
  /** The window applied (ms since the epoch): from --since, to --until or the moment the report ran. */
  from: number;
  to: number;
  /** The --limit applied. */
  limit: number;
}

export type Format = "table" | "markdown" | "json";
export const FORMATS: readonly Format[] = ["table", "markdown", "json"];

export function render(format: Format, list: MaintenanceSessionList, scope: ReportScope): string {
  if (format === "json") return `${JSON.stringify({ ...list, filters: scope.filters, limit: scope.limit }, null, 2)}\n`;
  return format === "markdown" ? markdown(list, scope) : table(list, scope);
}

// ---------------------------------------------------------------------------------------------------------------
// Shared pieces

const FAILED = new Set<string>(STATUS_GROUP_MEMBERS.Failed);

/** "2025-06-02 06:00" (UTC), or "-". */
const when = (iso: string | null): string => (iso === null ? "-" : iso.slice(0, 16).replace("T", " "));

function duration(seconds: number | null): string {
  if (seconds === null) return "-";
  if (seconds < 60) return `${seconds}s`;
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
  return h > 0 ? `${h}h ${String(m).padStart(2, "0")}m` : `${m}m ${String(s).padStart(2, "0")}s`;
}

/** Where the session ran: "CONTOSO-WS001 (Contoso)", "tenant Contoso", "person 12 (Contoso)". */
function target(s: MaintenanceSessionInfo): string {
  const tenant = s.tenantName ?? (s.tenantId === null ? null : `tenant ${s.tenantId}`);
  if (s.computerId !== null) return `${s.computerName ?? `computer ${s.computerId}`}${tenant ? ` (${tenant.replace(/^tenant /, "")})` : ""}`;
  if (s.personId !== null) return `person ${s.personId}${tenant ? ` (${tenant.replace(/^tenant /, "")})` : ""}`;
  return tenant ? `tenant ${tenant.replace(/^tenant /, "")}` : "-";
}

/** What ran: "full maintenance", "onboarding", "deployment 12" or the items of its actions; then the schedule. */
function run(s: MaintenanceSessionInfo): string {
  const what = s.onboarding
    ? "onboarding"
    : s.fullMaintenance
      ? "full maintenance"
      : s.deploymentId !== null
        ? `deployment ${s.deploymentId}`
        : [...new Set(s.actions.map((a) => a.item).filter((i) => i !== null))].join(", ") || "-";
  return s.scheduleId === null ? what : `${what}, schedule ${s.scheduleId}`;
}

/** The newest failed session of each computer (or tenant, for cloud sessions), newest first. */
function failedTargets(sessions: readonly MaintenanceSessionInfo[]): MaintenanceSessionInfo[] {
  const seen = new Set<string>();
  return sessions.filter((s) => {
    if (!FAILED.has(s.status)) return false;
    const key = target(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const windowText = (scope: ReportScope): string => `created ${when(new Date(scope.from).toISOString())} to ${when(new Date(scope.to).toISOString())} UTC`;

function countsText(list: MaintenanceSessionList): string {
  return Object.entries(list.statusCounts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([status, n]) => `${status} ${n}`)
    .join(", ");
}

const truncatedText = (scope: ReportScope): string =>
  `Only the newest ${scope.limit} sessions are shown: more match. Narrow the window or the filters, or raise --limit (at most 1000).`;

// ---------------------------------------------------------------------------------------------------------------
// Table (terminals)

const LOG_WIDTH = 80;
const clip = (text: string, width: number): string => (text.length <= width ? text : `${text.slice(0, width - 1)}…`);
const oneLine = (text: string | null): string => (text ?? "").replace(/\s+/g, " ").trim();

function table(list: MaintenanceSessionList, scope: ReportScope): string {
  const head = `ImmyBot maintenance sessions ${windowText(scope)}${scope.filters.length ? ` (${scope.filters.join(", ")})` : ""}: ${list.sessions.length}`;
  if (list.sessions.length === 0) return `${head}\n`;
  const rows = [
    ["ID", "STATUS", "CREATED (UTC)", "TARGET", "RUN", "STARTED BY", "DURATION", "LAST LOG"],
    ...list.sessions.map((s) => [String(s.id), s.status, when(s.createdAt), target(s), run(s), s.startedBy ?? "-", duration(s.durationSeconds), clip(oneLine(s.lastLog) || "-", LOG_WIDTH)]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : c === 0 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  "));
  return [head, "", ...lines, "", `By status: ${countsText(list)}`, ...(list.truncated ? [truncatedText(scope)] : []), ""].join("\n");
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown (GitHub job summaries)

/** Text for a Markdown table cell: one line, no column breaks, no HTML, not endless. */
const cell = (text: string | null): string =>
  clip(oneLine(text), 200)
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/`/g, "\\`") || "-";

const UNIT_TITLE: Record<BinUnit, string> = { day: "day", week: "week (from Monday)", month: "month" };
const UNIT_COLUMN: Record<BinUnit, string> = { day: "Day", week: "Week of", month: "Month" };

function markdown(list: MaintenanceSessionList, scope: ReportScope): string {
  const out: string[] = ["## ImmyBot maintenance sessions", ""];
  out.push(`${list.sessions.length} session${list.sessions.length === 1 ? "" : "s"} ${windowText(scope)}${scope.filters.length ? ` · ${scope.filters.join(" · ")}` : ""}`, "");
  if (list.truncated) out.push(`**${truncatedText(scope)}**`, "");
  if (list.sessions.length === 0) return `${out.join("\n")}\n`;

  out.push("| Status | Sessions |", "|---|---:|");
  for (const [status, n] of Object.entries(list.statusCounts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) out.push(`| ${seriesOf(status).mark} ${status} | ${n} |`);
  out.push(`| **Total** | **${list.sessions.length}** |`, "");

  const failed = failedTargets(list.sessions);
  out.push("### Failed computers", "");
  if (failed.length === 0) out.push("None: no session in the report failed.", "");
  else {
    out.push("| Computer | Status | Session | Created (UTC) | Run | Last log line |", "|---|---|---:|---|---|---|");
    for (const s of failed) out.push(`| ${cell(target(s))} | ${s.status} | ${s.id} | ${when(s.createdAt)} | ${cell(run(s))} | ${cell(s.lastLog)} |`);
    out.push("");
  }

  const data = chartData(list.sessions, scope.from, scope.to);
  const unit = UNIT_TITLE[data.unit];
  out.push(`### Sessions per ${unit} (UTC)`, "", mermaidChart(data, `Sessions per ${unit} by status (UTC)`), "");
  const legend = data.series.map((r) => {
    const names = [...r.statuses.keys()];
    return `${r.series.mark} ${r.series.name === "Other" ? `other (${names.join(", ")})` : r.series.name}`;
  });
  out.push(`Stacked bars, bottom to top: ${legend.join(" · ")}.`, "");
  out.push(`| ${UNIT_COLUMN[data.unit]} | ${data.series.map((r) => r.series.name).join(" | ")} | Total |`, `|---|${data.series.map(() => "---:|").join("")}---:|`);
  data.bins.forEach((b, i) => out.push(`| ${b.date} | ${data.series.map((r) => r.counts[i]).join(" | ")} | ${data.totals[i]} |`));
  return `${out.join("\n")}\n`;
}
