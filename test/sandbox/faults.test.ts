import { afterEach, describe, expect, it } from "vitest";
import {
  type FaultRule,
  type Sandbox,
  type SandboxOptions,
  startSandbox,
} from "../../src/sandbox/index.js";

let sandbox: Sandbox | undefined;

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  sandbox = await startSandbox({ quota: 0, ...options });
  return sandbox;
}

async function call(sb: Sandbox, method = "GET", path = "/orders/12345", body?: unknown) {
  const response = await fetch(`${sb.url}/stores/sandbox/v2${path}`, {
    method,
    headers: {
      "X-Auth-Token": sb.env.BIGCOMMERCE_ACCESS_TOKEN,
      "Content-Type": "application/json",
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    header: (name: string) => response.headers.get(name),
    contentType: response.headers.get("content-type") ?? "",
    text,
  };
}

const shipment = {
  order_address_id: 1001,
  tracking_number: "1Z999AA10123456784",
  shipping_provider: "ups",
  tracking_carrier: "",
  items: [{ order_product_id: 201, quantity: 1 }],
};

async function statuses(sb: Sandbox, n: number, path = "/orders/12345"): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) out.push((await call(sb, "GET", path)).status);
  return out;
}

describe("fault kinds", () => {
  it("latency delays the matching route only", async () => {
    const sb = await start({ faults: [{ route: "order", kind: "latency", latencyMs: 150 }] });
    // Both at once: the undelayed route answers first, whatever the machine's load.
    const finished: string[] = [];
    await Promise.all([
      call(sb).then((r) => finished.push(`order ${r.status}`)),
      call(sb, "GET", "/order_statuses").then((r) => finished.push(`order_statuses ${r.status}`)),
    ]);
    expect(finished).toEqual(["order_statuses 200", "order 200"]);
    const log = sb.stats().requestLog;
    // A timer never fires early, so the delayed request took at least its latency.
    expect(log.find((entry) => entry.route === "order")?.durationMs).toBeGreaterThanOrEqual(149);
  });

  it("status answers the status and applies nothing (V2 body for 401/403, HTML for 502)", async () => {
    const sb = await start({ faults: [{ method: "PUT", kind: "status", status: 503 }] });
    const unavailable = await call(sb, "PUT", "/orders/12345", { staff_notes: "lost" });
    expect(unavailable.status).toBe(503);
    expect(JSON.parse(unavailable.text)).toEqual([{ status: 503, message: expect.any(String) }]);
    expect(sb.store.getOrder(12345)?.staff_notes).toBe("");

    sb.setFaults([{ kind: "status", status: 403 }]);
    const forbidden = await call(sb);
    expect(forbidden.status).toBe(403);
    expect(JSON.parse(forbidden.text)).toEqual([{ status: 403, message: expect.any(String) }]);

    sb.setFaults([{ route: "shipment_post", kind: "status", status: 502 }]);
    const gateway = await call(sb, "POST", "/orders/12345/shipments", shipment);
    expect(gateway.status).toBe(502);
    expect(gateway.contentType).toContain("text/html");
    expect(sb.store.listShipments(12345)).toEqual([]);
    expect(sb.stats().writesApplied).toBe(0);
  });

  it("rate_limit answers 429 with the rate headers, or bare", async () => {
    const sb = await start({
      quota: 150,
      faults: [{ kind: "rate_limit", retryAfterSec: 2, schedule: { count: 1 } }],
    });
    const withHeaders = await call(sb, "PUT", "/orders/12345", { staff_notes: "x" });
    expect(withHeaders.status).toBe(429);
    expect(withHeaders.header("x-retry-after")).toBe("2");
    expect(withHeaders.header("x-rate-limit-time-reset-ms")).toBe("2000");
    expect(withHeaders.header("x-rate-limit-requests-left")).toBe("0");
    expect(sb.store.getOrder(12345)?.staff_notes).toBe("");

    sb.setFaults([{ kind: "rate_limit", withHeaders: false }]);
    const bare = await call(sb);
    expect(bare.status).toBe(429);
    expect(bare.header("x-retry-after")).toBeNull();
    expect(bare.header("x-rate-limit-requests-left")).toBeNull();
    expect(bare.header("x-rate-limit-time-reset-ms")).toBeNull();
    expect(sb.stats().served429).toBe(2);
  });

  it("reset drops the connection without an answer and applies nothing", async () => {
    const sb = await start({ faults: [{ method: "POST", kind: "reset" }] });
    await expect(call(sb, "POST", "/orders/12345/shipments", shipment)).rejects.toThrow();
    expect(sb.store.listShipments(12345)).toEqual([]);
    expect(sb.stats().requestLog[0]).toMatchObject({
      status: 0,
      fault: "reset",
      route: "shipment_post",
    });
    expect((await call(sb)).status).toBe(200); // the server keeps serving
  });

  it("applied_then_status applies the write, then answers the error", async () => {
    const sb = await start({
      faults: [
        {
          route: "shipment_post",
          kind: "applied_then_status",
          status: 502,
          schedule: { count: 1 },
        },
      ],
    });
    const partial = { ...shipment, items: [{ order_product_id: 202, quantity: 1 }] };
    const lost = await call(sb, "POST", "/orders/12345/shipments", partial);
    expect(lost.status).toBe(502);
    expect(sb.store.listShipments(12345)).toHaveLength(1);
    expect(sb.store.getOrder(12345)).toMatchObject({ status_id: 3, items_shipped: 1 });
    expect(sb.stats().writesApplied).toBe(1);
    // A blind retry creates the duplicate the tool must avoid (the sandbox does not deduplicate).
    const retried = await call(sb, "POST", "/orders/12345/shipments", partial);
    expect(retried.status).toBe(201);
    expect(sb.store.listShipments(12345).map((s) => s.tracking_number)).toEqual([
      shipment.tracking_number,
      shipment.tracking_number,
    ]);
  });

  it("applied_then_status on PUT changes the order", async () => {
    const sb = await start({
      faults: [{ method: "PUT", kind: "applied_then_status", status: 500 }],
    });
    expect((await call(sb, "PUT", "/orders/12345", { status_id: 10 })).status).toBe(500);
    expect(sb.store.getOrder(12345)?.status_id).toBe(10);
  });

  it("hang never answers; close() ends it", async () => {
    const sb = await start({ faults: [{ route: "order", kind: "hang" }] });
    const pending = call(sb);
    pending.catch(() => undefined);
    const timedOut = Symbol("still waiting");
    const first = await Promise.race([
      pending,
      new Promise((resolve) => setTimeout(resolve, 300, timedOut)),
    ]);
    expect(first).toBe(timedOut);
    expect(sb.stats().requests).toBe(1);
    await sb.close();
    await expect(pending).rejects.toThrow();
    expect(sb.stats().requestLog[0]).toMatchObject({ status: 0, route: "order" });
  });
});

describe("fault selection", () => {
  it("schedule from/count hits requests from..from+count-1 of those the rule matches", async () => {
    const sb = await start({
      faults: [{ route: "order", kind: "status", status: 500, schedule: { from: 1, count: 2 } }],
    });
    await call(sb, "GET", "/order_statuses"); // not matched, not counted
    expect(await statuses(sb, 5)).toEqual([200, 500, 500, 200, 200]);
  });

  it("schedule every hits every n-th matching request", async () => {
    const sb = await start({ faults: [{ kind: "status", status: 503, schedule: { every: 3 } }] });
    expect(await statuses(sb, 7)).toEqual([200, 200, 503, 200, 200, 503, 200]);
  });

  it("orderId limits a rule to one order", async () => {
    const sb = await start({ faults: [{ kind: "status", status: 500, orderId: 12346 }] });
    expect((await call(sb, "GET", "/orders/12345")).status).toBe(200);
    expect((await call(sb, "GET", "/orders/12346")).status).toBe(500);
    expect((await call(sb, "GET", "/orders/12346/products")).status).toBe(500);
  });

  it("probability is deterministic for a given randomSeed", async () => {
    const rules: FaultRule[] = [{ kind: "status", status: 500, probability: 0.5 }];
    const first = await start({ faults: rules, randomSeed: 42 });
    const a = await statuses(first, 30);
    await first.close();
    const second = await start({ faults: rules, randomSeed: 42 });
    const b = await statuses(second, 30);
    expect(b).toEqual(a);
    expect(a).toContain(500);
    expect(a).toContain(200);
    second.setFaults([{ kind: "status", status: 500, probability: 0 }]);
    expect(await statuses(second, 10)).toEqual(Array(10).fill(200));
  });

  it("latency rules add up and combine with another fault", async () => {
    const sb = await start({
      faults: [
        { kind: "latency", latencyMs: 60 },
        { kind: "latency", latencyMs: 60 },
        { kind: "status", status: 503 },
      ],
    });
    const started = performance.now();
    expect((await call(sb)).status).toBe(503);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });

  it("refuses malformed rules with E_SANDBOX_OPTIONS", async () => {
    const bad: FaultRule[][] = [
      [{ kind: "explode" as FaultRule["kind"] }],
      [{ kind: "status", status: 1000 }],
      [{ kind: "status", probability: 2 }],
      [{ kind: "status", schedule: { every: 0 } }],
    ];
    for (const faults of bad) {
      await expect(startSandbox({ faults })).rejects.toMatchObject({ code: "E_SANDBOX_OPTIONS" });
    }
    const sb = await start();
    expect(() => sb.setFaults([{ kind: "latency", latencyMs: -1 }])).toThrow(
      expect.objectContaining({ code: "E_SANDBOX_OPTIONS" }),
    );
  });
});

describe("stats", () => {
  it("counts requests by route, in-flight peaks overall and per order, 429s and writes", async () => {
    const sb = await start({ latencyMs: 200, quota: 7, windowMs: 60_000 });
    await Promise.all([
      call(sb, "GET", "/orders/12345"),
      call(sb, "GET", "/orders/12345/products"),
      call(sb, "GET", "/orders/12345/shipments"),
      call(sb, "GET", "/orders/12346"),
      call(sb, "PUT", "/orders/12347", { staff_notes: "x" }),
    ]);
    await call(sb, "POST", "/orders/12345/shipments", shipment);
    await call(sb, "GET", "/order_statuses");
    await call(sb, "GET", "/order_statuses"); // over quota
    const stats = sb.stats();
    expect(stats.requests).toBe(8);
    expect(stats.byRoute).toEqual({
      order: 2,
      products: 1,
      shipments: 1,
      order_put: 1,
      shipment_post: 1,
      order_statuses: 2,
    });
    expect(stats.maxInFlight).toBe(5);
    expect(stats.maxInFlightPerOrder).toBe(3);
    expect(stats.served429).toBe(1);
    expect(stats.writesApplied).toBe(2);
    expect(stats.requestLog).toHaveLength(8);
    expect(stats.requestLog.at(-1)).toMatchObject({
      method: "GET",
      path: "/stores/sandbox/v2/order_statuses",
      status: 429,
    });
    expect(stats.requestLog.find((e) => e.route === "order_put")).toMatchObject({
      orderId: 12347,
      status: 200,
    });
    // A copy: changing it does not change the sandbox.
    stats.requestLog.length = 0;
    expect(sb.stats().requestLog).toHaveLength(8);
  });
});
