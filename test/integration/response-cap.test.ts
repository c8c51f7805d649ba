// Issue "Hostile or broken answers", item 9: every response body the client accepts is capped
// (16 MiB by default, far above a real V2 page of 250 orders). An answer over the cap fails its
// request with E_RESPONSE_TOO_LARGE (not retried: the same request would get the same answer),
// the rest of it is not read, and the next request goes on normally. Against a real HTTP server.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStoreApi } from "../../src/api/bigcommerce.js";
import { MAX_RESPONSE_BYTES } from "../../src/api/client.js";
import { isUnclearOutcome, ResponseTooLargeError } from "../../src/api/errors.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let handler: Handler = (_req, res) => res.writeHead(404).end();
let requests: string[] = [];
let origin = "";
const server = createServer((req, res) => {
  requests.push(`${req.method} ${req.url}`);
  req.resume();
  handler(req, res);
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function api(maxResponseBytes?: number) {
  requests = [];
  return createStoreApi(
    { storeHash: "abc123", accessToken: "tok_S3CRET_7f3a9c1e5b", apiUrl: new URL(origin) },
    {
      userAgent: "bc-order-batch-test",
      backoff: { baseMs: 1, maxMs: 2 },
      ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
    },
  );
}

/** An order whose JSON is `bytes` long (padded in staff_notes). */
function orderJson(bytes: number): string {
  const base = JSON.stringify({ id: 101, status_id: 11, staff_notes: "" });
  return base.replace('"staff_notes":""', `"staff_notes":"${"x".repeat(bytes - base.length)}"`);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("the response body cap", () => {
  it("is 16 MiB by default", () => {
    expect(MAX_RESPONSE_BYTES).toBe(16 * 1024 * 1024);
  });

  it("a body one byte over the cap fails the request with E_RESPONSE_TOO_LARGE, not retried", async () => {
    handler = (_req, res) =>
      res.writeHead(200, { "Content-Type": "application/json" }).end(orderJson(1025));
    const error = await rejection(api(1024).getOrder(101));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({ code: "E_RESPONSE_TOO_LARGE", limitBytes: 1024, method: "GET" });
    expect(requests).toEqual(["GET /stores/abc123/v2/orders/101"]);
  });

  it("a body exactly at the cap is read", async () => {
    handler = (_req, res) =>
      res.writeHead(200, { "Content-Type": "application/json" }).end(orderJson(1024));
    await expect(api(1024).getOrder(101)).resolves.toMatchObject({ id: 101 });
  });

  it("counts the decompressed bytes: a small gzip body that inflates past the cap fails", async () => {
    const body = gzipSync(orderJson(64 * 1024));
    expect(body.length).toBeLessThan(1024);
    handler = (_req, res) =>
      res
        .writeHead(200, { "Content-Type": "application/json", "Content-Encoding": "gzip" })
        .end(body);
    await expect(api(4096).getOrder(101)).rejects.toMatchObject({ code: "E_RESPONSE_TOO_LARGE" });
  });

  it("with the default cap: 17 MiB streamed without Content-Length fails, 1 MiB passes, and the store goes on", async () => {
    const big = 17 * 1024 * 1024;
    handler = (req, res) => {
      if (req.url?.includes("/orders/101")) {
        res.writeHead(200, { "Content-Type": "application/json" });
        const chunk = "x".repeat(1024 * 1024);
        res.write('{"id":101,"staff_notes":"');
        for (let sent = 0; sent < big; sent += chunk.length) {
          if (res.destroyed) return;
          res.write(chunk);
        }
        res.end('"}');
      } else {
        res.writeHead(200, { "Content-Type": "application/json" }).end(orderJson(1024 * 1024));
      }
    };
    const store = api();
    await expect(store.getOrder(101)).rejects.toMatchObject({
      code: "E_RESPONSE_TOO_LARGE",
      limitBytes: MAX_RESPONSE_BYTES,
    });
    await expect(store.getOrder(102)).resolves.toMatchObject({ id: 101 });
    expect(requests).toEqual([
      "GET /stores/abc123/v2/orders/101",
      "GET /stores/abc123/v2/orders/102",
    ]);
  });

  it("an oversized answer to a write is an unclear outcome (it may have been applied); to a read, clear", async () => {
    handler = (_req, res) =>
      res.writeHead(200, { "Content-Type": "application/json" }).end(orderJson(4096));
    const store = api(1024);
    const write = await rejection(store.updateOrder(101, { staff_notes: "a" }));
    const read = await rejection(store.getOrder(101));
    expect(write).toMatchObject({ code: "E_RESPONSE_TOO_LARGE", method: "PUT" });
    expect(isUnclearOutcome(write)).toBe(true);
    expect(isUnclearOutcome(read)).toBe(false);
    // Not retried: one PUT, one GET.
    expect(requests).toHaveLength(2);
  });
});
