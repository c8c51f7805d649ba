// Safety review, input integrity: what a run applies is exactly what its first pass checked.
// 1. An input overwritten in place during a run: nothing of the new content is applied, the run
//    stops at once (exit 2, E_FILE_CHANGED), every line still gets exactly one result.
// 4. One bad byte in a UTF-8 file fails its row (E_INVALID_UTF8), never re-decodes the whole file
//    as Windows-1252 (`Zürich` must not reach the store as `ZÃ¼rich`).
// 11b. A FIFO or /dev/stdin as input is read once, into the private copy both passes read.
import { execFileSync } from "node:child_process";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkInvariants,
  csvText,
  orderRows,
  readResults,
  runCli,
  sandboxEnv,
  spawnCli,
  startE2eSandbox,
  tempDir,
  waitUntil,
  writeCsv,
} from "../helpers/cli.js";

/**
 * orderRows' note rows with each note padded to 30 kB: the file is far larger than what the
 * second pass reads ahead of the rows in flight, so a reader of the original meets the new bytes.
 */
function paddedNotes(orders: number, tag: string): { header: string[]; rows: string[][] } {
  const input = orderRows(orders, "note", { tag });
  const pad = ` ${"x".repeat(30_000)}`;
  return {
    header: input.header,
    rows: input.rows.map((row) => row.map((cell, i) => (i === 2 ? cell + pad : cell))),
  };
}

/** Snapshot directories left in `dir` (snapshotInput makes them under os.tmpdir()). */
async function snapshotsLeft(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith("bc-order-batch-input-"));
}

describe("the input file changes during a run", () => {
  it("rewritten in place mid-run: no row of the new content is applied, the rest not_attempted, exit 2", async () => {
    const orders = 200;
    // Latency keeps the run going for seconds (at least orders × 40 ms / 4 workers).
    const sandbox = await startE2eSandbox({ seed: { generate: { orders } }, latencyMs: 40 });
    const notesBefore = new Map(
      sandbox.store.orderIds().map((id) => [id, sandbox.store.getOrder(id)?.staff_notes]),
    );
    const dir = await tempDir("bc-integrity-");
    const tmp = await tempDir("bc-integrity-tmp-");
    const old = paddedNotes(orders, "OLD");
    const file = await writeCsv(join(dir, "orders.csv"), old.header, old.rows);
    const output = join(dir, "orders.results.csv");
    const cli = spawnCli([file, "-o", output, "--concurrency", "4", "--json"], {
      env: sandboxEnv(sandbox, { TMPDIR: tmp }),
    });

    // Some rows are done: then the exporter overwrites the file in place (same inode, truncated)
    // with other values for the same orders, and is cut off mid-line.
    await waitUntil(() => sandbox.stats().writesApplied >= 5, { what: "5 rows applied" });
    const fresh = csvText(old.header, paddedNotes(orders, "NEW").rows);
    await writeFile(file, fresh.slice(0, Math.floor(fresh.length * 0.6) + 3));
    const run = await cli.result;

    const results = await readResults(output);
    const summary = checkInvariants({
      inputRows: orders,
      results,
      sandbox,
      run,
      expectCode: 2,
      input: old, // every cell from the content the first pass checked
      allowedResults: ["updated", "not_attempted"],
    });
    expect(summary.counts.updated ?? 0).toBeGreaterThan(0);
    expect(summary.counts.not_attempted ?? 0).toBeGreaterThan(0);
    // The run stopped at the change, long before its end (workers finish the rows in flight).
    expect(summary.counts.not_attempted ?? 0).toBeGreaterThan(orders / 2);
    for (const row of results.rows) {
      const note = sandbox.store.getOrder(Number(row.order_id))?.staff_notes;
      if (row.result === "updated") expect(note, `line ${row.line}`).toBe(row.staff_notes);
      else {
        expect(row.error_code, `line ${row.line}`).toBe("E_FILE_CHANGED");
        expect(note, `line ${row.line}`).toBe(notesBefore.get(Number(row.order_id)));
      }
    }
    // Nothing of the new content reached the store.
    for (const id of sandbox.store.orderIds()) {
      expect(sandbox.store.getOrder(id)?.staff_notes ?? "").not.toContain("NEW");
    }
    expect(JSON.parse(run.stdout)).toMatchObject({
      stop_reason: "input_changed",
      stop_error_code: "E_FILE_CHANGED",
    });
    expect(run.stderr).toContain(file);
    expect(run.stderr).toContain("E_FILE_CHANGED");
    // The private copy is gone.
    expect(await snapshotsLeft(tmp)).toEqual([]);
  });

  it("an unchanged input: the run completes and leaves no copy behind", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 12 } } });
    const dir = await tempDir("bc-integrity-");
    const tmp = await tempDir("bc-integrity-tmp-");
    const input = orderRows(12, "note", { tag: "SAME" });
    const file = await writeCsv(join(dir, "orders.csv"), input.header, input.rows);
    const output = join(dir, "orders.results.csv");
    const run = await runCli([file, "-o", output, "--quiet"], {
      env: sandboxEnv(sandbox, { TMPDIR: tmp }),
    });
    checkInvariants({
      inputRows: 12,
      results: await readResults(output),
      sandbox,
      run,
      expectCode: 0,
      input,
      allowedResults: ["updated"],
    });
    expect(await snapshotsLeft(tmp)).toEqual([]);
  });
});

describe("one bad byte in a UTF-8 file", () => {
  it("fails only its row (E_INVALID_UTF8); the file stays UTF-8 and Zürich arrives as Zürich", async () => {
    const orders = 30;
    const sandbox = await startE2eSandbox({ seed: { generate: { orders } } });
    const first = sandbox.store.orderIds()[0] as number;
    const header = ["order_id", "staff_notes", "billing_city"];
    const cities = ["Zürich", "Genève", "Kraków", "Málaga", "Tōkyō"];
    const rows = Array.from({ length: orders }, (_, i) => [
      String(first + i),
      `note ${i + 1}`,
      cities[i % cities.length] as string,
    ]);
    // Line 23 (data row 22) holds one byte that is not UTF-8 in its staff_notes.
    const badIndex = 21;
    rows[badIndex] = [String(first + badIndex), "bad \uFFFD byte", "Zürich"];
    const text = Buffer.from(csvText(header, rows), "utf8");
    const marker = Buffer.from("\uFFFD", "utf8");
    const at = text.indexOf(marker);
    const bytes = Buffer.concat([text.subarray(0, at), Buffer.from([0xff]), text.subarray(at + 3)]);
    const badOrder = sandbox.store.getOrder(first + badIndex);
    const before = { note: badOrder?.staff_notes, city: badOrder?.billing_address.city };

    const dir = await tempDir("bc-integrity-utf8-");
    const file = join(dir, "orders.csv");
    await writeFile(file, bytes);
    const output = join(dir, "orders.results.csv");
    const run = await runCli([file, "-o", output, "--quiet"], { env: sandboxEnv(sandbox) });

    const results = await readResults(output);
    // The bad byte shows as U+FFFD in the results (which are UTF-8); every other cell as written.
    const summary = checkInvariants({
      inputRows: orders,
      results,
      sandbox,
      run,
      expectCode: 1,
      input: { header, rows },
      allowedResults: ["updated", "invalid"],
    });
    expect(summary.counts).toEqual({ updated: orders - 1, invalid: 1 });
    const bad = results.rows[badIndex];
    expect(bad).toMatchObject({ line: "23", result: "invalid", error_code: "E_INVALID_UTF8" });
    // Where: the line, the column and the byte offset of the bad byte.
    expect(bad?.error).toContain("23");
    expect(bad?.error).toContain("staff_notes");
    expect(bad?.error).toContain(String(at));
    // Nothing of the bad row was sent; the others arrive intact.
    const after = sandbox.store.getOrder(first + badIndex);
    expect({ note: after?.staff_notes, city: after?.billing_address.city }).toEqual(before);
    rows.forEach((row, i) => {
      if (i === badIndex) return;
      const order = sandbox.store.getOrder(Number(row[0]));
      expect(order?.billing_address.city, `line ${i + 2}`).toBe(row[2]);
      expect(order?.staff_notes, `line ${i + 2}`).toBe(row[1]);
    });
    expect(JSON.stringify(sandbox.store.getOrder(first)?.billing_address)).not.toContain("Ã");
  });
});

describe("an input that can be read only once", () => {
  it("a FIFO is read once into the private copy; every row is applied", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 20 } } });
    const dir = await tempDir("bc-integrity-fifo-");
    const fifo = join(dir, "orders.csv");
    execFileSync("mkfifo", [fifo]);
    const input = orderRows(20, "note", { tag: "FIFO" });
    // The exporter writes into the pipe; it blocks until the run opens it.
    const writing = writeFile(fifo, csvText(input.header, input.rows));
    writing.catch(() => {});
    const output = join(dir, "orders.results.csv");
    const run = await runCli([fifo, "-o", output, "--quiet"], {
      env: sandboxEnv(sandbox),
      timeoutMs: 20_000,
    });
    await writing;
    checkInvariants({
      inputRows: 20,
      results: await readResults(output),
      sandbox,
      run,
      expectCode: 0,
      input,
      allowedResults: ["updated"],
    });
    for (const row of input.rows) {
      expect(sandbox.store.getOrder(Number(row[0]))?.staff_notes).toBe(row[2]);
    }
  });

  it("/dev/stdin (a pipe) is read once into the private copy; every row is applied", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 20 } } });
    const dir = await tempDir("bc-integrity-stdin-");
    const input = orderRows(20, "note", { tag: "STDIN" });
    const output = join(dir, "orders.results.csv");
    const run = await runCli(["/dev/stdin", "-o", output, "--quiet"], {
      env: sandboxEnv(sandbox),
      stdin: csvText(input.header, input.rows),
      timeoutMs: 20_000,
    });
    checkInvariants({
      inputRows: 20,
      results: await readResults(output),
      sandbox,
      run,
      expectCode: 0,
      input,
      allowedResults: ["updated"],
    });
    for (const row of input.rows) {
      expect(sandbox.store.getOrder(Number(row[0]))?.staff_notes).toBe(row[2]);
    }
  });
});
