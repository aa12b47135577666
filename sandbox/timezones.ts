/**
 * Time zones the sandbox knows: what `GET /api/v1/system/timezones` lists and what a schedule's
 * `timeZoneInfoId` may name. ImmyBot runs on .NET, which takes IANA ids; the list comes from this Node's ICU.
 */
import { zoneOffsetMs } from "./zone-time";

/** The spec's TimeZoneResource. */
export interface TimeZoneResource {
  id: string;
  displayName: string;
}

/**
 * Why `id` is not a usable time zone id, or undefined when it is. Intl matches ids without regard to case, but
 * .NET on Linux reads zone files by name, so "europe/berlin" is refused with the spelling it should have.
 */
export function timeZoneProblem(id: string): string | undefined {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone: id }).resolvedOptions().timeZone;
  } catch {
    return `"${id}" is not a known IANA time zone id; use one from GET /api/v1/system/timezones (e.g. "Europe/Berlin", "America/New_York", "UTC").`;
  }
  if (!/^[A-Za-z]/.test(id)) {
    // Intl also takes offsets such as "+01:00"; .NET's FindSystemTimeZoneById does not.
    return `"${id}" is an offset, not a time zone id; use an IANA id such as "Europe/Berlin" or "UTC".`;
  }
  if (resolved !== id && resolved.toLowerCase() === id.toLowerCase()) {
    return `"${id}" is not spelled like the IANA id; did you mean "${resolved}"?`;
  }
  return undefined;
}

let cached: TimeZoneResource[] | undefined;

/** Every zone of this Node's ICU plus "UTC", sorted like .NET's GetSystemTimeZones: by standard offset, then name. */
export function timeZoneList(): TimeZoneResource[] {
  if (!cached) {
    const ids = ["UTC", ...Intl.supportedValuesOf("timeZone").filter((id) => id !== "UTC")];
    const entries = ids.map((id) => ({ id, offset: standardOffsetMinutes(id), displayName: displayNameOf(id) }));
    entries.sort((a, b) => a.offset - b.offset || a.displayName.localeCompare(b.displayName));
    cached = entries.map(({ id, displayName }) => ({ id, displayName }));
  }
  return cached.map((z) => ({ ...z }));
}

/** The offset without daylight saving: the smaller of the January and July offsets this year. */
function standardOffsetMinutes(zone: string): number {
  const year = new Date().getUTCFullYear();
  const january = zoneOffsetMs(zone, Date.UTC(year, 0, 1));
  const july = zoneOffsetMs(zone, Date.UTC(year, 6, 1));
  return Math.min(january, july) / 60_000;
}

/** .NET-style "(UTC+01:00) Central European Time (Berlin)". */
function displayNameOf(zone: string): string {
  if (zone === "UTC") return "(UTC) Coordinated Universal Time";
  const offset = standardOffsetMinutes(zone);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  const generic = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longGeneric" })
    .formatToParts(new Date())
    .find((p) => p.type === "timeZoneName")?.value;
  const city = zone.split("/").pop()!.replace(/_/g, " ");
  return `(UTC${sign}${hhmm}) ${generic ?? zone} (${city})`;
}
