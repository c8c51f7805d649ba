import { describe, expect, it } from "vitest";
import {
  CredentialsRejectedError,
  HttpStatusError,
  NetworkError,
  OutageError,
  TimeoutError,
} from "../../src/api/errors.js";
import { type ApplyContext, applyRow } from "../../src/apply/apply-row.js";
import { FakeStore } from "../helpers/fake-api.js";
import { checkedRow } from "../helpers/rows.js";

const ship = {
  trackingNumber: "1Z999AA10123456784",
  shippingProvider: "ups",
  trackingCarrier: "ups",
};
const post = { method: "POST", path: "/orders/100/shipments" } as const;
const put = { method: "PUT", path: "/orders/100" } as const;

function setup() {
  const api = new FakeStore();
  api.addOrder(100, {}, { addresses: [10], products: [{ quantity: 2 }, { quantity: 1 }] });
  const context: ApplyContext = {
    api,
    dryRun: false,
    reconcileDelayMs: 0,
    signal: new AbortController().signal,
  };
  return { api, context };
}

describe("applyRow", () => {
  it("a status-only row costs exactly one request, the PUT", async () => {
    const { api, context } = setup();
    const { outcome } = await applyRow(checkedRow({ statusId: 2 }), context);
    expect(api.log).toEqual(['PUT /orders/100 {"status_id":2}']);
    expect(outcome).toMatchObject({
      result: "updated",
      fieldsUpdated: ["status_id"],
      orderStatusId: 2,
    });
  });

  it("creates the shipment first, then sets the status", async () => {
    const { api, context } = setup();
    const { outcome } = await applyRow(checkedRow({ statusId: 10, shipment: ship }), context);
    expect(api.log.map((line) => line.split(" ").slice(0, 2).join(" "))).toEqual([
      "GET /orders/100/shipments",
      "GET /orders/100/shipping_addresses",
      "GET /orders/100/products",
      "POST /orders/100/shipments",
      "PUT /orders/100",
    ]);
    expect(outcome).toMatchObject({
      result: "updated",
      fieldsUpdated: ["shipment_created", "status_id"],
      shipmentId: 1000,
      shipmentCreated: true,
      orderStatusId: 10,
    });
    expect(api.shipments.get(100)?.[0]?.items).toEqual([
      { order_product_id: 1, quantity: 2 },
      { order_product_id: 2, quantity: 1 },
    ]);
  });

  it("re-reads the order after a shipment-only row to report the status it moved to", async () => {
    const { api, context } = setup();
    const { outcome } = await applyRow(checkedRow({ shipment: ship }), context);
    expect(api.log.at(-1)).toBe("GET /orders/100");
    expect(outcome).toMatchObject({ result: "updated", orderStatusId: 2, orderStatus: "Shipped" });
  });

  it("never creates a second shipment with the same tracking number", async () => {
    const { api, context } = setup();
    await applyRow(checkedRow({ shipment: ship }), context);
    const { outcome } = await applyRow(checkedRow({ shipment: ship }), context);
    expect(api.shipments.get(100)).toHaveLength(1);
    expect(outcome).toMatchObject({ result: "unchanged", shipmentId: 1000, fieldsUpdated: [] });
    expect(outcome.message).toContain("already exists");
  });

  it("a missing order fails with nothing written", async () => {
    const { api, context } = setup();
    const { outcome } = await applyRow(
      checkedRow({ statusId: 2, shipment: ship }, { orderId: 999 }),
      context,
    );
    expect(outcome).toMatchObject({
      result: "failed",
      errorCode: "E_ORDER_NOT_FOUND",
      fieldsUpdated: [],
    });
    expect(api.log.every((line) => line.startsWith("GET"))).toBe(true);
  });

  it("a check against the order that fails writes nothing of the row", async () => {
    const { api, context } = setup();
    api.addOrder(101, {}, { addresses: [10, 11], products: [{}] });
    const { outcome } = await applyRow(
      checkedRow({ statusId: 2, shipment: ship }, { orderId: 101 }),
      context,
    );
    expect(outcome).toMatchObject({ result: "failed", errorCode: "E_SEVERAL_ADDRESSES" });
    expect(api.log.some((line) => !line.startsWith("GET"))).toBe(false);
  });

  it("billing: reads the order, sends the merged address, reports recalculated totals", async () => {
    const { api, context } = setup();
    const row = checkedRow({
      billing: { city: "Madrid", country: "Spain", country_iso2: "ES" },
      billingColumns: ["billing_city", "billing_country"],
    });
    const { outcome } = await applyRow(row, context);
    expect(api.log[0]).toBe("GET /orders/100");
    expect(api.log[1]).toContain('"zip":"78751"');
    expect(outcome).toMatchObject({
      result: "updated",
      fieldsUpdated: ["billing_city", "billing_country"],
      totalsChanged: true,
    });
    expect(outcome.message).toContain("total_inc_tax");
  });

  it("dry run: reads only, lists only the fields that differ", async () => {
    const { api, context } = setup();
    const row = checkedRow({ statusId: 11, staffNotes: "new", shipment: ship });
    const { outcome } = await applyRow(row, { ...context, dryRun: true });
    expect(api.log.every((line) => line.startsWith("GET"))).toBe(true);
    expect(outcome).toMatchObject({
      result: "would_update",
      fieldsUpdated: ["shipment_created", "staff_notes"],
    });
  });

  describe("POST with an unclear outcome", () => {
    it("applied then 502: the re-read finds the shipment, no second one", async () => {
      const { api, context } = setup();
      api.failNext("createShipment", new HttpStatusError(post, 502, "Bad Gateway"), {
        applied: true,
      });
      const { outcome } = await applyRow(checkedRow({ statusId: 10, shipment: ship }), context);
      expect(api.shipments.get(100)).toHaveLength(1);
      expect(outcome).toMatchObject({
        result: "updated",
        fieldsUpdated: ["shipment_created", "status_id"],
        shipmentId: 1000,
      });
    });

    it("timeout before applying: the re-read finds nothing, so it posts again once", async () => {
      const { api, context } = setup();
      api.failNext("createShipment", new TimeoutError(post, 30000));
      const { outcome } = await applyRow(checkedRow({ shipment: ship }), context);
      expect(api.log.filter((line) => line.startsWith("POST"))).toHaveLength(2);
      expect(api.shipments.get(100)).toHaveLength(1);
      expect(outcome.result).toBe("updated");
    });

    it("a first POST applied after the re-read: the second POST's 400 is checked, no failure", async () => {
      const { api, context } = setup();
      api.failNext("createShipment", new TimeoutError(post, 30000));
      // The late first write shows up only now: the second POST is refused as over-quantity.
      api.failNext(
        "createShipment",
        new HttpStatusError(post, 400, "The field 'quantity' is invalid."),
        {
          applied: true,
        },
      );
      const { outcome } = await applyRow(checkedRow({ shipment: ship }), context);
      expect(outcome).toMatchObject({ result: "updated", fieldsUpdated: ["shipment_created"] });
      expect(api.shipments.get(100)).toHaveLength(1);
    });

    it("when the re-read fails too, the row needs review and nothing more is written", async () => {
      const { api, context } = setup();
      api.failNext("createShipment", new NetworkError(post, "ECONNRESET"), { applied: true });
      // The first listShipments is the check before writing; the second, the re-read, fails.
      api.failNext(
        "listShipments",
        new HttpStatusError({ method: "GET", path: "/x" }, 503, "down"),
        { after: 1 },
      );
      const { outcome } = await applyRow(checkedRow({ statusId: 10, shipment: ship }), context);
      expect(outcome).toMatchObject({ result: "needs_review", errorCode: "E_NETWORK" });
      expect(outcome.message).toContain("not applied: status_id");
      expect(api.log.filter((line) => line.startsWith("POST"))).toHaveLength(1);
      expect(api.log.filter((line) => line.startsWith("PUT"))).toHaveLength(0);
    });

    it("a 4xx is a clear failure: no re-read, no shipment", async () => {
      const { api, context } = setup();
      api.failNext(
        "createShipment",
        new HttpStatusError(post, 400, "The field 'quantity' is invalid."),
      );
      const { outcome } = await applyRow(checkedRow({ statusId: 10, shipment: ship }), context);
      expect(outcome).toMatchObject({
        result: "failed",
        errorCode: "E_HTTP_STATUS",
        fieldsUpdated: [],
      });
      expect(outcome.error).toContain("HTTP 400");
      expect(api.log.filter((line) => line.startsWith("PUT"))).toHaveLength(0);
    });
  });

  it("a PUT failing after the shipment was created says what was applied", async () => {
    const { api, context } = setup();
    api.failNext("updateOrder", new HttpStatusError(put, 400, "bad"));
    const { outcome } = await applyRow(checkedRow({ statusId: 10, shipment: ship }), context);
    expect(outcome).toMatchObject({
      result: "failed",
      fieldsUpdated: ["shipment_created"],
      shipmentId: 1000,
    });
    expect(outcome.message).toContain("shipment_created");
  });

  it.each([
    // A 401 is a clear refusal: nothing applied, so --resume must redo the row.
    ["rejected credentials", new CredentialsRejectedError(put, 401), "not_attempted"],
    // An outage on a write leaves its outcome unknown.
    ["an outage", new OutageError(put), "needs_review"],
  ])("%s is returned as the row's fatal error", async (_name, error, result) => {
    const { api, context } = setup();
    api.failNext("updateOrder", error);
    const applied = await applyRow(checkedRow({ statusId: 2 }), context);
    expect(applied.fatal).toBe(error);
    expect(applied.outcome).toMatchObject({ errorCode: error.code, result });
  });

  describe("a request that keeps failing before anything is written", () => {
    const get = { method: "GET", path: "/orders/100" } as const;
    const billing = checkedRow({ billing: { city: "Madrid" }, billingColumns: ["billing_city"] });

    it.each([
      ["a 503 on the order read", "getOrder", new HttpStatusError(get, 503, "down"), billing],
      ["a 429 on the order read", "getOrder", new HttpStatusError(get, 429, undefined), billing],
      ["a reset on the order read", "getOrder", new NetworkError(get, "ECONNRESET"), billing],
      ["a timeout on the shipments read", "listShipments", new TimeoutError(get, 30000), null],
      // Refused: the POST certainly never reached the store.
      ["a refused POST", "createShipment", new NetworkError(post, "ECONNREFUSED"), null],
    ] as const)(
      "%s: not_attempted, so --resume tries it again",
      async (_name, method, error, row) => {
        const { api, context } = setup();
        api.failNext(method, error);
        const { outcome, fatal } = await applyRow(row ?? checkedRow({ shipment: ship }), context);
        expect(fatal).toBeUndefined();
        expect(outcome).toMatchObject({
          result: "not_attempted",
          errorCode: error.code,
          fieldsUpdated: [],
        });
        expect(outcome.message).toContain("--resume");
        expect(api.shipments.get(100)).toHaveLength(0);
        expect(api.log.some((line) => line.startsWith("PUT"))).toBe(false);
      },
    );

    it.each([
      ["a 400 on the order read", "getOrder", new HttpStatusError(get, 400, "bad")],
      ["a 404 on the shipments read", "listShipments", new HttpStatusError(get, 404, undefined)],
    ] as const)("%s is the row's own failure", async (_name, method, error) => {
      const { api, context } = setup();
      api.failNext(method, error);
      const row = checkedRow({ ...billing.changes, shipment: ship });
      const { outcome } = await applyRow(row, context);
      expect(outcome.result).toBe("failed");
    });
  });

  it("a run-level stop during the reads leaves the row not attempted", async () => {
    const { api, context } = setup();
    api.failNext(
      "listShipments",
      new OutageError({ method: "GET", path: "/orders/100/shipments" }),
    );
    const applied = await applyRow(checkedRow({ shipment: ship }), context);
    expect(applied.outcome).toMatchObject({ result: "not_attempted", errorCode: "E_OUTAGE" });
    expect(api.log.some((line) => !line.startsWith("GET"))).toBe(false);
  });

  it("a run-level stop after the shipment was created leaves the row for --resume to finish", async () => {
    const { api, context } = setup();
    api.failNext("updateOrder", new CredentialsRejectedError(put, 401));
    const applied = await applyRow(checkedRow({ statusId: 10, shipment: ship }), context);
    expect(applied.outcome).toMatchObject({
      result: "needs_review",
      fieldsUpdated: ["shipment_created"],
    });
    expect(applied.outcome.message).toContain("shipment_created");
  });
});
