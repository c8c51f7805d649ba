// `inbox` (issue 14), its pure parts: which names are taken, which files in processing/ are
// inputs, collision-free names, the settle rule, the exit code of a pass and the flags.
import { describe, expect, it } from "vitest";
import {
  checkInboxFlags,
  freeBase,
  groupOf,
  inputsAmong,
  isCandidateName,
  isSettled,
  timestampSuffix,
  worstExitCode,
} from "../../src/commands/inbox.js";
import { BatchError } from "../../src/errors.js";

describe("inbox names", () => {
  it("takes *.csv in any case, never hidden, .part or .tmp files", () => {
    expect(isCandidateName("orders.csv")).toBe(true);
    expect(isCandidateName("ORDERS.CSV")).toBe(true);
    expect(isCandidateName("orders.results.failed.csv")).toBe(true);
    for (const name of [
      ".orders.csv",
      ".bc-order-batch-inbox.lock",
      "orders.csv.part",
      "orders.csv.tmp",
      "orders.part",
      "orders.txt",
      ".csv",
      "orders.csv.lock",
    ]) {
      expect(isCandidateName(name), name).toBe(false);
    }
  });

  it("names a file's results as a run does, beside it", () => {
    expect(groupOf("orders")).toEqual({
      input: "orders.csv",
      results: "orders.results.csv",
      failedRows: "orders.results.failed.csv",
      undo: "orders.results.undo.csv",
      undoJournal: "orders.results.undo.journal",
      errorText: "orders.error.txt",
    });
    expect(groupOf("ORDERS", ".CSV").input).toBe("ORDERS.CSV");
  });

  it("finds the inputs in processing/: not the results of another CSV there, even under results-like names", () => {
    expect(
      inputsAmong([
        "orders.csv",
        "orders.results.csv",
        "orders.results.failed.csv",
        "orders.results.csv.partial",
        "orders.results.csv.lock",
      ]),
    ).toEqual(["orders.csv"]);
    // A failed-rows file fed back into the inbox is an input of its own.
    expect(
      inputsAmong([
        "x.results.failed.csv",
        "x.results.failed.results.csv",
        "x.results.failed.results.failed.csv",
      ]),
    ).toEqual(["x.results.failed.csv"]);
    expect(inputsAmong(["a.results.csv"])).toEqual(["a.results.csv"]);
  });

  it("gives a timestamped name when any file of the group is taken, never one that is", () => {
    const now = new Date("2025-06-01T02:03:04.567Z");
    expect(timestampSuffix(now)).toBe("2025-06-01T02-03-04Z");
    expect(freeBase("orders", ".csv", () => false, now)).toBe("orders");
    expect(freeBase("orders", ".csv", (n) => n === "orders.csv", now)).toBe(
      "orders.2025-06-01T02-03-04Z",
    );
    // The results alone collide: the group moves under a new name, input included.
    expect(freeBase("orders", ".csv", (n) => n === "orders.results.csv", now)).toBe(
      "orders.2025-06-01T02-03-04Z",
    );
    const taken = new Set(["orders.csv", "orders.2025-06-01T02-03-04Z.error.txt"]);
    expect(freeBase("orders", ".csv", (n) => taken.has(n), now)).toBe(
      "orders.2025-06-01T02-03-04Z-2",
    );
  });
});

describe("inbox settle rule", () => {
  const at = (size: number, mtimeMs: number) => ({ size, mtimeMs });
  it("takes a file unchanged between two stats whose last change is at least --settle old", () => {
    expect(isSettled(at(10, 1000), at(10, 1000), 31_000, 30_000)).toBe(true);
    expect(isSettled(at(10, 1000), at(10, 1000), 30_999, 30_000)).toBe(false);
    expect(isSettled(at(10, 1000), at(12, 1000), 99_000, 30_000)).toBe(false);
    expect(isSettled(at(10, 1000), at(10, 1001), 99_000, 30_000)).toBe(false);
    // --settle 0: any file that did not change between the two stats.
    expect(isSettled(at(10, 5000), at(10, 5000), 5000, 0)).toBe(true);
    // A modification time in the future (clock skew) is not settled yet.
    expect(isSettled(at(10, 9000), at(10, 9000), 5000, 0)).toBe(false);
  });
});

describe("inbox exit code and flags", () => {
  it("exits with the highest code of its files", () => {
    expect(worstExitCode([])).toBe(0);
    expect(worstExitCode([0, 1, 0])).toBe(1);
    expect(worstExitCode([1, 2, 0])).toBe(2);
    expect(worstExitCode([3, 2])).toBe(3);
    expect(worstExitCode([1, 143])).toBe(143);
  });

  it("reads --settle and --watch [S], and refuses --dry-run and --resume", () => {
    expect(checkInboxFlags({})).toEqual({ settleMs: 30_000, watchMs: undefined });
    expect(checkInboxFlags({ settle: 0, watch: "" })).toEqual({ settleMs: 0, watchMs: 60_000 });
    expect(checkInboxFlags({ settle: 1.5, watch: "2" })).toEqual({
      settleMs: 1500,
      watchMs: 2000,
    });
    const code = (flags: Parameters<typeof checkInboxFlags>[0]) => {
      try {
        checkInboxFlags(flags);
        return "none";
      } catch (error) {
        return error instanceof BatchError ? error.code : "not a BatchError";
      }
    };
    expect(code({ watch: "soon" })).toBe("E_USAGE");
    expect(code({ watch: "0" })).toBe("E_USAGE");
    expect(code({ settle: -1 })).toBe("E_USAGE");
    expect(code({ settle: Number.NaN })).toBe("E_USAGE");
    expect(code({ dryRun: true })).toBe("E_USAGE");
    expect(code({ resume: true })).toBe("E_USAGE");
  });
});
