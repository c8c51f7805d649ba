import { fileURLToPath } from "node:url";
import { loadStoreDirectory } from "./credentials.js";
import { runBatch } from "./run.js";
import { startSandbox } from "./sandbox/index.js";
import { formatSummary, type RunSummary } from "./summarize.js";
import { USER_AGENT } from "./version.js";

/** samples/ beside dist/ (or src/ under the test runner). */
const samples = (name: string) => fileURLToPath(new URL(`../samples/${name}`, import.meta.url));

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
    const summary = await runBatch({
      input,
      mode: "run",
      output,
      userAgent: USER_AGENT,
      stores: await loadStoreDirectory({ env: sandbox.env }),
    });
    const lines = [
      `Sandbox store: ${sandbox.url} (store hash ${sandbox.env.BIGCOMMERCE_STORE_HASH})`,
      `Input: ${input}`,
      formatSummary(summary),
      "Some sample rows fail on purpose (a missing order, an unknown status, several shipping addresses, …): see the error column of the results.",
    ];
    return { text: lines.join("\n"), summary, ok: summary.stopReason === undefined };
  } finally {
    await sandbox.close();
  }
}
