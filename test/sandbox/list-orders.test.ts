// GET /stores/{hash}/v2/orders: the list a `check` command reads one order from (issues 2, 5).
import { afterEach, describe, expect, it } from "vitest";
import { type Sandbox, type SandboxOptions, startSandbox } from "../../src/sandbox/index.js";

let sandbox: Sandbox | undefined;

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  sandbox = await startSandbox({ quota: 0, ...options });
  return sandbox;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected field by field.
  json: any;
}

async function list(store: Sandbox, query = "", method = "GET"): Promise<Answer> {
  const response = await fetch(`${store.url}/stores/sandbox/v2/orders${query}`, {
    method,
    headers: { "X-Auth-Token": store.env.BIGCOMMERCE_ACCESS_TOKEN, Accept: "application/json" },
  });
  const text = await response.text();
  const isJson = response.headers.get("content-type")?.includes("json") ?? false;
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: isJson ? JSON.parse(text) : undefined,
  };
}

const ids = (answer: Answer): number[] => answer.json.map((order: { id: number }) => order.id);

describe("GET /orders", () => {
  it("lists full orders by id, lowest first, 50 by default (V2 Orders reference)", async () => {
    const store = await start({ seed: { generate: { orders: 60 } } });
    const answer = await list(store);
    expect(answer.status).toBe(200);
    expect(ids(answer)).toEqual(Array.from({ length: 50 }, (_, i) => 100000 + i));
    // Each item is the same order object GET /orders/{id} serves.
    expect(answer.json[0]).toEqual(store.store.getOrder(100000));
    expect(answer.headers.get("x-rate-limit-requests-left")).toBeNull(); // unlimited quota
  });

  it("sorts by id:desc and id:asc, so limit=1&sort=id:desc reads the newest order", async () => {
    const store = await start();
    const newest = await list(store, "?limit=1&sort=id:desc");
    expect(newest.status).toBe(200);
    expect(ids(newest)).toEqual([12353]);
    expect(newest.json[0]).toMatchObject({ id: 12353, status_id: 2, status: "Shipped" });
    expect(ids(await list(store, "?limit=3&sort=id:asc"))).toEqual([12345, 12346, 12347]);
    expect(ids(await list(store, "?limit=3&sort=ID:DESC"))).toEqual([12353, 12352, 12351]);
    expect(ids(await list(store, "?limit=2&sort=id"))).toEqual([12345, 12346]);
  });

  it("pages with page and limit, 204 with no body past the end", async () => {
    const store = await start();
    expect(ids(await list(store, "?limit=4&page=1"))).toEqual([12345, 12346, 12347, 12348]);
    expect(ids(await list(store, "?limit=4&page=3"))).toEqual([12353]);
    expect(ids(await list(store, "?limit=4&page=2&sort=id:desc"))).toEqual([
      12349, 12348, 12347, 12346,
    ]);
    const past = await list(store, "?limit=4&page=4");
    expect(past.status).toBe(204);
    expect(past.text).toBe("");
  });

  it("answers 204 when the store has no orders", async () => {
    const store = await start({ seed: { orders: [] } });
    const answer = await list(store, "?limit=1&sort=id:desc");
    expect(answer.status).toBe(204);
    expect(answer.text).toBe("");
  });

  it("accepts limit 250, answers 413 above it and 400 for a bad page or limit", async () => {
    const store = await start({ seed: { generate: { orders: 300 } } });
    const full = await list(store, "?limit=250&page=2");
    expect(ids(full)).toEqual(Array.from({ length: 50 }, (_, i) => 100250 + i));
    const tooMany = await list(store, "?limit=251");
    expect(tooMany.status).toBe(413);
    expect(tooMany.json).toEqual([{ status: 413, message: expect.any(String) }]);
    for (const query of ["?limit=0", "?page=0", "?page=x", "?limit=-1", "?limit=1.5"]) {
      const answer = await list(store, query);
      expect(answer.status, query).toBe(400);
      expect(answer.json[0].status).toBe(400);
    }
  });

  it("refuses sorts and filters it does not model with 400, never an unfiltered list", async () => {
    const store = await start();
    for (const query of [
      "?sort=date_created:desc",
      "?sort=id:sideways",
      "?sort=constructor",
      "?sort=__proto__",
      "?customer_id=5",
      "?min_date_created=2026-01-01",
      "?include=coupons",
      "?min_id=abc",
      "?consignment_structure=array",
    ]) {
      const answer = await list(store, query);
      expect(answer.status, query).toBe(400);
      expect(answer.json).toEqual([
        { status: 400, message: expect.any(String), details: expect.any(Object) },
      ]);
    }
  });

  it("lists a 100 000-order generated store without building every order", async () => {
    const store = await start({ seed: { generate: { orders: 100_000 } } });
    const newest = await list(store, "?limit=1&sort=id:desc");
    expect(ids(newest)).toEqual([199999]);
    const last = await list(store, "?limit=250&page=400");
    expect(last.json).toHaveLength(250);
    expect(ids(last).at(-1)).toBe(199999);
  });

  it("needs the token like every route, counts as route `orders`, and takes fault rules", async () => {
    const store = await start({
      faults: [{ route: "orders", kind: "status", status: 503, schedule: { count: 1 } }],
    });
    const unauthorised = await fetch(`${store.url}/stores/sandbox/v2/orders`, {
      headers: { "X-Auth-Token": "wrong" },
    });
    expect(unauthorised.status).toBe(401);
    expect((await list(store, "?limit=1")).status).toBe(503);
    expect((await list(store, "?limit=1")).status).toBe(200);
    const post = await list(store, "", "POST");
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET");
    // A method the route does not serve counts as "other", as on every route.
    const stats = store.stats();
    expect(stats.byRoute.orders).toBe(3);
    expect(
      stats.requestLog.filter((entry) => entry.route === "orders").map((e) => e.status),
    ).toEqual([401, 503, 200]);
  });

  it("counts against the quota: 429 when it is used up", async () => {
    const store = await start({ quota: 2, windowMs: 60_000 });
    expect((await list(store, "?limit=1")).status).toBe(200);
    expect((await list(store, "?limit=1")).status).toBe(200);
    const limited = await list(store, "?limit=1");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("x-retry-after"))).toBeGreaterThan(0);
  });
});
