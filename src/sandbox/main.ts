/**
 * The standalone `bc-order-batch sandbox` command, minus argument parsing (src/cli.ts owns argv,
 * signals and stdout; this module gets them as values).
 */
import { once } from "node:events";
import { startSandbox } from "./server.js";
import type { SampleOrderKind, Sandbox, SandboxInfo, SandboxOptions } from "./types.js";

export interface SandboxCommandOptions {
  /** @default 8787 */
  port?: number;
  host?: string;
  /** Serve this many generated orders (ids from 100000) instead of samples/store.json. */
  orders?: number;
  /** Seed of the generated orders. @default 1 */
  seed?: number;
  /** Requests per window. @default 150 */
  quota?: number;
  /** Window, ms. @default 30000 */
  window?: number;
  /** Delay added to every response, ms. @default 0 */
  latency?: number;
}

/** Single-quotes a value for a POSIX shell when it needs it. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** "1 order", "2 orders". */
const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;

/** Banner names of the sample kinds, in the order printed. */
const SAMPLE_LABELS: readonly (readonly [SampleOrderKind, string])[] = [
  ["single_address", "single address"],
  ["several_addresses", "several addresses"],
  ["digital_only", "digital only"],
  ["partially_shipped", "partially shipped"],
];

/** The line with the seeded id range and one order of each kind, so a user can try them. */
function ordersLine(info: SandboxInfo): string {
  if (info.firstOrderId === undefined || info.lastOrderId === undefined) return "No orders.";
  const range =
    info.firstOrderId === info.lastOrderId
      ? `Order id ${info.firstOrderId}`
      : `Order ids ${info.firstOrderId}-${info.lastOrderId}`;
  const samples = SAMPLE_LABELS.flatMap(([kind, label]) => {
    const id = info.samples[kind];
    return id === undefined ? [] : [`${label} ${id}`];
  });
  return samples.length === 0 ? `${range}.` : `${range}. Sample orders: ${samples.join(", ")}.`;
}

/**
 * What the standalone command prints: where the store listens and the lines that point the tool
 * at it. The sandbox token is not a secret, so printing it is fine.
 */
export function formatSandboxBanner(
  sandbox: Pick<Sandbox, "url" | "env"> & Partial<Pick<Sandbox, "info">>,
): string {
  const info = sandbox.info;
  const quota =
    info === undefined
      ? ""
      : `, ${plural(info.orderCount, "order")}, quota ${Number.isFinite(info.quota) && info.quota > 0 ? `${plural(info.quota, "request")} per ${info.windowMs} ms` : "unlimited"}` +
        (info.latencyMs > 0 ? `, latency ${info.latencyMs} ms` : "");
  return [
    `BigCommerce sandbox store listening on ${sandbox.url} (store hash ${sandbox.env.BIGCOMMERCE_STORE_HASH}${quota})`,
    ...(info === undefined ? [] : [ordersLine(info)]),
    "Point bc-order-batch at it with:",
    `export BIGCOMMERCE_API_URL=${shellQuote(sandbox.env.BIGCOMMERCE_API_URL)}`,
    `export BIGCOMMERCE_STORE_HASH=${shellQuote(sandbox.env.BIGCOMMERCE_STORE_HASH)}`,
    `export BIGCOMMERCE_ACCESS_TOKEN=${shellQuote(sandbox.env.BIGCOMMERCE_ACCESS_TOKEN)}`,
    "",
  ].join("\n");
}

/** Runs the sandbox until `signal` aborts, then closes it. `print` receives the banner. */
export async function runSandboxCommand(
  options: SandboxCommandOptions,
  signal: AbortSignal,
  print: (text: string) => void,
): Promise<void> {
  const sandboxOptions: SandboxOptions = { port: options.port ?? 8787 };
  if (options.host !== undefined) sandboxOptions.host = options.host;
  if (options.orders !== undefined) {
    sandboxOptions.seed = { generate: { orders: options.orders, seed: options.seed ?? 1 } };
  }
  if (options.quota !== undefined) sandboxOptions.quota = options.quota;
  if (options.window !== undefined) sandboxOptions.windowMs = options.window;
  if (options.latency !== undefined) sandboxOptions.latencyMs = options.latency;
  const sandbox = await startSandbox(sandboxOptions);
  try {
    print(formatSandboxBanner(sandbox));
    if (!signal.aborted) await once(signal, "abort");
  } finally {
    await sandbox.close();
  }
}
