import { editDistance } from "../edit-distance.js";
import type { OrderStatus } from "../types.js";

/**
 * BigCommerce's fixed order statuses (ids 0–14) with their system names, as GET /v2/order_statuses
 * returns them on a store that renamed nothing (docs/bigcommerce-api.md §2).
 * Used by offline `validate`; a real run builds its table from the store's own list so that renamed
 * statuses (custom_label) resolve too. Id 11 is "Awaiting Fulfillment": some third-party docs call it
 * "On Hold", which is not a BigCommerce name and is deliberately not accepted.
 */
export const DEFAULT_ORDER_STATUSES: readonly OrderStatus[] = [
  { id: 0, name: "Incomplete", system_label: "Incomplete" },
  { id: 1, name: "Pending", system_label: "Pending" },
  { id: 2, name: "Shipped", system_label: "Shipped" },
  { id: 3, name: "Partially Shipped", system_label: "Partially Shipped" },
  { id: 4, name: "Refunded", system_label: "Refunded" },
  { id: 5, name: "Cancelled", system_label: "Cancelled" },
  { id: 6, name: "Declined", system_label: "Declined" },
  { id: 7, name: "Awaiting Payment", system_label: "Awaiting Payment" },
  { id: 8, name: "Awaiting Pickup", system_label: "Awaiting Pickup" },
  { id: 9, name: "Awaiting Shipment", system_label: "Awaiting Shipment" },
  { id: 10, name: "Completed", system_label: "Completed" },
  { id: 11, name: "Awaiting Fulfillment", system_label: "Awaiting Fulfillment" },
  { id: 12, name: "Manual Verification Required", system_label: "Manual Verification Required" },
  { id: 13, name: "Disputed", system_label: "Disputed" },
  { id: 14, name: "Partially Refunded", system_label: "Partially Refunded" },
];

/** Statuses named as examples in messages, when the table has them (the usual targets of a bulk update). */
const EXAMPLE_STATUS_IDS: readonly number[] = [2, 11];

/** What a status text names: one status, several (ambiguous: never guessed), or none. */
export type StatusMatch =
  | { readonly kind: "found"; readonly status: OrderStatus }
  | { readonly kind: "ambiguous"; readonly candidates: readonly OrderStatus[] }
  /**
   * "2 - Shipped" whose name is not status 2's (or no status's): never guessed. `named` is the
   * status the name gives, when it gives one.
   */
  | {
      readonly kind: "mismatch";
      readonly status: OrderStatus;
      readonly named: OrderStatus | undefined;
    }
  | { readonly kind: "unknown"; readonly numeric: boolean };

export interface StatusTable {
  /** The status named by `text` (an id, name, system_label or custom_label), or why none is (ambiguous names list their candidates). */
  match(text: string): StatusMatch;
  /** The label the store shows for `id` (custom_label when set, else name), or undefined for an unknown id. */
  nameOf(id: number): string | undefined;
  readonly statuses: readonly OrderStatus[];
  /**
   * The status an unknown text was probably meant as, for a did-you-mean: a label one or two
   * typos away ("Complete" → Completed, "Canceled" → Cancelled) or a word of STATUS_SYNONYMS
   * ("Delivered" → Completed). Never used to resolve a row.
   */
  suggest(text: string): OrderStatus | undefined;
  /** Short description of valid values for messages, e.g. `an id 0–14 or a name such as "Shipped", "Awaiting Fulfillment"`. */
  describe(): string;
}

const ID_PATTERN = /^\d+$/;
/** "2 - Shipped", "2: Shipped", "11 Awaiting Fulfillment" (an export's "id - name" form). */
const ID_AND_NAME = /^(\d{1,10})\s*(?:[-–—:.)/|]\s*|\s+)(\D.*)$/;

/**
 * Words other tools use for a status, pointing at the BigCommerce status id they usually mean,
 * for did-you-mean only (docs/bigcommerce-api.md §2). Policy as data.
 */
export const STATUS_SYNONYMS: Readonly<Record<string, number>> = {
  delivered: 10,
  done: 10,
  finished: 10,
  fulfilled: 2,
  dispatched: 2,
  sent: 2,
  "in transit": 2,
  "partially fulfilled": 3,
  "partially dispatched": 3,
  paid: 11,
  unpaid: 7,
  canceled: 5,
  voided: 5,
};
// "_" and "-" (and Unicode dashes) count as spaces so "awaiting_shipment" and "Incomplete - Testing" match.
const SEPARATORS = /[\s_\-\u2010-\u2015]+/g;

/** Comparison key of a status name: NFKC, lower case, separators collapsed to one space. */
function statusKey(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(SEPARATORS, " ").trim();
}

/** Display label of a status: the store's custom label when it set one. */
function labelOf(status: OrderStatus): string {
  return status.custom_label?.trim() ? status.custom_label : status.name;
}

/** Repeated values (a 1M-row file usually has a handful of distinct statuses) are matched once. */
const MEMO_LIMIT = 256;

/**
 * Builds the lookup for one store's statuses (from GET /v2/order_statuses, or DEFAULT_ORDER_STATUSES offline).
 * A name shared by two statuses (e.g. a custom_label equal to another status's name) is ambiguous and never resolves.
 */
export function buildStatusTable(statuses: readonly OrderStatus[]): StatusTable {
  const byId = new Map<number, OrderStatus>();
  for (const status of statuses) byId.set(status.id, status);

  const byKey = new Map<string, OrderStatus[]>();
  for (const status of statuses) {
    for (const label of [status.name, status.system_label, status.custom_label]) {
      if (label === undefined) continue;
      const key = statusKey(label);
      if (key === "") continue;
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [status]);
      else if (!list.some((other) => other.id === status.id)) list.push(status);
    }
  }

  const memo = new Map<string, StatusMatch>();

  function computeMatch(text: string): StatusMatch {
    const trimmed = text.trim();
    if (ID_PATTERN.test(trimmed)) {
      // Ids are numbers only: a numeric text never falls back to a label (leading zeros allowed: "02" is 2).
      const status = trimmed.length <= 10 ? byId.get(Number(trimmed)) : undefined;
      return status === undefined ? { kind: "unknown", numeric: true } : { kind: "found", status };
    }
    const list = byKey.get(statusKey(trimmed));
    if (list === undefined) return matchIdAndName(trimmed);
    const [first] = list;
    if (list.length === 1 && first !== undefined) return { kind: "found", status: first };
    return { kind: "ambiguous", candidates: list };
  }

  /** "2 - Shipped": the id's status when the name names it too. */
  function matchIdAndName(trimmed: string): StatusMatch {
    const parts = ID_AND_NAME.exec(trimmed);
    if (parts === null) return { kind: "unknown", numeric: false };
    const status = byId.get(Number(parts[1]));
    if (status === undefined) return { kind: "unknown", numeric: false };
    const named = byKey.get(statusKey(parts[2] ?? ""));
    if (named?.some((other) => other.id === status.id)) return { kind: "found", status };
    return { kind: "mismatch", status, named: named?.length === 1 ? named[0] : undefined };
  }

  function suggest(text: string): OrderStatus | undefined {
    const key = statusKey(text);
    if (key === "" || ID_PATTERN.test(key)) return undefined;
    const synonym = STATUS_SYNONYMS[key];
    if (synonym !== undefined && Object.hasOwn(STATUS_SYNONYMS, key)) return byId.get(synonym);
    let best: OrderStatus | undefined;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const [label, list] of byKey) {
      if (list.length !== 1) continue;
      const distance = editDistance(key, label);
      if (distance < bestDistance) {
        best = list[0];
        bestDistance = distance;
      }
    }
    // A quarter of the length: a typo or two, not another word.
    return bestDistance <= Math.max(1, Math.floor(key.length / 4)) ? best : undefined;
  }

  function match(text: string): StatusMatch {
    const cached = memo.get(text);
    if (cached !== undefined) return cached;
    const result = computeMatch(text);
    if (memo.size < MEMO_LIMIT) memo.set(text, result);
    return result;
  }

  let description: string | undefined;
  function describe(): string {
    if (description !== undefined) return description;
    const ids = [...byId.keys()].sort((a, b) => a - b);
    const low = ids[0];
    const high = ids[ids.length - 1];
    let idText: string;
    if (low === undefined || high === undefined) idText = "no ids";
    else if (high - low + 1 === ids.length)
      idText = low === high ? `the id ${low}` : `an id ${low}–${high}`;
    else idText = `an id among ${ids.join(", ")}`;
    let examples = EXAMPLE_STATUS_IDS.map((id) => byId.get(id)).filter(
      (status): status is OrderStatus => status !== undefined,
    );
    if (examples.length === 0) examples = statuses.slice(0, 2);
    const names = examples.map((status) => JSON.stringify(labelOf(status))).join(", ");
    description = names === "" ? idText : `${idText} or a name such as ${names}`;
    return description;
  }

  return {
    statuses,
    match,
    suggest,
    nameOf(id) {
      const status = byId.get(id);
      return status === undefined ? undefined : labelOf(status);
    },
    describe,
  };
}
