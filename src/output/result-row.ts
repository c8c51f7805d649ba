import { RESULT_COLUMNS } from "../input/columns.js";
import { type RowOutcome, SUCCESS_STATES } from "../types.js";

/** The results file header: the input's own column names as written, then ours (issue #2). */
export function resultHeader(inputHeader: readonly string[]): string[] {
  return [...inputHeader, ...RESULT_COLUMNS];
}

/**
 * One results record: the row's input cells as given, then what happened. Always as wide as the
 * header, so the file re-parses strictly even when the input row was ragged.
 */
export function toResultRecord(
  inputWidth: number,
  cells: readonly string[],
  outcome: RowOutcome,
): string[] {
  const record = cells.slice(0, inputWidth);
  while (record.length < inputWidth) record.push("");
  record.push(
    String(outcome.line),
    outcome.result,
    String(SUCCESS_STATES.has(outcome.result)),
    outcome.fieldsUpdated.join(";"),
    outcome.orderStatusId === undefined ? "" : String(outcome.orderStatusId),
    outcome.orderStatus ?? "",
    outcome.shipmentId === undefined ? "" : String(outcome.shipmentId),
    outcome.error ?? "",
    // The stable code of every row that did not succeed; scripts match it, not the prose.
    SUCCESS_STATES.has(outcome.result) ? "" : (outcome.errorCode ?? ""),
    outcome.message ?? "",
  );
  return record;
}
