/**
 * Carrier and service names as shipping tools export them, mapped to what a BigCommerce shipment
 * takes: `shipping_provider` (BigCommerce's enum, docs/bigcommerce-api.md §3) and
 * `tracking_carrier` (an AfterShip courier slug, https://www.aftership.com/couriers). Policy as
 * data: the `carrier` column, and shipping_provider/tracking_carrier values that are not already
 * BigCommerce values, are looked up here. The README's carrier table is checked against it.
 *
 * Spellings come from shipping tools' exports (ShipStation carrier codes such as `stamps_com`,
 * `ups_walleted`; service names such as "UPS® Ground"), gathered from public export parsers, no
 * single source (docs/bigcommerce-api.md §12).
 */

export interface Carrier {
  /** Display name, used in messages and the README. */
  readonly name: string;
  /** BigCommerce `shipping_provider`: "" when BigCommerce has none (DHL, OnTrac, …, §12). */
  readonly provider: string;
  /**
   * AfterShip slug for `tracking_carrier`, which gives the customer email a tracking link; null
   * when no slug is known (such a row needs a tracking_link).
   */
  readonly slug: string | null;
  /** Carrier names and codes. */
  readonly names: readonly string[];
  /** Service names: they name the carrier and also fill `shipping_method` when it is empty. */
  readonly services: readonly string[];
}

export const CARRIERS: readonly Carrier[] = [
  {
    name: "UPS",
    provider: "ups",
    slug: "ups",
    names: ["UPS", "United Parcel Service", "ups_walleted", "UPS by ShipStation"],
    services: [
      "UPS Ground",
      "UPS Ground Saver",
      "UPS Standard",
      "UPS 3 Day Select",
      "UPS 2nd Day Air",
      "UPS 2nd Day Air AM",
      "UPS Next Day Air",
      "UPS Next Day Air Saver",
      "UPS Next Day Air Early",
      "UPS SurePost",
      "UPS Worldwide Express",
      "UPS Worldwide Expedited",
      "UPS Worldwide Saver",
    ],
  },
  {
    name: "USPS",
    provider: "usps",
    slug: "usps",
    // Endicia and Stamps.com sell USPS postage: the parcel is tracked by USPS.
    names: [
      "USPS",
      "United States Postal Service",
      "US Postal Service",
      "U.S. Postal Service",
      "stamps_com",
      "Stamps.com",
      "endicia",
    ],
    services: [
      "USPS Priority",
      "USPS Priority Mail",
      "Priority Mail",
      "USPS Priority Mail Express",
      "Priority Mail Express",
      "USPS Ground Advantage",
      "Ground Advantage",
      "USPS First Class Mail",
      "USPS First-Class Package Service",
      "First-Class Package Service",
      "USPS Parcel Select",
      "USPS Parcel Select Ground",
      "USPS Media Mail",
      "USPS Priority Mail International",
      "USPS First Class Package International",
    ],
  },
  {
    name: "FedEx",
    provider: "fedex",
    slug: "fedex",
    names: ["FedEx", "Federal Express", "fedex_walleted", "FedEx by ShipStation"],
    services: [
      "FedEx Ground",
      "FedEx Home Delivery",
      "FedEx Ground Economy",
      "FedEx SmartPost",
      "FedEx Express Saver",
      "FedEx 2Day",
      "FedEx 2Day AM",
      "FedEx Standard Overnight",
      "FedEx Priority Overnight",
      "FedEx First Overnight",
      "FedEx International Priority",
      "FedEx International Economy",
    ],
  },
  {
    name: "DHL Express",
    provider: "",
    slug: "dhl",
    names: ["DHL", "DHL Express", "dhl_express", "dhl_express_worldwide", "DHL Express Worldwide"],
    services: ["DHL Express Worldwide Express", "DHL Express 12:00", "DHL Express Economy Select"],
  },
  {
    name: "DHL eCommerce",
    provider: "",
    slug: "dhl-global-mail",
    names: ["DHL eCommerce", "dhl_ecommerce", "DHL Global Mail", "dhl_global_mail"],
    services: [
      "DHL Parcel Ground",
      "DHL Parcel Expedited",
      "DHL Parcel Expedited Max",
      "DHL SmartMail Parcel Plus",
    ],
  },
  {
    name: "Canada Post",
    provider: "canadapost",
    slug: "canada-post",
    names: ["Canada Post", "canada_post", "Postes Canada"],
    services: [
      "Canada Post Regular Parcel",
      "Canada Post Expedited Parcel",
      "Canada Post Xpresspost",
      "Canada Post Priority",
    ],
  },
  {
    name: "Australia Post",
    provider: "auspost",
    slug: "australia-post",
    names: ["Australia Post", "Australian Post", "auspost", "australia_post"],
    services: ["Australia Post Parcel Post", "Australia Post Express Post"],
  },
  {
    name: "Royal Mail",
    provider: "royalmail",
    slug: "royal-mail",
    names: ["Royal Mail", "royal_mail"],
    services: [
      "Royal Mail 1st Class",
      "Royal Mail 2nd Class",
      "Royal Mail Tracked 24",
      "Royal Mail Tracked 48",
      "Royal Mail Special Delivery",
    ],
  },
  { name: "OnTrac", provider: "", slug: "ontrac", names: ["OnTrac", "On Trac"], services: [] },
  { name: "LaserShip", provider: "", slug: "lasership", names: ["LaserShip"], services: [] },
  { name: "Purolator", provider: "", slug: "purolator", names: ["Purolator"], services: [] },
  { name: "Parcelforce", provider: "", slug: "parcelforce", names: ["Parcelforce"], services: [] },
  {
    name: "Deutsche Post",
    provider: "",
    slug: "deutsch-post",
    names: ["Deutsche Post"],
    services: [],
  },
  {
    name: "La Poste Colissimo",
    provider: "",
    slug: "la-poste-colissimo",
    names: ["La Poste", "Colissimo"],
    services: [],
  },
  // GlobalPost hands parcels to the destination's postal service: no one AfterShip courier.
  { name: "GlobalPost", provider: "", slug: null, names: ["GlobalPost"], services: [] },
];

/**
 * A carrier or service name as looked up: lower case without spaces, dots, dashes, underscores
 * and trademark signs ("UPS® Ground" → "upsground", "stamps_com" → "stampscom"). Other
 * punctuation stays, so "UPS!" or "ups/fedex" name no carrier.
 */
export function carrierKey(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s._\-\u2010-\u2015®™©]+/g, "");
}

export interface CarrierMatch {
  readonly carrier: Carrier;
  /** The service name, when the text named one (for `shipping_method`). */
  readonly service?: string;
}

const byKey = new Map<string, CarrierMatch>();
for (const carrier of CARRIERS) {
  byKey.set(carrierKey(carrier.provider === "" ? carrier.name : carrier.provider), { carrier });
  for (const name of [carrier.name, ...carrier.names]) byKey.set(carrierKey(name), { carrier });
  for (const service of carrier.services) byKey.set(carrierKey(service), { carrier, service });
}

/**
 * The carrier `text` names ("UPS Ground", "ups_walleted", "DHLExpress", "Federal Express"), with
 * the service when it named one; undefined for a name not in CARRIERS. A service name is kept as
 * written (trimmed), since it goes to `shipping_method`.
 */
export function findCarrier(text: string): CarrierMatch | undefined {
  const key = carrierKey(text);
  if (key === "") return undefined;
  const match = byKey.get(key);
  if (match === undefined) return undefined;
  return match.service === undefined ? match : { carrier: match.carrier, service: text.trim() };
}

/**
 * The README's carrier table (between `<!-- carriers:start -->` and `<!-- carriers:end -->`),
 * made from CARRIERS; a test checks the README holds exactly this.
 */
export function carrierTableMarkdown(): string {
  const code = (name: string) => `\`${name}\``;
  const lines = [
    "| Carrier | `shipping_provider` | `tracking_carrier` | Names | Services (also fill `shipping_method`) |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const carrier of CARRIERS) {
    const provider = carrier.provider === "" ? '`""`' : code(carrier.provider);
    const slug = carrier.slug === null ? "none: needs `tracking_link`" : code(carrier.slug);
    const services = carrier.services.length === 0 ? "" : carrier.services.map(code).join(", ");
    lines.push(
      `| ${carrier.name} | ${provider} | ${slug} | ${carrier.names.map(code).join(", ")} | ${services} |`,
    );
  }
  return lines.join("\n");
}
