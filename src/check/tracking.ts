/**
 * Tracking numbers as carriers print them: UPS prints `1Z 999 AA1 01 2345 6784`, Royal Mail
 * `AB 1234 5678 9GB`, some exports `1Z-999-AA1-…`. The spaces and dashes are layout, not part of
 * the number (carriers' tracking pages accept the number without them).
 */

/** Spaces (any Unicode white space) and dashes (ASCII and Unicode), the layout carriers print. */
const LAYOUT = /[\s\-\u2010-\u2015\u2212]+/g;

/**
 * The form two tracking numbers are compared in: layout removed and lower-cased, so
 * `1Z 999 AA1 01 2345 6784` and `1z999aa10123456784` are the same parcel. Use it to compare a
 * row's tracking number with the shipments an order already has.
 */
export function normalizeTracking(text: string): string {
  return text.replace(LAYOUT, "").toLowerCase();
}

/**
 * The form sent to BigCommerce (`tracking_number`, docs/bigcommerce-api.md §3, at most 50
 * characters): layout removed, letters kept in the case given. Case is kept because the value is
 * the user's; comparisons ignore it anyway (normalizeTracking).
 */
export function compactTracking(text: string): string {
  return text.replace(LAYOUT, "");
}

/** Two tracking numbers name the same parcel (see normalizeTracking). */
export function sameTracking(a: string, b: string): boolean {
  return normalizeTracking(a) === normalizeTracking(b);
}
