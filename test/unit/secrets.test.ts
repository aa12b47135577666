import { describe, expect, it } from "vitest";
import type { Lifecycle } from "../../provider/rest-resource";
import { SECRET_SIG, SIG_KEY, unwrapSecrets, withSecrets, wrapKeys } from "../../provider/secrets";

const PASSWORD = "hunter2-hunter2";
const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });
const params = { AdminPassword: { value: PASSWORD } };

/** A lifecycle that records what it was given and answers with it. */
function echo(seen: unknown[], fail?: () => never): Lifecycle {
  return {
    async check(olds, news) {
      seen.push(olds, news);
      return { inputs: news, failures: [{ property: "parameters", reason: `got ${JSON.stringify(news.parameters)}` }] };
    },
    async diff(_id, olds, news) {
      seen.push(olds, news);
      return { changes: false };
    },
    async create(inputs) {
      seen.push(inputs);
      if (fail) fail();
      return { id: "1", outs: { ...inputs, id: 1 } };
    },
    async read(id, props) {
      seen.push(props);
      return { id, props, inputs: props };
    },
    async update(_id, olds, news) {
      seen.push(olds, news);
      return { outs: news };
    },
    async delete(_id, props) {
      seen.push(props);
    },
  };
}

describe("withSecrets", () => {
  it("gives the lifecycle plain values, wrapped or not, and wraps the secret keys in every answer", async () => {
    const seen: unknown[] = [];
    const l = withSecrets(["parameters"], echo(seen));
    const plain = { parameters: params, notes: "n" };
    const wrapped = { parameters: secret(params), notes: "n" };
    const checked = await l.check(wrapped, plain);
    expect(checked.inputs).toEqual(wrapped);
    expect((await l.create(wrapped)).outs).toEqual({ ...wrapped, id: 1 });
    expect(await l.read("1", plain)).toEqual({ id: "1", props: wrapped, inputs: wrapped });
    expect((await l.update("1", wrapped, plain)).outs).toEqual(wrapped);
    await l.diff("1", wrapped, wrapped);
    await l.delete("1", wrapped);
    expect(seen).toHaveLength(9); // check, update, diff: olds and news; create, read, delete: the one object
    expect(seen.every((v) => JSON.stringify(v) === JSON.stringify(plain))).toBe(true);
  });

  it("redacts secret values from check failures and thrown errors, and wraps a partial failure's properties", async () => {
    const l = withSecrets(["parameters"], echo([]));
    const checked = await l.check({}, { parameters: PASSWORD });
    expect(checked.failures).toEqual([{ property: "parameters", reason: 'got "[REDACTED]"' }]);

    const partial = withSecrets(["parameters"], echo([], () => {
      throw Object.assign(new Error(`ImmyBot said: bad value ${PASSWORD}`), { id: "7", properties: { parameters: params }, reasons: [`bad ${PASSWORD}`] });
    }));
    const e = (await partial.create({ parameters: params }).catch((x: unknown) => x)) as Error & { id: string; properties: object; reasons: string[] };
    expect(e.message).toBe("ImmyBot said: bad value [REDACTED]");
    expect(e.stack).not.toContain(PASSWORD);
    expect(e).toMatchObject({ id: "7", properties: { parameters: secret(params) }, reasons: ["bad [REDACTED]"] });
  });

  it("leaves unknown values and missing keys alone, and unwraps at any depth", () => {
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    expect(wrapKeys({ parameters: unknown, notes: "x" }, ["parameters"])).toEqual({ parameters: unknown, notes: "x" });
    expect(wrapKeys({ notes: "x" }, ["parameters"])).toEqual({ notes: "x" });
    expect(unwrapSecrets({ a: [secret({ b: secret(1) })] })).toEqual({ a: [{ b: 1 }] });
  });
});
