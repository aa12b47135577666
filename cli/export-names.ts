/**
 * Names `pulumi-immybot export` gives: file stems (from tenant names), entry names (from what each object does:
 * `weekly-saturday-22`, `google-chrome-latest`) and secret config keys. Each is a usable name of the policy format
 * (`NAME` in sdk/policy/schema.ts), unique where the loader wants it unique, and the same in every export of the same
 * instance: candidates are taken in a fixed order (files by stem, objects by id) and a taken name gets "-2", "-3".
 */
import type { ScheduleInputs } from "../provider/schedule";
import type { DeploymentInputs } from "../provider/deployment";
import { NAME } from "../sdk/policy/schema";

/** Longest derived name before a "-N" suffix (NAME allows 63 characters). */
const MAX_BASE = 56;

/** Lower-case letters, digits and "." joined by "-": "Google Chrome" -> "google-chrome", "7-Zip 24.08" -> "7-zip-24.08". */
export function slug(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .replace(/-{2,}/g, "-");
}

/** "WorkstationsAndPortableDevices" -> "workstations-and-portable-devices". */
export function kebab(pascal: string): string {
  return slug(pascal.replace(/([a-z0-9])([A-Z])/g, "$1 $2"));
}

/** The parts joined and cut to a usable name (at a "-" where possible); `fallback` when nothing usable is left. */
export function nameOf(parts: readonly (string | undefined)[], fallback: string): string {
  let name = slug(parts.filter((p): p is string => p !== undefined && p !== "").join("-"));
  if (name.length > MAX_BASE) {
    const cut = name.slice(0, MAX_BASE);
    const dash = cut.lastIndexOf("-");
    name = (dash >= 20 ? cut.slice(0, dash) : cut).replace(/[-.]+$/, "");
  }
  return NAME.test(name) ? name : fallback;
}

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/** "22:00" -> "22", "21:30" -> "2130". */
function clock(time: string | undefined): string | undefined {
  if (time === undefined) return undefined;
  const [h, m] = time.split(":");
  return m === "00" ? h : `${h}${m}`;
}

/** When a schedule runs, in words: "weekly-saturday-22", "daily-0130", "cron-day-1.15-08". */
export function scheduleWhen(s: Pick<ScheduleInputs, "cronExpression" | "dayOfWeek" | "detectionTime" | "executionTime">): string {
  if (s.cronExpression !== undefined) {
    const [minute = "0", hour = "0", dom = "*", month = "*", dow = "*"] = s.cronExpression.split(" ");
    const day = dow === "*" ? undefined : /^[0-7]$/.test(dow) ? DAYS[Number(dow)] : `dow-${dow}`;
    const time = clock(`${hour.padStart(2, "0")}:${minute.padStart(2, "0")}`);
    const parts = [dom === "*" ? undefined : `day-${dom}`, month === "*" ? undefined : `month-${month}`, day, time];
    return ["cron", ...parts.filter((p) => p !== undefined)].join("-").replace(/[,]/g, ".");
  }
  const time = clock(s.executionTime ?? s.detectionTime);
  return s.dayOfWeek === undefined ? `daily-${time}` : `weekly-${s.dayOfWeek.toLowerCase()}-${time}`;
}

/** What a deployment does to its item, in words: "latest", "24.08-or-newer", "uninstalled", "audit". */
export function deploymentWhat(d: Pick<DeploymentInputs, "software" | "task">): string | undefined {
  if (d.software) {
    const v = d.software.version ?? "";
    const states: Record<string, string> = {
      LatestVersion: "latest",
      AnyVersion: "any-version",
      ThisVersion: v,
      NewerOrEqualVersion: `${v}-or-newer`,
      OlderOrEqualVersion: `${v}-or-older`,
      UpdateIfFound: "update-if-found",
      NotPresent: "uninstalled",
      NoAction: "ignored",
    };
    return states[d.software.desiredState];
  }
  const modes: Record<string, string | undefined> = { Enforce: undefined, Audit: "audit", Monitor: "monitor", NoAction: "ignored" };
  return d.task ? modes[d.task.mode] : undefined;
}

/**
 * Gives each candidate its name, in order: the first keeps its base name, a later one with a taken name (in its
 * list, or as a resource name `<stem>-<name>` another file makes) gets the lowest free "-N".
 */
export class NameBook {
  private readonly resources = new Set<string>();

  /** `base`, or `base-N`, free in `taken` (the list's names) and as `<stem>-<name>`; recorded in both. */
  take(stem: string, base: string, taken: Set<string>): string {
    for (let n = 1; ; n++) {
      const name = n === 1 ? base : `${base}-${n}`;
      const resource = `${stem}-${name}`;
      if (taken.has(name) || this.resources.has(resource)) continue;
      taken.add(name);
      this.resources.add(resource);
      return name;
    }
  }
}

/** File stems for tenants (by id), unique, none equal to a reserved stem; a tenant whose name makes none gets `tenant-<id>`. */
export function fileStems(tenants: readonly { id: number; name: string }[], reserved: readonly string[]): Map<number, string> {
  const taken = new Set(reserved);
  const stems = new Map<number, string>();
  for (const t of [...tenants].sort((a, b) => a.id - b.id)) {
    const base = nameOf([t.name], `tenant-${t.id}`);
    let stem = taken.has(base) ? `${base}-${t.id}` : base;
    for (let n = 2; taken.has(stem); n++) stem = `${base}-${t.id}-${n}`;
    taken.add(stem);
    stems.set(t.id, stem);
  }
  return stems;
}
