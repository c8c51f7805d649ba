import type { Writable } from "node:stream";
import type { ApiEvent } from "./api/bigcommerce.js";
import type { StoreDirectory } from "./credentials.js";
import type { InputInfo, ReadOptions } from "./input/read-rows.js";
import type { Estimate } from "./output/estimate.js";
import type { AlreadyShippedPolicy, RowOutcome } from "./types.js";

/** Options of one batch run; the CLI builds them from flags, a library user directly. */
export interface RunOptions {
  /** Path of the input CSV. */
  readonly input: string;
  /** `run` applies (or, with dryRun, reads); `validate` checks offline: no credentials, no network. */
  readonly mode: "run" | "validate";
  /**
   * Results file path, or a stream (e.g. stdout), which is never ended. A stream whose reader goes
   * away (EPIPE: `-o - | head`) stops the run like an interrupt. @default `<input>.results.csv` (chosen by the caller)
   */
  readonly output: string | Writable;
  /** Write `<output>.failed.csv` (input columns of every row that did not succeed). @default true for a path */
  readonly failedFile?: boolean;
  readonly read?: ReadOptions;
  /** Read-only requests; report what would change. @default false */
  readonly dryRun?: boolean;
  /**
   * How orders are read (issue 12, README "Costs"): `bulk` reads the orders of the rows coming
   * together (range reads, or one read with consignments per order) and writes only values that
   * differ; `per-order` is the older flow (reads per shipment row, every given value sent).
   * @default "bulk"
   */
  readonly reads?: "bulk" | "per-order";
  /**
   * A fully shipped order whose row has another tracking number and no items (another app shipped
   * it, README "Split parcels"): `ok` ends it `unchanged` naming that shipment, `fail` ends it
   * `failed` with E_ALREADY_SHIPPED. @default "ok"
   */
  readonly alreadyShipped?: AlreadyShippedPolicy;
  /** Skip rows an earlier results file (at `output`) shows as done. @default false */
  readonly resume?: boolean;
  /** Rows worked on at once (different orders). @default 4 */
  readonly concurrency?: number;
  /** Stores; required for mode `run`. */
  readonly stores?: StoreDirectory;
  /** Per-attempt request timeout, ms. @default 30000 */
  readonly timeoutMs?: number;
  /** Requests per quota window left for the store's other apps. @default 10% of the quota */
  readonly reserve?: number;
  readonly maxAttempts?: number;
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** Run-level transient-retry budget (see api/retry-policy). */
  readonly retryBudget?: number;
  /** Wait before re-reading shipments after an unclear POST, ms. @default 2000 */
  readonly reconcileDelayMs?: number;
  /** Add a UTF-8 BOM to the results for Excel. @default false */
  readonly excel?: boolean;
  /** Graceful stop: no row starts after it aborts; rows in flight get `graceMs` to finish. */
  readonly signal?: AbortSignal;
  /** @default 30000 */
  readonly graceMs?: number;
  readonly userAgent?: string;
  /** Called once the input has been checked (row total, encoding, warnings). */
  readonly onStart?: (info: InputInfo) => void;
  /**
   * Called for every row, in input order, as its result is written. A row carried over by
   * --resume comes with what its earlier record holds (order id, status, shipment id, error,
   * message), never as created or recalculated by this run.
   */
  readonly onRow?: (outcome: RowOutcome) => void;
  readonly onApiEvent?: (event: ApiEvent) => void;
  /**
   * Called once before the first write of a run (and a dry run) with how long it will take at the
   * store's quota: the rows' requests by kind (output/estimate.ts ROW_COSTS), at the quota the
   * default store's first answer announced, less the reserve. Costs one more local pass over the
   * input, so only when asked.
   */
  readonly onEstimate?: (estimate: Estimate) => void;
}
