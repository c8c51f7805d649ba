// A run's options are checked once, where runBatch starts, with one wording (src/options.ts).
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { checkRunOptions } from "../../src/options.js";
import type { RunOptions } from "../../src/run.js";
import { runBatch } from "../../src/run.js";

const base: RunOptions = { input: "in.csv", mode: "validate", output: "in.validate.csv" };

describe("checkRunOptions", () => {
  it.each<[string, Partial<RunOptions>]>([
    ["concurrency 0", { concurrency: 0 }],
    ["concurrency 65", { concurrency: 65 }],
    ["concurrency 1.5", { concurrency: 1.5 }],
    ["timeoutMs 0", { timeoutMs: 0 }],
    ["timeoutMs NaN", { timeoutMs: Number.NaN }],
    ["graceMs -1", { graceMs: -1 }],
    ["reserve -1", { reserve: -1 }],
    ["reserve 2.5", { reserve: 2.5 }],
    ["maxAttempts 0", { maxAttempts: 0 }],
    ["retryBudget Infinity", { retryBudget: Number.POSITIVE_INFINITY }],
    ["backoff.baseMs -5", { backoff: { baseMs: -5 } }],
    ["read.maxRecordBytes 0", { read: { maxRecordBytes: 0 } }],
    ["read.delimiter ':'", { read: { delimiter: ":" as never } }],
    ["read.encoding latin1", { read: { encoding: "latin1" as never } }],
    ["mode", { mode: "apply" as never }],
    ["resume to a stream", { resume: true, output: process.stdout }],
  ])("refuses %s with E_USAGE", (_name, over) => {
    const options = { ...base, ...over } as RunOptions;
    expect(() => checkRunOptions(options)).toThrow(UsageError);
    expect(() => checkRunOptions(options)).toThrow(expect.objectContaining({ code: "E_USAGE" }));
  });

  it.each<[string, Partial<RunOptions>]>([
    ["the defaults", {}],
    ["the edges", { concurrency: 64, reserve: 0, graceMs: 0, timeoutMs: 1, maxAttempts: 1 }],
    ["a pipe delimiter", { read: { delimiter: "|" } }],
  ])("accepts %s", (_name, over) => {
    expect(() => checkRunOptions({ ...base, ...over } as RunOptions)).not.toThrow();
  });

  it("runBatch checks before it reads anything", async () => {
    const error = await runBatch({ ...base, input: "/nonexistent/in.csv", concurrency: 0 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: "E_USAGE" });
  });
});
