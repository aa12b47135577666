/**
 * The session report's pure parts (cli/sessions-chart.ts, cli/sessions-report.ts): the bars of a window (days,
 * weeks from Monday, months), the counts per bar and series, the stacked chart drawn as running totals, and
 * Markdown that a log line cannot break.
 */
import { describe, expect, it } from "vitest";
import { CHART_SERIES, MAX_BARS, binsOf, chartData, mermaidChart, seriesOf } from "../../cli/sessions-chart";
import { render, type ReportScope } from "../../cli/sessions-report";
import type { MaintenanceSessionInfo, MaintenanceSessionList } from "../../provider/lookups";
import { SessionStatus } from "../../provider/models/enums";

const at = (iso: string) => Date.parse(iso);

describe("binsOf", () => {
  it("days for up to 31 bars, the first one whole from midnight UTC", () => {
    const { unit, bins } = binsOf(at("2025-05-26T12:00:00Z"), at("2025-06-02T12:00:00Z"));
    expect(unit).toBe("day");
    expect(bins.map((b) => b.label)).toEqual(["05-26", "05-27", "05-28", "05-29", "05-30", "05-31", "06-01", "06-02"]);
    expect(bins[0]).toMatchObject({ date: "2025-05-26", start: at("2025-05-26T00:00:00Z"), end: at("2025-05-27T00:00:00Z") });
    expect(binsOf(at("2025-05-01T00:00:00Z"), at("2025-06-01T00:00:00Z")).bins).toHaveLength(31);
  });

  it("weeks from Monday past 31 days, months past 31 weeks", () => {
    const weeks = binsOf(at("2025-06-04T10:00:00Z"), at("2025-08-20T00:00:00Z")); // a Wednesday
    expect(weeks.unit).toBe("week");
    expect(weeks.bins[0]).toMatchObject({ label: "06-02", date: "2025-06-02" });
    expect(new Date(weeks.bins[0]!.start).getUTCDay()).toBe(1);
    expect(weeks.bins.at(-1)!.end).toBeGreaterThan(at("2025-08-20T00:00:00Z"));
    const months = binsOf(at("2024-11-15T00:00:00Z"), at("2025-12-01T00:00:00Z"));
    expect(months.unit).toBe("month");
    expect(months.bins.map((b) => b.label)).toEqual(["2024-11", "2024-12", ...Array.from({ length: 11 }, (_, i) => `2025-${String(i + 1).padStart(2, "0")}`)]);
    expect(months.bins.length).toBeLessThanOrEqual(MAX_BARS);
  });
});

describe("chartData and mermaidChart", () => {
  const sessions = [
    { status: "Passed", createdAt: "2025-06-01T08:00:00.000Z" },
    { status: "Failed", createdAt: "2025-06-01T09:00:00.000Z" },
    { status: "Postponed", createdAt: "2025-06-02T08:00:00.000Z" },
    { status: "Created", createdAt: "2025-06-02T08:00:00.000Z" },
    { status: "Passed", createdAt: "2025-06-02T23:59:59.999Z" },
    { status: "Passed", createdAt: "2025-06-03T00:00:00.000Z" }, // after the window
    { status: "Passed", createdAt: null },
  ];

  it("counts each session once, in its bar and series; only series that occur, bottom first", () => {
    const data = chartData(sessions, at("2025-06-01T00:00:00Z"), at("2025-06-03T00:00:00Z"));
    expect(data.series.map((r) => [r.series.name, r.counts])).toEqual([
      ["Failed", [1, 0]],
      ["Passed", [1, 1]],
      ["Other", [0, 2]],
    ]);
    expect([...data.series[2]!.statuses]).toEqual([["Postponed", 1], ["Created", 1]]);
    expect(data.totals).toEqual([2, 3]);
  });

  it("draws stacked bars as running totals, the top series first, each with its colour", () => {
    const chart = mermaidChart(chartData(sessions, at("2025-06-01T00:00:00Z"), at("2025-06-03T00:00:00Z")), 'Sessions "per day"');
    expect(chart.split("\n")).toEqual([
      "```mermaid",
      '%%{init: {"themeVariables":{"xyChart":{"plotColorPalette":"#afb8c1, #2da44e, #cf222e"}}}}%%',
      "xychart-beta",
      "  title \"Sessions 'per day'\"",
      '  x-axis ["06-01", "06-02"]',
      '  y-axis "Sessions" 0 --> 3',
      "  bar [2, 3]",
      "  bar [2, 1]",
      "  bar [1, 0]",
      "```",
    ]);
  });

  it("every status has exactly one series", () => {
    expect(SessionStatus.names.map((s) => CHART_SERIES.filter((r) => r.statuses.includes(s)).length)).toEqual(SessionStatus.names.map(() => 1));
    expect(seriesOf("Missed").mark).toBe("🟫");
  });
});

describe("render", () => {
  const scope: ReportScope = { filters: ["tenant Contoso"], from: at("2025-06-01T00:00:00Z"), to: at("2025-06-02T00:00:00Z"), limit: 100 };
  const session = (over: Partial<MaintenanceSessionInfo>): MaintenanceSessionInfo => ({
    id: 1,
    status: "Failed",
    stages: {} as MaintenanceSessionInfo["stages"],
    computerId: null,
    computerName: null,
    tenantId: 2,
    tenantName: "Contoso",
    personId: null,
    createdAt: "2025-06-01T10:00:00.000Z",
    updatedAt: null,
    scheduledExecutionAt: null,
    finishedAt: null,
    durationSeconds: 3725,
    actions: [],
    lastLog: null,
    fullMaintenance: false,
    onboarding: true,
    scheduleId: null,
    deploymentId: null,
    deploymentType: null,
    startedBy: null,
    sessionGroupId: null,
    ...over,
  });
  const list = (sessions: MaintenanceSessionInfo[]): MaintenanceSessionList => ({ sessions, statusCounts: { Failed: sessions.length }, truncated: false, from: null, to: null });

  it("Markdown cells: one line, no column break, no HTML, at most 200 characters", () => {
    const md = render("markdown", list([session({ lastLog: "exit 1 | see <script>alert(1)</script>\nnext `line`" }), session({ id: 2, tenantName: "Fabrikam", tenantId: 4, lastLog: "x".repeat(500) })]), scope);
    expect(md).toContain("| tenant Contoso | Failed | 1 | 2025-06-01 10:00 | onboarding | exit 1 \\| see &lt;script&gt;alert(1)&lt;/script&gt; next \\`line\\` |");
    const long = md.split("\n").find((l) => l.startsWith("| tenant Fabrikam"))!;
    expect(long.endsWith(`| ${"x".repeat(199)}… |`)).toBe(true);
  });

  it("the table's durations and a person's session", () => {
    const text = render("table", list([session({ personId: 12, lastLog: null })]), scope);
    expect(text.split("\n")[3]!.trim().split(/ {2,}/)).toEqual(["1", "Failed", "2025-06-01 10:00", "person 12 (Contoso)", "onboarding", "-", "1h 02m", "-"]);
  });
});
