import { describe, expect, it } from "vitest";
import { InputFileError, UsageError } from "../../src/errors.js";
import { COLUMN_NAMES } from "../../src/input/columns.js";
import {
  type HeaderOptions,
  parseColumnMap,
  resolveHeader,
  scoreHeader,
  suggestColumn,
} from "../../src/input/header.js";

const FILE = "orders.csv";

function headerError(cells: string[], options: HeaderOptions = {}, line?: number): InputFileError {
  try {
    resolveHeader(cells, options, FILE, line);
  } catch (error) {
    expect(error).toBeInstanceOf(InputFileError);
    return error as InputFileError;
  }
  throw new Error(`resolveHeader accepted ${JSON.stringify(cells)}`);
}

function usageError(text: string): UsageError {
  try {
    parseColumnMap(text);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`parseColumnMap accepted ${JSON.stringify(text)}`);
}

describe("resolveHeader", () => {
  it.each([
    {
      name: "canonical names",
      cells: ["order_id", "status_id", "tracking_number"],
      options: {},
      expected: ["order_id", "status_id", "tracking_number"],
    },
    {
      name: "names trimmed and matched case-insensitively",
      cells: [" Order_ID ", "STATUS_ID", "\tTracking_Number"],
      options: {},
      expected: ["order_id", "status_id", "tracking_number"],
    },
    {
      name: "a stray U+FEFF before the first name",
      cells: ["\uFEFForder_id", "staff_notes"],
      options: {},
      expected: ["order_id", "staff_notes"],
    },
    {
      name: "every known column",
      cells: [...COLUMN_NAMES],
      options: {},
      expected: [...COLUMN_NAMES],
    },
    {
      name: "column map, source matched trimmed and case-insensitively",
      cells: ["ORDER NUMBER ", "Tracking"],
      options: { columnMap: { "Order Number": "order_id", tracking: "tracking_number" } },
      expected: ["order_id", "tracking_number"],
    },
    {
      name: "column map renames a canonical name to another",
      cells: ["order_id", "status_id"],
      options: { columnMap: { Ref: "order_id", status_id: "staff_notes" } },
      expected: ["order_id", "staff_notes"],
    },
    {
      name: "extra columns kept as undefined",
      cells: ["order_id", "Notes (internal)", "status_id", "Warehouse"],
      options: { allowExtraColumns: true },
      expected: ["order_id", undefined, "status_id", undefined],
    },
  ] satisfies { name: string; cells: string[]; options: HeaderOptions; expected: unknown[] }[])(
    "accepts $name",
    ({ cells, options, expected }) => {
      expect(resolveHeader(cells, options, FILE)).toEqual(expected);
    },
  );

  it.each([
    {
      name: "a duplicated column",
      cells: ["order_id", "status_id", "ORDER_ID"],
      options: {},
      code: "E_HEADER_DUPLICATE",
      column: "ORDER_ID",
    },
    {
      name: "a duplicate made by the column map",
      cells: ["order_id", "Tracking", "tracking_number"],
      options: { columnMap: { Tracking: "tracking_number" } },
      code: "E_HEADER_DUPLICATE",
      column: "tracking_number",
    },
    {
      name: "two extra columns with the same name",
      cells: ["order_id", "Note", " note"],
      options: { allowExtraColumns: true },
      code: "E_HEADER_DUPLICATE",
      column: "note",
    },
    {
      name: "an empty name",
      cells: ["order_id", "", "status_id"],
      options: {},
      code: "E_HEADER_EMPTY_NAME",
      column: "2",
    },
    {
      name: "a blank name",
      cells: ["order_id", "status_id", "  "],
      options: { allowExtraColumns: true },
      code: "E_HEADER_EMPTY_NAME",
      column: "3",
    },
    {
      name: "__proto__",
      cells: ["order_id", "__proto__"],
      options: { allowExtraColumns: true },
      code: "E_HEADER_FORBIDDEN",
      column: "__proto__",
    },
    {
      name: "constructor",
      cells: ["constructor", "order_id"],
      options: {},
      code: "E_HEADER_FORBIDDEN",
      column: "constructor",
    },
    {
      name: "prototype, even when mapped",
      cells: ["Prototype", "status_id"],
      options: { columnMap: { prototype: "order_id" } },
      code: "E_HEADER_FORBIDDEN",
      column: "Prototype",
    },
    {
      name: "an unknown column",
      cells: ["order_id", "tracking_numbr"],
      options: {},
      code: "E_HEADER_UNKNOWN",
      column: "tracking_numbr",
    },
    {
      name: "an extra column named like a results column",
      cells: ["order_id", "Result"],
      options: { allowExtraColumns: true },
      code: "E_HEADER_RESERVED",
      column: "Result",
    },
    {
      name: "a header without order_id",
      cells: ["status_id", "tracking_number"],
      options: {},
      code: "E_HEADER_NO_ORDER_ID",
      column: "order_id",
    },
    {
      name: "a header without order_id, extras allowed",
      cells: ["Reference", "status_id"],
      options: { allowExtraColumns: true },
      code: "E_HEADER_NO_ORDER_ID",
      column: "order_id",
    },
  ] satisfies {
    name: string;
    cells: string[];
    options: HeaderOptions;
    code: string;
    column: string;
  }[])("rejects $name with $code", ({ cells, options, code, column }) => {
    const error = headerError(cells, options);
    expect(error.code).toBe(code);
    expect(error.column).toBe(column);
    expect(error.file).toBe(FILE);
    expect(error.line).toBe(1);
    expect(error.message.startsWith(`${FILE}:1: `)).toBe(true);
    expect(error.message).toContain("(expected");
  });

  it("names the unknown column, suggests the nearest known one and the flags that help", () => {
    const error = headerError(["order_id", "status_id", "tracking_numbr"]);
    expect(error.message).toContain(
      'unknown column "tracking_numbr" (did you mean "tracking_number"?)',
    );
    expect(error.message).toContain("column 3");
    expect(error.message).toContain("--map");
    expect(error.message).toContain("--allow-extra-columns");
  });

  it("lists every unknown column in one error", () => {
    const error = headerError(["order_id", "Warehouse", "Picker"]);
    expect(error.column).toBe("Warehouse");
    expect(error.message).toContain('"Picker"');
  });

  it("reports the header's line when it is not the first", () => {
    const error = headerError(["status_id"], {}, 3);
    expect(error.line).toBe(3);
    expect(error.message.startsWith(`${FILE}:3: `)).toBe(true);
  });

  it("keeps the field number of a duplicate in the message", () => {
    const error = headerError(["order_id", "status_id", "order_id"]);
    expect(error.message).toContain("column 3");
    expect(error.message).toContain("column 1");
  });
});

describe("scoreHeader", () => {
  it.each([
    { cells: ["order_id", "status_id", "x"], map: undefined, known: 2, hasOrderId: true },
    { cells: ["order_id;status_id"], map: undefined, known: 0, hasOrderId: false },
    { cells: ["Ref", "status_id"], map: { ref: "order_id" }, known: 2, hasOrderId: true },
    { cells: ["status_id"], map: undefined, known: 1, hasOrderId: false },
  ])("$cells → $known known", ({ cells, map, known, hasOrderId }) => {
    expect(scoreHeader(cells, map)).toEqual({ known, hasOrderId });
  });
});

describe("parseColumnMap", () => {
  it.each([
    {
      text: "Order Number=order_id,Tracking=tracking_number",
      expected: { "Order Number": "order_id", Tracking: "tracking_number" },
    },
    { text: " Ref = ORDER_ID ", expected: { Ref: "order_id" } },
    { text: "Ship=Date=status_id", expected: { "Ship=Date": "status_id" } },
    {
      text: "Order No=order_id,Order Number=order_id",
      expected: { "Order No": "order_id", "Order Number": "order_id" },
    },
    { text: "ref=order_id,REF=order_id", expected: { ref: "order_id", REF: "order_id" } },
  ])("parses $text", ({ text, expected }) => {
    expect(parseColumnMap(text)).toEqual(expected);
  });

  it.each([
    { text: "", fragment: "empty entry" },
    { text: "Ref=order_id,", fragment: "empty entry" },
    { text: "Ref", fragment: 'no "="' },
    { text: "=order_id", fragment: "no source column" },
    { text: "Ref=", fragment: "no column name" },
    { text: "Ref=order", fragment: 'unknown column "order"' },
    { text: "Track=tracking_numbr", fragment: '(did you mean "tracking_number"?)' },
    { text: "Ref=order_id,ref=status_id", fragment: "mapped twice" },
    { text: "__proto__=order_id", fragment: "__proto__" },
  ])("rejects $text", ({ text, fragment }) => {
    const error = usageError(text);
    expect(error.code).toBe("E_USAGE");
    expect(error.message).toContain("--map");
    expect(error.message).toContain(fragment);
  });

  it("returns a plain object whose keys cannot touch a prototype", () => {
    const map = parseColumnMap("constructor2=order_id");
    expect(Object.getPrototypeOf(map)).toBe(Object.prototype);
    expect(Object.keys(map)).toEqual(["constructor2"]);
  });
});

describe("suggestColumn", () => {
  it.each([
    ["tracking_numbr", "tracking_number"],
    ["Tracking Number", "tracking_number"],
    ["tracking-number", "tracking_number"],
    ["orderid", "order_id"],
    ["ORDER_ID ", "order_id"],
    ["statusid", "status_id"],
    ["status", "status_id"],
    ["billing_zipcode", "billing_zip"],
    ["email", "billing_email"],
    ["carrier", "carrier"],
    ["qty", "quantity"],
    ["Trackng Number", "tracking_number"],
    ["shipping_provder", "shipping_provider"],
    ["staff_note", "staff_notes"],
  ])("%s → %s", (name, expected) => {
    expect(suggestColumn(name)).toBe(expected);
  });

  it.each(["Warehouse", "Picker name", "", "  ", "x", "order_date", "ship_date"])(
    "%j → nothing",
    (name) => {
      expect(suggestColumn(name)).toBeUndefined();
    },
  );
});
