/**
 * The standalone `bc-order-batch sandbox` command, minus argument parsing (src/cli.ts owns argv,
 * signals and stdout; this module gets them as values).
 */
import { once } from "node:events";
import { startSandbox } from "./server.js";
import type { Sandbox, SandboxOptions } from "./types.js";

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
      : `, ${info.orderCount} orders, quota ${Number.isFinite(info.quota) ? `${info.quota} requests per ${info.windowMs} ms` : "unlimited"}` +
        (info.latencyMs > 0 ? `, latency ${info.latencyMs} ms` : "");
  return [
    `BigCommerce sandbox store listening on ${sandbox.url} (store hash ${sandbox.env.BIGCOMMERCE_STORE_HASH}${quota})`,
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
