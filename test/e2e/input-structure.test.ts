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
    expectFileRejected(run, sandbox, before, { input, results, line: 1 });
    expect(run.stderr).toContain("unknown column");
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
    expect(run.stderr).toMatch(
      /^warning: .*skipped 3 rows with every field empty \(first at line 3\)/m,
    );
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
    expect(run.stderr).toMatch(
      /^warning: .*2 rows have a different number of fields than the header's 3 \(first at line 3\)/m,
    );
    expect(file.rows.map((row) => [row.line, row.result])).toEqual([
      ["2", "updated"],
      ["3", "invalid"],
      ["4", "invalid"],
      ["5", "updated"],
    ]);
    expect(file.rows[1]?.error).toContain("expected 3 fields, found 2");
    expect(file.rows[2]?.error).toContain("expected 3 fields, found 4");
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

  it("a quote left open mid-file rejects the whole file before any request", async () => {
    const sandbox = await startE2eSandbox();
    const before = storeState(sandbox);
    const { input, results } = await prepareInput("unclosed-quote-mid-file.csv");
    const run = await runCli([input], { env: sandboxEnv(sandbox) });
    // Line 3 opens the quote; line 5 is where the reader saw it cannot be a closing quote.
    expectFileRejected(run, sandbox, before, { input, results, line: 3 });
    expect(run.stderr).toContain("field 2");
    expect(run.stderr).toContain("on line 5");
  });

  it("a quote left open to the end (a truncated export) rejects the whole file", async () => {
    const sandbox = await startE2eSandbox();
    const before = storeState(sandbox);
    const { input, results } = await prepareInput("unclosed-quote-at-end.csv");
    const run = await runCli([input], { env: sandboxEnv(sandbox) });
    expectFileRejected(run, sandbox, before, { input, results, line: 3 });
    expect(run.stderr).toContain("never closed");
  });

  it("an empty file is rejected", async () => {
    const sandbox = await startE2eSandbox();
    const before = storeState(sandbox);
    const { input, results } = await prepareInput("empty.csv");
    const run = await runCli([input], { env: sandboxEnv(sandbox) });
    expectFileRejected(run, sandbox, before, { input, results });
    expect(run.stderr).toContain("no header");
  });

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
    expect(file.rows[0]).toMatchObject({ line: "2", result: "invalid" });
    expect(file.rows[0]?.error).toContain("staff_notes");
    expect(file.rows[0]?.error).toContain("65535");
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
    });
    expect(run.stderr).toContain("16777216 bytes");
  }, 30_000);
});
