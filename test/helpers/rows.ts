import {
  type CheckedRow,
  type Order,
  type OrderProduct,
  type RowChanges,
  type RowOutcome,
  type RowResultState,
  type Shipment,
  type ShippingAddress,
  SUCCESS_STATES,
} from "../../src/types.js";

/** Builders in the changesets test-utils style: sensible defaults, override what the test is about. */
export function checkedRow(changes: RowChanges, over: Partial<CheckedRow> = {}): CheckedRow {
  return { index: 1, line: 2, orderId: 100, changes, ...over };
}

export function order(over: Partial<Order> = {}): Order {
  return {
    id: 100,
    status_id: 11,
    status: "Awaiting Fulfillment",
    staff_notes: "",
    customer_message: "",
    billing_address: {
      first_name: "John",
      last_name: "Smith",
      company: "",
      street_1: "123 Main Street",
      street_2: "",
      city: "Austin",
      state: "Texas",
      zip: "78751",
      country: "United States",
      country_iso2: "US",
      phone: "555-0100",
      email: "john@example.com",
      form_fields: [],
    },
    subtotal_ex_tax: "100.0000",
    subtotal_inc_tax: "100.0000",
    total_ex_tax: "100.0000",
    total_inc_tax: "100.0000",
    total_tax: "0.0000",
    ...over,
  };
}

export function product(over: Partial<OrderProduct> = {}): OrderProduct {
  return {
    id: 1,
    order_id: 100,
    order_address_id: 10,
    type: "physical",
    quantity: 1,
    quantity_shipped: 0,
    ...over,
  };
}

export function address(id: number): ShippingAddress {
  return { id, order_id: 100 };
}

export function shipment(over: Partial<Shipment> = {}): Shipment {
  return { id: 500, order_id: 100, order_address_id: 10, tracking_number: "1Z1", ...over };
}

/**
 * An outcome of any result for tests: a row that did not succeed gets a code and a reason unless
 * `extra` gives its own (the RowOutcome union requires them).
 */
export function outcomeOf(result: RowResultState, extra: Partial<RowOutcome> = {}): RowOutcome {
  const failure = SUCCESS_STATES.has(result) ? {} : { errorCode: "E_HTTP_STATUS", error: "test" };
  return { index: 1, line: 2, result, fieldsUpdated: [], ...failure, ...extra } as RowOutcome;
}
