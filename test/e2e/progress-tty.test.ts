/**
 * Issue 14, progress everywhere: a terminal that reports 0 columns (`docker run -t`, `script`
 * without a size) gets the plain line log instead of an empty bar, i.e. instead of nothing.
 * `script` (util-linux) runs the built CLI on a pseudo-terminal of 0 × 0; the store answers each
 * request after 1 s, so the run lasts longer than the log's 10-second interval.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { shellQuote } from "../../src/output/resume-command.js";
import {
  CLI_PATH,
  childEnv,
  orderRows,
  sandboxEnv,
  startE2eSandbox,
  tempDir,
  writeCsv,
} from "../helpers/cli.js";

it("a zero-width terminal gets progress lines, no escape codes", async () => {
  const sandbox = await startE2eSandbox({ seed: { generate: { orders: 12 } }, latencyMs: 100 });
  const dir = await tempDir("bc-progress-tty-");
  const { header, rows } = orderRows(12, "note");
  const input = await writeCsv(join(dir, "orders.csv"), header, rows);
  const command = [
    process.execPath,
    CLI_PATH,
    input,
    "--concurrency",
    "1",
    "--progress-every",
    "0.3",
  ]
    .map(shellQuote)
    .join(" ");
  // stdin from /dev/null: `script` then gives the pseudo-terminal no size (0 columns).
  const child = spawn("script", ["-qec", `stty size; ${command}`, "/dev/null"], {
    env: childEnv(sandboxEnv(sandbox)),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    output += text;
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect(code).toBe(0);
  // The terminal really had no width, and the CLI saw a terminal.
  expect(output).toMatch(/^0 0\r?$/m);
  expect(output).toMatch(/^progress: \d+\/12 rows/m);
  expect(output).not.toContain("\x1b[");
  expect(output).not.toContain(sandbox.env.BIGCOMMERCE_ACCESS_TOKEN);
}, 60_000);
