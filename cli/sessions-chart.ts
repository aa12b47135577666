/**
 * The report's per-day chart: sessions counted by status in UTC days (weeks, then months, for long windows), drawn
 * as a Mermaid `xychart-beta` that GitHub renders in Markdown (job summaries, issues, PR comments).
 *
 * Mermaid's XY chart has neither stacked bars nor a legend. Every `bar` series is drawn over the whole band of its
 * category, later series over earlier ones, so stacked bars are drawn as cumulative totals, tallest first; each
 * series gets its colour from `plotColorPalette` (in an init directive, which every Mermaid since 10.6 reads), and
 * the Markdown names the colours with coloured squares. `xychart-beta` is the keyword Mermaid 10.6 (the first with
 * XY charts) to 12 all parse; the plain `xychart` only came with 11.
 */
import type { SessionStatusName } from "../provider/models/enums";

/** A group of statuses drawn in one colour, bottom of the stack first. */
export interface ChartSeries {
  name: string;
  statuses: readonly SessionStatusName[];
  /** The bar's colour. */
  color: string;
  /** The emoji square of that colour, for legends and tables. */
  mark: string;
}

/** Nine series, as many as there are coloured squares; the rarer statuses share "Other". */
export const CHART_SERIES: readonly ChartSeries[] = [
  { name: "Failed", statuses: ["Failed"], color: "#cf222e", mark: "🟥" },
  { name: "Missed", statuses: ["Missed"], color: "#953800", mark: "🟫" },
  { name: "Cancelled", statuses: ["Cancelled"], color: "#424a53", mark: "⬛" },
  { name: "PartialPassed", statuses: ["PartialPassed"], color: "#fb8f44", mark: "🟧" },
  { name: "Passed", statuses: ["Passed"], color: "#2da44e", mark: "🟩" },
  { name: "Running", statuses: ["Running"], color: "#0969da", mark: "🟦" },
  { name: "PendingConnectivity", statuses: ["PendingConnectivity"], color: "#8250df", mark: "🟪" },
  { name: "Pending", statuses: ["Pending"], color: "#d4a72c", mark: "🟨" },
  {
    name: "Other",
    statuses: ["Postponed", "Created", "PendingPreflight", "PendingEphemeralAgentConnection", "MaxTrackedDevicesPerMonthExceeded", "MaintenanceForTrackableDevicesNotAllowed"],
    color: "#afb8c1",
    mark: "⬜",
  },
];

/** The series a status is drawn in. */
export function seriesOf(status: string): ChartSeries {
  return CHART_SERIES.find((s) => (s.statuses as readonly string[]).includes(status)) ?? CHART_SERIES[CHART_SERIES.length - 1]!;
}

export type BinUnit = "day" | "week" | "month";

/** One bar: sessions created in [start, end). */
export interface Bin {
  /** "05-26" for a day or the Monday of a week, "2025-06" for a month: the chart's axis. */
  label: string;
  /** "2025-05-26", or "2025-06" for a month: the table's first column. */
  date: string;
  start: number;
  end: number;
}

const DAY = 86_400_000;
/** More bars than this are unreadable at GitHub's width: a longer window is drawn by week, then by month. */
export const MAX_BARS = 31;

/** The bars of the window [from, to) in UTC: days, or weeks from Monday, or months, whichever needs at most MAX_BARS. */
export function binsOf(from: number, to: number): { unit: BinUnit; bins: Bin[] } {
  const day0 = Math.floor(from / DAY) * DAY;
  const dayCount = Math.ceil((to - day0) / DAY);
  if (dayCount <= MAX_BARS) return { unit: "day", bins: steps(day0, to, (t) => t + DAY, (t) => iso(t).slice(5, 10), (t) => iso(t).slice(0, 10)) };
  const monday = day0 - ((new Date(day0).getUTCDay() + 6) % 7) * DAY;
  if (Math.ceil((to - monday) / (7 * DAY)) <= MAX_BARS) {
    return { unit: "week", bins: steps(monday, to, (t) => t + 7 * DAY, (t) => iso(t).slice(5, 10), (t) => iso(t).slice(0, 10)) };
  }
  const d = new Date(from);
  const month0 = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const nextMonth = (t: number) => Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth() + 1, 1);
  const month = (t: number) => iso(t).slice(0, 7);
  return { unit: "month", bins: steps(month0, to, nextMonth, month, month) };
}

function steps(first: number, to: number, next: (t: number) => number, label: (t: number) => string, date: (t: number) => string): Bin[] {
  const bins: Bin[] = [];
  for (let t = first; t < to; t = next(t)) bins.push({ label: label(t), date: date(t), start: t, end: next(t) });
  return bins;
}

const iso = (t: number): string => new Date(t).toISOString();

/** Sessions per bin and series: `counts[series name][bin index]`, only series with at least one session, bottom first. */
export interface ChartData {
  unit: BinUnit;
  bins: Bin[];
  series: { series: ChartSeries; counts: number[]; statuses: Map<string, number> }[];
  totals: number[];
}

/** Counts sessions (status and creation time) into the bins of [from, to); sessions outside it are not counted. */
export function chartData(sessions: readonly { status: string; createdAt: string | null }[], from: number, to: number): ChartData {
  const { unit, bins } = binsOf(from, to);
  const rows = CHART_SERIES.map((series) => ({ series, counts: bins.map(() => 0), statuses: new Map<string, number>() }));
  for (const s of sessions) {
    const at = s.createdAt === null ? NaN : Date.parse(s.createdAt);
    const i = bins.findIndex((b) => at >= b.start && at < b.end);
    if (i < 0) continue;
    const row = rows[CHART_SERIES.indexOf(seriesOf(s.status))]!;
    row.counts[i]! += 1;
    row.statuses.set(s.status, (row.statuses.get(s.status) ?? 0) + 1);
  }
  const series = rows.filter((r) => r.counts.some((n) => n > 0));
  return { unit, bins, series, totals: bins.map((_, i) => series.reduce((sum, r) => sum + r.counts[i]!, 0)) };
}

/** The Mermaid block (fences included) of stacked bars; the caller writes the legend beside it. */
export function mermaidChart(data: ChartData, title: string): string {
  // Tallest first: the top series' bar is the day's total, each later one covers it up to its own top.
  const drawn = [...data.series].reverse();
  const cumulative = drawn.map((_, k) => data.bins.map((__, i) => drawn.slice(k).reduce((sum, r) => sum + r.counts[i]!, 0)));
  const top = Math.max(1, ...data.totals);
  const init = { themeVariables: { xyChart: { plotColorPalette: drawn.map((r) => r.series.color).join(", ") } } };
  return [
    "```mermaid",
    `%%{init: ${JSON.stringify(init)}}%%`,
    "xychart-beta",
    `  title "${title.replace(/"/g, "'")}"`,
    `  x-axis [${data.bins.map((b) => `"${b.label}"`).join(", ")}]`,
    `  y-axis "Sessions" 0 --> ${top}`,
    ...cumulative.map((values) => `  bar [${values.join(", ")}]`),
    "```",
  ].join("\n");
}
