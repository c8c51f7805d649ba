/**
 * What the HTML run report (`--report FILE.html`, issue 16) shows, collected at the CLI edge from
 * runBatch's `onRow` and `onApiEvent` callbacks. Bounded whatever the file's size: counts per
 * result and per error code, the first rows of each code, requests per quota window and rows per
 * minute; never all rows. Rendering is report.ts.
 */
import { dirname, relative, sep } from "node:path";
import type { ApiEvent } from "../api/bigcommerce.js";
import { RESUME_MARGIN_MS } from "../api/rate-limit.js";
import { CODES, type CodeInfo } from "../codes.js";
import { type RowOutcome, type RowResultState, SUCCESS_STATES } from "../types.js";
import type { RunSummary, StopReason } from "./summarize.js";

/** Rows kept per error code, to show what a group looks like (the failed-rows file has them all). */
export const DEFAULT_ROWS_PER_CODE = 10;

/**
 * Window length assumed until the run shows its own: BigCommerce's documented "refreshed every 30
 * seconds" (docs/bigcommerce-api.md §8). Other lengths exist (§13), so a pause the store asked for
 * always replaces it.
 */
export const ASSUMED_WINDOW_MS = 30_000;

/** Windows kept; past this, neighbours are merged in pairs (a bar then covers several windows). */
export const MAX_WINDOWS = 2_000;

/** Rows-per-minute buckets kept; past this, neighbours are merged in pairs (two minutes a bar, …). */
export const MAX_ROW_BUCKETS = 1_440;

/** Distinct error codes kept; more (only a tampered --resume file could hold them) are "other". */
export const MAX_CODES = 100;

/** Longest error text kept per row shown. */
const MAX_TEXT = 500;

/** The code of rows that did not succeed without one, and of codes past MAX_CODES. */
export const NO_CODE = "(none)";
export const OTHER_CODES = "(other codes)";

/** The tiles, in the order the page shows them. */
export const TILE_KEYS = [
  "rows",
  "updated",
  "unchanged",
  "already_shipped",
  "would_update",
  "valid",
  "failed",
  "invalid",
  "conflict",
  "needs_review",
  "not_attempted",
  "shipments_created",
  "totals_recalculated",
] as const;
export type TileKey = (typeof TILE_KEYS)[number];

/** One row shown under its error code. Every text is from the input or the store: escape it. */
export interface ReportRow {
  /** 1-based data row; its record in the results file is `index + 1` (the header is record 1). */
  readonly index: number;
  /** Line of the input file (the results file's `line` column). */
  readonly line: number;
  readonly orderId: number | undefined;
  readonly result: RowResultState;
  readonly error: string | undefined;
}

export interface FailureGroup {
  readonly code: string;
  readonly count: number;
  /** From src/codes.ts; undefined for a code the table does not have. */
  readonly info: CodeInfo | undefined;
  /** The first rows of the group, in input order. */
  readonly rows: readonly ReportRow[];
}

/** One bar of the requests chart: a quota window (or several, merged, on a very long run). */
export interface RequestWindow {
  /** Ms from the start of the run. */
  readonly startMs: number;
  readonly endMs: number;
  /** Quota windows this bar covers: 1 unless the run had more than MAX_WINDOWS. */
  readonly windows: number;
  /** Answers to requests sent in the window (a 429 is an answer, and counts against the quota). */
  readonly requests: number;
  readonly rateLimited: number;
  readonly retries: number;
  /** Pauses: the gate waiting for the window to refill, or a 429's wait. */
  readonly waits: number;
  /** The waits the pauses announced, added up (a pause may end early, when answers free quota). */
  readonly waitMs: number;
}

/**
 * What the undo file (issue 15) would restore, counted by field, e.g. `{ status_id: 12 }`.
 * Optional: the report shows its section only when given.
 */
export interface UndoSummary {
  readonly file?: string | undefined;
  readonly byField: Readonly<Record<string, number>>;
}

/** A file the page links to: shown as `path`, linked relative to the report as `href`. */
export interface LinkedFile {
  readonly path: string;
  /** Relative URL from the report's folder; undefined when there is none (another drive). */
  readonly href: string | undefined;
}

export interface ReportData {
  readonly version: string;
  readonly command: "run" | "validate";
  readonly input: string;
  /** Store hashes the run could use (never a token). */
  readonly storeHashes: readonly string[];
  /** ISO 8601, with the local offset. */
  readonly startedAt: string;
  readonly durationMs: number;
  readonly flags: {
    readonly dryRun: boolean;
    readonly resume: boolean;
    readonly concurrency: number | undefined;
    /** undefined: the default (10 % of the quota). */
    readonly reserve: number | undefined;
  };
  /** Why the run stopped before every row was attempted. */
  readonly stop:
    | { readonly reason: StopReason | "error"; readonly code?: string; readonly message?: string }
    | undefined;
  readonly results: LinkedFile | undefined;
  readonly failedRows: LinkedFile | undefined;
  readonly totals: Readonly<Record<TileKey, number>>;
  readonly requests: {
    readonly total: number;
    readonly rateLimited: number;
    readonly retries: number;
  };
  /** Largest group first. */
  readonly failures: readonly FailureGroup[];
  readonly windows: {
    /** The window length the bars use: learned from the store's pauses, or assumed. */
    readonly windowMs: number;
    readonly learned: boolean;
    readonly list: readonly RequestWindow[];
    /** Requests per window, when known (drawn as a line). */
    readonly quota: number | undefined;
  };
  readonly rowsPerMinute: { readonly bucketMs: number; readonly counts: readonly number[] };
  readonly undo: UndoSummary | undefined;
}

export interface CollectorOptions {
  /** @default Date.now */
  readonly now?: () => number;
  /** @default DEFAULT_ROWS_PER_CODE */
  readonly rowsPerCode?: number;
  /** Applied to every text kept (the CLI's token redaction). @default identity */
  readonly redact?: (text: string) => string;
  /** @default ASSUMED_WINDOW_MS */
  readonly windowMs?: number;
}

/** What the CLI knows about the run, beside what the callbacks told the collector. */
export interface ReportContext {
  readonly version: string;
  readonly command: "run" | "validate";
  readonly input: string;
  readonly storeHashes: readonly string[];
  readonly flags: ReportData["flags"];
  /** The run's summary; undefined when runBatch threw after some rows. */
  readonly summary?: RunSummary | undefined;
  /** A run-level error that ended the run after some rows (runBatch threw). */
  readonly error?: { readonly code: string; readonly message: string } | undefined;
  /** Where the report goes: links are made relative to its folder. */
  readonly reportPath: string;
  readonly quota?: number | undefined;
  readonly undo?: UndoSummary | undefined;
}

/** A closed window (or several merged), as kept. */
type Counts = { -readonly [K in keyof RequestWindow]: RequestWindow[K] };

/** The window requests are being counted in. */
interface Window extends Counts {
  /** A request sent from then on opens the next window (endMs, or a little before a foretold end). */
  opensNextAt: number;
}

interface Group {
  count: number;
  rows: ReportRow[];
}

/** A relative URL from `fromDir` to `path`, each segment percent-encoded; undefined across drives. */
export function relativeHref(fromDir: string, path: string): string | undefined {
  const rel = relative(fromDir, path);
  if (rel === "" || /^([A-Za-z]:|[\\/])/.test(rel)) return undefined;
  return rel.split(sep).map(encodeURIComponent).join("/");
}

function clip(text: string | undefined, redact: (text: string) => string): string | undefined {
  if (text === undefined) return undefined;
  const safe = redact(text);
  return safe.length > MAX_TEXT ? `${safe.slice(0, MAX_TEXT)}…` : safe;
}

/** Merges neighbours in pairs (the last one alone when odd). */
function halve(list: readonly Counts[]): Counts[] {
  const out: Counts[] = [];
  for (let i = 0; i < list.length; i += 2) {
    const a = list[i] as Counts;
    const b = list[i + 1];
    out.push(
      b === undefined
        ? a
        : {
            startMs: a.startMs,
            endMs: b.endMs,
            windows: a.windows + b.windows,
            requests: a.requests + b.requests,
            rateLimited: a.rateLimited + b.rateLimited,
            retries: a.retries + b.retries,
            waits: a.waits + b.waits,
            waitMs: a.waitMs + b.waitMs,
          },
    );
  }
  return out;
}

/**
 * Folds the run's callbacks into ReportData. Quota windows are rebuilt from the events: a window
 * starts with the first request after the previous one ended (as BigCommerce counts a fixed
 * window, docs/bigcommerce-api.md §8) and ends where a pause the store asked for ends (the
 * gate's `throttle` wait, or a 429 with rate-limit headers), else one window length later.
 */
export class ReportCollector {
  readonly #now: () => number;
  readonly #rowsPerCode: number;
  readonly #redact: (text: string) => string;
  readonly #startedAt: number;
  readonly #byResult = new Map<RowResultState, number>();
  readonly #groups = new Map<string, Group>();
  #rows = 0;
  #shipments = 0;
  #totals = 0;
  #windowMs: number;
  #learned = false;
  #windows: Counts[] = [];
  /** Windows each stored entry covers (doubles each time the list is halved). */
  #perEntry = 1;
  #current: Window | undefined;
  #bucketMs = 60_000;
  #rowBuckets: number[] = [];

  constructor(options: CollectorOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#rowsPerCode = options.rowsPerCode ?? DEFAULT_ROWS_PER_CODE;
    this.#redact = options.redact ?? ((text) => text);
    this.#windowMs = options.windowMs ?? ASSUMED_WINDOW_MS;
    this.#startedAt = this.#now();
  }

  /** Rows seen so far. */
  get rows(): number {
    return this.#rows;
  }

  /** For runBatch's `onRow`: every row, in input order. */
  onRow(outcome: RowOutcome): void {
    this.#rows += 1;
    this.#byResult.set(outcome.result, (this.#byResult.get(outcome.result) ?? 0) + 1);
    if (outcome.shipmentCreated) this.#shipments += 1;
    if (outcome.totalsChanged) this.#totals += 1;
    this.#countRowTime();
    if (SUCCESS_STATES.has(outcome.result)) return;
    let code = outcome.errorCode || NO_CODE;
    if (!this.#groups.has(code) && this.#groups.size >= MAX_CODES) code = OTHER_CODES;
    let group = this.#groups.get(code);
    if (group === undefined) {
      group = { count: 0, rows: [] };
      this.#groups.set(code, group);
    }
    group.count += 1;
    if (group.rows.length < this.#rowsPerCode) {
      group.rows.push({
        index: outcome.index,
        line: outcome.line,
        orderId: outcome.orderId,
        result: outcome.result,
        error: clip(outcome.error ?? outcome.message, this.#redact),
      });
    }
  }

  /** For runBatch's `onApiEvent`. */
  onApiEvent(event: ApiEvent): void {
    const now = this.#now() - this.#startedAt;
    switch (event.type) {
      case "response": {
        const window = this.#windowAt(Math.max(0, now - event.ms));
        window.requests += 1;
        if (event.status === 429) window.rateLimited += 1;
        break;
      }
      case "retry":
        this.#windowAt(now).retries += 1;
        break;
      case "rate_limited":
      case "throttle": {
        const window = this.#windowAt(now);
        window.waits += 1;
        window.waitMs += Math.max(0, event.waitMs);
        // The gate pauses when the window's quota is used up, and after a 429 with rate-limit
        // headers until the wait they give: either way nothing more is sent in this window, and the
        // wait says when it ends. A 429 without headers is platform load: a backoff, no window end.
        const endsWindow = event.type === "throttle" || event.withHeaders;
        // The gate's own wait runs RESUME_MARGIN_MS past the window's end.
        const margin = event.type === "throttle" ? RESUME_MARGIN_MS : 0;
        if (endsWindow) this.#pauseAt(now, Math.max(0, event.waitMs - margin));
        break;
      }
    }
  }

  #countRowTime(): void {
    let bucket = Math.floor(Math.max(0, this.#now() - this.#startedAt) / this.#bucketMs);
    while (bucket >= MAX_ROW_BUCKETS) {
      const merged: number[] = [];
      for (let i = 0; i < this.#rowBuckets.length; i += 2) {
        merged.push((this.#rowBuckets[i] ?? 0) + (this.#rowBuckets[i + 1] ?? 0));
      }
      this.#rowBuckets = merged;
      this.#bucketMs *= 2;
      bucket = Math.floor(bucket / 2);
    }
    while (this.#rowBuckets.length <= bucket) this.#rowBuckets.push(0);
    this.#rowBuckets[bucket] = (this.#rowBuckets[bucket] ?? 0) + 1;
  }

  /** The window a request sent at `t` (ms from the start) belongs to, opening one when needed. */
  #windowAt(t: number): Window {
    const current = this.#current;
    // An answer overtaken by later ones may have been sent a moment before the current window
    // began: it counts there rather than reopening a closed window.
    if (current !== undefined && t < current.opensNextAt) return current;
    if (current !== undefined) {
      current.endMs = Math.max(current.startMs, Math.min(current.endMs, t));
      this.#close(current);
    }
    const window: Window = {
      opensNextAt: t + this.#windowMs,
      startMs: t,
      endMs: t + this.#windowMs,
      windows: 1,
      requests: 0,
      rateLimited: 0,
      retries: 0,
      waits: 0,
      waitMs: 0,
    };
    this.#current = window;
    return window;
  }

  /**
   * The gate paused at `t` for `waitMs`: the current window ends then; learn its length. Not every
   * pause ends the window (the gate may go on once answers in flight free some of the quota), and
   * the end the wait foretold is an estimate that later answers move by milliseconds: a request
   * sent in the last quarter of the wait is the next window's.
   */
  #pauseAt(t: number, waitMs: number): void {
    const current = this.#current;
    if (current === undefined || waitMs <= 0) return; // end unknown: a response in flight tells
    const end = t + waitMs;
    current.endMs = end;
    current.opensNextAt = end - waitMs / 4;
    const length = end - current.startMs;
    // The longest seen: a window whose first request came late looks shorter than it is.
    this.#windowMs = this.#learned ? Math.max(this.#windowMs, length) : length;
    this.#learned = true;
  }

  #close(current: Window): void {
    const { opensNextAt: _, ...window } = current;
    const last = this.#windows.at(-1);
    if (last !== undefined && this.#perEntry > 1 && last.windows < this.#perEntry) {
      this.#windows[this.#windows.length - 1] = halve([last, window])[0] as Counts;
    } else {
      this.#windows.push(window);
    }
    if (this.#windows.length > MAX_WINDOWS) {
      this.#windows = halve(this.#windows);
      this.#perEntry *= 2;
    }
  }

  /** The report's data; the collector may go on collecting afterwards. */
  build(context: ReportContext): ReportData {
    const summary = context.summary;
    const count = (result: RowResultState) => this.#byResult.get(result) ?? 0;
    const windows = [...this.#windows];
    if (this.#current !== undefined) {
      // Ends now at the latest: the run did not go on to fill it.
      const { opensNextAt: _, ...last } = this.#current;
      const now = this.#now() - this.#startedAt;
      windows.push({ ...last, endMs: Math.max(last.startMs, Math.min(last.endMs, now)) });
    }
    const failures: FailureGroup[] = [...this.#groups.entries()]
      .map(([code, group]) => ({
        code,
        count: group.count,
        info: Object.hasOwn(CODES, code) ? (CODES as Record<string, CodeInfo>)[code] : undefined,
        rows: [...group.rows],
      }))
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
    const reportDir = dirname(context.reportPath);
    const linked = (path: string | undefined): LinkedFile | undefined =>
      path === undefined ? undefined : { path, href: relativeHref(reportDir, path) };
    const stop =
      context.error !== undefined
        ? {
            reason: "error" as const,
            code: context.error.code,
            message: this.#redact(context.error.message),
          }
        : summary?.stopReason !== undefined
          ? {
              reason: summary.stopReason,
              ...(summary.stopError
                ? { code: summary.stopError.code, message: this.#redact(summary.stopError.message) }
                : {}),
            }
          : undefined;
    return {
      version: context.version,
      command: context.command,
      input: context.input,
      storeHashes: [...context.storeHashes],
      startedAt: isoWithOffset(new Date(this.#startedAt)),
      durationMs: summary?.elapsedMs ?? Math.max(0, this.#now() - this.#startedAt),
      flags: { ...context.flags },
      stop,
      results: linked(summary?.resultsFile),
      failedRows: summary && summary.failed > 0 ? linked(summary.failedFile) : undefined,
      totals: {
        rows: this.#rows,
        updated: count("updated"),
        unchanged: count("unchanged"),
        already_shipped: count("already_shipped"),
        would_update: count("would_update"),
        valid: count("valid"),
        failed: count("failed"),
        invalid: count("invalid"),
        conflict: count("conflict"),
        needs_review: count("needs_review"),
        not_attempted: count("not_attempted"),
        shipments_created: this.#shipments,
        totals_recalculated: this.#totals,
      },
      requests: {
        total: summary?.requests ?? windows.reduce((sum, w) => sum + w.requests, 0),
        rateLimited: summary?.rateLimited ?? windows.reduce((sum, w) => sum + w.rateLimited, 0),
        retries: summary?.retries ?? windows.reduce((sum, w) => sum + w.retries, 0),
      },
      failures,
      windows: {
        windowMs: this.#windowMs,
        learned: this.#learned,
        list: windows,
        quota: context.quota,
      },
      rowsPerMinute: { bucketMs: this.#bucketMs, counts: [...this.#rowBuckets] },
      undo: context.undo,
    };
  }
}

/** e.g. 2025-03-01T14:05:09+01:00: the reader's own clock time, unambiguous. */
export function isoWithOffset(date: Date): string {
  const pad = (n: number) => String(Math.trunc(Math.abs(n))).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`
  );
}
