/**
 * The SDK classes as a program uses them: `new Schedule(...)` and `Schedule.get(...)` run under Pulumi's mock
 * monitor, and each registration or read is forwarded to the real dynamic-provider host (check + create, or
 * read), so the type token, the registered outputs and the serialized shim are the ones a real `pulumi up` sees.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Sandbox } from "../../sandbox/server";
import { ProviderHost, REPO } from "../helpers/host";
import { forwardToHost, value, type Registration } from "../helpers/program";

const require = createRequire(__filename);

let sandbox: Sandbox;
let host: ProviderHost;
let registered: Registration[];

beforeAll(async () => {
  sandbox = await Sandbox.start({ port: 0 });
  host = await ProviderHost.start();
  const { baseUrl, tokenUrl, clientId, clientSecret } = sandbox.info;
  await host.configure({ "immybot:baseUrl": baseUrl, "immybot:tokenUrl": tokenUrl, "immybot:clientId": clientId, "immybot:clientSecret": clientSecret });
  ({ registered } = forwardToHost(host));
});

afterAll(async () => {
  await host?.stop();
  await sandbox?.stop();
});

it("a Schedule declared in a program is created in ImmyBot with its outputs, and Schedule.get reads one by id", async () => {
  const { Schedule } = require(join(REPO, "dist/sdk/index.js"));
  const weekly = new Schedule("weekly", { targetType: "All", detectionTime: "14:00", executionTime: "22:00", dayOfWeek: "Sunday", rebootPreference: "Suppress" });
  const id = await value<string>(weekly.id);
  expect(sandbox.schedule(Number(id))).toMatchObject({ targetType: 1, time: "14:00", day: 0, rebootPreference: 1 });
  expect(await value(weekly.rebootPreference)).toBe("Suppress");
  expect(await value(weekly.offlineBehavior)).toBe("Skip"); // a default the program never wrote is an output too
  expect(await value<string>(weekly.nextOccurrence)).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect(registered[0]!.type).toBe("pulumi-nodejs:dynamic/immybot:Schedule");
  expect(String(registered[0]!.inputs.__provider)).toContain("pulumi-immybot/dist/provider");

  const byHand = sandbox.createSchedule({ targetType: "AllTenants", targetCategory: 1, time: "03:00", offlineBehavior: 2 });
  const got = Schedule.get("existing", String(byHand.id));
  expect(await value(got.id)).toBe(String(byHand.id));
  expect(await value(got.targetType)).toBe("AllTenants");
  expect(await value(got.offlineBehavior)).toBe("ApplyOnConnect");
  expect(sandbox.schedules()).toHaveLength(2); // get created nothing
});

it("an argument nested thousands of levels deep fails in the program with check's message, before Pulumi serializes it", () => {
  const { MaintenanceSession, Deployment } = require(join(REPO, "dist/sdk/index.js"));
  const deep = Array.from({ length: 5000 }).reduce<unknown>((v) => [v], "r1");
  const before = registered.length;
  expect(() => new MaintenanceSession("deep", { deploymentId: "42", triggers: [deep] })).toThrow(
    "MaintenanceSession deep: triggers is nested more than 32 levels deep; no ImmyBot argument needs that: flatten the value",
  );
  expect(() => new Deployment("deep", { task: { id: "7" }, targetType: "All", parameters: { Deep: { value: deep } } })).toThrow(/^Deployment deep: parameters is nested more than 32 levels deep/);
  expect(registered.length).toBe(before);
});
