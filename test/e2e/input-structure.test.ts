// Issue 5 "Reading files", structure: delimiters, line endings, embedded newlines, ragged rows,
// broken quotes, empty files and absurd fields, through the built CLI against a sandbox store.
// The fixtures name sample-store orders (samples/store.json), so a misread file would be applied.
import { open } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkInvariants,
  expectFileRejected,
  prepareInput,
  readResults,
  runCli,
  sandboxEnv,
  startE2eSandbox,
  storeState,
  tempDir,
} from "../helpers/cli.js";

/**
 * The line of `stderr` that follows `prefix` (e.g. `${input}:3: ` or `warning: ${input}: `), from
 * there to its end: the values a person reads are looked for in it, never the wording around them.
 */
function messageAfter(stderr: string, prefix: string): string {
  const start = stderr.indexOf(prefix);
  expect(start, `${JSON.stringify(prefix)} in ${stderr}`).toBeGreaterThanOrEqual(0);
  const rest = stderr.slice(start + prefix.length);
  return rest.slice(0, rest.search(/\n|$/));
}

/** Each of `want` appears as a whole number in `text`, as often as it is listed. */
function expectNumbers(text: string, want: readonly number[]): void {
  const have = [...text.matchAll(/\b\d+\b/g)].map((match) => Number(match[0]));
  for (const n of want) {
    const i = have.indexOf(n);
    expect(i, `${n} in ${JSON.stringify(text)}`).toBeGreaterThanOrEqual(0);
    have.splice(i, 1);
  }
}

/** Writes `parts` to `path` in order, strings repeated `times` where given, without building it in memory. */
async function writeLarge(
  path: string,
  parts: readonly (string | { text: string; times: number })[],
): Promise<void> {
  const handle = await open(path, "w");
  try {
    for (const part of parts) {
      if (typeof part === "string") await handle.write(part);
      else {
        const block = part.text.repeat(Math.min(part.times, 65536));
        let left = part.times;
        while (left > 0) {
          const n = Math.min(left, 65536);
          await handle.write(n === 65536 ? block : part.text.repeat(n));
          left -= n;
        }
      }
    }
  } finally {
    await handle.close();
  }
}

describe("delimiters and line endings, end to end", () => {
  it("semicolons with commas inside values: every value lands whole in its column", async () => {
    const sandbox = await startE2eSandbox();
    const street12347 = sandbox.store.getOrder(12347)?.billing_address.street_1;
    const { input, results } = await prepareInput("semicolon-comma-values.csv");
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });

    const file = await readResults(results);
    checkInvariants({ inputRows: 3, results: file, sandbox, run, expectCode: 0 });
    expect(file.header.slice(0, 4)).toEqual([
      "order_id",
      "staff_notes",
      "billing_street",
      "billing_city",
    ]);
    expect(sandbox.store.getOrder(12345)?.staff_notes).toBe("Packed, fragile");
    expect(sandbox.store.getOrder(12345)?.billing_address).toMatchObject({
      street_1: "Calle Mayor 1, 2º",
      city: "Madrid",
    });
    expect(sandbox.store.getOrder(12346)?.staff_notes).toBe("Quoted; with semicolon");
    expect(sandbox.store.getOrder(12346)?.billing_address.street_1).toBe("Rue de la Paix, 12");
    expect(sandbox.store.getOrder(12347)?.staff_notes).toBe("Total 12,50 €");
    // An empty cell leaves the field as it was.
    expect(sandbox.store.getOrder(12347)?.billing_address).toMatchObject({
      street_1: street12347,
      city: "Lyon",
    });
  });

  it("a forced delimiter that does not fit the header rejects the file before any request", async () => {
    const sandbox = await startE2eSandbox();
    const before = storeState(sandbox);
    const { input, results } = await prepareInput("semicolon-comma-values.csv");
    const run = await runCli([input, "--delimiter", "comma"], { env: sandboxEnv(sandbox) });
    expectFileRejected(run, sandbox, before, {
      input,
      results,
      line: 1,
      code: "E_HEADER_UNKNOWN",
    });
    // The whole semicolon header read as one column, shown as read.
    expect(messageAfter(run.stderr, `${input}:1: `)).toContain(
      "order_id;staff_notes;billing_street;billing_city",
    );
  });

  it.each([
    { name: "crlf.csv", lines: [2, 3, 5], statuses: [2, 3, 4] },
    { name: "mixed-line-endings.csv", lines: [2, 3, 4, 5], statuses: [2, 3, 4, 5] },
    { name: "cr-only.csv", lines: [2, 3], statuses: [2, 3] },
  ])("$name: every row applied once, on its own line", async ({ name, lines, statuses }) => {
    const sandbox = await startE2eSandbox();
    const { input, results } = await prepareInput(name);
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });

    const file = await readResults(results);
    checkInvariants({ inputRows: lines.length, results: file, sandbox, run, expectCode: 0 });
    expect(file.rows.map((row) => Number(row.line))).toEqual(lines);
    const ids = statuses.map((_, i) => 12345 + i);
    expect(ids.map((id) => sandbox.store.getOrder(id)?.status_id)).toEqual(statuses);
    expect(sandbox.stats().byRoute.order_put).toBe(statuses.length);
    if (name === "crlf.csv") {
      // A CRLF inside a quoted value is part of the value, sent and stored as such.
      expect(sandbox.store.getOrder(12346)?.staff_notes).toBe("two\r\nlines");
      expect(file.rows[1]?.staff_notes).toBe("two\r\nlines");
    }
  });

  it("embedded newlines, escaped quotes and blank lines: right values, right lines", async () => {
    const sandbox = await startE2eSandbox();
    const before12347 = sandbox.store.getOrder(12347);
    const { input, results } = await prepareInput("embedded-newlines.csv");
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });

    const file = await readResults(results);
    checkInvariants({ inputRows: 4, results: file, sandbox, run, expectCode: 1 });
    expect(file.rows.map((row) => [row.line, row.order_id, row.result])).toEqual([
      ["2", "12345", "updated"],
      ["4", "12346", "updated"],
      ["7", "12347", "invalid"], // `"",""`: nothing to change
      ["9", "12348", "updated"],
    ]);
    expect(sandbox.store.getOrder(12345)).toMatchObject({
      staff_notes: "first line\nsecond line",
      customer_message: "hi",
    });
    expect(sandbox.store.getOrder(12346)).toMatchObject({
      staff_notes: "plain",
      customer_message: "a, b\r\nc\r\nd",
    });
    expect(sandbox.store.getOrder(12347)).toEqual(before12347);
    expect(sandbox.store.getOrder(12348)).toMatchObject({
      staff_notes: 'x "quoted" y',
      customer_message: "end",
    });
    // The results file keeps the cells exactly, line breaks included.
    expect(file.rows[1]?.customer_message).toBe("a, b\r\nc\r\nd");
  });

  it("Excel's trailing all-empty rows are skipped with a warning, not sent", async () => {
    const sandbox = await startE2eSandbox();
    const { input, results } = await prepareInput("excel-trailing-empty-rows.csv");
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });

    const file = await readResults(results);
    checkInvariants({ inputRows: 2, results: file, sandbox, run, expectCode: 0 });
    // A warning about the file: 3 rows skipped, the first on line 3.
    expectNumbers(messageAfter(run.stderr, `warning: ${input}: `), [3, 3]);
    expect(file.rows.map((row) => row.line)).toEqual(["2", "4"]);
    expect(sandbox.stats().byRoute.order_put).toBe(2);
  });

  it("stray quotes inside a field on one line are read as written", async () => {
    const sandbox = await startE2eSandbox();
    const { input, results } = await prepareInput("relaxed-quotes.csv");
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });

    checkInvariants({
      inputRows: 2,
      results: await readResults(results),
      sandbox,
      run,
      expectCode: 0,
    });
    expect(sandbox.store.getOrder(12345)).toMatchObject({
      staff_notes: '"Fragile" box',
      customer_message: '5" screen',
    });
    expect(sandbox.store.getOrder(12346)?.staff_notes).toBe('Say "hi"');
  });
});

describe("ragged rows and broken files, end to end", () => {
  it("ragged rows are invalid with their line and field counts; the other rows are applied", async () => {
    const sandbox = await startE2eSandbox();
    const before = storeState(sandbox);
    const { input, results } = await prepareInput("ragged-rows.csv");
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });

    const file = await readResults(results);
    checkInvariants({ inputRows: 4, results: file, sandbox, run, expectCode: 1 });
    // A warning about the file: 2 ragged rows, against the header's 3 fields, the first on line 3.
    expectNumbers(messageAfter(run.stderr, `warning: ${input}: `), [2, 3, 3]);
    expect(file.rows.map((row) => [row.line, row.result])).toEqual([
      ["2", "updated"],
      ["3", "invalid"],
      ["4", "invalid"],
      ["5", "updated"],
    ]);
    expect(file.rows.map((row) => row.error_code)).toEqual([
      "",
      "E_FIELD_COUNT",
      "E_FIELD_COUNT",
      "",
    ]);
    // The header's field count and the row's own.
    expectNumbers(file.rows[1]?.error ?? "", [3, 2]);
    expectNumbers(file.rows[2]?.error ?? "", [3, 4]);
    // Every results record is as wide as the header (the strict re-parse above proves it).
    expect(new Set(file.records.map((record) => record.length))).toEqual(
      new Set([file.header.length]),
    );
    expect(sandbox.store.getOrder(12345)).toMatchObject({ status_id: 2, staff_notes: "ok" });
    expect(sandbox.store.getOrder(12348)).toMatchObject({ status_id: 3, staff_notes: "fine" });
    const after = storeState(sandbox);
    expect(after[1]).toEqual((before as unknown[])[1]); // 12346
    expect(after[2]).toEqual((before as unknown[])[2]); // 12347
  });

  it.each([
    {
      // Line 3 opens the quote in field 2; line 5 is where the reader saw it cannot be a closing quote.
      what: "a quote left open mid-file",
      name: "unclosed-quote-mid-file.csv",
      line: 3,
      code: "E_CSV_SYNTAX",
      numbers: [2, 5],
    },
    {
      // A truncated export: line 3 opens the quote in field 2 and the file ends inside it.
      what: "a quote left open to the end",
      name: "unclosed-quote-at-end.csv",
      line: 3,
      code: "E_CSV_SYNTAX",
      numbers: [2],
    },
    {
      what: "an empty file",
      name: "empty.csv",
      line: undefined,
      code: "E_FILE_EMPTY",
      numbers: [],
    },
  ])(
    "$what ($name) rejects the whole file with $code before any request",
    async ({ name, line, code, numbers }) => {
      const sandbox = await startE2eSandbox();
      const before = storeState(sandbox);
      const { input, results } = await prepareInput(name);
      const run = await runCli([input], { env: sandboxEnv(sandbox) });
      expectFileRejected(run, sandbox, before, { input, results, line, code });
      if (line !== undefined)
        expectNumbers(messageAfter(run.stderr, `${input}:${line}: `), numbers);
    },
  );

  it("a header-only file succeeds with an empty results file and writes nothing", async () => {
    const sandbox = await startE2eSandbox();
    const before = storeState(sandbox);
    const { input, results } = await prepareInput("header-only.csv");
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });

    const file = await readResults(results);
    checkInvariants({ inputRows: 0, results: file, sandbox, run, expectCode: 0 });
    expect(file.header.slice(0, 3)).toEqual(["order_id", "status_id", "tracking_number"]);
    expect(sandbox.stats().writesApplied).toBe(0);
    expect(storeState(sandbox)).toEqual(before);
  });
});

describe("absurd fields, end to end", () => {
  it("a 10 MB field makes its row invalid (too long for BigCommerce); the other rows proceed", async () => {
    const sandbox = await startE2eSandbox();
    const before12345 = sandbox.store.getOrder(12345);
    const dir = await tempDir("bc-input-structure-");
    const input = join(dir, "big-field.csv");
    // 10 MiB of text with commas and line breaks inside one quoted field.
    await writeLarge(input, [
      "order_id,staff_notes\n",
      '12345,"',
      { text: "abcdefgh, 0123456789 ABCDEFGH\n", times: 349_526 },
      '"\n',
      "12346,after the big one\n",
    ]);
    const breaks = 349_526;
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });

    const file = await readResults(join(dir, "big-field.results.csv"));
    checkInvariants({ inputRows: 2, results: file, sandbox, run, expectCode: 1 });
    expect(file.rows[0]).toMatchObject({ line: "2", result: "invalid", error_code: "E_TOO_LONG" });
    // The column and BigCommerce's limit.
    expect(file.rows[0]?.error).toContain("staff_notes");
    expectNumbers(file.rows[0]?.error ?? "", [65535]);
    // The message quotes a short excerpt, never the 10 MB.
    expect(file.rows[0]?.error?.length).toBeLessThan(500);
    // The input cell itself is copied whole.
    expect(file.rows[0]?.staff_notes?.length).toBe(breaks * 30);
    expect(file.rows[1]).toMatchObject({ line: String(3 + breaks), result: "updated" });
    expect(sandbox.store.getOrder(12345)).toEqual(before12345);
    expect(sandbox.store.getOrder(12346)?.staff_notes).toBe("after the big one");
    expect(sandbox.stats().byRoute.order_put).toBe(1);
  }, 30_000);

  it("a record over the 16 MiB limit rejects the file before any request", async () => {
    const sandbox = await startE2eSandbox();
    const before = storeState(sandbox);
    const dir = await tempDir("bc-input-structure-");
    const input = join(dir, "huge-record.csv");
    await writeLarge(input, [
      "order_id,staff_notes\n12346,fine\n12345,",
      { text: "x", times: 16 * 1024 * 1024 + 1 },
      "\n",
    ]);
    const run = await runCli([input], { env: sandboxEnv(sandbox) });
    expectFileRejected(run, sandbox, before, {
      input,
      results: join(dir, "huge-record.results.csv"),
      line: 3,
      code: "E_RECORD_TOO_LARGE",
    });
    // The limit, in bytes.
    expectNumbers(messageAfter(run.stderr, `${input}:3: `), [16777216]);
  }, 30_000);
});
