// `inbox` (issue 14), one pass with the run replaced by a fake: which file goes where, in which
// order, what a stop or a refused file does. The real runs are in test/e2e/inbox.test.ts.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type InboxOptions, runInbox } from "../../src/commands/inbox.js";
import { BatchError, InputFileError, UsageError } from "../../src/errors.js";
import { type RunSummary, type StopReason, SummaryBuilder } from "../../src/output/summarize.js";
import type { RunOptions } from "../../src/run.js";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function inbox(files: Record<string, number>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bc-inbox-unit-"));
  dirs.push(dir);
  for (const [name, ageS] of Object.entries(files)) {
    const path = join(dir, name);
    await writeFile(path, "order_id\n1\n");
    const when = new Date(Date.now() - ageS * 1000);
    await utimes(path, when, when);
  }
  return dir;
}

function summary(failed: number, stopReason?: StopReason, resultsFile?: string): RunSummary {
  const builder = new SummaryBuilder();
  for (let i = 0; i < 2; i++) {
    const base = { index: i, line: i + 2, fieldsUpdated: [] };
    builder.add(
      i < failed
        ? { ...base, result: "failed", errorCode: "E_ORDER_NOT_FOUND", error: "no such order" }
        : { ...base, result: "updated" },
    );
  }
  return builder.build({
    stats: [],
    elapsedMs: 1,
    stopReason,
    resultsFile,
    failedFile: undefined,
  });
}

type Job = { input: string; output: string; resume: boolean };

/** runInbox with a fake run: `outcome(file)` says what the run of that file does. */
function options(
  dir: string,
  outcome: (file: string, job: Job) => RunSummary | Error,
  extra: Partial<InboxOptions> = {},
): InboxOptions & { jobs: Job[] } {
  const jobs: Job[] = [];
  return {
    dir,
    settleMs: 10_000,
    jobs,
    prepare: async (job) => ({ ...job, mode: "run", output: job.output }) as RunOptions,
    run: async (run, file) => {
      const job = run as unknown as Job;
      jobs.push(job);
      // The run writes its results beside the input, as runBatch does.
      await writeFile(job.output, "results\n");
      const result = outcome(file, job);
      if (result instanceof Error) throw result;
      return result;
    },
    ...extra,
  };
}

describe("inbox pass", () => {
  it("runs settled files oldest first, after the ones left in processing/ (resumed); leaves a fresh one", async () => {
    const dir = await inbox({ "b.csv": 100, "a.csv": 200, "fresh.csv": 0 });
    await mkdir(join(dir, "processing"));
    await writeFile(join(dir, "processing", "left.csv"), "order_id\n1\n");
    await writeFile(join(dir, "processing", "left.results.csv"), "earlier results\n");
    const files: string[] = [];
    const opts = options(dir, (file) => summary(file === "b.csv" ? 1 : 0), {
      onFile: (report) => {
        files.push(`${report.file}:${report.status}:${report.resumed}`);
      },
    });
    const result = await runInbox(opts);
    expect(files).toEqual(["left.csv:done:true", "a.csv:done:false", "b.csv:failed:false"]);
    expect(opts.jobs.map((job) => job.resume)).toEqual([true, false, false]);
    expect(opts.jobs[0]?.output).toBe(join(dir, "processing", "left.results.csv"));
    expect(result.exitCode).toBe(1);
    expect(result.passes[0]?.waiting).toEqual(["fresh.csv"]);
    expect((await readdir(join(dir, "done"))).sort()).toEqual([
      "a.csv",
      "a.results.csv",
      "left.csv",
      "left.results.csv",
    ]);
    expect((await readdir(join(dir, "failed"))).sort()).toEqual(["b.csv", "b.results.csv"]);
    expect(await readdir(join(dir, "processing"))).toEqual([]);
    expect(existsSync(join(dir, "fresh.csv"))).toBe(true);
    expect(existsSync(join(dir, ".bc-order-batch-inbox.lock"))).toBe(false);
  });

  it("bad flags or credentials (prepare throws) leave the file in the inbox and end the call", async () => {
    const dir = await inbox({ "a.csv": 100 });
    const opts = options(dir, () => summary(0), {
      prepare: async () => {
        throw new UsageError("no store");
      },
    });
    await expect(runInbox(opts)).rejects.toMatchObject({ code: "E_USAGE" });
    expect(existsSync(join(dir, "a.csv"))).toBe(true);
    expect(opts.jobs).toEqual([]);
  });

  it("a file refused as a whole goes to failed/ with its .error.txt (redacted); the pass goes on", async () => {
    const dir = await inbox({ "bad.csv": 200, "good.csv": 100 });
    const opts = options(
      dir,
      (file) =>
        file === "bad.csv"
          ? new InputFileError("E_HEADER_UNKNOWN", "unknown column SECRET", { file })
          : summary(0),
      { redact: (text) => text.replaceAll("SECRET", "[REDACTED]") },
    );
    const result = await runInbox(opts);
    expect(result.exitCode).toBe(2);
    const text = await readFile(join(dir, "failed", "bad.error.txt"), "utf8");
    expect(text).toContain("E_HEADER_UNKNOWN");
    expect(text).not.toContain("SECRET");
    expect(existsSync(join(dir, "failed", "bad.csv"))).toBe(true);
    expect(existsSync(join(dir, "done", "good.csv"))).toBe(true);
  });

  it("an outage or rejected credentials ends the pass: the next files wait in the inbox", async () => {
    for (const stop of [
      () => summary(2, "outage"),
      () => new BatchError("E_CREDENTIALS_REJECTED", "401"),
    ]) {
      const dir = await inbox({ "a.csv": 200, "b.csv": 100 });
      const result = await runInbox(
        options(dir, (file) => (file === "a.csv" ? stop() : summary(0))),
      );
      expect(existsSync(join(dir, "failed", "a.csv"))).toBe(true);
      expect(existsSync(join(dir, "b.csv"))).toBe(true);
      expect(result.passes[0]?.stopped).toBe(true);
    }
  });

  it("a stop (signal) leaves the file in hand in processing/ with its results and takes no other", async () => {
    const dir = await inbox({ "a.csv": 200, "b.csv": 100 });
    const controller = new AbortController();
    const opts = options(
      dir,
      () => {
        controller.abort();
        return summary(0, "interrupted");
      },
      { signal: controller.signal, stopExitCode: () => 143, exitCodeOf: () => 143 },
    );
    const result = await runInbox(opts);
    expect(result.exitCode).toBe(143);
    expect((await readdir(join(dir, "processing"))).sort()).toEqual(["a.csv", "a.results.csv"]);
    expect(existsSync(join(dir, "b.csv"))).toBe(true);
    expect(opts.jobs).toHaveLength(1);
  });

  it("a second call on a folder in use is refused with E_INBOX_LOCKED and touches nothing", async () => {
    const dir = await inbox({ "a.csv": 200 });
    let second: unknown;
    const opts = options(dir, () => summary(0), {
      onFile: async () => {
        second = await runInbox(options(dir, () => summary(0))).catch((error: unknown) => error);
      },
    });
    await runInbox(opts);
    expect(second).toMatchObject({ code: "E_INBOX_LOCKED", exitCode: 2 });
  });

  it("a missing folder is E_INBOX_DIR", async () => {
    const dir = await inbox({});
    await expect(runInbox(options(join(dir, "nope"), () => summary(0)))).rejects.toMatchObject({
      code: "E_INBOX_DIR",
    });
  });
});
