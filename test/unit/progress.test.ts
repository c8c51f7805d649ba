import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  formatDuration,
  type ProgressOptions,
  ProgressReporter,
  type ProgressState,
  renderBar,
  renderLine,
} from "../../src/output/progress.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape codes is the point
const ESCAPE = /\x1b\[[0-9;]*[A-Za-z]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: any control character other than a newline
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/;

function state(overrides: Partial<ProgressState> = {}): ProgressState {
  return {
    done: 4512,
    total: 10_000,
    failed: 12,
    elapsedMs: 118_000,
    ratePerSec: 38.2,
    etaMs: 144_000,
    ...overrides,
  };
}

/** A fake stderr and a hand-driven clock. */
function harness(options: { isTTY: boolean; columns?: number } & Partial<ProgressOptions>) {
  const chunks: string[] = [];
  let clock = 1_000;
  const stream = {
    isTTY: options.isTTY,
    columns: options.columns,
    write(text: string) {
      chunks.push(text);
      return true;
    },
  };
  const reporter = new ProgressReporter({
    total: 100,
    now: () => clock,
    ...options,
    stream,
  });
  return {
    reporter,
    chunks,
    advance(ms: number) {
      clock += ms;
    },
    /** Finishes `count` rows, `stepMs` apart. */
    rows(count: number, stepMs: number, failed = false) {
      for (let i = 0; i < count; i++) {
        clock += stepMs;
        reporter.row(failed);
      }
    },
  };
}

/** What a terminal shows for one chunk: the text after the last carriage return, escapes removed. */
function visible(chunk: string): string {
  return (chunk.split("\r").at(-1) ?? "").replace(ESCAPE, "");
}

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [400, "1s"],
    [45_000, "45s"],
    [59_000, "59s"],
    [60_000, "1m00s"],
    [144_000, "2m24s"],
    [3_599_000, "59m59s"],
    [3_600_000, "1h00m"],
    [3_900_000, "1h05m"],
    [90_000_000, "25h00m"],
    [-1, "--"],
    [Number.NaN, "--"],
    [Number.POSITIVE_INFINITY, "--"],
  ])("%d ms → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("renderLine", () => {
  it.each<[Partial<ProgressState>, string]>([
    [{}, "progress: 4512/10000 rows (45%), 38.2 rows/s, ETA 2m24s, 12 failed"],
    [
      { done: 0, failed: 0, ratePerSec: undefined, etaMs: undefined },
      "progress: 0/10000 rows (0%), -- rows/s, ETA --, 0 failed",
    ],
    [
      { done: 0, total: 0, failed: 0, ratePerSec: undefined, etaMs: 0 },
      "progress: 0/0 rows (100%), -- rows/s, ETA 0s, 0 failed",
    ],
    [
      { done: 10_005, etaMs: undefined },
      "progress: 10005/10000 rows (100%), 38.2 rows/s, ETA --, 12 failed",
    ],
    [
      { done: 9_999, ratePerSec: 0, etaMs: undefined },
      "progress: 9999/10000 rows (99%), 0.0 rows/s, ETA --, 12 failed",
    ],
    [
      { waitingMs: 12_000 },
      "progress: 4512/10000 rows (45%), 38.2 rows/s, ETA 2m24s, 12 failed, waiting for quota 12s",
    ],
  ])("%j", (overrides, line) => {
    expect(renderLine(state(overrides))).toBe(line);
  });
});

describe("renderBar", () => {
  it("draws the bar, the percent and the figures", () => {
    const line =
      "[#########-----------]  45% 4,512/10,000 rows · 38.2 rows/s · ETA 2m24s · 12 failed";
    expect(renderBar(state(), line.length)).toBe(line);
  });

  it.each<[Partial<ProgressState>, string]>([
    [{ done: 0 }, "[--------------------]"],
    [{ done: 5_000 }, "[##########----------]"],
    [{ done: 10_000 }, "[####################]"],
    [{ done: 12_000 }, "[####################]"],
    [{ done: 0, total: 0 }, "[####################]"],
  ])("fills the bar for %j", (overrides, bar) => {
    const figures = renderBar(state(overrides), 200).replace(/^\[[#-]*\] /, "");
    const line = renderBar(state(overrides), bar.length + 1 + figures.length);
    expect(line).toBe(`${bar} ${figures}`);
  });

  it.each<[Partial<ProgressState>, RegExp]>([
    [{ ratePerSec: undefined, etaMs: undefined }, / -- rows\/s · ETA -- · /],
    [{ done: 0, total: 0, etaMs: 0 }, / 100% 0\/0 rows · .* · ETA 0s · /],
    [{ done: 10_005, etaMs: undefined }, / 100% 10,005\/10,000 rows · .* ETA -- /],
    [{ waitingMs: 12_000 }, / · 12 failed · waiting for quota 12s$/],
  ])("shows %j as %s", (overrides, pattern) => {
    expect(renderBar(state(overrides), 120)).toMatch(pattern);
  });

  it.each([0, 1, 10, 40, 60, 79, 80, 132, 300])("never exceeds width %i", (width) => {
    for (const overrides of [
      {},
      { waitingMs: 3_723_000 },
      { done: 1e9, total: 1e9, failed: 1e9 },
    ]) {
      const line = renderBar(state(overrides), width);
      expect(line.length).toBeLessThanOrEqual(width);
      expect(line).not.toMatch(CONTROL);
    }
  });

  it("sizes the bar to the width and drops it when there is no room", () => {
    const figures = renderBar(state(), 40);
    expect(figures.startsWith(" 45% 4,512/10,000")).toBe(true);
    expect(renderBar(state(), 100).length).toBe(100);
    expect(renderBar(state(), 160).length).toBe(160);
  });
});

describe("ProgressReporter on a terminal", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("redraws one line in place, within the width, at most once per interval", () => {
    const h = harness({ isTTY: true, columns: 60, total: 1_000 });
    h.rows(1_000, 20);
    // 20 s of rows, 20 ms apart, with a 100 ms redraw interval: about 200 redraws, not 1000.
    expect(h.chunks.length).toBeGreaterThan(150);
    expect(h.chunks.length).toBeLessThanOrEqual(201);
    for (const chunk of h.chunks) {
      expect(chunk.startsWith("\r")).toBe(true);
      expect(chunk.endsWith("\x1b[K")).toBe(true);
      expect(chunk).not.toContain("\n");
      expect(visible(chunk).length).toBeLessThanOrEqual(60);
    }
    expect(visible(h.chunks.at(-1) ?? "")).toMatch(/100% 1,000\/1,000 rows/);
    h.reporter.finish();
  });

  it("shows the bar at once, with no rate and ETA -- before there is anything to measure", () => {
    const h = harness({ isTTY: true, columns: 100, total: 10 });
    expect(h.chunks).toHaveLength(1);
    expect(visible(h.chunks[0] ?? "")).toMatch(/0% 0\/10 rows · -- rows\/s · ETA -- · 0 failed$/);
    h.reporter.finish();
  });

  it("uses 80 columns when the stream does not say", () => {
    const h = harness({ isTTY: true, total: 10 });
    expect(visible(h.chunks[0] ?? "").length).toBe(79);
    h.reporter.finish();
  });

  it("clears the line on finish, once, and writes nothing afterwards", () => {
    const h = harness({ isTTY: true, columns: 80, total: 10 });
    h.rows(3, 200, true);
    const before = h.chunks.length;
    h.reporter.finish();
    h.reporter.finish();
    h.rows(3, 200);
    vi.advanceTimersByTime(10_000);
    expect(h.chunks.slice(before)).toEqual(["\r\x1b[K"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("redraws from its timer while no row finishes, and shows a quota wait", () => {
    const h = harness({ isTTY: true, columns: 120, total: 10 });
    h.rows(2, 600);
    h.reporter.waiting(12_000);
    h.advance(100);
    const before = h.chunks.length;
    vi.advanceTimersByTime(100);
    expect(h.chunks.length).toBe(before + 1);
    expect(visible(h.chunks.at(-1) ?? "")).toMatch(/ · waiting for quota 12s$/);
    h.advance(12_000);
    vi.advanceTimersByTime(100);
    expect(visible(h.chunks.at(-1) ?? "")).not.toContain("waiting");
    h.reporter.finish();
  });

  it("skips a redraw when the line has not changed", () => {
    const h = harness({ isTTY: true, columns: 80, total: 10 });
    vi.advanceTimersByTime(1_000);
    expect(h.chunks).toHaveLength(1);
    h.reporter.finish();
  });
});

describe("ProgressReporter in a log file", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes at most one plain line per interval, and nothing on finish", () => {
    const h = harness({ isTTY: false, total: 10_000, intervalMs: 10_000 });
    h.rows(600, 100); // 60 s
    expect(h.chunks).toHaveLength(6);
    for (const chunk of h.chunks) {
      expect(chunk).toMatch(
        /^progress: \d+\/10000 rows \(\d+%\), [\d.]+ rows\/s, ETA \S+, 0 failed\n$/,
      );
      expect(chunk).not.toMatch(CONTROL);
    }
    expect(h.chunks[0]).toBe("progress: 100/10000 rows (1%), 10.0 rows/s, ETA 16m30s, 0 failed\n");
    h.reporter.finish();
    h.reporter.finish();
    expect(h.chunks).toHaveLength(6);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("writes a line from its timer while no row finishes (a long quota wait)", () => {
    const h = harness({ isTTY: false, total: 10, intervalMs: 1_000 });
    vi.advanceTimersByTime(999);
    expect(h.chunks).toHaveLength(0);
    h.advance(1_000);
    vi.advanceTimersByTime(1);
    expect(h.chunks).toEqual(["progress: 0/10 rows (0%), 0.0 rows/s, ETA --, 0 failed\n"]);
    h.reporter.finish();
  });

  it("counts failures and shows done > total as 100%", () => {
    const h = harness({ isTTY: false, total: 3, intervalMs: 1_000 });
    h.rows(4, 500, true);
    h.rows(1, 1_000);
    expect(h.chunks.at(-1)).toMatch(
      /^progress: 5\/3 rows \(100%\), [\d.]+ rows\/s, ETA --, 4 failed\n$/,
    );
    h.reporter.finish();
  });
});

describe("ProgressReporter state", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("has no rate and no ETA at start, and ETA 0 for an empty input", () => {
    vi.useFakeTimers();
    const h = harness({ isTTY: false, total: 0 });
    expect(h.reporter.state()).toMatchObject({
      done: 0,
      total: 0,
      ratePerSec: undefined,
      etaMs: 0,
    });
    h.reporter.finish();
    const g = harness({ isTTY: false, total: 5 });
    g.rows(1, 10);
    expect(g.reporter.state()).toMatchObject({ done: 1, ratePerSec: undefined, etaMs: undefined });
    g.reporter.finish();
  });

  it("leaves rows carried over by --resume out of the rate and the ETA", () => {
    vi.useFakeTimers();
    const h = harness({ isTTY: false, total: 1_000 });
    // 900 rows carried over at once, then this run's own pace: 10 rows/s for 3 s.
    for (let i = 0; i < 900; i++) h.reporter.row(false, true);
    h.rows(30, 100);
    const state = h.reporter.state();
    expect(state.done).toBe(930);
    expect(state.ratePerSec).toBeCloseTo(10, 0);
    expect(state.etaMs).toBeCloseTo((70 / (state.ratePerSec ?? 1)) * 1000, -3);
    h.reporter.finish();
  });

  it("smooths the rate over the last ~10 s", () => {
    vi.useFakeTimers();
    const h = harness({ isTTY: false, total: 10_000 });
    h.rows(300, 100); // 30 s at 10 rows/s
    expect(h.reporter.state().ratePerSec).toBeCloseTo(10, 0);
    h.rows(200, 50); // 10 s at 20 rows/s
    const rate = h.reporter.state().ratePerSec ?? 0;
    expect(rate).toBeGreaterThan(18);
    expect(rate).toBeLessThanOrEqual(21);
    expect(h.reporter.state().etaMs).toBeCloseTo((9_500 / rate) * 1000, -3);
    h.advance(20_000); // nothing finishes for 20 s
    expect(h.reporter.state()).toMatchObject({ ratePerSec: 0, etaMs: undefined });
    h.reporter.finish();
  });

  it("unrefs its timer so it never keeps the process alive", () => {
    const unref = vi.fn();
    const fake = { unref } as unknown as ReturnType<typeof setTimeout>;
    vi.spyOn(globalThis, "setTimeout").mockReturnValue(fake);
    vi.spyOn(globalThis, "clearTimeout").mockImplementation(() => {});
    const h = harness({ isTTY: false, total: 10 });
    expect(unref).toHaveBeenCalledTimes(1);
    h.reporter.finish();
  });

  it.each<[Partial<ProgressOptions>]>([
    [{ total: -1 }],
    [{ total: 1.5 }],
    [{ total: Number.NaN }],
    [{ intervalMs: 0 }],
    [{ ttyIntervalMs: Number.POSITIVE_INFINITY }],
  ])("rejects %j", (options) => {
    expect(() => harness({ isTTY: false, ...options })).toThrow(TypeError);
  });
});
