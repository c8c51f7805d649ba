import type { ToApply } from "../apply/items.js";
import { type CheckContext, checkRow } from "../check/check-row.js";
import { normalizeTracking } from "../check/tracking.js";
import type { OrderKey } from "../resume/carry-over.js";
import type {
  AlreadyShippedPolicy,
  ShipmentGroup,
  ShipmentGroupItem,
  SourceRow,
} from "../types.js";

/**
 * Split parcels (issue 13, README "Split parcels"): rows with the same order and the same tracking
 * number (compared as carriers print them, check/tracking.ts) are ONE shipment of their items,
 * wherever they are in the file. A pass over the input before the first write finds the groups,
 * so the group's first row (file order) creates the shipment with every item, and its later rows
 * find it by its tracking number.
 *
 * Bounded: only rows that name an item (`sku`, `quantity` or `order_product_id`) are indexed, one
 * small record each (line, SKU, order_product_id, quantity, order_address_id: about 150 bytes), so
 * memory grows with the item rows of the file, never with the others (a million item rows, about
 * 150 MB). A row refused by the checks is left out (its own result is `invalid`).
 */

/** The columns that make a row an item of its shipment. */
export const ITEM_COLUMNS = ["sku", "quantity", "order_product_id"] as const;

type OrderKeyOf = (values: Readonly<Record<string, string | undefined>>) => OrderKey | undefined;

const keyOf = (order: OrderKey, tracking: string) =>
  `${order.store}|${order.id}|${normalizeTracking(tracking)}`;

/** A row names an item: one of the item columns has a value. */
function namesItem(row: SourceRow): boolean {
  return ITEM_COLUMNS.some((column) => (row.values[column]?.trim() ?? "") !== "");
}

export class ShipmentGroups {
  readonly #groups = new Map<string, { firstLine: number; items: ShipmentGroupItem[] }>();

  /** The index of `rows` (the whole input, in file order). */
  static async build(
    rows: AsyncIterable<SourceRow>,
    orderKeyOf: OrderKeyOf,
    context: CheckContext,
  ): Promise<ShipmentGroups> {
    const groups = new ShipmentGroups();
    for await (const row of rows) groups.add(row, orderKeyOf, context);
    return groups;
  }

  /** Groups found (tests and the estimate). */
  get size(): number {
    return this.#groups.size;
  }

  add(row: SourceRow, orderKeyOf: OrderKeyOf, context: CheckContext): void {
    if (!namesItem(row)) return;
    const order = orderKeyOf(row.values);
    if (order === undefined) return;
    // The status does not change the shipment, and a store's own status labels are only known once
    // its statuses are read: checked here without it.
    const { status_id: _status, ...values } = row.values;
    const checked = checkRow({ ...row, values }, context);
    const request = checked.ok ? checked.row.changes.shipment : undefined;
    if (request?.item === undefined) return;
    const key = keyOf(order, request.trackingNumber);
    let group = this.#groups.get(key);
    if (!group) {
      group = { firstLine: row.line, items: [] };
      this.#groups.set(key, group);
    }
    group.items.push({
      line: row.line,
      ...request.item,
      ...(request.orderAddressId !== undefined ? { orderAddressId: request.orderAddressId } : {}),
    });
  }

  /** The group of a checked row, if it names an item (else the row ships everything left). */
  groupOf(order: OrderKey, tracking: string): ShipmentGroup | undefined {
    return this.#groups.get(keyOf(order, tracking));
  }
}

/**
 * The run's stage that hands each shipment row what its plan needs beyond the row: its group
 * (when it names an item) and the --already-shipped policy. A row with an item that the index does
 * not hold (it cannot happen unless the file changed, which stops the run) ships its own item.
 */
export function attachShipmentPlanning(
  item: ToApply,
  groups: ShipmentGroups | undefined,
  orderKeyOf: OrderKeyOf,
  alreadyShipped: AlreadyShippedPolicy,
): ToApply {
  const request = item.apply.changes.shipment;
  if (request === undefined) return item;
  const order = orderKeyOf(item.source.values);
  const group =
    request.item === undefined
      ? undefined
      : ((order && groups?.groupOf(order, request.trackingNumber)) ?? {
          firstLine: item.source.line,
          items: [
            {
              line: item.source.line,
              ...request.item,
              ...(request.orderAddressId !== undefined
                ? { orderAddressId: request.orderAddressId }
                : {}),
            },
          ],
        });
  return {
    ...item,
    apply: {
      ...item.apply,
      changes: {
        ...item.apply.changes,
        shipment: { ...request, alreadyShipped, ...(group ? { group } : {}) },
      },
    },
  };
}
