/**
 * Issue 14, `bc-order-batch inbox <dir>`: a drop folder for cron. The built CLI against the sandbox
 * store: settled files run oldest first into done/ or failed/ (results beside them), a file still
 * being written is left alone, a file left in processing/ by a kill -9 or a stop is resumed first
 * (every row once, no second shipment), --watch stops on SIGTERM (143) leaving the file in hand in
 * processing/, --notify POSTs one report per file, one inbox run per folder, names never clobbered.
 * File ages are set with utimes, never waited for.
 */
import { existsSync } from "node:fs";
import { readdir, readFile, rename, utimes } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import {
  checkInvariants,
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

type Line = Record<string, unknown>;

function jsonLines(stdout: string): Line[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Line);
}

/** Sets a file's modification time `ageS` seconds in the past. */
async function age(path: string, ageS: number): Promise<void> {
  const when = new Date(Date.now() - ageS * 1000);
  await utimes(path, when, when);
}

interface Dropped {
  readonly path: string;
  readonly input: { header: string[]; rows: string[][] };
}

/**
 * Puts `name` into the inbox, `ageS` seconds old: written and aged under a hidden name, then
 * renamed (as the README tells exporters to do), so a watching inbox never sees it half made.
 */
async function drop(
  dir: string,
  name: string,
  input: { header: string[]; rows: string[][] },
  ageS: number,
): Promise<Dropped> {
  const hidden = await writeCsv(join(dir, `.${name}.writing`), input.header, input.rows);
  await age(hidden, ageS);
  const path = join(dir, name);
  await rename(hidden, path);
  return { path, input };
}

async function list(dir: string): Promise<string[]> {
  return existsSync(dir) ? (await readdir(dir)).sort() : [];
}

/** Checks the results of a file now in `folder`: one per row, in order, nothing twice. */
async function checkFile(
  folder: string,
  base: string,
  dropped: Dropped,
  sandbox: Sandbox,
  allowedResults?: Parameters<typeof checkInvariants>[0]["allowedResults"],
) {
  const results = await readResults(join(folder, `${base}.results.csv`), {
    secrets: [sandbox.env.BIGCOMMERCE_ACCESS_TOKEN],
  });
  return checkInvariants({
    inputRows: dropped.input.rows.length,
    results,
    sandbox,
    input: dropped.input,
    ...(allowedResults ? { allowedResults } : {}),
  });
}

describe("inbox: one pass", () => {
  it("runs settled files oldest first: all good → done/, failures → failed/, one still being written stays", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 20 } } });
    const dir = await tempDir("bc-inbox-");
    const good = await drop(dir, "good.csv", orderRows(6, "mixed", { tag: "G" }), 120);
    const withFailures = orderRows(3, "note", { firstId: 100010, tag: "F" });
    withFailures.rows.push(["999999", "", "note for nobody", "", "", "", ""]);
    const bad = await drop(dir, "rows.csv", withFailures, 300); // older: runs first
    const fresh = await drop(dir, "fresh.csv", orderRows(2, "note", { tag: "N" }), 0);
    const goodText = await readFile(good.path, "utf8");

    const run = await runCli(["inbox", dir, "--settle", "30", "--json", "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    expect(run.code, run.stderr).toBe(1);

    // Each file's results, failed rows and undo file (with its journal, for --resume) beside it.
    expect(await list(join(dir, "done"))).toEqual([
      "good.csv",
      "good.results.csv",
      "good.results.undo.csv",
      "good.results.undo.journal",
    ]);
    expect(await list(join(dir, "failed"))).toEqual([
      "rows.csv",
      "rows.results.csv",
      "rows.results.failed.csv",
      "rows.results.undo.csv",
      "rows.results.undo.journal",
    ]);
    expect(await list(join(dir, "processing"))).toEqual([]);
    expect(existsSync(fresh.path)).toBe(true);
    expect(await readFile(join(dir, "done", "good.csv"), "utf8")).toBe(goodText);

    expect((await checkFile(join(dir, "done"), "good", good, sandbox, ["updated"])).counts).toEqual(
      { updated: 6 },
    );
    expect((await checkFile(join(dir, "failed"), "rows", bad, sandbox)).counts).toEqual({
      updated: 3,
      failed: 1,
    });
    // The failed-rows file holds the row to fix, ready to drop back in.
    const failedRows = await readResults(join(dir, "failed", "rows.results.failed.csv"));
    expect(failedRows.rows.map((row) => row.order_id)).toEqual(["999999"]);

    const lines = jsonLines(run.stdout);
    expect(lines.map((line) => [line.type, line.file, line.status, line.exit_code])).toEqual([
      ["file", "rows.csv", "failed", 1],
      ["file", "good.csv", "done", 0],
      ["pass", undefined, undefined, 1],
    ]);
    expect(lines[0]).toMatchObject({
      moved_to: "failed/rows.csv",
      rows: 4,
      succeeded: 3,
      failed: 1,
      results_file: join(dir, "failed", "rows.results.csv"),
      failed_file: join(dir, "failed", "rows.results.failed.csv"),
    });
    expect(lines[1]).toMatchObject({
      moved_to: "done/good.csv",
      rows: 6,
      shipments_created: 2,
      results_file: join(dir, "done", "good.results.csv"),
    });
    expect(lines[2]).toMatchObject({ files: 2, done: 1, failed: 1, waiting: ["fresh.csv"] });
    // The lock is gone.
    expect(await list(dir)).toEqual(["done", "failed", "fresh.csv", "processing"]);
  });

  it("a file refused as a whole goes to failed/ with a .error.txt (exit 2); .part, .tmp and hidden files are never taken", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 5 } } });
    const dir = await tempDir("bc-inbox-");
    const header = await drop(
      dir,
      "header.csv",
      { header: ["order_id", "colour"], rows: [["100000", "red"]] },
      60,
    );
    for (const name of ["upload.csv.part", "upload.csv.tmp", ".hidden.csv"]) {
      await drop(dir, name, orderRows(1, "note"), 60);
    }
    const run = await runCli(["inbox", dir, "--settle", "0", "--json", "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    expect(run.code, run.stderr).toBe(2);
    expect(await list(join(dir, "failed"))).toEqual(["header.csv", "header.error.txt"]);
    expect(await readFile(join(dir, "failed", "header.error.txt"), "utf8")).toContain(
      "E_HEADER_UNKNOWN",
    );
    const [file, pass] = jsonLines(run.stdout);
    expect(file).toMatchObject({
      file: "header.csv",
      status: "failed",
      exit_code: 2,
      error_code: "E_HEADER_UNKNOWN",
      error_file: join(dir, "failed", "header.error.txt"),
    });
    expect(pass).toMatchObject({ type: "pass", files: 1, exit_code: 2 });
    for (const name of ["upload.csv.part", "upload.csv.tmp", ".hidden.csv"]) {
      expect(existsSync(join(dir, name)), name).toBe(true);
    }
    expect(existsSync(header.path)).toBe(false);
    expect(sandbox.stats().writesApplied).toBe(0);
  });

  it("a name already in done/ gets a timestamp; nothing there is overwritten", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 5 } } });
    const dir = await tempDir("bc-inbox-");
    const first = await drop(dir, "orders.csv", orderRows(2, "note", { tag: "One" }), 60);
    expect(
      (await runCli(["inbox", dir, "--settle", "0", "--quiet"], { env: sandboxEnv(sandbox) })).code,
    ).toBe(0);
    const before = await readFile(join(dir, "done", "orders.results.csv"), "utf8");

    const second = await drop(dir, "orders.csv", orderRows(2, "note", { tag: "Two" }), 60);
    const run = await runCli(["inbox", dir, "--settle", "0", "--json", "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    expect(run.code, run.stderr).toBe(0);
    const [line] = jsonLines(run.stdout);
    const movedTo = String(line?.moved_to);
    expect(movedTo).toMatch(/^done\/orders\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.csv$/);
    const base = movedTo.slice("done/".length, -".csv".length);
    expect(await list(join(dir, "done"))).toEqual(
      [
        "orders.csv",
        "orders.results.csv",
        "orders.results.undo.csv",
        "orders.results.undo.journal",
        `${base}.csv`,
        `${base}.results.csv`,
        `${base}.results.undo.csv`,
        `${base}.results.undo.journal`,
      ].sort(),
    );
    expect(await readFile(join(dir, "done", "orders.results.csv"), "utf8")).toBe(before);
    await checkFile(join(dir, "done"), "orders", first, sandbox, ["updated"]);
    await checkFile(join(dir, "done"), base, second, sandbox, ["updated"]);
  });

  it("a second inbox run on a folder in use exits 2 at once with E_INBOX_LOCKED and touches nothing", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 32 } }, latencyMs: 40 });
    const other = await startE2eSandbox({ seed: { generate: { orders: 32 } } });
    const dir = await tempDir("bc-inbox-");
    const slow = await drop(dir, "slow.csv", orderRows(30, "note", { tag: "S" }), 60);
    const later = await drop(
      dir,
      "later.csv",
      orderRows(2, "note", { tag: "L", firstId: 100030 }),
      10,
    );
    const first = spawnCli(["inbox", dir, "--settle", "0", "--concurrency", "1", "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    await waitUntil(() => sandbox.stats().writesApplied >= 2, { what: "the first run writing" });

    const second = await runCli(["inbox", dir, "--settle", "0", "--json"], {
      env: sandboxEnv(other),
    });
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr).toContain("[E_INBOX_LOCKED]");
    expect(second.stderr).toContain(String(first.child.pid));
    // --json: the one object of a fatal ending, nothing about files.
    expect(jsonLines(second.stdout)).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ code: "E_INBOX_LOCKED" }) }),
    ]);
    expect(other.stats().requests).toBe(0);
    expect(existsSync(later.path)).toBe(true);
    expect(first.child.exitCode).toBe(null);

    const run = await first.result;
    expect(run.code, run.stderr).toBe(0);
    await checkFile(join(dir, "done"), "slow", slow, sandbox, ["updated"]);
    await checkFile(join(dir, "done"), "later", later, sandbox, ["updated"]);
  });
});

describe("inbox: crashes and stops", () => {
  it("a file left in processing/ by kill -9 is resumed first on the next call: every row once, no second shipment", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 40 } }, latencyMs: 40 });
    const dir = await tempDir("bc-inbox-");
    const crashed = await drop(dir, "night.csv", orderRows(30, "mixed", { tag: "K" }), 600);
    const args = ["inbox", dir, "--settle", "0", "--concurrency", "2", "--quiet", "--json"];
    const killed = spawnCli(args, { env: sandboxEnv(sandbox) });
    await waitUntil(() => sandbox.stats().writesApplied >= 8, { what: "the run half way" });
    killed.child.kill("SIGKILL");
    expect((await killed.result).signal).toBe("SIGKILL");
    await waitUntil(() => sandbox.stats().requestLog.length === sandbox.stats().requests);
    expect(await list(join(dir, "processing"))).toContain("night.csv");
    expect(await list(join(dir, "done"))).toEqual([]);

    // A newer file is waiting too: the resumed one goes first, whatever its age.
    const next = await drop(
      dir,
      "morning.csv",
      orderRows(3, "note", { tag: "M", firstId: 100035 }),
      3600,
    );
    const run = await runCli(args, { env: sandboxEnv(sandbox) });
    expect(run.code, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.map((line) => [line.file, line.status, line.resumed])).toEqual([
      ["night.csv", "done", true],
      ["morning.csv", "done", false],
      [undefined, undefined, undefined],
    ]);
    // The stale locks of the killed run (folder and results file) were taken over.
    expect(run.stderr).toContain("warning:");
    const summary = await checkFile(join(dir, "done"), "night", crashed, sandbox, [
      "updated",
      "unchanged",
    ]);
    expect(summary.counts.updated).toBeGreaterThan(0);
    // Every shipment of the file exists exactly once (checkInvariants: no duplicate), and all 10.
    expect(sandbox.store.createdShipments()).toHaveLength(10);
    await checkFile(join(dir, "done"), "morning", next, sandbox, ["updated"]);
    expect(await list(join(dir, "processing"))).toEqual([]);
  });

  it("--watch picks up new files until SIGTERM; the file in hand stops (143), stays in processing/, and is resumed next time", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 40 } }, latencyMs: 30 });
    const dir = await tempDir("bc-inbox-");
    const watch = spawnCli(
      ["inbox", dir, "--watch", "0.2", "--settle", "0", "--concurrency", "1", "--json", "--quiet"],
      { env: sandboxEnv(sandbox) },
    );
    // A file dropped after the start is taken by a later poll.
    const early = await drop(
      dir,
      "early.csv",
      orderRows(2, "note", { tag: "E", firstId: 100038 }),
      60,
    );
    await waitUntil(() => existsSync(join(dir, "done", "early.csv")), { what: "early.csv done" });

    const slow = await drop(dir, "slow.csv", orderRows(30, "mixed", { tag: "W" }), 60);
    await waitUntil(
      () => existsSync(join(dir, "processing", "slow.csv")) && sandbox.stats().writesApplied >= 8,
      {
        what: "slow.csv half way",
      },
    );
    watch.child.kill("SIGTERM");
    const run = await watch.result;
    expect(run.code, run.stderr).toBe(143);
    expect(await list(join(dir, "processing"))).toEqual(
      expect.arrayContaining(["slow.csv", "slow.results.csv"]),
    );
    const lines = jsonLines(run.stdout);
    const stopped = lines.find((line) => line.file === "slow.csv");
    expect(stopped).toMatchObject({
      status: "processing",
      moved_to: "processing/slow.csv",
      stop_reason: "interrupted",
      exit_code: 143,
    });
    expect(lines.at(-1)).toMatchObject({ type: "pass", stopped: true, exit_code: 143 });
    await checkFile(join(dir, "done"), "early", early, sandbox, ["updated"]);

    const resumed = await runCli(["inbox", dir, "--settle", "0", "--json", "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(jsonLines(resumed.stdout)[0]).toMatchObject({
      file: "slow.csv",
      status: "done",
      resumed: true,
    });
    await checkFile(join(dir, "done"), "slow", slow, sandbox, ["updated", "unchanged"]);
    expect(sandbox.store.createdShipments()).toHaveLength(10);
  });
});

describe("inbox: --notify", () => {
  /** A webhook receiver on 127.0.0.1 that records each POST and answers `status`. */
  async function receiver(status = 200) {
    const posts: { method: string; type: string; body: Record<string, unknown> }[] = [];
    const server = createServer((request: IncomingMessage, response) => {
      let text = "";
      request.setEncoding("utf8");
      request.on("data", (chunk: string) => {
        text += chunk;
      });
      request.on("end", () => {
        posts.push({
          method: request.method ?? "",
          type: request.headers["content-type"] ?? "",
          body: JSON.parse(text) as Record<string, unknown>,
        });
        response.writeHead(status).end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    return { posts, url: `http://127.0.0.1:${port}/hooks/T0/B0/secretpath` };
  }

  it("POSTs one report per file, with a Slack `text` and the summary", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 10 } } });
    const hook = await receiver();
    const dir = await tempDir("bc-inbox-");
    await drop(dir, "a.csv", orderRows(2, "note", { tag: "A" }), 200);
    const failing = orderRows(1, "note", { tag: "B", firstId: 100005 });
    failing.rows.push(["999999", "", "x", "", "", "", ""]);
    await drop(dir, "b.csv", failing, 100);
    const run = await runCli(["inbox", dir, "--settle", "0", "--notify", hook.url, "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    expect(run.code, run.stderr).toBe(1);
    expect(hook.posts.map((post) => [post.method, post.body.file, post.body.status])).toEqual([
      ["POST", "a.csv", "done"],
      ["POST", "b.csv", "failed"],
    ]);
    for (const post of hook.posts) {
      expect(post.type).toContain("application/json");
      expect(typeof post.body.text).toBe("string");
      expect(post.body.text).toContain(String(post.body.file));
    }
    expect(hook.posts[1]?.body).toMatchObject({ rows: 2, succeeded: 1, failed: 1, exit_code: 1 });
  });

  it("a receiver that fails is reported on stderr, never fatal; a plain-http non-local URL is refused before anything moves", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 10 } } });
    const hook = await receiver(500);
    const dir = await tempDir("bc-inbox-");
    await drop(dir, "a.csv", orderRows(2, "note", { tag: "C" }), 200);
    const run = await runCli(["inbox", dir, "--settle", "0", "--notify", hook.url, "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(hook.posts).toHaveLength(1);
    expect(run.stderr).toContain("--notify");
    // The webhook's path (its secret, for Slack) is never printed.
    expect(run.stderr).not.toContain("secretpath");
    expect(existsSync(join(dir, "done", "a.csv"))).toBe(true);

    await drop(dir, "b.csv", orderRows(1, "note", { tag: "D" }), 200);
    const refused = await runCli(
      ["inbox", dir, "--settle", "0", "--notify", "http://example.com/hook"],
      { env: sandboxEnv(sandbox) },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("[E_USAGE]");
    expect(existsSync(join(dir, "b.csv"))).toBe(true);
  });
});

describe("inbox: the folder", () => {
  it("a missing folder is E_INBOX_DIR (exit 2)", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 1 } } });
    const dir = await tempDir("bc-inbox-");
    const run = await runCli(["inbox", join(dir, "nope")], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("[E_INBOX_DIR]");
    expect(existsSync(join(dir, "nope"))).toBe(false);
  });
});
