/**
 * Issue 14, messages that say what to do next: after an interrupt the summary gives the exact
 * `--resume` command (same input path, -o, the flags that matter, paths with spaces quoted), and
 * running exactly that command completes the results. After `--resume`, the summary and `--json`
 * count the rows carried over apart from the rows this run worked on.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  orderRows,
  readResults,
  runCli,
  sandboxEnv,
  spawnCli,
  startE2eSandbox,
  tempDir,
  waitUntil,
  writeCsv,
} from "../helpers/cli.js";

const ROWS = 30;

/** The arguments a POSIX shell reads from a pasted command line, its program dropped. */
function shellWords(command: string): string[] {
  const out = execFileSync("sh", ["-c", `set -- ${command}; shift; printf '%s\\0' "$@"`], {
    encoding: "utf8",
  });
  return out.split("\0").slice(0, -1);
}

/** A slow store, an input in a folder with a space, a mapped header, and -o with a space. */
async function setUp() {
  const sandbox = await startE2eSandbox({ seed: { generate: { orders: ROWS } }, latencyMs: 40 });
  const dir = join(await tempDir("bc-resume-cmd-"), "drop folder");
  execFileSync("mkdir", ["-p", dir]);
  const { header, rows } = orderRows(ROWS, "note");
  header[0] = "Order Number";
  const input = await writeCsv(join(dir, "my orders.csv"), header, rows);
  const output = join(dir, "my results.csv");
  const args = [input, "-o", output, "--map", "Order Number=order_id", "--concurrency", "1"];
  return { sandbox, dir, input, output, args };
}

/** Starts the run and sends SIGINT once a few rows are in the store; resolves with its result. */
async function interrupted(sandbox: Awaited<ReturnType<typeof setUp>>["sandbox"], args: string[]) {
  const child = spawnCli(args, { env: sandboxEnv(sandbox) });
  await waitUntil(() => sandbox.stats().writesApplied >= 3, { what: "3 rows applied" });
  child.child.kill("SIGINT");
  return child.result;
}

describe("after an interrupt", () => {
  it("prints the exact --resume command, and running it completes every row", async () => {
    const { sandbox, input, output, args } = await setUp();
    const first = await interrupted(sandbox, args);
    expect(first.code).toBe(130);
    const before = await readResults(output);
    const left = before.rows.filter((row) => row.result === "not_attempted").length;
    expect(left).toBeGreaterThan(0);

    const printed = first.stderr.match(/^\s+(bc-order-batch .*--resume)$/m)?.[1];
    expect(printed, first.stderr).toBeDefined();
    const words = shellWords(printed as string);
    // The same input and results path, spaces and all, and the mapping.
    expect(words[0]).toBe(input);
    expect(words).toContain(output);
    expect(words).toContain("Order Number=order_id");

    const again = await runCli(words, { env: sandboxEnv(sandbox) });
    expect(again.code, again.stderr).toBe(0);
    const after = await readResults(output);
    expect(after.rows).toHaveLength(ROWS);
    expect(after.rows.every((row) => row.result === "updated")).toBe(true);
    // Nothing applied twice: each note is in its order exactly once (a PUT sets it).
    for (const row of after.rows) {
      const order = sandbox.store.getOrder(Number(row["Order Number"]));
      expect(order?.staff_notes).toBe(row.staff_notes);
    }
  });

  it("--json gives the same command and how many rows are left", async () => {
    const { sandbox, output, args } = await setUp();
    const first = await interrupted(sandbox, [...args, "--json", "--quiet"]);
    expect(first.code).toBe(130);
    const json = JSON.parse(first.stdout) as Record<string, unknown>;
    const left = (await readResults(output)).rows.filter(
      (row) => row.result === "not_attempted",
    ).length;
    expect(json).toMatchObject({ stop_reason: "interrupted", not_attempted: left, exit_code: 130 });
    expect(typeof json.resume_command).toBe("string");
    const words = shellWords(json.resume_command as string);
    expect(words.at(-1)).toBe("--resume");
    expect(words).toContain(output);
  });
});

describe("the summary after --resume", () => {
  it("counts carried-over rows apart; worked and rows_per_sec are this run's rows", async () => {
    const { sandbox, output, args } = await setUp();
    const first = await interrupted(sandbox, [...args, "--json", "--quiet"]);
    const firstJson = JSON.parse(first.stdout) as { worked: number; not_attempted: number };
    const doneBefore = (await readResults(output)).rows.filter(
      (row) => row.result === "updated",
    ).length;
    expect(doneBefore).toBeGreaterThan(0);

    const again = await runCli([...args, "--resume", "--json", "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    expect(again.code).toBe(0);
    const json = JSON.parse(again.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      rows: ROWS,
      carried_over: doneBefore,
      carried_over_by_result: { updated: doneBefore },
      worked: ROWS - doneBefore,
      not_attempted: 0,
      by_result: { updated: ROWS },
    });
    expect(firstJson.worked + firstJson.not_attempted).toBe(ROWS);
  });

  it("--dry-run --resume over a real run's results never reports them as updated by the dry run", async () => {
    const { sandbox, args } = await setUp();
    const done = await runCli([...args, "--quiet"], { env: sandboxEnv(sandbox) });
    expect(done.code).toBe(0);
    const writes = sandbox.stats().writesApplied;
    const dry = await runCli([...args, "--dry-run", "--resume", "--json"], {
      env: sandboxEnv(sandbox),
    });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      mode: "dry-run",
      carried_over: ROWS,
      worked: 0,
      shipments_created: 0,
    });
    // The human summary's counts of this run hold no `updated`: the rows are carried over.
    expect(dry.stderr).not.toMatch(new RegExp(`^${ROWS} rows: updated`, "m"));
    expect(sandbox.stats().writesApplied).toBe(writes);
  });
});
