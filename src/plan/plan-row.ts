import { sameTracking } from "../check/tracking.js";
import type { OrderState } from "../read/order-state.js";
import { statusAfterShipment } from "../read/snapshot.js";
import type {
  CheckedRow,
  OrderPut,
  Shipment,
  ShipmentPost,
  ShipmentPut,
  ShipmentUpdateRequest,
} from "../types.js";
import { type Conflict, guardRow } from "./conditions.js";
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
      /** Remove a shipment (docs/bigcommerce-api.md §12): the order's status stays as it is. */
      readonly kind: "delete_shipment";
      readonly method: "DELETE";
      readonly path: string;
      readonly shipment: Shipment;
    }
  | {
      /** Correct an existing shipment: only the fields that differ; never `items` (§12). */
      readonly kind: "update_shipment";
      readonly method: "PUT";
      readonly path: string;
      readonly body: ShipmentPut;
      readonly before: Shipment;
      /** Names for `fields_updated` (input column names: tracking_number, shipment_comments, …). */
      readonly fields: readonly string[];
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
      /** Said of `existing` instead of "already exists": a split parcel's later row, another app's shipment. */
      readonly existingNote?: string;
      /** The order was already shipped under another tracking number: result `already_shipped`. */
      readonly alreadyShipped?: true;
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
      /** Fields left as is: they no longer hold the row's expect_… value (plan/conditions.ts). */
      readonly conflicts?: readonly Conflict[];
      /** delete_shipment_id names no shipment of the order: nothing to delete. */
      readonly missingShipment?: number;
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
  const guarded = guardRow(row, state.order, state.target);
  // The row without its conflicting fields is what is planned (plan/conditions.ts).
  row = guarded.row;
  const writes: PlannedWrite[] = [];
  let existing: Shipment | undefined;
  let missingShipment: number | undefined;
  let existingNote: string | undefined;
  let alreadyShipped = false;
  let predictedStatusId: 2 | 3 | undefined;
  const request = row.changes.shipment;
  if (request && state.shipping) {
    const { shipments, addresses, products } = state.shipping;
    const shipment = planShipment(request, shipments, addresses, products);
    if (!shipment.ok) return { ok: false, code: shipment.code, message: shipment.message };
    if (shipment.kind === "exists") {
      existing = shipment.shipment;
      existingNote = shipment.note;
      alreadyShipped = shipment.byAnother === true;
    } else {
      writes.push({
        kind: "create_shipment",
        method: "POST",
        path: `/orders/${row.orderId}/shipments`,
        body: shipment.body,
      });
      if (options.predict) predictedStatusId = statusAfterShipment(products, shipment.body);
    }
  }
  const removal = row.changes.deleteShipmentId;
  if (removal !== undefined) {
    if (state.target) {
      writes.push({
        kind: "delete_shipment",
        method: "DELETE",
        path: `/orders/${row.orderId}/shipments/${removal}`,
        shipment: state.target,
      });
    } else missingShipment = removal;
  }
  const correction = row.changes.shipmentUpdate;
  if (correction !== undefined) {
    if (!state.target) {
      return {
        ok: false,
        code: "E_SHIPMENT_NOT_FOUND",
        message: `order ${row.orderId} has no shipment ${correction.shipmentId} (expected the id of one of its shipments: the results' shipment_id of the run that created it)`,
      };
    }
    const update = planShipmentUpdate(correction, state.target);
    if (update) {
      writes.push({
        kind: "update_shipment",
        method: "PUT",
        path: `/orders/${row.orderId}/shipments/${correction.shipmentId}`,
        body: update.body,
        before: state.target,
        fields: update.fields,
      });
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
    ...(existingNote !== undefined ? { existingNote } : {}),
    ...(alreadyShipped ? { alreadyShipped: true as const } : {}),
    readBack: creates && put.body === undefined && predictedStatusId === undefined,
    ...(predictedStatusId !== undefined ? { predictedStatusId } : {}),
    ...(guarded.conflicts.length > 0 ? { conflicts: guarded.conflicts } : {}),
    ...(missingShipment !== undefined ? { missingShipment } : {}),
  };
}

/** orderShipment_Put fields → the input columns that set them, in column order. */
const SHIPMENT_PUT_COLUMNS: readonly (readonly [keyof ShipmentPut, string])[] = [
  ["tracking_number", "tracking_number"],
  ["shipping_provider", "shipping_provider"],
  ["tracking_carrier", "tracking_carrier"],
  ["tracking_link", "tracking_link"],
  ["shipping_method", "shipping_method"],
  ["comments", "shipment_comments"],
];

/** The fields of a correction that differ from the shipment as read; undefined when none do. */
export function planShipmentUpdate(
  request: ShipmentUpdateRequest,
  current: Shipment,
): { readonly body: ShipmentPut; readonly fields: readonly string[] } | undefined {
  const body: ShipmentPut = {};
  const fields: string[] = [];
  for (const [field, column] of SHIPMENT_PUT_COLUMNS) {
    const wanted = request.fields[field];
    if (wanted === undefined) continue;
    const now = current[field] ?? "";
    const same = field === "tracking_number" ? sameTracking(now, wanted) : now === wanted;
    if (same) continue;
    body[field] = wanted;
    fields.push(column);
  }
  return fields.length > 0 ? { body, fields } : undefined;
}

/** The `fields_updated` names a plan would apply: shipment_created first, then the PUT's fields. */
export function plannedFields(plan: { readonly writes: readonly PlannedWrite[] }): string[] {
  return plan.writes.flatMap((write) =>
    write.kind === "create_shipment"
      ? ["shipment_created"]
      : write.kind === "delete_shipment"
        ? ["shipment_deleted"]
        : [...write.fields],
  );
}
