import { type Done, isDone, type Pending, type ToApply, type WithStore } from "../apply/items.js";
import { invalidOutcome, noStore, notAttempted, validOutcome } from "../apply/outcomes.js";
import type { BatchError } from "../errors.js";
import { type CheckContext, checkRow } from "./check-row.js";

/** How the check stage settles the rows it passes. */
export interface CheckStageOptions {
  /** The built-in statuses and credentials ids; a row with a store is checked against its own. */
  readonly context: CheckContext;
  /** `validate`: a row that passes ends `valid`; nothing goes on to a store. */
  readonly validateOnly: boolean;
  /** Why the run stopped, for a row that passes the check once no store can take it. */
  readonly stopError: () => BatchError | undefined;
}

/**
 * The check stage: every row against the column rules and its store's statuses (pure, check-row.ts).
 * An invalid row is settled here with its problems; a valid one goes on to its store's queue keyed
 * by store and order, so the rows of one order run one at a time, in file order.
 */
export async function* checkRows(
  items: AsyncIterable<Done | Pending | WithStore>,
  options: CheckStageOptions,
): AsyncGenerator<Done | ToApply> {
  const { context } = options;
  for await (const item of items) {
    if (isDone(item)) {
      yield item;
      continue;
    }
    const withStore = "statuses" in item ? item : undefined;
    const source = withStore ? withStore.source : (item as Pending);
    const checked = checkRow(
      source,
      withStore === undefined || withStore.statuses === context.statuses
        ? context
        : { ...context, statuses: withStore.statuses },
    );
    if (!checked.ok) yield { source, outcome: invalidOutcome(source, checked) };
    else if (options.validateOnly)
      yield { source, outcome: validOutcome(source, checked.row.orderId) };
    else if (withStore?.store === undefined) {
      const error = withStore?.storeError;
      yield {
        source,
        outcome: error
          ? noStore(source, checked.row.orderId, error)
          : notAttempted(source, checked.row.orderId, options.stopError()),
      };
    } else {
      const store = withStore.store;
      yield { source, apply: checked.row, store, key: `${store.key}|${checked.row.orderId}` };
    }
  }
}
