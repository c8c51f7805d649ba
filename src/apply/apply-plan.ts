import { setTimeout as sleep } from "node:timers/promises";
import { CredentialsRejectedError, isUnclearOutcome, OutageError } from "../api/errors.js";
import type { StoreApi } from "../api/store-api.js";
import { sameTracking } from "../check/tracking.js";
import type { BatchError } from "../errors.js";
import type { RowPlan } from "../plan/plan-row.js";
import { describeTotalsChange } from "../plan/plan-update.js";
import type { OrderState } from "../read/order-state.js";
import type {
  CheckedRow,
  Order,
  OrderPut,
  Shipment,
  ShipmentPost,
  ShipmentPut,
  UndoSource,
} from "../types.js";

/** What carrying out a plan needs; one per store. */
export interface WriteContext {
  readonly api: StoreApi;
  /**
   * Wait before re-reading shipments after a POST with an unclear outcome, so a write the server is
   * still finishing shows up in the re-read. Milliseconds.
   */
  readonly reconcileDelayMs: number;
  /** Cancels requests in flight (the end of the grace period after an interrupt). */
  readonly signal: AbortSignal;
  /** The row's status, when a prediction may have left it out of the PUT (plan.predictedStatusId). */
  readonly wantedStatusId?: number | undefined;
}

/** How far a plan got: read by the caller when a write throws, to say what was applied. */
export interface WriteProgress {
  /** `fields_updated` names applied so far. */
  readonly applied: string[];
  shipmentId?: number;
  /** The shipment this plan created, as answered. */
  created?: Shipment;
  /** The last PUT's answer: the whole order after the writes. */
  put?: Order;
  /** The order fields the PUTs applied, merged (for the undo file). */
  orderPut?: OrderPut;
  /** The shipment this plan removed, as read before (for the undo file). */
  deleted?: Shipment;
  /** The shipment this plan corrected, as read before, and what was sent (for the undo file). */
  updated?: { readonly before: Shipment; readonly body: ShipmentPut };
  /** A write was sent (from here on an unclear failure may have been applied). */
  writing: boolean;
}

/** The end of a plan carried out, or the POST whose outcome could not be told. */
export type WriteResult =
  | {
      readonly kind: "done";
      /** The order after the writes (the PUT's answer, or the read-back), else the order read before. */
      readonly after: Order | undefined;
      readonly totalsNote?: string;
    }
  | {
      readonly kind: "unknown_shipment";
      readonly body: ShipmentPost;
      readonly error: unknown;
      readonly fatal?: BatchError;
    };

/** POST attempts for one shipment when each unclear failure was followed by a re-read that found nothing. */
const SHIPMENT_ATTEMPTS = 3;

type ShipmentAttempt =
  | { readonly kind: "created"; readonly shipment: Shipment }
  | { readonly kind: "unknown"; readonly error: unknown; readonly fatal?: BatchError };

/**
 * POST a shipment without ever creating two. V2 POST is not idempotent and has no idempotency key
 * (docs/bigcommerce-api.md §5), so after an unclear failure (timeout, reset, 5xx: the write may have been applied)
 * re-read the order's shipments: a shipment with our tracking number means success; post again only
 * when it is certainly absent; when the re-read fails too, the outcome is unknown (needs_review).
 * A clear failure (4xx) is thrown: nothing was created.
 */
async function createShipmentOnce(
  api: StoreApi,
  orderId: number,
  body: ShipmentPost,
  context: WriteContext,
): Promise<ShipmentAttempt> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= SHIPMENT_ATTEMPTS; attempt++) {
    try {
      return {
        kind: "created",
        shipment: await api.createShipment(orderId, body, context.signal),
      };
    } catch (error) {
      if (!isUnclearOutcome(error)) {
        // A clear refusal of a *second* POST ("quantity … greater than … available to ship") can
        // mean the first one was applied after our re-read: look once more before failing.
        if (attempt > 1) {
          const late = await findShipment(api, orderId, body.tracking_number, context).catch(
            () => undefined,
          );
          if (late) return { kind: "created", shipment: late };
        }
        throw error;
      }
      lastError = error;
    }
    let found: Shipment | undefined;
    try {
      if (!context.signal.aborted) await sleep(context.reconcileDelayMs, undefined, context);
      found = await findShipment(api, orderId, body.tracking_number, context);
    } catch (readError) {
      return { kind: "unknown", error: lastError, ...fatalOf(readError) };
    }
    if (found) return { kind: "created", shipment: found };
    if (lastError instanceof OutageError) throw lastError;
  }
  throw lastError;
}

async function findShipment(
  api: StoreApi,
  orderId: number,
  trackingNumber: string,
  context: WriteContext,
): Promise<Shipment | undefined> {
  const shipments = await api.listShipments(orderId, context.signal);
  return shipments.find((shipment) => sameTracking(shipment.tracking_number, trackingNumber));
}

export function fatalOf(error: unknown): { fatal?: BatchError } {
  return error instanceof CredentialsRejectedError || error instanceof OutageError
    ? { fatal: error }
    : {};
}

/**
 * Carry out a plan's writes in order: the shipment once (never twice, see createShipmentOnce), then
 * the PUT; a shipment with no PUT reads the order back for its status. Throws what a write meets;
 * `progress` says what was applied by then.
 */
export async function applyPlan(
  orderId: number,
  plan: Extract<RowPlan, { ok: true }>,
  before: Order | undefined,
  context: WriteContext,
  progress: WriteProgress,
): Promise<WriteResult> {
  const { api } = context;
  progress.writing = true;
  let after = before;
  let totalsNote: string | undefined;
  for (const write of plan.writes) {
    if (write.kind === "create_shipment") {
      const attempt = await createShipmentOnce(api, orderId, write.body, context);
      if (attempt.kind === "unknown") {
        return {
          kind: "unknown_shipment",
          body: write.body,
          error: attempt.error,
          ...(attempt.fatal ? { fatal: attempt.fatal } : {}),
        };
      }
      progress.shipmentId = attempt.shipment.id;
      progress.created = attempt.shipment;
      progress.applied.push("shipment_created");
    } else if (write.kind === "delete_shipment") {
      // A 404 ("gone") means removed by an attempt whose answer was lost, or by someone else: the
      // shipment is not there either way (docs/bigcommerce-api.md §12).
      await api.deleteShipment(orderId, write.shipment.id, context.signal);
      progress.deleted = write.shipment;
      progress.applied.push("shipment_deleted");
    } else if (write.kind === "update_shipment") {
      await api.updateShipment(orderId, write.before.id, write.body, context.signal);
      progress.updated = { before: write.before, body: write.body };
      progress.applied.push(...write.fields);
    } else {
      after = await api.updateOrder(orderId, write.body, context.signal);
      progress.put = after;
      progress.orderPut = { ...progress.orderPut, ...write.body };
      progress.applied.push(...write.fields);
      if (write.body.billing_address && before) totalsNote = describeTotalsChange(before, after);
    }
  }
  // A status left out as the one the shipment sets, and a PUT whose answer shows another: set it.
  const wanted = context.wantedStatusId;
  if (
    plan.predictedStatusId !== undefined &&
    wanted !== undefined &&
    progress.put !== undefined &&
    progress.put.status_id !== wanted
  ) {
    after = await api.updateOrder(orderId, { status_id: wanted }, context.signal);
    progress.put = after;
    progress.orderPut = { ...progress.orderPut, status_id: wanted };
    progress.applied.push("status_id");
  }
  // The shipment moved the order's status (Shipped / Partially Shipped): report where it is now.
  if (plan.readBack) after = await api.getOrder(orderId, context.signal);
  return { kind: "done", after, ...(totalsNote ? { totalsNote } : {}) };
}

/**
 * The shipment a row corrects or deletes, read before planning (GET
 * /orders/{id}/shipments/{shipment_id}: it exists and belongs to this order, docs/bigcommerce-api.md
 * §12); `null` when the order has none with that id.
 */
export async function withTarget(
  row: CheckedRow,
  state: OrderState,
  api: StoreApi,
  signal: AbortSignal,
): Promise<OrderState> {
  const id = row.changes.deleteShipmentId ?? row.changes.shipmentUpdate?.shipmentId;
  if (id === undefined) return state;
  const target = await api.getShipment(row.orderId, id, signal);
  return { ...state, target: target ?? null };
}

/** What the row's writes replaced, for the undo file (output/undo.ts); undefined when none was applied. */
export function undoSourceOf(
  row: CheckedRow,
  before: Order | undefined,
  progress: WriteProgress,
): { undo?: UndoSource } {
  if (progress.applied.length === 0) return {};
  const putFields = progress.applied.filter(
    (field) =>
      field === "status_id" ||
      field === "staff_notes" ||
      field === "customer_message" ||
      field.startsWith("billing_"),
  );
  return {
    undo: {
      before,
      put: progress.orderPut ?? {},
      putFields,
      ...(progress.created ? { created: progress.created } : {}),
      ...(progress.deleted ? { deleted: progress.deleted } : {}),
      ...(progress.updated ? { updated: progress.updated } : {}),
      ...(row.credentialsId !== undefined ? { credentialsId: row.credentialsId } : {}),
    },
  };
}
