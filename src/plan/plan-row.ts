import type { OrderState } from "../read/order-state.js";
import { statusAfterShipment } from "../read/snapshot.js";
import type { CheckedRow, OrderPut, Shipment, ShipmentPost } from "../types.js";
import { planPut, planShipment } from "./plan-update.js";

/** One write of a plan: the exact request, as a value (a dry run shows it, a test asserts it). */
export type PlannedWrite =
  | {
      readonly kind: "create_shipment";
      readonly method: "POST";
      readonly path: string;
      readonly body: ShipmentPost;
    }
  | {
      readonly kind: "update_order";
      readonly method: "PUT";
      readonly path: string;
      readonly body: OrderPut;
      /** Names for `fields_updated`, in column order. */
      readonly fields: readonly string[];
    };

/** What applying a row will do, decided before its first write. */
export type RowPlan =
  | {
      readonly ok: true;
      /** In order: the shipment first, the PUT last (docs/bigcommerce-api.md §10). */
      readonly writes: readonly PlannedWrite[];
      /** A shipment with the row's tracking number that exists already: none is created. */
      readonly existing?: Shipment;
      /**
       * After a shipment with no PUT, read the order back to report the status the shipment left
       * it in (the docs do not confirm that a shipment moves the status: §10).
       */
      readonly readBack: boolean;
      /**
       * Bulk reads (`predict`): the status the shipment is expected to set (Shipped, or Partially
       * Shipped when lines are left: docs/bigcommerce-api.md §10). The PUT leaves out a status equal
       * to it; the caller reads the order back and PUTs the row's status only if the read-back
       * shows another one.
       */
      readonly predictedStatusId?: 2 | 3;
    }
  | {
      /** The row cannot be applied to this order; nothing of it is written. */
      readonly ok: false;
      readonly code: string;
      readonly message: string;
    };

/**
 * Plan a checked row against what was read of its order: pure, no I/O. The requests are the
 * plan's values; apply/apply-plan.ts only carries them out.
 */
export function planRow(
  row: CheckedRow,
  state: OrderState,
  options: { readonly predict?: boolean } = {},
): RowPlan {
  const writes: PlannedWrite[] = [];
  let existing: Shipment | undefined;
  let predictedStatusId: 2 | 3 | undefined;
  const request = row.changes.shipment;
  if (request && state.shipping) {
    const { shipments, addresses, products } = state.shipping;
    const shipment = planShipment(request, shipments, addresses, products);
    if (!shipment.ok) return { ok: false, code: shipment.code, message: shipment.message };
    if (shipment.kind === "exists") existing = shipment.shipment;
    else {
      writes.push({
        kind: "create_shipment",
        method: "POST",
        path: `/orders/${row.orderId}/shipments`,
        body: shipment.body,
      });
      if (options.predict) predictedStatusId = statusAfterShipment(products, shipment.body);
    }
  }
  // With a prediction, a status equal to the one the shipment sets is not sent (a second
  // "Shipped" email, docs/bigcommerce-api.md §10, §11); the read-back verifies it.
  const put = planPut(
    row,
    predictedStatusId !== undefined && state.order
      ? { ...state.order, status_id: predictedStatusId }
      : state.order,
  );
  if (put.body) {
    writes.push({
      kind: "update_order",
      method: "PUT",
      path: `/orders/${row.orderId}`,
      body: put.body,
      fields: put.fields,
    });
  }
  const creates = writes.some((write) => write.kind === "create_shipment");
  return {
    ok: true,
    writes,
    ...(existing ? { existing } : {}),
    readBack: creates && put.body === undefined && predictedStatusId === undefined,
    ...(predictedStatusId !== undefined ? { predictedStatusId } : {}),
  };
}

/** The `fields_updated` names a plan would apply: shipment_created first, then the PUT's fields. */
export function plannedFields(plan: { readonly writes: readonly PlannedWrite[] }): string[] {
  return plan.writes.flatMap((write) =>
    write.kind === "create_shipment" ? ["shipment_created"] : [...write.fields],
  );
}
