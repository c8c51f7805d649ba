import { fileURLToPath } from "node:url";
import { loadStoreDirectory } from "../credentials.js";
import { formatSummary, type RunSummary } from "../output/summarize.js";
import { runBatch } from "../run.js";
import { startSandbox } from "../sandbox/index.js";
import type { RowOutcome } from "../types.js";
import { USER_AGENT } from "../version.js";

/** samples/ beside dist/ (or src/ under the test runner). */
const samples = (name: string) => fileURLToPath(new URL(`../../samples/${name}`, import.meta.url));

export interface DemoResult {
  readonly text: string;
  readonly summary: RunSummary;
  /** True when the demo ran as the sample intends (some of its rows are meant to fail). */
  readonly ok: boolean;
}

/**
 * `npm run demo`: start the sandbox store in-process (seeded from samples/store.json), run
 * samples/orders.csv against it and write samples/orders.results.csv. No credentials, no network
 * beyond 127.0.0.1.
 */
export async function runDemo(): Promise<DemoResult> {
  const sandbox = await startSandbox();
  try {
    const input = samples("orders.csv");
    const output = samples("orders.results.csv");
    const rows: string[] = [];
    const summary = await runBatch({
      input,
      mode: "run",
      output,
      userAgent: USER_AGENT,
      stores: await loadStoreDirectory({ env: sandbox.env }),
      onRow: (outcome) => rows.push(describeOutcome(outcome)),
    });
    const lines = [
      `Sandbox store: ${sandbox.url} (store hash ${sandbox.env.BIGCOMMERCE_STORE_HASH})`,
      `Input: ${input}`,
      "",
      "line  order  result        what happened",
      ...rows,
      "",
      formatSummary(summary),
      "Some sample rows fail on purpose (a missing order, an unknown status, several shipping addresses, …): see the error column of the results.",
    ];
    return { text: lines.join("\n"), summary, ok: summary.stopReason === undefined };
  } finally {
    await sandbox.close();
  }
}

/** One line of the demo's table: what a person would read in the results file. */
function describeOutcome(outcome: RowOutcome): string {
  const detail =
    outcome.error ??
    ([
      outcome.fieldsUpdated.length > 0 ? outcome.fieldsUpdated.join(", ") : undefined,
      outcome.orderStatus ? `→ ${outcome.orderStatus}` : undefined,
      outcome.message,
    ]
      .filter(Boolean)
      .join("; ") ||
      "-");
  const order = outcome.orderId === undefined ? "" : String(outcome.orderId);
  return `${String(outcome.line).padStart(4)}  ${order.padEnd(5)}  ${outcome.result.padEnd(12)}  ${detail}`;
}
