/**
 * What `pulumi-immybot export` writes, without ImmyBot: policy files (`policy.formatPolicyFile`) that `parse` reads
 * back as the same content, the same text for the same content whatever order it came in, quoted where YAML would
 * misread; and the names it gives (entries, files) as the format wants them: usable, unique, stable.
 */
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { deploymentWhat, fileStems, nameOf, NameBook, scheduleWhen, slug } from "../../cli/export-names";
import { formatPolicyFile, parse, type PolicyFile } from "../../sdk/policy";

const CONTENT: PolicyFile = {
  tenant: "Contoso",
  schedules: [
    { name: "weekly-saturday-22", adoptId: "12", target: "all", dayOfWeek: "Saturday", detectionTime: "20:00", executionTime: "22:00", timeZone: "Europe/Berlin" },
    { name: "cron-saturday-23", adoptId: "9", target: { tag: "Servers" }, groupFilter: "Servers", cronExpression: "0 23 * * 6", deployment: "7-zip-24.08" },
  ],
  deployments: [
    { name: "7-zip-24.08", adoptId: "3", software: "7-Zip", desiredState: "ThisVersion", version: "24.08", target: { computer: "CONTOSO-WS001" }, notes: "yes" },
    {
      name: "set-bios-password",
      adoptId: "4",
      task: "Set BIOS password",
      mode: "Enforce",
      target: "all",
      parameters: { Enforce: true, AdminPassword: { secretFromConfig: "contoso-set-bios-password-adminpassword" }, Port: { requiresOverride: true, value: "2200" }, Drives: { value: { S: "x", H: "y" } } },
    },
  ],
};

describe("formatPolicyFile", () => {
  const text = formatPolicyFile(CONTENT, { schema: "../policy.schema.json", comment: ["Tenant Contoso."] });

  it("writes what parse reads back as the same content", () => {
    const back = parse([{ path: "tenants/contoso.yaml", text }]).files[0]!.content;
    const byName = <T extends { name: string }>(list: T[] | undefined) => [...(list ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(byName(back.schedules)).toEqual(byName(CONTENT.schedules));
    expect(byName(back.deployments)).toEqual(byName(CONTENT.deployments));
    expect(back.tenant).toBe("Contoso");
  });

  it("the same text whatever order the content came in: entries by name, keys in the format's order, parameters by name", () => {
    const shuffled: PolicyFile = {
      deployments: [...CONTENT.deployments!].reverse().map((d) => Object.fromEntries(Object.entries(d).reverse()) as never),
      schedules: [...CONTENT.schedules!].reverse(),
      tenant: "Contoso",
    };
    expect(formatPolicyFile(shuffled, { schema: "../policy.schema.json", comment: ["Tenant Contoso."] })).toBe(text);
    const lines = text.split("\n");
    expect(lines.slice(0, 4)).toEqual(["# yaml-language-server: $schema=../policy.schema.json", "# Tenant Contoso.", "", "tenant: Contoso"]);
    expect(lines.indexOf("deployments:")).toBeLessThan(lines.indexOf("schedules:"));
    expect(text).toContain(["  - name: 7-zip-24.08", '    adoptId: "3"', "    software: 7-Zip", "    desiredState: ThisVersion", '    version: "24.08"', "    target: { computer: CONTOSO-WS001 }"].join("\n"));
    expect(text).toContain(
      [
        "    parameters:",
        "      AdminPassword: { secretFromConfig: contoso-set-bios-password-adminpassword }",
        "      Drives:",
        "        value:",
        '          H: "y"',
        "          S: x",
        "      Enforce: true",
        "      Port:",
        '        value: "2200"',
        "        requiresOverride: true",
      ].join("\n"),
    );
  });

  it("quotes what YAML 1.2 or 1.1 would read as something else, and cron expressions", () => {
    expect(text).toContain('detectionTime: "20:00"');
    expect(text).toContain('cronExpression: "0 23 * * 6"');
    expect(text).toContain('notes: "yes"');
    for (const yaml11 of ["on", "off", "y", "n", "1_000", "12:30:00"]) {
      const written = formatPolicyFile({ tenant: "T", deployments: [{ name: "d", task: "t", target: "all", notes: yaml11 }] });
      expect(written, yaml11).toContain(`notes: "${yaml11}"`);
      expect(parseYaml(written, { version: "1.1" }).deployments[0].notes).toBe(yaml11);
    }
  });
});

describe("export names", () => {
  it("slugs: lower case, digits and dots kept, the rest one dash", () => {
    expect(slug("Contoso Labs")).toBe("contoso-labs");
    expect(slug("Zoom Workplace 6.1 (x64)")).toBe("zoom-workplace-6.1-x64");
    expect(slug("Café Müller GmbH")).toBe("cafe-muller-gmbh");
    expect(slug("--.--")).toBe("");
    expect(nameOf(["", "!!"], "schedule-7")).toBe("schedule-7");
    const long = nameOf(["a very long software name that goes on and on", "and-on-even-further", "workstations"], "x");
    expect(long.length).toBeLessThanOrEqual(56);
    expect(long).toMatch(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/);
  });

  it("say when a schedule runs and what a deployment does", () => {
    expect(scheduleWhen({ dayOfWeek: "Saturday", detectionTime: "20:00", executionTime: "22:00" })).toBe("weekly-saturday-22");
    expect(scheduleWhen({ detectionTime: "01:30" })).toBe("daily-0130");
    expect(scheduleWhen({ cronExpression: "0 23 * * 6" })).toBe("cron-saturday-23");
    expect(scheduleWhen({ cronExpression: "00 08 1,15 * *" })).toBe("cron-day-1.15-08");
    expect(scheduleWhen({ cronExpression: "30 2 * 1-6 1-5" })).toBe("cron-month-1-6-dow-1-5-0230");
    expect(deploymentWhat({ software: { id: "1", scope: "Global", desiredState: "NewerOrEqualVersion", version: "24.08" } })).toBe("24.08-or-newer");
    expect(deploymentWhat({ software: { id: "1", scope: "Global", desiredState: "NotPresent" } })).toBe("uninstalled");
    expect(deploymentWhat({ task: { id: "1", scope: "Local", mode: "Enforce" } })).toBeUndefined();
    expect(deploymentWhat({ task: { id: "1", scope: "Local", mode: "NoAction" } })).toBe("ignored");
  });

  it("entry names: the first keeps its name, later ones -2, -3; unique as resource names across files too", () => {
    const book = new NameBook();
    const contoso = new Set<string>();
    expect([book.take("contoso", "weekly", contoso), book.take("contoso", "weekly", contoso), book.take("contoso", "weekly", contoso)]).toEqual(["weekly", "weekly-2", "weekly-3"]);
    // "contoso-labs" + "weekly" and "contoso" + "labs-weekly" would both be the resource contoso-labs-weekly.
    expect(book.take("contoso", "labs-weekly", contoso)).toBe("labs-weekly");
    expect(book.take("contoso-labs", "weekly", new Set())).toBe("weekly-2");
  });

  it("file stems: from tenant names, unique, never a reserved one", () => {
    const stems = fileStems(
      [
        { id: 4, name: "Contoso" },
        { id: 2, name: "contoso" },
        { id: 9, name: "Cross Tenant" },
        { id: 5, name: "日本" },
      ],
      ["cross-tenant"],
    );
    expect(Object.fromEntries(stems)).toEqual({ 2: "contoso", 4: "contoso-4", 9: "cross-tenant-9", 5: "tenant-5" });
  });
});
