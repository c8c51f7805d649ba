/**
 * Issue 14, progress everywhere: a TTY that reports 0 columns (docker -t, `script` without a size)
 * gets the line log instead of an empty bar; the line log can name the file.
 */
import { describe, expect, it } from "vitest";
import { ProgressReporter, progressStyle, renderLine } from "../../src/output/progress.js";

describe("progressStyle", () => {
  it.each([
    [{ isTTY: true, columns: 80 }, "bar"],
    [{ isTTY: true, columns: 2 }, "bar"],
    [{ isTTY: true, columns: undefined }, "bar"],
    [{ isTTY: true, columns: 0 }, "lines"],
    [{ isTTY: true, columns: 1 }, "lines"],
    [{ isTTY: true, columns: Number.NaN }, "lines"],
    [{ isTTY: false, columns: 80 }, "lines"],
    [{ isTTY: undefined, columns: undefined }, "lines"],
  ] as const)("%j → %s", (stream, style) => {
    expect(progressStyle(stream)).toBe(style);
  });
});

function reporterOn(stream: { isTTY: boolean; columns: number }, label?: string) {
  const chunks: string[] = [];
  let clock = 0;
  const reporter = new ProgressReporter({
    stream: { ...stream, write: (text: string) => chunks.push(text) },
    total: 10,
    now: () => clock,
    ...(label !== undefined ? { label } : {}),
  });
  return {
    chunks,
    rows(count: number, stepMs: number) {
      for (let i = 0; i < count; i++) {
        clock += stepMs;
        reporter.row(false);
      }
    },
    finish: () => reporter.finish(),
  };
}

describe("ProgressReporter on a zero-width terminal", () => {
  it("writes plain lines, no escape codes, every interval", () => {
    const h = reporterOn({ isTTY: true, columns: 0 });
    h.rows(5, 5_000); // 25 s
    h.finish();
    expect(h.chunks.length).toBeGreaterThan(0);
    for (const chunk of h.chunks) {
      expect(chunk).toMatch(/^progress: \d+\/10 rows/);
      expect(chunk.endsWith("\n")).toBe(true);
      expect(chunk).not.toContain("\x1b");
      expect(chunk).not.toContain("\r");
    }
  });

  it("a terminal with a width still gets the live bar", () => {
    const h = reporterOn({ isTTY: true, columns: 80 });
    h.rows(1, 1_000);
    h.finish();
    expect(h.chunks.some((chunk) => chunk.startsWith("\r"))).toBe(true);
  });
});

describe("label", () => {
  it("names the file in each line of the log", () => {
    const h = reporterOn({ isTTY: false, columns: 80 }, "inbox/orders.csv");
    h.rows(3, 5_000);
    h.finish();
    expect(h.chunks.length).toBeGreaterThan(0);
    for (const chunk of h.chunks)
      expect(chunk.startsWith("progress: inbox/orders.csv: ")).toBe(true);
  });

  it("keeps a label with a line break on one line", () => {
    const state = {
      done: 1,
      total: 2,
      failed: 0,
      elapsedMs: 0,
      ratePerSec: undefined,
      etaMs: undefined,
    };
    expect(renderLine(state, "a\nb.csv")).not.toContain("\n");
    expect(renderLine(state)).toBe(renderLine(state, ""));
  });
});
