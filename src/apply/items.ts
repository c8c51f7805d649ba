import type { StatusTable } from "../check/statuses.js";
import type { BatchError } from "../errors.js";
import type { CheckedRow, RowOutcome, SourceRow } from "../types.js";
import type { Store } from "./stores.js";

// What flows between the stages of a run (see run.ts): a row starts as read, may be settled early
// (carried over, invalid, not attempted), and otherwise reaches the store as a checked row.

/** A row whose outcome is settled; it goes straight to the results. */
export interface Done {
  readonly source: SourceRow;
  readonly outcome: RowOutcome;
  /** The earlier results record of a row carried over by --resume, written back as it was. */
  readonly record?: readonly string[];
}

/** A row read and not settled yet: the row itself, as the reader gives it (no wrapper per row). */
export type Pending = SourceRow;

/** A row with its store opened (or the reason it could not be): what it is checked against. */
export interface WithStore {
  readonly source: SourceRow;
  readonly statuses: StatusTable;
  readonly store?: Store;
  /** Not transient (a transient one settles the row as not attempted before the check). */
  readonly storeError?: BatchError;
}

/** A checked row for its store; rows with the same `key` (store and order) run one at a time. */
export interface ToApply {
  readonly source: SourceRow;
  readonly apply: CheckedRow;
  readonly store: Store;
  readonly key: string;
}

export function isDone(item: object): item is Done {
  return "outcome" in item;
}
