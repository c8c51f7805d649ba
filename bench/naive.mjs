import { readFileSync } from "node:fs";
import axios from "axios";
import { parse } from "csv-parse/sync";

/**
 * The naive baseline of figure 5: what a quick script would do. It reads the whole CSV into memory and
 * awaits one PUT per row, in order: no rate-limit handling, no retries, no results file. A row whose
 * request is not answered 2xx is lost (the script just counts it).
 * Usage: node bench/naive.mjs <status-rows.csv>, with BIGCOMMERCE_API_URL (loopback only),
 * BIGCOMMERCE_STORE_HASH and BIGCOMMERCE_ACCESS_TOKEN in the environment.
 * Prints one JSON object: { rows, ok, lost, rateLimited, byStatus, elapsedMs }.
 */
const file = process.argv[2];
const { BIGCOMMERCE_API_URL: apiUrl, BIGCOMMERCE_STORE_HASH: storeHash } = process.env;
const token = process.env.BIGCOMMERCE_ACCESS_TOKEN;
if (!file || !apiUrl || !storeHash || !token) {
  process.stderr.write("usage: node bench/naive.mjs <file.csv> (with BIGCOMMERCE_* set)\n");
  process.exit(2);
}
if (new URL(apiUrl).hostname !== "127.0.0.1") {
  process.stderr.write("naive.mjs only talks to 127.0.0.1\n");
  process.exit(2);
}

const started = performance.now();
const rows = parse(readFileSync(file), { columns: true, skip_empty_lines: true });
const byStatus = {};
let ok = 0;
for (const row of rows) {
  let status;
  try {
    const response = await axios.put(
      `${apiUrl}/stores/${storeHash}/v2/orders/${row.order_id}`,
      { status_id: Number(row.status_id) },
      {
        headers: { "X-Auth-Token": token, Accept: "application/json" },
        validateStatus: () => true,
        proxy: false,
      },
    );
    status = response.status;
  } catch (error) {
    status = error?.code ?? "error";
  }
  byStatus[status] = (byStatus[status] ?? 0) + 1;
  if (typeof status === "number" && status >= 200 && status < 300) ok += 1;
}
process.stdout.write(
  `${JSON.stringify({
    rows: rows.length,
    ok,
    lost: rows.length - ok,
    rateLimited: byStatus[429] ?? 0,
    byStatus,
    elapsedMs: Math.round(performance.now() - started),
  })}\n`,
);
