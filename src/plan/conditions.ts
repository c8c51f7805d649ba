import { sameTracking } from "../check/tracking.js";
import { COLUMNS } from "../input/columns.js";
import type {
  BillingAddress,
  BillingField,
  CheckedRow,
  ColumnName,
  Order,
  RowChanges,
  Shipment,
} from "../types.js";

/**
 * Conditional updates (issue 15): a row's `expect_…` values guard the fields of the same name. A
 * field is written only while it still holds the value the row expects (for an undo file: the value
 * the run wrote), so an undo never overwrites someone else's change. Per field, in this order:
 *
 * 1. the field already holds the row's value: nothing to write, no conflict (a second run of an
 *    undo file is `unchanged`);
 * 2. it holds the expected value: written;
 * 3. it holds anything else: left as is, and the row's result is `conflict` (E_CONFLICT), naming
 *    both values. The row's other fields are written as usual.
 *
 * Pure: the order and the shipment are as read before the row's first write.
 */

/** A field left as is because it no longer holds the expected value. */
export interface Conflict {
  readonly column: ColumnName;
  readonly expected: string;
  readonly found: string;
}

export interface Guarded {
  /** The row without the fields in conflict. */
  readonly row: CheckedRow;
  readonly conflicts: readonly Conflict[];
}

const fieldOfColumn = new Map<ColumnName, BillingField>(
  COLUMNS.flatMap((column) =>
    column.billingField ? [[column.name, column.billingField] as const] : [],
  ),
);
fieldOfColumn.set("billing_country", "country_iso2");

const textOf = (value: unknown): string =>
  value === undefined || value === null ? "" : String(value);
const sameText = (a: unknown, b: unknown) => textOf(a) === textOf(b);
/** Billing values as the planner compares them: the country by its code, any case. */
function sameBilling(column: ColumnName, a: unknown, b: unknown): boolean {
  return column === "billing_country"
    ? textOf(a).toUpperCase() === textOf(b).toUpperCase()
    : sameText(a, b);
}

/** Drop the fields in conflict from a row: the plan then never writes them. */
export function guardRow(
  row: CheckedRow,
  order: Order | undefined,
  target: Shipment | null | undefined,
): Guarded {
  const expect = row.changes.expect;
  if (expect === undefined) return { row, conflicts: [] };
  const conflicts: Conflict[] = [];
  const changes: { -readonly [K in keyof RowChanges]: RowChanges[K] } = { ...row.changes };
  // Without the order read nothing can be compared: every guarded field is left as is.
  const unknown = "(the order was not read)";

  if (expect.statusId !== undefined && changes.statusId !== undefined) {
    const current = order?.status_id;
    if (current !== changes.statusId && current !== expect.statusId) {
      conflicts.push({
        column: "status_id",
        expected: String(expect.statusId),
        found: current === undefined ? unknown : String(current),
      });
      delete changes.statusId;
    }
  }
  for (const [column, key, wanted] of [
    ["staff_notes", "staffNotes", expect.staffNotes],
    ["customer_message", "customerMessage", expect.customerMessage],
  ] as const) {
    const value = changes[key];
    if (wanted === undefined || value === undefined) continue;
    const current = order?.[column];
    if (order !== undefined && (sameText(current, value) || sameText(current, wanted))) continue;
    conflicts.push({
      column,
      expected: wanted,
      found: order === undefined ? unknown : textOf(current),
    });
    delete changes[key];
  }
  if (expect.billing !== undefined && changes.billing !== undefined) {
    const billing: Partial<BillingAddress> = { ...changes.billing };
    const columns = [...(changes.billingColumns ?? [])];
    for (const [name, wanted] of Object.entries(expect.billing)) {
      const column = name as ColumnName;
      const field = fieldOfColumn.get(column);
      if (wanted === undefined || field === undefined || !columns.includes(column)) continue;
      const value = billing[field];
      const current = order?.billing_address[field];
      if (
        order !== undefined &&
        (sameBilling(column, current, value) || sameBilling(column, current, wanted))
      ) {
        continue;
      }
      conflicts.push({
        column,
        expected: wanted,
        found: order === undefined ? unknown : textOf(current),
      });
      delete billing[field];
      if (field === "country_iso2") delete billing.country;
      columns.splice(columns.indexOf(column), 1);
    }
    if (columns.length === 0) {
      delete changes.billing;
      delete changes.billingColumns;
    } else {
      changes.billing = billing;
      changes.billingColumns = columns;
    }
  }
  if (expect.trackingNumber !== undefined && target) {
    const current = target.tracking_number;
    const update = changes.shipmentUpdate;
    const already =
      update?.fields.tracking_number !== undefined &&
      sameTracking(current, update.fields.tracking_number);
    if (!already && !sameTracking(current, expect.trackingNumber)) {
      conflicts.push({
        column: "tracking_number",
        expected: expect.trackingNumber,
        found: current,
      });
      delete changes.deleteShipmentId;
      delete changes.shipmentUpdate;
    }
  }
  return { row: conflicts.length === 0 ? row : { ...row, changes }, conflicts };
}

const SHOWN = 40;
function shown(text: string): string {
  const cut = text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text;
  return JSON.stringify(cut);
}

/** The `error` of a conflict row: every field left as is, with the value expected and found. */
export function describeConflicts(
  conflicts: readonly Conflict[],
  statusName: (id: number) => string | undefined = () => undefined,
): string {
  const status = (text: string) => {
    const name = /^\d+$/.test(text) ? statusName(Number(text)) : undefined;
    return name === undefined ? text : `${text} (${name})`;
  };
  const parts = conflicts.map((conflict) => {
    const both =
      conflict.column === "status_id"
        ? `expected ${status(conflict.expected)}, found ${status(conflict.found)}`
        : `expected ${shown(conflict.expected)}, found ${shown(conflict.found)}`;
    return `${conflict.column}: ${both}`;
  });
  return `changed since (left as is): ${parts.join("; ")}`;
}
