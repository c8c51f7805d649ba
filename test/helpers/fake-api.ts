import { HttpStatusError } from "../../src/api/errors.js";
import type { ApiStats, StoreApi } from "../../src/api/store-api.js";
import type {
  Order,
  OrderProduct,
  OrderPut,
  OrderWithConsignments,
  Shipment,
  ShipmentPost,
  ShipmentPut,
  ShippingAddress,
} from "../../src/types.js";
import { order as makeOrder } from "./rows.js";

type Method = keyof Omit<StoreApi, "stats">;

/**
 * A scripted in-memory StoreApi for unit tests of the apply step (octokit-style fake transport):
 * every call is logged; `failNext(method, error, { applied })` makes the next call of a method throw,
 * optionally after applying the write (the "applied, then 502" case).
 */
export class FakeStore implements StoreApi {
  readonly stats: ApiStats = { requests: 0, rateLimited: 0, retries: 0 };
  readonly log: string[] = [];
  readonly orders = new Map<number, Order>();
  readonly addresses = new Map<number, ShippingAddress[]>();
  readonly products = new Map<number, OrderProduct[]>();
  readonly shipments = new Map<number, Shipment[]>();
  readonly #failures: { method: Method; error: unknown; applied: boolean; after: number }[] = [];
  #nextShipmentId = 1000;

  addOrder(
    id: number,
    over: Partial<Order> = {},
    shipping?: { addresses: number[]; products: Partial<OrderProduct>[] },
  ) {
    this.orders.set(id, makeOrder({ id, ...over }));
    this.addresses.set(
      id,
      (shipping?.addresses ?? []).map((addressId) => ({ id: addressId, order_id: id })),
    );
    this.products.set(
      id,
      (shipping?.products ?? []).map((p, i) => ({
        id: i + 1,
        order_id: id,
        order_address_id: shipping?.addresses[0] ?? 0,
        type: "physical",
        quantity: 1,
        quantity_shipped: 0,
        ...p,
      })),
    );
    this.shipments.set(id, []);
  }

  /** The next call of `method` (after letting `after` calls through) throws `error`, optionally after applying the write. */
  failNext(method: Method, error: unknown, options: { applied?: boolean; after?: number } = {}) {
    this.#failures.push({
      method,
      error,
      applied: options.applied ?? false,
      after: options.after ?? 0,
    });
  }

  async #call<T>(method: Method, description: string, work: () => T): Promise<T> {
    this.stats.requests++;
    this.log.push(description);
    const index = this.#failures.findIndex(
      (failure) => failure.method === method && failure.after-- <= 0,
    );
    if (index >= 0) {
      const [failure] = this.#failures.splice(index, 1);
      if (failure?.applied) work();
      throw failure?.error;
    }
    return work();
  }

  #need<T>(map: Map<number, T>, id: number): T {
    const found = map.get(id);
    if (found === undefined) {
      throw new HttpStatusError(
        { method: "GET", path: `/orders/${id}` },
        404,
        "The requested resource was not found.",
      );
    }
    return found;
  }

  getOrder(id: number) {
    return this.#call("getOrder", `GET /orders/${id}`, () => {
      const found = this.orders.get(id);
      return found ? structuredClone(found) : undefined;
    });
  }
  /** The order with its consignments, built from the maps like the sandbox builds them (§6). */
  #withConsignments(id: number): OrderWithConsignments | undefined {
    const found = this.orders.get(id);
    if (!found) return undefined;
    const products = this.products.get(id) ?? [];
    const shipping = (this.addresses.get(id) ?? []).map((address) => {
      const lines = products.filter(
        (p) => p.type === "physical" && p.order_address_id === address.id,
      );
      return {
        ...address,
        items_total: lines.reduce((sum, p) => sum + p.quantity, 0),
        items_shipped: lines.reduce((sum, p) => sum + p.quantity_shipped, 0),
        line_items: lines,
      };
    });
    return structuredClone({
      ...found,
      items_total: products.reduce((sum, p) => sum + p.quantity, 0),
      items_shipped: products.reduce((sum, p) => sum + p.quantity_shipped, 0),
      consignments: { pickups: [], shipping, downloads: [] },
    });
  }
  getOrderWithConsignments(id: number) {
    return this.#call("getOrderWithConsignments", `GET /orders/${id}?include`, () =>
      this.#withConsignments(id),
    );
  }
  listOrdersInRange(minId: number, maxId: number, page: number) {
    return this.#call("listOrdersInRange", `GET /orders?min_id=${minId}&max_id=${maxId}`, () =>
      page > 1
        ? []
        : [...this.orders.keys()]
            .filter((id) => id >= minId && id <= maxId)
            .sort((a, b) => a - b)
            .flatMap((id) => this.#withConsignments(id) ?? []),
    );
  }
  latestOrder() {
    return this.#call("latestOrder", "GET /orders", () => {
      const ids = [...this.orders.keys()].sort((a, b) => b - a);
      return ids[0] === undefined ? undefined : structuredClone(this.orders.get(ids[0]));
    });
  }
  listOrderStatuses() {
    return this.#call("listOrderStatuses", "GET /order_statuses", () => []);
  }
  listProducts(id: number) {
    return this.#call("listProducts", `GET /orders/${id}/products`, () =>
      structuredClone(this.#need(this.products, id)),
    );
  }
  listShippingAddresses(id: number) {
    return this.#call("listShippingAddresses", `GET /orders/${id}/shipping_addresses`, () =>
      structuredClone(this.#need(this.addresses, id)),
    );
  }
  listShipments(id: number) {
    return this.#call("listShipments", `GET /orders/${id}/shipments`, () =>
      structuredClone(this.#need(this.shipments, id)),
    );
  }
  updateOrder(id: number, body: OrderPut) {
    return this.#call("updateOrder", `PUT /orders/${id} ${JSON.stringify(body)}`, () => {
      const current = this.#need(this.orders, id);
      const { billing_address, ...rest } = body;
      Object.assign(current, rest);
      if (billing_address) {
        Object.assign(current.billing_address, billing_address);
        if (billing_address.country_iso2 === "ES") {
          current.total_tax = "21.0000";
          current.total_inc_tax = "121.0000";
        }
      }
      if (body.status_id !== undefined) current.status = `status ${body.status_id}`;
      return structuredClone(current);
    });
  }
  createShipment(id: number, body: ShipmentPost) {
    return this.#call(
      "createShipment",
      `POST /orders/${id}/shipments ${JSON.stringify(body)}`,
      () => {
        const created: Shipment = {
          id: this.#nextShipmentId++,
          order_id: id,
          order_address_id: body.order_address_id,
          tracking_number: body.tracking_number,
          items: body.items,
        };
        this.#need(this.shipments, id).push(created);
        for (const item of body.items) {
          const line = this.#need(this.products, id).find((p) => p.id === item.order_product_id);
          if (line) line.quantity_shipped += item.quantity;
        }
        const current = this.#need(this.orders, id);
        current.status_id = 2;
        current.status = "Shipped";
        return structuredClone(created);
      },
    );
  }
  getShipment(id: number, shipmentId: number) {
    return this.#call("getShipment", `GET /orders/${id}/shipments/${shipmentId}`, () => {
      const found = this.shipments.get(id)?.find((s) => s.id === shipmentId);
      return found ? structuredClone(found) : undefined;
    });
  }
  updateShipment(id: number, shipmentId: number, body: ShipmentPut) {
    return this.#call(
      "updateShipment",
      `PUT /orders/${id}/shipments/${shipmentId} ${JSON.stringify(body)}`,
      () => {
        const found = this.#need(this.shipments, id).find((s) => s.id === shipmentId);
        if (!found) this.#need(new Map<number, never>(), id);
        Object.assign(found as Shipment, body);
        return structuredClone(found as Shipment);
      },
    );
  }
  deleteShipment(id: number, shipmentId: number) {
    return this.#call("deleteShipment", `DELETE /orders/${id}/shipments/${shipmentId}`, () => {
      const list = this.#need(this.shipments, id);
      const at = list.findIndex((s) => s.id === shipmentId);
      if (at < 0) return "gone" as const;
      const [gone] = list.splice(at, 1);
      for (const item of gone?.items ?? []) {
        const line = this.#need(this.products, id).find((p) => p.id === item.order_product_id);
        if (line) line.quantity_shipped -= item.quantity;
      }
      return "deleted" as const;
    });
  }
}
