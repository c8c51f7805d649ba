// Issue 13 "Warehouse files as they come": headers of common exports read without flags, the
// alias table, ignored headers, nameless trailing columns, --map files and one source to two columns.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InputFileError, UsageError } from "../../src/errors.js";
import {
  aliasTableMarkdown,
  COLUMN_ALIASES,
  headerNormalForm,
  IGNORED_HEADERS,
} from "../../src/input/aliases.js";
import { COLUMN_NAMES } from "../../src/input/columns.js";
import {
  type HeaderOptions,
  parseColumnMap,
  resolveHeader,
  resolveHeaderDetails,
  suggestColumn,
} from "../../src/input/header.js";
import { mapFileText, readOptionsOf } from "../../src/options.js";

const FILE = "export.csv";

function headerError(cells: string[], options: HeaderOptions = {}): InputFileError {
  try {
    resolveHeaderDetails(cells, options, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(InputFileError);
    return error as InputFileError;
  }
  throw new Error(`resolveHeaderDetails accepted ${JSON.stringify(cells)}`);
}

describe("headerNormalForm", () => {
  it.each([
    ["Order Number", "order number"],
    ["Order #", "order number"],
    ["Order No.", "order number"],
    ["Order No", "order number"],
    ["order_number", "order number"],
    ["ORDER-NUMBER", "order number"],
    ["OrderNumber", "order number"],
    ["OrderID", "order id"],
    ["Order - Number", "order number"],
    ["  Tracking   #  ", "tracking number"],
    ["Fulfillment: Tracking URL", "fulfillment tracking url"],
    ["\uFEFForder_id", "order id"],
    ["Ship To - Name", "ship to name"],
  ])("%j → %j", (name, form) => {
    expect(headerNormalForm(name)).toBe(form);
  });
});

describe("the alias table", () => {
  it("names only real columns", () => {
    for (const column of Object.keys(COLUMN_ALIASES)) expect(COLUMN_NAMES).toContain(column);
  });

  it("gives each normal form one column, and never ignores a name that is an alias", () => {
    const seen = new Map<string, string>();
    for (const name of COLUMN_NAMES) seen.set(headerNormalForm(name), name);
    for (const [column, names] of Object.entries(COLUMN_ALIASES)) {
      for (const name of names ?? []) {
        const form = headerNormalForm(name);
        expect(seen.get(form) ?? column, name).toBe(column);
        seen.set(form, column);
      }
    }
    for (const name of IGNORED_HEADERS) expect(seen.has(headerNormalForm(name)), name).toBe(false);
  });

  it.each([
    ["Order Number", "order_id"],
    ["Order ID", "order_id"],
    ["Order #", "order_id"],
    ["Order No", "order_id"],
    ["Order No.", "order_id"],
    ["id", "order_id"],
    ["ID", "order_id"],
    ["Name", "order_id"],
    ["Order - Number", "order_id"],
    ["status", "status_id"],
    ["Tracking Number", "tracking_number"],
    ["Tracking #", "tracking_number"],
    ["Shipment - Tracking Number", "tracking_number"],
    ["Fulfillment: Tracking Number", "tracking_number"],
    ["Carrier", "carrier"],
    ["Carrier - Carrier Selected", "carrier"],
    ["Fulfillment: Tracking Company", "carrier"],
    ["Service", "shipping_method"],
    ["Carrier - Service Selected", "shipping_method"],
    ["SKU", "sku"],
    ["Item - SKU", "sku"],
    ["Qty", "quantity"],
    ["Quantity", "quantity"],
    ["Item - Qty", "quantity"],
    ["Order Address ID", "order_address_id"],
    ["Tracking Link", "tracking_link"],
    ["Fulfillment: Tracking URL", "tracking_link"],
    ["Shipping Provider", "shipping_provider"],
    ["Tracking Carrier", "tracking_carrier"],
    ["Comments", "shipment_comments"],
    ["Order Product ID", "order_product_id"],
  ])("%j is read as %s", (name, column) => {
    expect(
      resolveHeader(["order_id", name].slice(column === "order_id" ? 1 : 0), {}, FILE),
    ).toEqual(column === "order_id" ? [column] : ["order_id", column]);
  });

  it("is the README's alias table", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const block = /<!-- aliases:start -->\n([\s\S]*?)\n<!-- aliases:end -->/.exec(readme)?.[1];
    expect(tableCells(block)).toEqual(tableCells(aliasTableMarkdown()));
  });
});

describe("resolveHeaderDetails", () => {
  it("reads a ShipStation export: aliases, ignored headers, one notice", () => {
    const cells = [
      "Order - Number",
      "Date - Shipped Date",
      "Ship To - Name",
      "Carrier - Carrier Selected",
      "Carrier - Service Selected",
      "Shipment - Tracking Number",
      "Item - SKU",
      "Item - Qty",
    ];
    const header = resolveHeaderDetails(cells, {}, FILE);
    expect(header.columns).toEqual([
      "order_id",
      undefined,
      undefined,
      "carrier",
      "shipping_method",
      "tracking_number",
      "sku",
      "quantity",
    ]);
    expect(header.notice).toContain('"Order - Number" → order_id');
    expect(header.notice).toContain('"Ship To - Name"');
  });

  it("has no notice when every header is a column's own name", () => {
    expect(resolveHeaderDetails(["order_id", "Status_ID "], {}, FILE).notice).toBeUndefined();
  });

  it("ignores an alias of a column another header names exactly", () => {
    const header = resolveHeaderDetails(
      ["ID", "Name", "status_id"],
      { columnMap: { Name: "order_id" } },
      FILE,
    );
    expect(header.columns).toEqual([undefined, "order_id", "status_id"]);
  });

  it("refuses two aliases of one column, and says how to pick one", () => {
    const error = headerError(["ID", "Name", "status_id"]);
    expect(error.code).toBe("E_HEADER_DUPLICATE");
    expect(error.message).toContain('--map "ID=order_id"');
  });

  it("still refuses a typo of one of ours, with the suggestion", () => {
    const error = headerError(["Order Number", "Trackng Number"]);
    expect(error.code).toBe("E_HEADER_UNKNOWN");
    expect(error.column).toBe("Trackng Number");
    expect(error.message).toContain('"tracking_number"');
    expect(suggestColumn("Trackng Number")).toBe("tracking_number");
  });

  it("names the likely order id column with a ready-to-paste --map", () => {
    const error = headerError(["Reference", "Tracking Number"]);
    expect(error.code).toBe("E_HEADER_NO_ORDER_ID");
    expect(error.column).toBe("order_id");
    expect(error.message).toContain('--map "Reference=order_id"');
  });

  it("keeps E_HEADER_UNKNOWN when no unknown column looks like an order id", () => {
    expect(headerError(["order_id;status_id;staff_notes"]).code).toBe("E_HEADER_UNKNOWN");
  });

  it("ignores nameless cells at the end only when asked (the reader checks the rows)", () => {
    const cells = ["order_id", "status_id", "", " "];
    expect(headerError(cells).code).toBe("E_HEADER_EMPTY_NAME");
    const header = resolveHeaderDetails(cells, { allowTrailingEmpty: true }, FILE);
    expect(header.columns).toEqual(["order_id", "status_id", undefined, undefined]);
    expect(header.trailingEmpty).toEqual([2, 3]);
    expect(header.notice).toContain("3, 4");
    expect(headerError(["order_id", "", "status_id"], { allowTrailingEmpty: true }).code).toBe(
      "E_HEADER_EMPTY_NAME",
    );
  });

  it("feeds two columns from one source column", () => {
    const header = resolveHeaderDetails(
      ["order_id", "Carrier", "tracking_number"],
      { columnMap: parseColumnMap("Carrier=shipping_provider,Carrier=tracking_carrier") },
      FILE,
    );
    expect(header.columns).toEqual(["order_id", "shipping_provider", "tracking_number"]);
    expect(header.shared).toEqual([{ index: 1, column: "tracking_carrier" }]);
  });

  it("refuses a shared column that is also a column of its own", () => {
    const error = headerError(["order_id", "Carrier", "tracking_carrier"], {
      columnMap: { Carrier: ["shipping_provider", "tracking_carrier"] },
    });
    expect(error.code).toBe("E_HEADER_DUPLICATE");
  });
});

describe("--map", () => {
  it("maps one source to two columns where that makes sense", () => {
    expect(parseColumnMap("Carrier=shipping_provider,Carrier=tracking_carrier")).toEqual({
      Carrier: ["shipping_provider", "tracking_carrier"],
    });
  });

  it.each(["Ref=order_id,Ref=status_id", "Carrier=shipping_provider,Carrier=order_address_id"])(
    "refuses %j",
    (text) => {
      expect(() => parseColumnMap(text)).toThrow(UsageError);
    },
  );

  it("reads a map file: # comments and blank lines left out, # inside a name kept", () => {
    const text =
      "# ShipStation\n\nOrder #=order_id\r\n  # carrier twice\nCarrier=shipping_provider,\nCarrier=tracking_carrier\n";
    expect(mapFileText(text)).toBe(
      "Order #=order_id,Carrier=shipping_provider,Carrier=tracking_carrier",
    );
    const options = readOptionsOf({ input: "x.csv", map: ["@map.txt"] }, () => text);
    expect(options.columnMap).toEqual({
      "Order #": "order_id",
      Carrier: ["shipping_provider", "tracking_carrier"],
    });
  });

  it("sees a source mapped twice across --map flags", () => {
    expect(() =>
      readOptionsOf({ input: "x.csv", map: ["Ref=order_id", "Ref=status_id"] }, () => ""),
    ).toThrow(UsageError);
  });

  it("accepts --delimiter pipe", () => {
    expect(readOptionsOf({ input: "x.csv", delimiter: "pipe" }, () => "").delimiter).toBe("|");
    expect(readOptionsOf({ input: "x.csv", delimiter: "|" }, () => "").delimiter).toBe("|");
  });
});

/** A Markdown table as its cells, so the README's own padding (Biome formats it) does not matter. */
function tableCells(markdown: string | undefined): string[][] {
  return (markdown ?? "")
    .split("\n")
    .filter((line) => !/^\|[\s|:-]+\|$/.test(line))
    .map((line) => line.split("|").map((cell) => cell.trim()));
}
