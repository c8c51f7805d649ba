// Issue 13: carriers as shipping tools name them, tracking numbers as carriers print them, and
// the new shipment columns (carrier, tracking_link, shipping_method, shipment_comments, sku, …).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CARRIERS, carrierTableMarkdown, findCarrier } from "../../src/check/carriers.js";
import { type CheckContext, checkRow } from "../../src/check/check-row.js";
import { SHIPPING_PROVIDERS } from "../../src/check/shipping-providers.js";
import { buildStatusTable, DEFAULT_ORDER_STATUSES } from "../../src/check/statuses.js";
import { compactTracking, normalizeTracking, sameTracking } from "../../src/check/tracking.js";
import type { CheckResult, ColumnName, ShipmentRequest } from "../../src/types.js";

type Values = Partial<Record<ColumnName, string>>;

const context: CheckContext = { statuses: buildStatusTable(DEFAULT_ORDER_STATUSES) };

function check(values: Values): CheckResult {
  return checkRow({ index: 1, line: 2, cells: Object.values(values), values }, context);
}

function shipmentOf(values: Values): ShipmentRequest | undefined {
  const result = check({ order_id: "12345", tracking_number: "1Z999AA10123456784", ...values });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.row.changes.shipment;
}

function codes(values: Values): { code: string; column: string | undefined }[] {
  const result = check(values);
  if (result.ok) throw new Error(`accepted ${JSON.stringify(values)}`);
  return result.problems.map((p) => ({ code: p.code, column: p.column }));
}

describe("tracking numbers as carriers print them", () => {
  it("compares without case, spaces and dashes", () => {
    expect(normalizeTracking("1Z 999 AA1 01 2345 6784")).toBe("1z999aa10123456784");
    expect(sameTracking("1Z 999 AA1 01 2345 6784", "1z999aa10123456784")).toBe(true);
    expect(sameTracking("1Z-999-AA1", "1z999aa1")).toBe(true);
    expect(sameTracking("AB\u00a01234\u00a05678 9GB", "ab123456789gb")).toBe(true);
    expect(sameTracking("1Z999AA1", "1Z999AA2")).toBe(false);
  });

  it("is sent without spaces and dashes, in the case given", () => {
    expect(compactTracking("1Z 999 AA1 01 2345 6784")).toBe("1Z999AA10123456784");
    expect(compactTracking("ab-1234")).toBe("ab1234");
    expect(shipmentOf({ tracking_number: "1Z 999 AA1 01 2345 6784" })?.trackingNumber).toBe(
      "1Z999AA10123456784",
    );
  });

  it("counts the length without the spaces (BigCommerce's 50)", () => {
    const spaced = "1234 ".repeat(12).trim(); // 59 characters, 48 without spaces
    expect(shipmentOf({ tracking_number: spaced })?.trackingNumber).toHaveLength(48);
  });

  it("still refuses characters a tracking number cannot have", () => {
    expect(codes({ order_id: "1", tracking_number: "1Z 999#1" })).toEqual([
      { code: "E_TRACKING_CHARS", column: "tracking_number" },
    ]);
  });
});

describe("the carrier table", () => {
  it.each([
    ["UPS Ground", "ups", "ups", "UPS Ground"],
    ["UPS® Ground", "ups", "ups", "UPS® Ground"],
    ["UPS 2nd Day Air", "ups", "ups", "UPS 2nd Day Air"],
    ["ups_walleted", "ups", "ups", undefined],
    ["USPS Priority Mail", "usps", "usps", "USPS Priority Mail"],
    ["USPS Priority", "usps", "usps", "USPS Priority"],
    ["stamps_com", "usps", "usps", undefined],
    ["endicia", "usps", "usps", undefined],
    ["FedEx Ground", "fedex", "fedex", "FedEx Ground"],
    ["Fedex Ground", "fedex", "fedex", "Fedex Ground"],
    ["fedex_walleted", "fedex", "fedex", undefined],
    ["Federal Express", "fedex", "fedex", undefined],
    ["DHL", "", "dhl", undefined],
    ["DHL Express", "", "dhl", undefined],
    ["dhl_express", "", "dhl", undefined],
    ["DHLExpress", "", "dhl", undefined],
    ["DHL eCommerce", "", "dhl-global-mail", undefined],
    ["Canada Post", "canadapost", "canada-post", undefined],
    ["canada_post", "canadapost", "canada-post", undefined],
    ["Australia Post", "auspost", "australia-post", undefined],
    ["auspost", "auspost", "australia-post", undefined],
    ["Royal Mail", "royalmail", "royal-mail", undefined],
    ["OnTrac", "", "ontrac", undefined],
  ])("%j → provider %j, slug %j, service %j", (text, provider, slug, service) => {
    const match = findCarrier(text);
    expect(match?.carrier.provider).toBe(provider);
    expect(match?.carrier.slug).toBe(slug);
    expect(match?.service).toBe(service);
  });

  it.each(["UPS!", "ups/fedex", "Correos", "", "constructor", "__proto__"])(
    "%j → nothing",
    (text) => {
      expect(findCarrier(text)).toBeUndefined();
    },
  );

  it("gives only BigCommerce shipping_provider values and AfterShip-shaped slugs", () => {
    for (const carrier of CARRIERS) {
      expect(SHIPPING_PROVIDERS).toContain(carrier.provider);
      if (carrier.slug !== null) expect(carrier.slug).toMatch(/^[a-z0-9][a-z0-9-]*$/);
    }
  });

  it("is the README's carrier table", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const block = /<!-- carriers:start -->\n([\s\S]*?)\n<!-- carriers:end -->/.exec(readme)?.[1];
    expect(tableCells(block)).toEqual(tableCells(carrierTableMarkdown()));
  });
});

describe("the carrier column and carrier names in shipping_provider", () => {
  it("fills shipping_provider, tracking_carrier and shipping_method from one value", () => {
    expect(shipmentOf({ carrier: "UPS Ground" })).toMatchObject({
      shippingProvider: "ups",
      trackingCarrier: "ups",
      shippingMethod: "UPS Ground",
    });
    expect(shipmentOf({ carrier: "DHL Express" })).toMatchObject({
      shippingProvider: "",
      trackingCarrier: "dhl",
    });
  });

  it("lets the explicit columns win, and keeps a given shipping_method", () => {
    expect(
      shipmentOf({
        carrier: "UPS Ground",
        tracking_carrier: "ups-mail-innovations",
        shipping_method: "Next day",
      }),
    ).toMatchObject({
      shippingProvider: "ups",
      trackingCarrier: "ups-mail-innovations",
      shippingMethod: "Next day",
    });
  });

  it.each([
    ["DHL", "", "dhl"],
    ["DHL Express", "", "dhl"],
    ["UPS Ground", "ups", "ups"],
    ["USPS Priority", "usps", "usps"],
    ["Fedex Ground", "fedex", "fedex"],
    ["stamps_com", "usps", "usps"],
  ])("shipping_provider %j maps to %j with tracking_carrier %j", (text, provider, slug) => {
    expect(shipmentOf({ shipping_provider: text })).toMatchObject({
      shippingProvider: provider,
      trackingCarrier: slug,
    });
  });

  it("keeps a BigCommerce value in shipping_provider as it is (no tracking_carrier added)", () => {
    expect(shipmentOf({ shipping_provider: "endicia" })).toMatchObject({
      shippingProvider: "endicia",
      trackingCarrier: "",
    });
  });

  it("maps carrier names in tracking_carrier", () => {
    expect(shipmentOf({ tracking_carrier: "ups_walleted" })?.trackingCarrier).toBe("ups");
    expect(shipmentOf({ tracking_carrier: "DHL eCommerce" })?.trackingCarrier).toBe(
      "dhl-global-mail",
    );
  });

  it("takes an unknown carrier written as an AfterShip slug", () => {
    expect(shipmentOf({ carrier: "poste-italiane" })).toMatchObject({
      shippingProvider: "",
      trackingCarrier: "poste-italiane",
    });
  });

  it("refuses an unknown carrier name without a tracking_link (E_CARRIER)", () => {
    expect(
      codes({ order_id: "1", tracking_number: "1Z1", carrier: "Speedy Couriers Ltd" }),
    ).toEqual([{ code: "E_CARRIER", column: "carrier" }]);
    expect(codes({ order_id: "1", tracking_number: "1Z1", carrier: "GlobalPost" })).toEqual([
      { code: "E_CARRIER", column: "carrier" },
    ]);
  });

  it("sends an unknown carrier name's row when it gives a tracking_link", () => {
    const link = "https://track.speedy.example/?n=1Z1";
    expect(shipmentOf({ carrier: "Speedy Couriers Ltd", tracking_link: link })).toMatchObject({
      shippingProvider: "",
      trackingCarrier: "",
      trackingLink: link,
    });
  });
});

describe("the other new shipment columns", () => {
  it("carries tracking_link, shipping_method, comments and the item", () => {
    expect(
      shipmentOf({
        tracking_link: "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        shipping_method: "Ground",
        shipment_comments: "Left at the door\nthanks",
        sku: "UC",
        quantity: "2",
        order_product_id: "203",
      }),
    ).toEqual({
      trackingNumber: "1Z999AA10123456784",
      shippingProvider: "",
      trackingCarrier: "",
      trackingLink: "https://www.ups.com/track?tracknum=1Z999AA10123456784",
      shippingMethod: "Ground",
      comments: "Left at the door\nthanks",
      item: { sku: "UC", orderProductId: 203, quantity: 2 },
    });
  });

  it.each<[string, Values, { code: string; column: string }[]]>([
    [
      "an http link",
      { tracking_link: "http://example.com/t" },
      [{ code: "E_TRACKING_LINK", column: "tracking_link" }],
    ],
    [
      "a link that is no URL",
      { tracking_link: "ups.com/track" },
      [{ code: "E_TRACKING_LINK", column: "tracking_link" }],
    ],
    [
      "a link too long",
      { tracking_link: `https://example.com/${"a".repeat(500)}` },
      [{ code: "E_TOO_LONG", column: "tracking_link" }],
    ],
    ["quantity 0", { quantity: "0" }, [{ code: "E_OUT_OF_RANGE", column: "quantity" }]],
    ["quantity 1.5", { quantity: "1.5" }, [{ code: "E_NOT_INTEGER", column: "quantity" }]],
    [
      "order_product_id -3",
      { order_product_id: "-3" },
      [{ code: "E_OUT_OF_RANGE", column: "order_product_id" }],
    ],
    ["a sku too long", { sku: "x".repeat(256) }, [{ code: "E_TOO_LONG", column: "sku" }]],
    [
      "comments too long",
      { shipment_comments: "x".repeat(65536) },
      [{ code: "E_TOO_LONG", column: "shipment_comments" }],
    ],
  ])("refuses %s", (_name, values, expected) => {
    expect(codes({ order_id: "1", tracking_number: "1Z1", ...values })).toEqual(expected);
  });

  it.each<ColumnName>([
    "sku",
    "quantity",
    "order_product_id",
    "carrier",
    "tracking_link",
    "shipping_method",
    "shipment_comments",
  ])("refuses %s without a tracking number (E_NEEDS_TRACKING)", (column) => {
    const value =
      column === "tracking_link"
        ? "https://example.com/t"
        : column === "sku" || column === "carrier" || column.startsWith("ship")
          ? "UPS"
          : "3";
    expect(codes({ order_id: "1", status_id: "2", [column]: value })).toEqual([
      { code: "E_NEEDS_TRACKING", column },
    ]);
  });

  it("reads an order id printed with #", () => {
    const result = check({ order_id: "#12345", status_id: "2" });
    expect(result.ok && result.row.orderId).toBe(12345);
  });
});

/** A Markdown table as its cells, so the README's own padding (Biome formats it) does not matter. */
function tableCells(markdown: string | undefined): string[][] {
  return (markdown ?? "")
    .split("\n")
    .filter((line) => !/^\|[\s|:-]+\|$/.test(line))
    .map((line) => line.split("|").map((cell) => cell.trim()));
}
