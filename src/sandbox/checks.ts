/**
 * Pure checks of PUT /orders/{id}, POST /orders/{id}/shipments and PUT /orders/{id}/shipments/{id}
 * bodies, before any state is read.
 * Messages copy BigCommerce's where docs/bigcommerce-api.md quotes them (§1, §3, §9); the first problem wins.
 */
import { countryByCode, countryByName } from "./countries.js";
import {
  BILLING_FIELD_MAX_LENGTH,
  BILLING_FIELDS,
  CUSTOM_CARRIER_PATTERN,
  ORDER_PUT_FIELDS,
  SHIPMENT_READ_ONLY_FIELDS,
  SHIPMENT_STRING_FIELDS,
  SHIPPING_PROVIDERS,
  STAFF_NOTES_MAX_LENGTH,
  SYSTEM_STATUSES,
} from "./policy.js";
import type { BillingAddress, FormField } from "./types.js";

/** One element of a V2 error body: `[{status, message, details?}]` (docs/bigcommerce-api.md §9). */
export interface V2Error {
  status: number;
  message: string;
  details?: Record<string, unknown>;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: V2Error };

export interface OrderPatch {
  status_id?: number;
  staff_notes?: string;
  customer_message?: string;
  billing_address?: Partial<BillingAddress> & { form_fields?: FormField[] };
}

export interface ShipmentDraft {
  order_address_id: number;
  items: { order_product_id: number; quantity: number }[];
  tracking_number: string;
  shipping_provider: string;
  tracking_carrier: string;
  tracking_link: string;
  shipping_method: string;
  comments: string;
  merchant_shipping_cost: string;
}

/** PUT /orders/{id}/shipments/{shipment_id}: only the fields given change (docs/bigcommerce-api.md §12). */
export type ShipmentPatch = Partial<Omit<ShipmentDraft, "items">>;

const bad = (
  message: string,
  details?: Record<string, unknown>,
): { ok: false; error: V2Error } => ({
  ok: false,
  error: details === undefined ? { status: 400, message } : { status: 400, message, details },
});

/** docs/bigcommerce-api.md §1 (a read-only field is refused with 400). */
export const readOnlyMessage = (field: string): string =>
  `The field '${field}' cannot be written to. Please remove it from your request before trying again.`;

const invalid = (field: string, reason: string, details?: Record<string, unknown>) =>
  bad(`The field '${field}' is invalid.`, { invalid_reason: reason, ...details });

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const PUT_POLICY = new Map(Object.entries(ORDER_PUT_FIELDS));

export function checkOrderPut(body: unknown): Checked<OrderPatch> {
  if (!isObject(body)) return bad("The request body must be a JSON object.");
  const patch: OrderPatch = {};
  for (const [field, value] of Object.entries(body)) {
    const policy = PUT_POLICY.get(field);
    if (policy === undefined) return invalid(field, "The field is not a valid field of an order.");
    if (policy === "read_only") return bad(readOnlyMessage(field));
    if (policy === "unsupported") {
      return invalid(field, "The sandbox store does not support writing this field.");
    }
    if (policy === "ignore") continue;
    switch (field) {
      case "status_id":
        if (!Number.isInteger(value) || !SYSTEM_STATUSES.some((status) => status.id === value)) {
          return invalid(field, "The status ID must be an integer from 0 to 14.");
        }
        patch.status_id = value as number;
        break;
      case "staff_notes":
      case "customer_message":
        if (typeof value !== "string") return invalid(field, "The value must be a string.");
        if (value.length > STAFF_NOTES_MAX_LENGTH) {
          return invalid(field, `The value must be at most ${STAFF_NOTES_MAX_LENGTH} characters.`);
        }
        patch[field] = value;
        break;
      case "billing_address": {
        const billing = checkBillingAddress(value);
        if (!billing.ok) return billing;
        patch.billing_address = billing.value;
        break;
      }
    }
  }
  return { ok: true, value: patch };
}

const BILLING_FIELD_SET: ReadonlySet<string> = new Set(BILLING_FIELDS);

function checkBillingAddress(value: unknown): Checked<NonNullable<OrderPatch["billing_address"]>> {
  if (!isObject(value)) return invalid("billing_address", "The billing address must be an object.");
  const address: NonNullable<OrderPatch["billing_address"]> = {};
  for (const [field, fieldValue] of Object.entries(value)) {
    if (field === "form_fields") {
      if (
        !Array.isArray(fieldValue) ||
        !fieldValue.every(
          (entry) => isObject(entry) && typeof entry.name === "string" && "value" in entry,
        )
      ) {
        return invalid(
          "billing_address.form_fields",
          "form_fields must be an array of {name, value}.",
        );
      }
      address.form_fields = structuredClone(fieldValue) as FormField[];
      continue;
    }
    if (!BILLING_FIELD_SET.has(field)) {
      return invalid(
        `billing_address.${field}`,
        "The field is not a valid field of a billing address.",
      );
    }
    if (typeof fieldValue !== "string" || fieldValue.length > BILLING_FIELD_MAX_LENGTH) {
      return invalid(
        `billing_address.${field}`,
        `The value must be a string of at most ${BILLING_FIELD_MAX_LENGTH} characters.`,
      );
    }
    address[field as keyof BillingAddress] = fieldValue;
  }
  // billingAddress_Base `required: [zip]` (docs/bigcommerce-api.md §1).
  if (address.zip === undefined || address.zip.trim().length < 2) {
    return bad(
      "The billing address must include the ZIP code. The ZIP code must be two or more characters.",
      {
        invalid_reason: "zip is required",
      },
    );
  }
  if (address.email !== undefined && address.email !== "" && !EMAIL.test(address.email)) {
    return invalid("billing_address.email", "The email address is not valid.");
  }
  return resolveCountry(address);
}

/**
 * country and country_iso2 must name a known country (countries.ts); either may be given alone and
 * the other is filled in. When both are given and disagree, country_iso2 wins (docs/bigcommerce-api.md §1).
 */
function resolveCountry(
  address: NonNullable<OrderPatch["billing_address"]>,
): Checked<NonNullable<OrderPatch["billing_address"]>> {
  const { country, country_iso2: iso2 } = address;
  if (country === undefined && iso2 === undefined) return { ok: true, value: address };
  const byCode = iso2 ? countryByCode(iso2) : undefined;
  if (iso2 && byCode === undefined) {
    return invalid(
      "billing_address.country_iso2",
      "The country code is not a known ISO 3166-1 alpha-2 code.",
    );
  }
  const byName = country ? countryByName(country) : undefined;
  if (country && byName === undefined) {
    return invalid("billing_address.country", "The country is not a known country.");
  }
  const resolved = byCode ?? byName;
  if (resolved === undefined)
    return invalid("billing_address.country", "The country must not be empty.");
  // BigCommerce stores a country, not the text sent: answer with the canonical name and code.
  return { ok: true, value: { ...address, country: resolved.name, country_iso2: resolved.iso2 } };
}

export function checkShipmentPost(body: unknown): Checked<ShipmentDraft> {
  if (!isObject(body)) return bad("The request body must be a JSON object.");
  const draft: ShipmentDraft = {
    order_address_id: 0,
    items: [],
    tracking_number: "",
    shipping_provider: "",
    tracking_carrier: "",
    tracking_link: "",
    shipping_method: "None",
    comments: "",
    merchant_shipping_cost: "0.0000",
  };
  for (const [field, value] of Object.entries(body)) {
    if (SHIPMENT_READ_ONLY_FIELDS.has(field)) return bad(readOnlyMessage(field));
    if (field === "order_address_id" || field === "items") continue;
    const maxLength = SHIPMENT_STRING_FIELDS[field];
    if (maxLength === undefined)
      return invalid(field, "The field is not a valid field of a shipment.");
    if (typeof value !== "string" || value.length > maxLength) {
      return invalid(field, `The value must be a string of at most ${maxLength} characters.`);
    }
    draft[field as "tracking_number"] = value;
  }
  // shipping_provider_standard enum or carrier_{id} (V2 Orders reference).
  if (
    !Object.hasOwn(SHIPPING_PROVIDERS, draft.shipping_provider) &&
    !CUSTOM_CARRIER_PATTERN.test(draft.shipping_provider)
  ) {
    return invalid(
      "shipping_provider",
      "The shipping provider must be one of the supported providers or carrier_{id}.",
    );
  }
  const missing = ["order_address_id", "items"].filter((field) => !(field in body));
  if (missing.length > 0) return bad(`Required fields missing [${missing.join(", ")}]`);
  const addressId = body.order_address_id;
  if (!Number.isInteger(addressId) || (addressId as number) <= 0) {
    return invalid("order_address_id", "order_address_id must be a positive integer.");
  }
  draft.order_address_id = addressId as number;
  const items = body.items;
  if (!Array.isArray(items) || items.length === 0) {
    return invalid("items", "items must be a non-empty array of {order_product_id, quantity}.");
  }
  for (const item of items) {
    if (!isObject(item)) return invalid("items", "Each item must be an object.");
    for (const key of Object.keys(item)) {
      if (key === "product_id") return bad(readOnlyMessage("product_id")); // docs/bigcommerce-api.md §3
      if (key !== "order_product_id" && key !== "quantity") {
        return invalid(key, "The field is not a valid field of a shipment item.");
      }
    }
    const { order_product_id: productId, quantity } = item;
    if (!Number.isInteger(productId) || (productId as number) <= 0) {
      return invalid("order_product_id", "order_product_id must be a positive integer.");
    }
    if (!Number.isInteger(quantity) || (quantity as number) < 1) {
      return invalid("quantity", "quantity must be a positive integer.", {
        order_product_id: productId,
      });
    }
    draft.items.push({ order_product_id: productId as number, quantity: quantity as number });
  }
  return { ok: true, value: draft };
}

/**
 * orderShipment_Put (docs/bigcommerce-api.md §12): the string fields of a POST plus
 * `order_address_id`; `items` and the response-only fields "cannot be written to" (api-specs#229).
 */
export function checkShipmentPut(body: unknown): Checked<ShipmentPatch> {
  if (!isObject(body)) return bad("The request body must be a JSON object.");
  const patch: ShipmentPatch = {};
  for (const [field, value] of Object.entries(body)) {
    if (field === "items" || SHIPMENT_READ_ONLY_FIELDS.has(field))
      return bad(readOnlyMessage(field));
    if (field === "order_address_id") {
      if (!Number.isInteger(value) || (value as number) <= 0) {
        return invalid("order_address_id", "order_address_id must be a positive integer.");
      }
      patch.order_address_id = value as number;
      continue;
    }
    const maxLength = SHIPMENT_STRING_FIELDS[field];
    if (maxLength === undefined)
      return invalid(field, "The field is not a valid field of a shipment.");
    if (typeof value !== "string" || value.length > maxLength) {
      return invalid(field, `The value must be a string of at most ${maxLength} characters.`);
    }
    patch[field as "tracking_number"] = value;
  }
  if (
    patch.shipping_provider !== undefined &&
    !Object.hasOwn(SHIPPING_PROVIDERS, patch.shipping_provider) &&
    !CUSTOM_CARRIER_PATTERN.test(patch.shipping_provider)
  ) {
    return invalid(
      "shipping_provider",
      "The shipping provider must be one of the supported providers or carrier_{id}.",
    );
  }
  return { ok: true, value: patch };
}
