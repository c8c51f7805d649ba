/**
 * Issue 14, results in the input's dialect: the results and failed-rows files use the input's
 * delimiter and line ending (CRLF vs LF), so they open in the spreadsheet the input came from
 * (a semicolon export of a European Excel opens as columns again). --resume reads them back.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import {
  orderRows,
  runCli,
  sandboxEnv,
  startE2eSandbox,
  tempDir,
  writeCsv,
} from "../helpers/cli.js";

/** Four note rows and one that fails (an order the store does not have). */
async function setUp(delimiter: string, eol: string) {
  const sandbox = await startE2eSandbox({ seed: { generate: { orders: 4 } } });
  const dir = await tempDir("bc-dialect-");
  const { header, rows } = orderRows(4, "note");
  rows.push(["999999", "", "a; note, with both", "", "", "", ""]);
  const input = await writeCsv(join(dir, "orders.csv"), header, rows, { delimiter, eol });
  return {
    sandbox,
    input,
    results: join(dir, "orders.results.csv"),
    failed: join(dir, "orders.results.failed.csv"),
  };
}

/** The file's records, read strictly in the given dialect, and its line endings. */
async function dialectOf(path: string, delimiter: string) {
  const text = await readFile(path, "utf8");
  const records = parse(text, { delimiter }) as string[][];
  return {
    text,
    records,
    crlf: (text.match(/\r\n/g) ?? []).length,
    lf: (text.match(/(?<!\r)\n/g) ?? []).length,
  };
}

describe("results in the input's dialect", () => {
  it("a semicolon CRLF input gives semicolon CRLF results and failed rows", async () => {
    const { sandbox, input, results, failed } = await setUp(";", "\r\n");
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(1);

    const out = await dialectOf(results, ";");
    expect(out.records[0]?.slice(0, 2)).toEqual(["order_id", "status_id"]);
    expect(out.records[0]).toContain("result");
    const at = out.records[0]?.indexOf("result") as number;
    expect(out.records.slice(1).map((record) => record[at])).toEqual([
      "updated",
      "updated",
      "updated",
      "updated",
      "failed",
    ]);
    // Every record ends in CRLF, no bare LF between records.
    expect(out.crlf).toBe(out.records.length);
    expect(out.lf).toBe(0);

    const rerun = await dialectOf(failed, ";");
    expect(rerun.records.map((record) => record[0])).toEqual(["order_id", "999999"]);
    expect(rerun.records[1]?.[2]).toBe("a; note, with both");
    expect(rerun.crlf).toBe(rerun.records.length);
    expect(rerun.lf).toBe(0);
  });

  it("--resume reads semicolon results back: the done rows are carried over", async () => {
    const { sandbox, input } = await setUp(";", "\r\n");
    await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });
    const writes = sandbox.stats().writesApplied;
    const again = await runCli([input, "--resume", "--json", "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ rows: 5, carried_over: 5 });
    expect(sandbox.stats().writesApplied).toBe(writes);
  });

  it("a tab-delimited LF input gives tab-delimited LF results", async () => {
    const { sandbox, input, results } = await setUp("\t", "\n");
    await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });
    const out = await dialectOf(results, "\t");
    expect(out.records[0]).toContain("result");
    expect(out.crlf).toBe(0);
  });

  it("a comma LF input keeps comma LF results", async () => {
    const { sandbox, input, results } = await setUp(",", "\n");
    await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });
    const out = await dialectOf(results, ",");
    expect(out.records[0]).toContain("result");
    expect(out.crlf).toBe(0);
  });
});
