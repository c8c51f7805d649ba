import type { BatchError } from "../errors.js";
import { idOf } from "../resume/previous-results.js";
import type { CheckResult, RowOutcome, SourceRow } from "../types.js";
import { isTransientFailure } from "./apply-row.js";

// Outcomes of rows that never reach the store: invalid, valid (validate), not attempted, or with no
// usable store. Plain literals, no spreads: `invalid` and `valid` are on validate's per-row hot path.

/** Shared empty `fieldsUpdated` of rows that changed nothing (never mutated). */
const NOTHING: readonly string[] = Object.freeze([]);

export function invalidOutcome(
  source: SourceRow,
  checked: CheckResult & { ok: false },
): RowOutcome {
  return {
    index: source.index,
    line: source.line,
    orderId: idOf(source.values.order_id),
    result: "invalid",
    fieldsUpdated: NOTHING,
    // A failed check always names at least one problem.
    errorCode: checked.problems[0]?.code ?? "E_INTERNAL",
    error: checked.problems.map((problem) => problem.message).join("; "),
  };
}

export function validOutcome(source: SourceRow, orderId: number): RowOutcome {
  return {
    index: source.index,
    line: source.line,
    orderId,
    result: "valid",
    fieldsUpdated: NOTHING,
  };
}

/** A row the run stopped before it started; `stopError` says why when a run-level error did. */
export function notAttempted(
  source: SourceRow,
  orderId: number | undefined,
  stopError: BatchError | undefined,
): RowOutcome {
  return {
    index: source.index,
    line: source.line,
    orderId: orderId ?? idOf(source.values.order_id),
    result: "not_attempted",
    fieldsUpdated: NOTHING,
    errorCode: stopError?.code ?? "E_STOPPED",
    error: stopError
      ? `not attempted: ${stopError.message}`
      : "not attempted: the run was interrupted before this row started",
  };
}

/**
 * Outcome of a row whose store could not be opened (no credentials for it, statuses unreadable).
 * A transient reason (the store down for a while) leaves it `not_attempted`, so --resume tries it
 * again (issue #4); any other reason is the row's failure.
 */
export function noStore(
  source: SourceRow,
  orderId: number | undefined,
  error: BatchError,
): RowOutcome {
  const transient = isTransientFailure(error);
  return {
    index: source.index,
    line: source.line,
    orderId: orderId ?? idOf(source.values.order_id),
    result: transient ? "not_attempted" : "failed",
    fieldsUpdated: NOTHING,
    errorCode: error.code,
    error: transient ? `not attempted: ${error.message}` : error.message,
    message: transient
      ? "the store's order statuses could not be read (retries used up); nothing was sent for this row; --resume tries it again"
      : undefined,
  };
}
