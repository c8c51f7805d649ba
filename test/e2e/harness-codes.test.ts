/**
 * The kit's readers of a run's stderr: the stable codes at the end of its messages and the counts
 * of its summary line, which tests assert instead of the prose around them.
 */
import { describe, expect, it } from "vitest";
import type { CliResult } from "../helpers/cli.js";
import { expectFatal, stderrCodes, summaryCounts } from "../helpers/cli.js";

const result = (stderr: string, code: number | null = 2): CliResult => ({
  code,
  signal: null,
  stdout: "",
  stderr,
});

describe("stderrCodes", () => {
  it("reads the code that ends each message, in order, and nothing else", () => {
    const stderr = [
      "warning: could not write the report r.html: EACCES; the run's results stand [E_OUTPUT_WRITE]",
      "bc-order-batch: orders.csv:3: 0xE9 is not valid UTF-8 [E_ENCODING]",
      "Run bc-order-batch --help for usage.",
      "a code mid-line [E_USAGE] is not a message's code",
    ].join("\n");
    expect(stderrCodes(stderr)).toEqual(["E_OUTPUT_WRITE", "E_ENCODING"]);
    expect(stderrCodes("no code here\n")).toEqual([]);
  });
});

describe("summaryCounts", () => {
  it("reads the rows and the count per result state", () => {
    const stderr = "16 rows: updated 10, failed 3, invalid 2, unchanged 1\nelapsed: 0.2 s\n";
    expect(summaryCounts(stderr)).toEqual({
      rows: 16,
      counts: { updated: 10, failed: 3, invalid: 2, unchanged: 1 },
    });
  });

  it("after --resume, reads what this run did, not what was carried over", () => {
    const stderr =
      "6 rows: 4 carried over from the earlier results (updated 4); this run: updated 2";
    expect(summaryCounts(stderr)).toEqual({ rows: 6, counts: { updated: 2 } });
  });

  it("is undefined without a summary line", () => {
    expect(summaryCounts("bc-order-batch: no such file [E_FILE_UNREADABLE]\n")).toBeUndefined();
  });
});

describe("expectFatal", () => {
  const message = "bc-order-batch: cannot write /tmp/x/out.csv [E_OUTPUT_UNWRITABLE]\n";

  it("passes on the exit code, the one code and the names given", () => {
    expectFatal(result(message), "E_OUTPUT_UNWRITABLE", { names: ["/tmp/x/out.csv"] });
  });

  it.each([
    { what: "another exit code", run: result(message, 1), code: "E_OUTPUT_UNWRITABLE" },
    { what: "another code", run: result(message), code: "E_OUTPUT_WRITE" },
    {
      what: "a second code",
      run: result(`${message}bc-order-batch: and more [E_INTERNAL]\n`),
      code: "E_OUTPUT_UNWRITABLE",
    },
    {
      what: "a stack trace",
      run: result(`${message}Error: boom\n    at main (cli.js:1:1)\n`),
      code: "E_OUTPUT_UNWRITABLE",
    },
  ])("fails on $what", ({ run, code }) => {
    expect(() => expectFatal(run, code)).toThrow();
  });

  it("fails when a name is missing", () => {
    expect(() =>
      expectFatal(result(message), "E_OUTPUT_UNWRITABLE", { names: ["out.failed.csv"] }),
    ).toThrow();
  });
});
