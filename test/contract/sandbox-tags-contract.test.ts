/**
 * The tag routes against ImmyBot's spec (the committed subset): request bodies the spec accepts, answers checked
 * against the `Tag` entity (the spec documents no body for /tags), memberships read back from the computers' and
 * tenants' own answers (`computerTagIds`, `tenantTagIds`), and ASP.NET-style 400s for bodies that do not bind.
 */
import { describe, expect, it } from "vitest";
import { useSpecSandbox } from "../helpers/spec-sandbox";

const { spec, call, expectSpecBody } = useSpecSandbox();
const API = "/api/v1";

/** A request the spec accepts for `POST template`, sent; returns the answer. */
async function post(path: string, template: string, body: unknown) {
  expect(spec.validateRequest("POST", template, body).errors, template).toEqual([]);
  return call("POST", path, body);
}

/** A 200 JSON answer of an untyped tag route, valid as the spec's `Tag`. */
function tagBody(answer: { status: number; text: string; json: any }): any {
  expect(answer.status, answer.text).toBe(200);
  expect(spec.validateSchema("Tag", answer.json).errors).toEqual([]);
  return answer.json;
}

const computerTags = async (id: number): Promise<number[]> => expectSpecBody(await call("GET", `${API}/computers/${id}`), "GET", `${API}/computers/{computerId}`).computerTagIds;
const tenantTags = async (id: number): Promise<number[]> => expectSpecBody(await call("GET", `${API}/tenants/${id}`), "GET", `${API}/tenants/{id}`).tenantTagIds;

describe("tags", () => {
  it("creates, reads, updates (POST /tags/{tagId}) and deletes a tag", async () => {
    const created = tagBody(await post(`${API}/tags`, `${API}/tags`, { name: "Early adopters", description: "first ring", color: "#f59e0b" }));
    expect(created).toMatchObject({ name: "Early adopters", description: "first ring", color: "#f59e0b" });
    const id = created.id as number;
    expect(tagBody(await call("GET", `${API}/tags/${id}`))).toEqual(created);
    const listed = await call("GET", `${API}/tags?name=EARLY%20adopt`);
    expect(listed.json.map((t: { id: number }) => t.id)).toEqual([id]);

    const updated = tagBody(await post(`${API}/tags/${id}`, `${API}/tags/{tagId}`, { id, name: "Ring 0", description: null, color: "#22c55e" }));
    expect(updated).toEqual({ id, name: "Ring 0", description: null, color: "#22c55e" });
    expect((await call("GET", `${API}/tags/${id}`)).json).toEqual(updated);

    expect((await call("DELETE", `${API}/tags/${id}`)).status).toBe(200);
    expect((await call("GET", `${API}/tags/${id}`)).status).toBe(404);
    expect((await call("DELETE", `${API}/tags/${id}`)).status).toBe(404);
  });

  it("refuses bodies that do not bind or have no name, naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ name: "" }, "Name"],
      [{ description: "no name" }, "Name"],
      [{ name: 7 }, "$.name"],
      [{ name: "x", colour: "red" }, "$.colour"],
      ["{", "$"],
    ];
    expect(cases.length).toBe(5);
    for (const [body, field] of cases) {
      const answer = await call("POST", `${API}/tags`, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(answer.json.errors)).toContain(field);
    }
    const tag = (await call("POST", `${API}/tags`, { name: "Pilot" })).json;
    const mismatch = await call("POST", `${API}/tags/${tag.id}`, { id: tag.id + 1, name: "Pilot" });
    expect(mismatch.status).toBe(400);
    expect(Object.keys(mismatch.json.errors)).toEqual(["Id"]);
    expect((await call("POST", `${API}/tags/abc`, { id: 0, name: "x" })).status).toBe(400);
  });
});

describe("memberships", () => {
  it("adds and removes tags on computers, shown in the computers' answers; other tags stay", async () => {
    const tag = (await call("POST", `${API}/tags`, { name: "Broad" })).json.id as number;
    const before = await computerTags(6);
    expect(before.length).toBeGreaterThan(0); // the seed gives computer 6 a tag of its own
    expect((await post(`${API}/computers/add-tags`, `${API}/computers/add-tags`, { entityIds: [6, 7], tagIds: [tag] })).status).toBe(200);
    expect(await computerTags(6)).toEqual([...before, tag].sort((a, b) => a - b));
    expect(await computerTags(7)).toContain(tag);
    // Adding again changes nothing.
    expect((await call("POST", `${API}/computers/add-tags`, { entityIds: [6], tagIds: [tag] })).status).toBe(200);
    expect((await computerTags(6)).filter((t) => t === tag)).toEqual([tag]);
    expect((await post(`${API}/computers/remove-tags`, `${API}/computers/remove-tags`, { entityIds: [6], tagIds: [tag] })).status).toBe(200);
    expect(await computerTags(6)).toEqual(before);
    expect(await computerTags(7)).toContain(tag);
  });

  it("adds and removes tags on tenants; deleting a tag takes it off everything", async () => {
    const tag = (await call("POST", `${API}/tags`, { name: "Pilot tenants" })).json.id as number;
    expect((await post(`${API}/tenants/add-tags`, `${API}/tenants/add-tags`, { entityIds: [3], tagIds: [tag] })).status).toBe(200);
    expect(await tenantTags(3)).toContain(tag);
    const tenant = expectSpecBody(await call("GET", `${API}/tenants/3`), "GET", `${API}/tenants/{id}`);
    expect(tenant.tenantTagNames).toContain("Pilot tenants");
    expect((await post(`${API}/tenants/remove-tags`, `${API}/tenants/remove-tags`, { entityIds: [3], tagIds: [tag] })).status).toBe(200);
    expect(await tenantTags(3)).not.toContain(tag);

    await call("POST", `${API}/tenants/add-tags`, { entityIds: [3], tagIds: [tag] });
    await call("POST", `${API}/computers/add-tags`, { entityIds: [9], tagIds: [tag] });
    expect((await call("DELETE", `${API}/tags/${tag}`)).status).toBe(200);
    expect(await tenantTags(3)).not.toContain(tag);
    expect(await computerTags(9)).not.toContain(tag);
  });

  it("refuses unknown ids and bodies that do not bind, changing nothing", async () => {
    const before = await computerTags(6);
    const unknown = await call("POST", `${API}/computers/add-tags`, { entityIds: [6, 9999], tagIds: [8888] });
    expect(unknown.status).toBe(400);
    expect(unknown.json.errors).toEqual({ EntityIds: ["There is no computer with id 9999."], TagIds: ["There is no tag with id 8888."] });
    expect(await computerTags(6)).toEqual(before);
    const wrongType = await call("POST", `${API}/tenants/remove-tags`, { entityIds: "3", tagIds: [1] });
    expect(wrongType.status).toBe(400);
    expect(Object.keys(wrongType.json.errors).sort()).toEqual(["$.entityIds", "request"]);
  });
});
