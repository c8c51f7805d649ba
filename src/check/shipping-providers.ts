import { findCarrier } from "./carriers.js";

/**
 * Shipment carrier values: `shipping_provider` (BigCommerce's own enum) and `tracking_carrier`
 * (an AfterShip courier slug). Policy as data: the accepted values and common spellings are tables.
 */

/**
 * Values BigCommerce accepts for `shipping_provider` (orders.v2 `shipping_provider_standard`, docs/bigcommerce-api.md §3),
 * including "" (no provider, still sent so the email carries a tracking link). `carrier_<id>` (a third-party
 * shipping-provider app) is accepted too, see CARRIER_PROVIDER_PATTERN.
 */
export const SHIPPING_PROVIDERS: readonly string[] = [
  "auspost",
  "canadapost",
  "endicia",
  "usps",
  "fedex",
  "ups",
  "upsready",
  "upsonline",
  "shipperhq",
  "royalmail",
  "",
];

/** `carrier_{your_carrier_id}` of a third-party shipping provider (orders.v2 `shipping_provider_custom`). */
export const CARRIER_PROVIDER_PATTERN = /^carrier_([A-Za-z0-9][A-Za-z0-9_-]{0,99})$/i;

/**
 * Other spellings of the providers, keyed by the lower-case text with spaces, dots, "-" and "_" removed
 * (so "U.S.P.S.", "Fed-Ex" and "Royal Mail" all reach their entry). Each provider's own value is added below.
 */
const PROVIDER_ALIASES = {
  federalexpress: "fedex",
  unitedparcelservice: "ups",
  unitedstatespostalservice: "usps",
  australiapost: "auspost",
  australianpost: "auspost",
} as const;

const providerByKey = new Map<string, string>(Object.entries(PROVIDER_ALIASES));
for (const provider of SHIPPING_PROVIDERS) providerByKey.set(provider, provider);

const PROVIDER_KEY_STRIP = /[\s._-]+/g;

/**
 * The BigCommerce `shipping_provider` value `text` names ("UPS" → "ups", "Royal Mail" → "royalmail",
 * "carrier_42" kept, "" → ""), or undefined when it is not a provider BigCommerce knows.
 */
export function normalizeShippingProvider(text: string): string | undefined {
  const trimmed = text.trim();
  const carrier = CARRIER_PROVIDER_PATTERN.exec(trimmed);
  // The carrier id belongs to the app that registered it, so only the prefix is normalised.
  if (carrier !== null) return `carrier_${carrier[1]}`;
  return providerByKey.get(trimmed.toLowerCase().replace(PROVIDER_KEY_STRIP, ""));
}

const CARRIER_SPACES = /\s+/g;
const CARRIER_SLUG = /^[a-z0-9][a-z0-9-]*$/;

/**
 * The AfterShip courier slug for `text`: a name of the carrier table ("Royal Mail" → "royal-mail", "DHL Express" → "dhl"),
 * else the text lower-cased with spaces as "-" ("Poste Italiane" → "poste-italiane"); "" → "".
 * Undefined when the result is not a slug (only a-z, 0-9 and "-", starting with a letter or digit).
 */
export function normalizeTrackingCarrier(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return "";
  const lower = trimmed.toLowerCase();
  // Carrier and service names of the carrier table (carriers.ts): "Royal Mail", "UPS Ground", "stamps_com".
  const alias = findCarrier(trimmed)?.carrier.slug;
  if (alias != null) return alias;
  const slug = lower.replace(CARRIER_SPACES, "-");
  return CARRIER_SLUG.test(slug) ? slug : undefined;
}
