/**
 * Issue 14, `--json` on every ending: a fatal error prints one JSON object on stdout
 * (`{"error": {"code", "message"}, "exit_code", …}`) instead of nothing, with what is known (input
 * and results file), never the token; a finished run's object carries `exit_code` too.
 */
import { writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  orderRows,
  runCli,
  sandboxEnv,
  startE2eSandbox,
  tempDir,
  writeCsv,
} from "../helpers/cli.js";

/** stdout must be exactly one JSON object (one line). */
function onlyJson(stdout: string): Record<string, unknown> {
  const lines = stdout.split("\n").filter((line) => line !== "");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] as string) as Record<string, unknown>;
}

async function input(rows = 3) {
  const dir = await tempDir("bc-json-fatal-");
  const { header, rows: data } = orderRows(rows, "note");
  const file = await writeCsv(join(dir, "orders.csv"), header, data);
  return { dir, file, results: join(dir, "orders.results.csv") };
}

describe("--json on a fatal ending", () => {
  it("a bad header: E_HEADER_UNKNOWN, exit 2, the input and results file named", async () => {
    const sandbox = await startE2eSandbox();
    const dir = await tempDir("bc-json-fatal-");
    const file = await writeCsv(
      join(dir, "typo.csv"),
      ["order_id", "tracking_numbr"],
      [["1", "x"]],
    );
    const run = await runCli([file, "--json"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(2);
    const json = onlyJson(run.stdout);
    expect(json).toMatchObject({
      error: { code: "E_HEADER_UNKNOWN", file, line: 1 },
      exit_code: 2,
      command: "run",
      input_file: file,
      results_file: join(dir, "typo.results.csv"),
    });
    expect(typeof (json.error as { message: unknown }).message).toBe("string");
    expect(sandbox.stats().requests).toBe(0);
  });

  it("the same in validate, with its own results name", async () => {
    const dir = await tempDir("bc-json-fatal-");
    const file = await writeCsv(join(dir, "typo.csv"), ["order_id", "order_id"], [["1", "2"]]);
    const run = await runCli(["validate", file, "--json"], { env: {} });
    expect(run.code).toBe(2);
    expect(onlyJson(run.stdout)).toMatchObject({
      error: { code: "E_HEADER_DUPLICATE" },
      exit_code: 2,
      command: "validate",
      results_file: join(dir, "typo.validate.csv"),
    });
  });

  it("a rejected token: E_CREDENTIALS_REJECTED, exit 2, and the token nowhere", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 3 } } });
    const { file } = await input();
    const wrong = "wrong-token-4f1c9a7e2b";
    // runCli fails the test (E_SECRET_LEAK) if either token shows in stdout or stderr.
    const run = await runCli([file, "--json"], {
      env: sandboxEnv(sandbox, { BIGCOMMERCE_ACCESS_TOKEN: wrong }),
      secrets: [wrong, sandbox.env.BIGCOMMERCE_ACCESS_TOKEN as string],
    });
    expect(run.code).toBe(2);
    expect(onlyJson(run.stdout)).toMatchObject({
      error: { code: "E_CREDENTIALS_REJECTED" },
      exit_code: 2,
      input_file: file,
    });
    expect(sandbox.stats().writesApplied).toBe(0);
  });

  it("a usage error, even before the flags are understood, with a pasted token redacted", async () => {
    const sandbox = await startE2eSandbox();
    const { file } = await input();
    const token = sandbox.env.BIGCOMMERCE_ACCESS_TOKEN as string;
    // The token pasted where an argument was expected: yargs reports it as an unknown argument.
    const run = await runCli([file, "--json", token], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(2);
    const json = onlyJson(run.stdout);
    expect(json).toMatchObject({ error: { code: "E_USAGE" }, exit_code: 2 });
    expect(run.stdout).not.toContain(token);
  });

  it("a bad flag value: E_USAGE", async () => {
    const sandbox = await startE2eSandbox();
    const { file } = await input();
    const run = await runCli([file, "--json", "--concurrency", "0"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(2);
    expect(onlyJson(run.stdout)).toMatchObject({
      error: { code: "E_USAGE" },
      exit_code: 2,
      input_file: file,
    });
  });

  it("a results file locked by another run: E_RESULTS_LOCKED", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 3 } } });
    const { file, results } = await input();
    await writeFile(
      `${results}.lock`,
      JSON.stringify({
        pid: 1,
        host: `not-${hostname()}.example`,
        started: "2026-01-01T02:00:00.000Z",
      }),
    );
    const run = await runCli([file, "--json"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(2);
    expect(onlyJson(run.stdout)).toMatchObject({
      error: { code: "E_RESULTS_LOCKED" },
      exit_code: 2,
      results_file: results,
    });
  });

  it("no credentials at all: a JSON error, not an empty stdout", async () => {
    const { file } = await input();
    const run = await runCli([file, "--json"], { env: {} });
    expect(run.code).toBe(2);
    expect(onlyJson(run.stdout)).toMatchObject({ error: { code: "E_USAGE" }, exit_code: 2 });
  });

  it("without --json stdout stays empty", async () => {
    const dir = await tempDir("bc-json-fatal-");
    const file = await writeCsv(
      join(dir, "typo.csv"),
      ["order_id", "tracking_numbr"],
      [["1", "x"]],
    );
    const run = await runCli(["validate", file], { env: {} });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
  });
});

describe("--json on a finished run", () => {
  it("carries the exit code and the counts a scheduler acts on", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 3 } } });
    const { file } = await input();
    const run = await runCli([file, "--json", "--quiet"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(0);
    expect(onlyJson(run.stdout)).toMatchObject({
      rows: 3,
      worked: 3,
      carried_over: 0,
      not_attempted: 0,
      rows_to_fix: 0,
      mode: "run",
      exit_code: 0,
      resume_command: null,
    });
  });
});
