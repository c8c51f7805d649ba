/**
 * The cost model of bulk reads (README "Costs"; docs/bigcommerce-api.md §11). Pure.
 *
 * A range read (GET /orders?min_id&max_id&limit=250 with the consignments include) returns every
 * order whose id is in [min_id, max_id], the file's and any other, so its cost is
 * ceil(orders in range / 250) requests; one GET /orders/{id} with the include costs 1. A range is
 * never wider than 250 ids, so it holds at most 250 orders and is always exactly one request, and
 * covering the sorted ids with as few such ranges as possible (greedy from the lowest id, which is
 * optimal for intervals of a fixed width) is the cheapest plan. A range with one wanted id is read
 * as a single order instead: same cost, and a single order's lines are not cut at 50 (§11).
 */

/** Ids one range read may span: the largest page (docs/bigcommerce-api.md §11). */
export const RANGE_WIDTH = 250;

export type OrderRead =
  | { readonly kind: "one"; readonly id: number }
  | {
      readonly kind: "range";
      readonly minId: number;
      readonly maxId: number;
      /** The wanted ids in the range (the answer brings others too). */
      readonly ids: readonly number[];
    };

/** The reads that fetch every id of `wanted`, fewest requests first (see above). */
export function planReads(wanted: Iterable<number>, width = RANGE_WIDTH): OrderRead[] {
  const ids = [...new Set(wanted)].sort((a, b) => a - b);
  const reads: OrderRead[] = [];
  let i = 0;
  while (i < ids.length) {
    const first = ids[i] as number;
    let j = i;
    while (j + 1 < ids.length && (ids[j + 1] as number) - first < width) j += 1;
    if (j === i) reads.push({ kind: "one", id: first });
    else {
      reads.push({
        kind: "range",
        minId: first,
        maxId: ids[j] as number,
        ids: ids.slice(i, j + 1),
      });
    }
    i = j + 1;
  }
  return reads;
}

/** Requests a plan costs: one per read (a range is at most `width` ids wide, so one page). */
export function costOf(reads: readonly OrderRead[]): number {
  return reads.length;
}
