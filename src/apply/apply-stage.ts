import type { BatchError } from "../errors.js";
import type { BulkReads, Settling } from "../read/stages.js";
import { applyInOrder } from "./apply-in-order.js";
import { applyRow } from "./apply-row.js";
import type { Done, ToApply } from "./items.js";
import { notAttempted } from "./outcomes.js";
import type { RunStop } from "./stop.js";

/** How the apply stage works. */
export interface ApplyStageOptions {
  /** Rows worked on at once, per store. */
  readonly concurrency: number;
  readonly stop: RunStop;
  readonly dryRun: boolean;
  readonly reconcileDelayMs: number;
  /** Bulk reads (the default); undefined: each row reads its order itself (`--reads per-order`). */
  readonly bulk: BulkReads | undefined;
  /** A run-level error a row met (rejected credentials, outage). */
  readonly onFatal: (fatal: BatchError) => void;
}

/**
 * The apply stage: each checked row is read, planned and applied (apply-row.ts); rows of one order
 * one at a time, in file order, `concurrency` per store, results in input order. Once the run has
 * stopped no row starts: the rest are not attempted.
 */
export function applyStage(
  items: AsyncIterable<Done | ToApply>,
  options: ApplyStageOptions,
): AsyncIterable<Settling> {
  const { concurrency, stop, bulk } = options;
  return applyInOrder<Done | ToApply, Settling>(items, {
    concurrency,
    maxPending: Math.max(64, concurrency * 16),
    keyOf: (item) => ("apply" in item ? item.key : undefined),
    // `--concurrency` per store, so a store waiting for its quota window never holds up another.
    groupOf: (item) => ("apply" in item ? item.store.key : ""),
    stopped: () => stop.stopped,
    // Keyless items are done already; a row to apply that was not started is not attempted.
    skip: (item) =>
      "apply" in item
        ? {
            source: item.source,
            outcome: notAttempted(item.source, item.apply.orderId, stop.error),
          }
        : item,
    work: async (item) => {
      if (!("apply" in item)) return item;
      const statuses = bulk ? await item.store.statuses : undefined;
      const applied = await applyRow(item.apply, {
        api: item.store.api,
        dryRun: options.dryRun,
        reconcileDelayMs: options.reconcileDelayMs,
        signal: stop.hard,
        ...(bulk ? { reads: bulk.of(item.store) } : {}),
        ...(statuses ? { statusName: (id: number) => statuses.nameOf(id) } : {}),
      });
      if (applied.fatal) options.onFatal(applied.fatal);
      return {
        source: item.source,
        outcome: applied.outcome,
        ...(applied.settled ? { settled: applied.settled } : {}),
      };
    },
  });
}
