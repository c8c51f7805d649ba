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
  /** The summary of the last sample run. */
  readonly summary: RunSummary;
  /** True when the demo ran as the sample intends (some of its rows are meant to fail). */
  readonly ok: boolean;
}

/** The sample files the demo runs, in order, against one sandbox store (README "The demo"). */
export const DEMO_SAMPLES: readonly { readonly file: string; readonly about: string }[] = [
  {
    file: "orders.csv",
    about:
      "The four examples of the single-order module, then every row kind. Some rows fail on purpose (a missing order, an unknown status, several shipping addresses, …): see the error column of the results.",
  },
  {
    file: "shipstation-export.csv",
    about:
      "A ShipStation-style export read with no flags: its headers, carrier codes and spaced tracking numbers as they come, one row per item.",
  },
  {
    file: "split-parcels.csv",
    about:
      "Split parcels: rows with the same order and tracking number are one shipment of their items, wherever they are in the file (lines 2 and 5); an empty quantity ships what is left of that SKU; the SKU picks the address. The last row's order was shipped by another app: unchanged, naming its shipment.",
  },
];

/**
 * `npm run demo`: start the sandbox store in-process (seeded from samples/store.json), run each
 * of DEMO_SAMPLES against it and write `samples/<name>.results.csv` beside each. No credentials,
 * no network beyond 127.0.0.1.
 */
export async function runDemo(): Promise<DemoResult> {
  const sandbox = await startSandbox();
  try {
    const lines = [
      `Sandbox store: ${sandbox.url} (store hash ${sandbox.env.BIGCOMMERCE_STORE_HASH})`,
    ];
    const stores = await loadStoreDirectory({ env: sandbox.env });
    let summary: RunSummary | undefined;
    let ok = true;
    for (const sample of DEMO_SAMPLES) {
      const input = samples(sample.file);
      const output = samples(sample.file.replace(/\.csv$/, ".results.csv"));
      const rows: string[] = [];
      const warnings: string[] = [];
      summary = await runBatch({
        input,
        mode: "run",
        output,
        userAgent: USER_AGENT,
        stores,
        onStart: (info) => warnings.push(...info.warnings.map((text) => `warning: ${text}`)),
        onRow: (outcome) => rows.push(describeOutcome(outcome)),
      });
      ok &&= summary.stopReason === undefined;
      lines.push(
        "",
        `Input: ${input}`,
        ...warnings,
        "",
        "line  order  result        what happened",
        ...rows,
        "",
        formatSummary(summary),
        sample.about,
      );
    }
    return { text: lines.join("\n"), summary: summary as RunSummary, ok };
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
