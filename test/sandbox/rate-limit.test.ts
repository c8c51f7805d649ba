import { afterEach, describe, expect, it } from "vitest";
import { type Sandbox, type SandboxOptions, startSandbox } from "../../src/sandbox/index.js";
import { QuotaWindow, retryAfterSeconds } from "../../src/sandbox/rate-limit.js";

let sandbox: Sandbox | undefined;

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: SandboxOptions): Promise<Sandbox> {
  sandbox = await startSandbox(options);
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
  const header = (name: string) => response.headers.get(name);
  return {
    status: response.status,
    header,
    left: Number(header("x-rate-limit-requests-left")),
    resetMs: Number(header("x-rate-limit-time-reset-ms")),
    json: text === "" ? undefined : JSON.parse(text),
  };
}

describe("QuotaWindow (fake clock)", () => {
  it("counts down within a window, refuses when empty, refreshes after windowMs", () => {
    let now = 1000;
    const window = new QuotaWindow(2, 500, () => now);
    expect(window.take()).toEqual({
      allowed: true,
      snapshot: { quota: 2, left: 1, resetMs: 500, windowMs: 500 },
    });
    now += 100;
    expect(window.take()).toEqual({
      allowed: true,
      snapshot: { quota: 2, left: 0, resetMs: 400, windowMs: 500 },
    });
    now += 100;
    expect(window.take()).toEqual({
      allowed: false,
      snapshot: { quota: 2, left: 0, resetMs: 300, windowMs: 500 },
    });
    now += 300;
    expect(window.take()).toEqual({
      allowed: true,
      snapshot: { quota: 2, left: 1, resetMs: 500, windowMs: 500 },
    });
  });

  it("lets other apps consume the shared quota", () => {
    let now = 0;
    const window = new QuotaWindow(150, 30_000, () => now);
    window.consume(149);
    expect(window.take().snapshot.left).toBe(0);
    expect(window.take().allowed).toBe(false);
    window.consume(10);
    now = 30_000;
    expect(window.take().snapshot.left).toBe(149);
  });

  it("treats 0 and Infinity as unlimited", () => {
    for (const quota of [0, Number.POSITIVE_INFINITY]) {
      const window = new QuotaWindow(quota, 1000, () => 0);
      expect(window.unlimited).toBe(true);
      for (let i = 0; i < 1000; i += 1) expect(window.take().allowed).toBe(true);
    }
  });

  it("rounds X-Retry-After up to whole seconds", () => {
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1000)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    expect(retryAfterSeconds(15_000)).toBe(15);
  });
});

describe("rate limiting over HTTP", () => {
  it("sends the four lower-case headers on every response, counting down", async () => {
    const sb = await start({ quota: 5, windowMs: 60_000 });
    const answers = [
      await call(sb),
      await call(sb, "GET", "/orders/99999"),
      await call(sb, "GET", "/orders/12345/shipments"),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 404, 204]);
    expect(answers.map((a) => a.left)).toEqual([4, 3, 2]);
    for (const answer of answers) {
      expect(answer.header("x-rate-limit-requests-quota")).toBe("5");
      expect(answer.header("x-rate-limit-time-window-ms")).toBe("60000");
      expect(answer.resetMs).toBeGreaterThan(0);
      expect(answer.resetMs).toBeLessThanOrEqual(60_000);
    }
    // Also on a 401: every request that reached the store counts.
    const unauthorised = await fetch(`${sb.url}/stores/sandbox/v2/orders/12345`);
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.headers.get("x-rate-limit-requests-left")).toBe("1");
  });

  it("answers 429 with X-Retry-After and applies nothing once the quota is used", async () => {
    const sb = await start({ quota: 2, windowMs: 60_000 });
    await call(sb);
    await call(sb);
    const refused = await call(sb, "PUT", "/orders/12345", { staff_notes: "too late" });
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual([{ status: 429, message: expect.any(String) }]);
    expect(refused.left).toBe(0);
    expect(Number(refused.header("x-retry-after"))).toBe(Math.ceil(refused.resetMs / 1000));
    expect(Number(refused.header("x-retry-after"))).toBeGreaterThanOrEqual(1);
    expect(sb.store.getOrder(12345)?.staff_notes).toBe("");
    expect(sb.stats()).toMatchObject({ served429: 1, writesApplied: 0, requests: 3 });
  });

  it("refreshes the quota when the window ends", async () => {
    const sb = await start({ quota: 2, windowMs: 200 });
    expect((await call(sb)).status).toBe(200);
    expect((await call(sb)).status).toBe(200);
    const refused = await call(sb);
    expect(refused.status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, refused.resetMs + 20));
    const again = await call(sb);
    expect(again.status).toBe(200);
    expect(again.left).toBe(1);
  });

  it("consumeQuota uses the store's shared quota like another app", async () => {
    const sb = await start({ quota: 150, windowMs: 60_000 });
    sb.consumeQuota(148);
    expect((await call(sb)).left).toBe(1);
    expect((await call(sb)).left).toBe(0);
    expect((await call(sb)).status).toBe(429);
  });

  it("sends no rate headers and never 429s when unlimited", async () => {
    const sb = await start({ quota: 0 });
    for (let i = 0; i < 20; i += 1) {
      const answer = await call(sb);
      expect(answer.status).toBe(200);
      expect(answer.header("x-rate-limit-requests-left")).toBeNull();
    }
  });
});
