// Warehouse files as they come (issue 13), end to end: the built CLI against the sandbox seeded
// from samples/store.json. Rows of one order and tracking number are one shipment of their items,
// wherever they are in the file; items are checked before any write (POSTs counted at the store);
// an order another app shipped is a distinct result; several addresses are listed in the failure.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, runRows, sandboxEnv, startE2eSandbox, tempDir, writeCsv } from "../helpers/cli.js";

const FAST = ["--backoff-base-ms", "5", "--backoff-max-ms", "20", "--quiet"];
const HEADER = ["order_id", "tracking_number", "carrier", "sku", "quantity"];

async function run(store: Sandbox, rows: string[][], extra: string[] = [], expectCode = 0) {
  const { results, requests, cli } = await runRows(
    store,
    HEADER,
    rows,
    [...FAST, ...extra],
    expectCode,
  );
  return { results, cli, posts: requests.filter((entry) => entry.route === "shipment_post") };
}

const itemsOf = (store: Sandbox, orderId: number, shipmentId: string) =>
  store.store
    .listShipments(orderId)
    .find((s) => String(s.id) === shipmentId)
    ?.items.map((item) => [item.order_product_id, item.quantity]);

describe("split parcels", () => {
  // Order 12350: address 1005 (Chicago) has CC3C (line 210); 1006 (Milwaukee) has FLCT-BEIGE ×2
  // (211) and TWB (212). Parcel A (lines 2 and 6) and parcel B go to Milwaukee; C to Chicago.
  const rows = [
    ["12350", "1Z999AA10000012350", "UPS Ground", "FLCT-BEIGE", "1"],
    ["12346", "1Z999AA10000012346", "UPS", "", ""],
    ["12350", "9400 1000 0000 0000 0123 50", "USPS", "CC3C", ""],
    ["12350", "1Z999AA10000012351", "UPS Ground", "FLCT-BEIGE", ""],
    ["12350", "1z 999 aa1 00 0001 2350", "UPS Ground", "TWB", "1"],
  ];

  it("a dry run names one shipment per parcel: the group's later row creates none", async () => {
    const store = await startE2eSandbox();
    const dry = await run(store, rows, ["--dry-run"]);
    expect(dry.posts).toHaveLength(0);
    expect(dry.results.rows.map((row) => [row.result, row.fields_updated])).toEqual([
      ["would_update", "shipment_created"],
      ["would_update", "shipment_created"],
      ["would_update", "shipment_created"],
      ["would_update", "shipment_created"],
      ["unchanged", ""],
    ]);
  });

  it.each([["bulk"], ["per-order"]])(
    "one shipment per tracking number with its rows' items; a re-run creates nothing (--reads %s)",
    async (reads) => {
      const store = await startE2eSandbox();
      const first = await run(store, rows, ["--reads", reads]);
      const [a, other, c, b, aLater] = first.results.rows as Record<string, string>[];
      expect(first.results.rows.map((row) => row.result)).toEqual([
        "updated",
        "updated",
        "updated",
        "updated",
        "unchanged",
      ]);
      expect(a?.fields_updated).toBe("shipment_created");
      expect(aLater?.fields_updated).toBe("");
      expect(aLater?.shipment_id).toBe(a?.shipment_id);
      expect(new Set([a, other, c, b].map((row) => row?.shipment_id)).size).toBe(4);
      expect(first.posts.length).toBe(4);
      expect(itemsOf(store, 12350, a?.shipment_id ?? "")).toEqual([
        [211, 1],
        [212, 1],
      ]);
      // Empty quantity: what is left of that SKU once parcel A took one.
      expect(itemsOf(store, 12350, b?.shipment_id ?? "")).toEqual([[211, 1]]);
      // The SKU picks the address of an order with several.
      const parcelC = store.store.listShipments(12350).find((s) => String(s.id) === c?.shipment_id);
      expect(parcelC?.order_address_id).toBe(1005);
      expect(b?.order_status_id).toBe("2");

      const again = await run(store, rows, ["--reads", reads]);
      expect(again.posts.length).toBe(0);
      expect(again.results.rows.map((row) => row.result)).toEqual(Array(5).fill("unchanged"));
      expect(again.results.rows.map((row) => row.shipment_id)).toEqual(
        first.results.rows.map((row) => row.shipment_id),
      );
    },
  );

  it("more than is left of a SKU fails every row of that shipment, and nothing is posted for it", async () => {
    const store = await startE2eSandbox();
    // Order 12345: FLCT-BEIGE ×1 (201), OTL ×2 (202).
    const { results, posts } = await run(
      store,
      [
        ["12345", "1Z999AA10000000345", "UPS", "OTL", "1"],
        ["12347", "1Z999AA10000000347", "UPS", "CC3C", "1"],
        ["12345", "1Z999AA10000000345", "UPS", "FLCT-BEIGE", "2"],
        ["12346", "1Z999AA10000000346", "UPS", "UC", "1"],
        ["12346", "1Z999AA10000000346", "UPS", "NOT-A-SKU", "1"],
      ],
      [],
      1,
    );
    expect(results.rows.map((row) => [row.result, row.error_code])).toEqual([
      ["failed", "E_ITEM_OVER_QUANTITY"],
      ["updated", ""],
      ["failed", "E_ITEM_OVER_QUANTITY"],
      ["failed", "E_ITEM_NOT_ON_ORDER"],
      ["failed", "E_ITEM_NOT_ON_ORDER"],
    ]);
    expect(posts.map((post) => post.orderId)).toEqual([12347]);
    expect(store.store.listShipments(12345)).toEqual([]);
    expect(store.store.listShipments(12346)).toEqual([]);
  });
});

describe("an order shipped by another app", () => {
  async function shipElsewhere(store: Sandbox): Promise<number> {
    // Another app ships order 12352 (CLC ×1, line 214, address 1007) through the API.
    const response = await fetch(
      `${store.url}/stores/${store.env.BIGCOMMERCE_STORE_HASH}/v2/orders/12352/shipments`,
      {
        method: "POST",
        headers: {
          "X-Auth-Token": store.env.BIGCOMMERCE_ACCESS_TOKEN,
          "Content-Type": "application/json",
          Accept: "application/json",
        },
        body: JSON.stringify({
          order_address_id: 1007,
          tracking_number: "OTHERAPP0000001",
          shipping_provider: "",
          tracking_carrier: "",
          items: [{ order_product_id: 214, quantity: 1 }],
        }),
      },
    );
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: number }).id;
  }

  it("is already_shipped (a success), naming that shipment; --already-shipped fail makes it a failure", async () => {
    const store = await startE2eSandbox();
    const theirs = await shipElsewhere(store);
    const row = [["12352", "1Z999AA10000012352", "UPS", "", ""]];
    const ok = await run(store, row);
    expect(ok.results.rows[0]).toMatchObject({
      result: "already_shipped",
      success: "true",
      error_code: "",
      fields_updated: "",
      shipment_id: String(theirs),
    });
    expect(ok.posts.length).toBe(0);

    const strict = await run(store, row, ["--already-shipped", "fail"], 1);
    expect(strict.results.rows[0]).toMatchObject({
      result: "failed",
      error_code: "E_ALREADY_SHIPPED",
    });
    expect(strict.posts.length).toBe(0);
    expect(store.store.listShipments(12352).map((s) => s.id)).toEqual([theirs]);
  });

  it("refuses an unknown --already-shipped value before anything is sent", async () => {
    const store = await startE2eSandbox();
    const dir = await tempDir("bc-split-");
    const file = await writeCsv(join(dir, "in.csv"), HEADER, [["12352", "1Z1", "UPS", "", ""]]);
    const cli = await runCli([file, "--already-shipped", "maybe", ...FAST], {
      env: sandboxEnv(store),
    });
    expect(cli.code).toBe(2);
    expect(store.stats().requestLog.filter((e) => e.method !== "GET")).toEqual([]);
  });
});

describe("an order with several shipping addresses", () => {
  it("fails listing each address with its id, name, city, zip and what is left there", async () => {
    const store = await startE2eSandbox();
    const { results, posts } = await run(
      store,
      [["12350", "1Z999AA10000012350", "UPS", "", ""]],
      [],
      1,
    );
    const [row] = results.rows;
    expect(row?.error_code).toBe("E_SEVERAL_ADDRESSES");
    for (const part of ["1005", "Chicago", "60601", "CC3C", "1006", "Milwaukee", "53202", "TWB"]) {
      expect(row?.error).toContain(part);
    }
    expect(posts.length).toBe(0);
  });
});
