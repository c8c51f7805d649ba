import { COLUMNS } from "../input/columns.js";
import type { OrderState } from "../read/order-state.js";
import type { BillingField, CheckedRow, Order, ShippingAddress } from "../types.js";
import type { RowPlan } from "./plan-row.js";

/**
 * Human descriptions of a plan against the order as read (issue 12): what would change, old → new,
 * for a dry run's `message`, and what is already so, for an `unchanged` row. Pure.
 */

/** The label of a status id (the store's table), or undefined. */
export type StatusName = (id: number) => string | undefined;

const fieldOfColumn = new Map<string, BillingField>(
  COLUMNS.flatMap((column) => (column.billingField ? [[column.name, column.billingField]] : [])),
);
fieldOfColumn.set("billing_country", "country_iso2");

const characters = (text: string | undefined) => `(${(text ?? "").length} characters)`;
const shown = (text: unknown) => (text === undefined || text === "" ? '""' : String(text));

function statusLabel(id: number, names: StatusName, order?: Order): string {
  if (order && order.status_id === id && order.status) return order.status;
  return names(id) ?? `status ${id}`;
}

function describeAddress(address: ShippingAddress | undefined): string {
  if (!address) return "";
  const name = [address.first_name, address.last_name].filter(Boolean).join(" ");
  const place = [address.city, address.zip].filter(Boolean).join(" ");
  const parts = [name, place].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

/** One description per change the plan makes, old → new. */
export function describeChanges(
  plan: Extract<RowPlan, { ok: true }>,
  state: OrderState,
  names: StatusName,
): string[] {
  const order = state.order;
  const parts: string[] = [];
  for (const write of plan.writes) {
    if (write.kind === "create_shipment") {
      const count = write.body.items.reduce((sum, item) => sum + item.quantity, 0);
      const address = state.shipping?.addresses.find((a) => a.id === write.body.order_address_id);
      parts.push(
        `shipment of ${count} item${count === 1 ? "" : "s"} to address ${write.body.order_address_id}${describeAddress(address)}`,
      );
      const predicted = plan.predictedStatusId;
      if (predicted !== undefined && order && order.status_id !== predicted) {
        parts.push(
          `status ${order.status} → ${statusLabel(predicted, names)} (set by the shipment)`,
        );
      }
      continue;
    }
    if (write.kind === "delete_shipment") {
      const count = (write.shipment.items ?? []).reduce((sum, item) => sum + item.quantity, 0);
      parts.push(
        `shipment ${write.shipment.id} (tracking number ${write.shipment.tracking_number}, ${count} item${count === 1 ? "" : "s"}) removed`,
      );
      continue;
    }
    if (write.kind === "update_shipment") {
      for (const [field, value] of Object.entries(write.body)) {
        const before = write.before[field as keyof typeof write.body];
        parts.push(`shipment ${write.before.id} ${field} ${shown(before)} → ${shown(value)}`);
      }
      continue;
    }
    for (const field of write.fields) {
      if (field === "status_id" && write.body.status_id !== undefined) {
        const from = order ? `${order.status} → ` : "→ ";
        parts.push(`status ${from}${statusLabel(write.body.status_id, names)}`);
      } else if (field === "staff_notes" || field === "customer_message") {
        const from = order ? `${characters(order[field])} → ` : "→ ";
        parts.push(`${field} ${from}${characters(write.body[field])}`);
      } else {
        const billing = fieldOfColumn.get(field);
        if (!billing || !write.body.billing_address) continue;
        const from = order ? `${shown(order.billing_address[billing])} → ` : "→ ";
        parts.push(`${field} ${from}${shown(write.body.billing_address[billing])}`);
      }
    }
  }
  return parts;
}

/** What the row asks for that is already so on the order (nothing is written for it). */
export function describeAlready(
  row: CheckedRow,
  plan: Extract<RowPlan, { ok: true }>,
  state: OrderState,
  names: StatusName,
): string[] {
  const order = state.order;
  if (!order) return [];
  const written = new Set(
    plan.writes.flatMap((write) => (write.kind === "update_order" ? write.fields : [])),
  );
  // A field left as is for a conflict is described by the conflict, never as "already".
  const conflicted = new Set<string>(plan.conflicts?.map((conflict) => conflict.column));
  const { changes } = row;
  const parts: string[] = [];
  // A status the shipment is to set is described with the shipment (describeChanges).
  if (changes.statusId !== undefined && order.status_id === changes.statusId) {
    parts.push(`status already ${statusLabel(changes.statusId, names, order)}`);
  }
  if (
    changes.staffNotes !== undefined &&
    !written.has("staff_notes") &&
    !conflicted.has("staff_notes")
  ) {
    parts.push("staff_notes already as given");
  }
  if (
    changes.customerMessage !== undefined &&
    !written.has("customer_message") &&
    !conflicted.has("customer_message")
  ) {
    parts.push("customer_message already as given");
  }
  const billing = changes.billingColumns ?? [];
  if (
    changes.billing !== undefined &&
    !billing.some((column) => written.has(column) || conflicted.has(column))
  ) {
    parts.push("billing address already as given");
  }
  return parts;
}
