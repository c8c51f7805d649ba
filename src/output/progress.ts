/**
 * Progress output on stderr (issue 7): a live bar redrawn in place on a terminal, a plain line every
 * few seconds in a log file. Rendering is pure (state → string); the reporter only keeps counts,
 * a clock and a timer. Nothing here touches `process`: the CLI passes its stderr in.
 */
import type { RateLimitEvent } from "../api/rate-limit.js";

/** Where progress goes: `process.stderr` in the CLI, a fake in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
  /** Terminal width in characters. @default 80 */
  readonly columns?: number | undefined;
}

export interface ProgressOptions {
  stream: ProgressStream;
  /** Rows in the input (0: an empty input). */
  total: number;
  /** Clock, ms. @default performance.now */
  now?: () => number;
  /** Least time between two lines when the stream is not a terminal, ms. @default 10000 */
  intervalMs?: number;
  /** Least time between two redraws of the live bar on a terminal, ms. @default 100 */
  ttyIntervalMs?: number;
  /**
   * Names what the progress is of (e.g. the input file, when several run one after another), in
   * each line of the log: `progress: orders.csv: 45/100 rows …`. The live bar has no room for it.
   */
  label?: string | undefined;
}

/** How progress is shown: a live bar redrawn in place, or a plain line every few seconds. */
export type ProgressStyle = "bar" | "lines";

/**
 * A live bar only on a terminal that has a width: a TTY reporting 0 columns (`docker run -t`,
 * `script` without a size) would get an empty bar, i.e. nothing at all, so it gets the line log.
 * A terminal that says nothing of its width gets the bar at DEFAULT_COLUMNS.
 */
export function progressStyle(stream: Pick<ProgressStream, "isTTY" | "columns">): ProgressStyle {
  if (stream.isTTY !== true) return "lines";
  const columns = stream.columns;
  if (columns === undefined) return "bar";
  // The bar is drawn one column short of the width (see #output): 1 column leaves nothing to draw.
  return Number.isFinite(columns) && columns >= 2 ? "bar" : "lines";
}

export interface ProgressState {
  done: number;
  total: number;
  failed: number;
  elapsedMs: number;
  /** Rows per second over the last ~10 s; undefined until there is enough to measure. */
  ratePerSec: number | undefined;
  /** Time left, ms; undefined when it cannot be estimated (no rate yet, or done > total). */
  etaMs: number | undefined;
  /** Time left before the store's quota lets requests through again, ms (undefined: not waiting). */
  waitingMs?: number | undefined;
  /** Why the run waits (undefined: not said, or not waiting). */
  waitingFor?: WaitCause | undefined;
}

/** Why requests are held back, from the rate-limit event that started the wait (api/rate-limit.ts). */
export interface WaitCause {
  /**
   * "quota": the window's quota (minus the reserve) is used up until the window resets;
   * "rate_limited": a 429 with the store's wait; "overloaded": a 429 without rate-limit headers (the
   * platform under load), backing off.
   */
  readonly kind: "quota" | "rate_limited" | "overloaded";
  /** The store's headers asked for this longer wait; it was clamped to the window and to 5 minutes. */
  readonly cappedFromMs?: number;
}

/** The cause of a wait, from the event the API layer reported. */
export function waitCause(event: RateLimitEvent): WaitCause {
  const kind =
    event.type === "throttle" ? "quota" : event.withHeaders ? "rate_limited" : "overloaded";
  return event.cappedFromMs === undefined ? { kind } : { kind, cappedFromMs: event.cappedFromMs };
}

const WAIT_REASONS: Readonly<Record<WaitCause["kind"], string>> = {
  quota: "quota used up until the window resets",
  rate_limited: "rate limited, HTTP 429",
  overloaded: "store under load, HTTP 429 without rate-limit headers",
};

/** "waiting for quota 12s", with the reason when known: "… (rate limited, HTTP 429; the store asked for 1h00m)". */
function formatWaiting(waitingMs: number, cause: WaitCause | undefined): string {
  const base = `waiting for quota ${formatDuration(waitingMs)}`;
  if (cause === undefined) return base;
  const capped =
    cause.cappedFromMs === undefined
      ? ""
      : `; the store asked for ${formatDuration(cause.cappedFromMs)}, capped`;
  return `${base} (${WAIT_REASONS[cause.kind]}${capped})`;
}

/** The rate is averaged over this span, so a burst or a 429 pause moves it smoothly. */
const RATE_WINDOW_MS = 10_000;
/** Below this span the rate is noise (the first rows after start), so none is shown. */
const MIN_RATE_SPAN_MS = 1_000;
/** Rate samples are kept at most this often, so the window holds ~40 of them at any speed. */
const SAMPLE_SPACING_MS = 250;
/** Narrowest bar worth drawing, brackets included; below it the bar is dropped. */
const MIN_BAR_WIDTH = 7;
const DEFAULT_COLUMNS = 80;
const CLEAR_LINE = "\r\x1b[K";

const grouped = new Intl.NumberFormat("en-US");

/** "45s", "2m24s", "1h05m"; "--" for a negative or non-finite value. Seconds round up, so an ETA never reads "0s" early. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "--";
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** Share done in [0, 1]; an empty input counts as complete, and done > total as 100 %. */
function fractionDone(state: ProgressState): number {
  if (state.total <= 0) return 1;
  return Math.min(1, Math.max(0, state.done / state.total));
}

function formatRate(ratePerSec: number | undefined): string {
  return ratePerSec === undefined ? "-- rows/s" : `${ratePerSec.toFixed(1)} rows/s`;
}

function formatEta(etaMs: number | undefined): string {
  return `ETA ${etaMs === undefined ? "--" : formatDuration(etaMs)}`;
}

/** The live line for a terminal (no `\r`), never longer than `width`: the bar takes what the figures leave. */
export function renderBar(state: ProgressState, width: number): string {
  if (!(width > 0)) return "";
  const fraction = fractionDone(state);
  const parts = [
    `${String(Math.floor(fraction * 100)).padStart(3)}% ${grouped.format(state.done)}/${grouped.format(state.total)} rows`,
    formatRate(state.ratePerSec),
    formatEta(state.etaMs),
    `${grouped.format(state.failed)} failed`,
  ];
  if (state.waitingMs !== undefined) parts.push(formatWaiting(state.waitingMs, state.waitingFor));
  const figures = parts.join(" · ");
  const barWidth = Math.floor(width) - figures.length - 1;
  if (barWidth < MIN_BAR_WIDTH) return figures.slice(0, Math.floor(width));
  const inner = barWidth - 2;
  const filled = Math.floor(fraction * inner);
  return `[${"#".repeat(filled)}${"-".repeat(inner - filled)}] ${figures}`;
}

/**
 * The plain line for a log file: no escape codes, no thousands separators (easy to grep and parse),
 * with `label` (the file) after `progress:` when given.
 */
export function renderLine(state: ProgressState, label?: string): string {
  const percent = Math.floor(fractionDone(state) * 100);
  const waiting =
    state.waitingMs === undefined ? "" : `, ${formatWaiting(state.waitingMs, state.waitingFor)}`;
  const named = label === undefined || label === "" ? "" : ` ${oneLine(label)}:`;
  return `progress:${named} ${state.done}/${state.total} rows (${percent}%), ${formatRate(state.ratePerSec)}, ${formatEta(state.etaMs)}, ${state.failed} failed${waiting}`;
}

/** A label on one line: a file name holding a line break must not break the log's one-line records. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(`Expected \`${name}\` to be a whole number from 0 and up, got ${value}.`);
  }
}

function checkInterval(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new TypeError(
      `Expected \`${name}\` to be a positive number of milliseconds, got ${value}.`,
    );
  }
}

interface Sample {
  readonly at: number;
  readonly done: number;
}

/**
 * Counts finished rows and writes progress at most once per interval: on `row()` when the interval
 * has passed, and from an `unref()`ed timer so the line stays current (and a log shows signs of life)
 * while no row finishes, e.g. during a long quota wait.
 */
export class ProgressReporter {
  readonly #stream: ProgressStream;
  readonly #now: () => number;
  readonly #tty: boolean;
  readonly #label: string | undefined;
  readonly #intervalMs: number;
  readonly #startedAt: number;
  readonly #samples: Sample[];
  #total: number;
  #done = 0;
  #failed = 0;
  #waitUntil = Number.NEGATIVE_INFINITY;
  #waitCause: WaitCause | undefined;
  #lastOutputAt: number;
  /** Rows carried over by --resume: done, but not this run's pace. */
  #carried = 0;
  #lastText = "";
  #timer: ReturnType<typeof setTimeout> | undefined;
  #finished = false;

  constructor(options: ProgressOptions) {
    checkCount("total", options.total);
    checkInterval("intervalMs", options.intervalMs);
    checkInterval("ttyIntervalMs", options.ttyIntervalMs);
    this.#stream = options.stream;
    this.#now = options.now ?? (() => performance.now());
    this.#tty = progressStyle(options.stream) === "bar";
    this.#label = options.label;
    this.#intervalMs = this.#tty ? (options.ttyIntervalMs ?? 100) : (options.intervalMs ?? 10_000);
    this.#total = options.total;
    this.#startedAt = this.#now();
    this.#lastOutputAt = this.#startedAt;
    this.#samples = [{ at: this.#startedAt, done: 0 }];
    // A terminal shows the bar at once; a log gets its first line after one interval.
    if (this.#tty) this.#output();
    else this.#schedule();
  }

  /**
   * One row finished (the run calls this in input order). A row `carried` over by --resume counts
   * as done but not in the rate: the ETA is this run's own pace, not the speed of reading an
   * earlier results file.
   */
  row(failed: boolean, carried = false): void {
    if (this.#finished) return;
    this.#done += 1;
    if (carried) this.#carried += 1;
    if (failed) this.#failed += 1;
    const now = this.#now();
    const last = this.#samples[this.#samples.length - 1];
    if (last === undefined || now - last.at >= SAMPLE_SPACING_MS) {
      this.#samples.push({ at: now, done: this.#done - this.#carried });
    }
    if (now - this.#lastOutputAt >= this.#intervalMs) this.#output();
  }

  /**
   * The store's quota holds requests back for `ms` (a 429 or the client's own throttle); shown until
   * over, with the reason when `event` (the rate-limit event that started the wait) is given.
   */
  waiting(ms: number, event?: RateLimitEvent): void {
    if (this.#finished || !Number.isFinite(ms) || ms <= 0) return;
    const until = this.#now() + ms;
    // A shorter wait reported while a longer one runs does not hide it (nor its reason).
    if (until < this.#waitUntil) return;
    this.#waitUntil = until;
    this.#waitCause = event === undefined ? undefined : waitCause(event);
  }

  /** What the line shows now: counts, smoothed rate and ETA. */
  state(): ProgressState {
    const now = this.#now();
    const ratePerSec = this.#rate(now);
    const remaining = this.#total - this.#done;
    let etaMs: number | undefined;
    if (remaining === 0) etaMs = 0;
    else if (remaining > 0 && ratePerSec !== undefined && ratePerSec > 0) {
      etaMs = (remaining / ratePerSec) * 1000;
    }
    const waitingMs = this.#waitUntil - now;
    return {
      done: this.#done,
      total: this.#total,
      failed: this.#failed,
      elapsedMs: now - this.#startedAt,
      ratePerSec,
      etaMs,
      ...(waitingMs > 0 ? { waitingMs } : {}),
      ...(waitingMs > 0 && this.#waitCause !== undefined ? { waitingFor: this.#waitCause } : {}),
    };
  }

  /** Stops the timer and clears the live line, so the summary starts on a clean line. Safe to call twice. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#tty && this.#lastText !== "") this.#stream.write(CLEAR_LINE);
  }

  /** Rows per second from the oldest sample still within the window (or the last one before it) to now. */
  #rate(now: number): number | undefined {
    while (this.#samples.length > 1 && (this.#samples[1]?.at ?? now) <= now - RATE_WINDOW_MS) {
      this.#samples.shift();
    }
    const anchor = this.#samples[0];
    if (anchor === undefined || now - anchor.at < MIN_RATE_SPAN_MS) return undefined;
    return ((this.#done - this.#carried - anchor.done) / (now - anchor.at)) * 1000;
  }

  #output(): void {
    if (this.#finished) return;
    const state = this.state();
    if (this.#tty) {
      // One column short of the width: some terminals wrap as soon as the last column is written.
      const width = (this.#stream.columns ?? DEFAULT_COLUMNS) - 1;
      const text = renderBar(state, width);
      if (text !== this.#lastText) this.#stream.write(`\r${text}\x1b[K`);
      this.#lastText = text;
    } else {
      this.#stream.write(`${renderLine(state, this.#label)}\n`);
    }
    this.#lastOutputAt = this.#now();
    this.#schedule();
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#output(), this.#intervalMs);
    // Progress must never keep the process alive after the run is over.
    this.#timer.unref();
  }
}
