import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadStoreDirectory, type RowOutcome, runBatch } from "../../src/index.js";
import { generateSeed, type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { REPO_ROOT, runNode } from "../helpers/cli.js";

/** Issue #7 "Library use": runBatch with typed options, an AbortSignal and per-row events. */
let sandbox: Sandbox;
let dir: string;

beforeEach(async () => {
  sandbox = await startSandbox({ seed: generateSeed(50), quota: 0, latencyMs: 5 });
  dir = await mkdtemp(join(tmpdir(), "bc-library-"));
});

afterEach(async () => {
  await sandbox.close();
});

async function statusFile(rows: number): Promise<string> {
  const file = join(dir, "statuses.csv");
  const lines = Array.from({ length: rows }, (_, i) => `${100000 + (i % 50)},Completed`);
  await writeFile(file, `order_id,status_id\n${lines.join("\n")}\n`);
  return file;
}

describe("runBatch", () => {
  it("reports every row through onRow, in input order, and returns the summary", async () => {
    const input = await statusFile(20);
    const seen: RowOutcome[] = [];
    const summary = await runBatch({
      input,
      mode: "run",
      output: join(dir, "out.csv"),
      stores: await loadStoreDirectory({ env: sandbox.env }),
      concurrency: 3,
      onRow: (outcome) => seen.push(outcome),
    });
    expect(seen.map((outcome) => outcome.line)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 2),
    );
    expect(seen.every((outcome) => outcome.result === "updated")).toBe(true);
    expect(summary).toMatchObject({ rows: 20, succeeded: 20, failed: 0, stopReason: undefined });
    expect(summary.byResult).toEqual({ updated: 20 });
  });

  it("stops starting rows when its AbortSignal aborts; every row still gets a result", async () => {
    const input = await statusFile(200);
    const controller = new AbortController();
    const summary = await runBatch({
      input,
      mode: "run",
      output: join(dir, "out.csv"),
      stores: await loadStoreDirectory({ env: sandbox.env }),
      concurrency: 2,
      signal: controller.signal,
      onRow: (outcome) => {
        if (outcome.line === 6) controller.abort();
      },
    });
    expect(summary.stopReason).toBe("interrupted");
    expect(summary.rows).toBe(200);
    expect(summary.byResult.not_attempted).toBeGreaterThan(100);
    const text = await readFile(join(dir, "out.csv"), "utf8");
    expect(text.trim().split("\n")).toHaveLength(201);
  });

  it("throws a typed error for a run-level failure before the first row", async () => {
    const error = await runBatch({
      input: join(dir, "missing.csv"),
      mode: "validate",
      output: join(dir, "out.csv"),
    }).catch((e) => e);
    expect(error).toMatchObject({ name: "InputFileError", code: "E_FILE_UNREADABLE", exitCode: 2 });
  });

  it("rejects with the error of a failing pipeline (onRow throws) and leaves no unhandled rejection behind", async () => {
    const input = join(dir, "orders.csv");
    await writeFile(input, "order_id,staff_notes\n1,a\n2,b\n");
    // In a process of its own: an unhandled rejection would print on its stderr or end it early.
    const script = `
      import { Writable } from "node:stream";
      import { runBatch } from "bc-order-batch";
      const output = new Writable({ write(chunk, encoding, done) { done(); } });
      const error = await runBatch({
        input: process.argv[1], mode: "validate", output,
        onRow: () => { throw Object.assign(new Error("boom"), { code: "E_CALLER" }); },
      }).catch((e) => e);
      await new Promise((resolve) => setTimeout(resolve, 100));
      console.log(JSON.stringify({ code: error.code }));`;
    const run = await runNode(["--input-type=module", "-e", script, input], { cwd: REPO_ROOT });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ code: "E_CALLER" });
  });
});

describe("the package entry", () => {
  it("resolves `bc-order-batch` to the built library with its exports", async () => {
    const script =
      "import('bc-order-batch').then((m) => console.log(JSON.stringify(['runBatch','loadStoreDirectory','checkRow','InputFileError','startSandbox'].map((k) => typeof m[k]))))";
    const run = await runNode(["--input-type=module", "-e", script], { cwd: REPO_ROOT });
    expect(run.code).toBe(0);
    // The sandbox is not part of the library entry: it has its own (bc-order-batch/sandbox).
    expect(JSON.parse(run.stdout)).toEqual([
      "function",
      "function",
      "function",
      "function",
      "undefined",
    ]);
  });

  it("resolves `bc-order-batch/sandbox` to a sandbox that starts and answers", async () => {
    const script = [
      "const { startSandbox, SandboxError } = await import('bc-order-batch/sandbox');",
      "const sandbox = await startSandbox({ quota: 0 });",
      "const answer = await fetch(sandbox.url + '/stores/sandbox/v2/orders/12345', {",
      "  headers: { 'X-Auth-Token': sandbox.env.BIGCOMMERCE_ACCESS_TOKEN, Accept: 'application/json' },",
      "});",
      "const order = await answer.json();",
      "await sandbox.close();",
      "console.log(JSON.stringify([typeof SandboxError, answer.status, order.id]));",
    ].join("\n");
    const run = await runNode(["--input-type=module", "-e", script], { cwd: REPO_ROOT });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(["function", 200, 12345]);
  });

  it("loads no sandbox module when the library entry is imported", async () => {
    // A resolve hook (node:module register) lists every module the import graph reaches.
    const hooks = [
      "export async function resolve(specifier, context, next) {",
      "  const result = await next(specifier, context);",
      "  process.stdout.write(result.url + '\\n');",
      "  return result;",
      "}",
    ].join("\n");
    const script = [
      "import { register } from 'node:module';",
      `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));`,
      "await import('bc-order-batch');",
    ].join("\n");
    const run = await runNode(["--input-type=module", "-e", script], { cwd: REPO_ROOT });
    expect(run.code).toBe(0);
    const loaded = run.stdout.split("\n").filter((url) => url !== "");
    expect(loaded.some((url) => url.endsWith("/dist/index.js"))).toBe(true);
    expect(loaded.filter((url) => url.includes("/dist/sandbox/"))).toEqual([]);
  });
});
