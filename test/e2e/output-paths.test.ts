/**
 * Issue 5, "output equal to the input destroys the input", and issue 7, "validate and --dry-run
 * overwrite the real results". Every file a run writes (results, `.partial`, failed rows, lock)
 * is checked before anything happens: one that is the input, or a symbolic link, is refused
 * (exit 2) and the input stays as it was, byte for byte. validate and --dry-run write to their own
 * default names, so a real run's results (what --resume carries over) survive them.
 */
import { existsSync } from "node:fs";
import { copyFile, link, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import {
  checkInvariants,
  REPO_ROOT,
  readResults,
  runCli,
  sandboxEnv,
  startE2eSandbox,
  tempDir,
} from "../helpers/cli.js";

let sandbox: Sandbox;
let dir: string;
let input: string;
let original: Buffer;

beforeEach(async () => {
  sandbox = await startE2eSandbox();
  dir = await tempDir("bc-output-paths-");
  input = join(dir, "in.csv");
  await copyFile(join(REPO_ROOT, "samples/orders.csv"), input);
  original = await readFile(input);
});

/** Refused before anything was written or sent: exit 2 with `code`, the input unchanged. */
async function expectRefused(args: readonly string[], code: string, file = input): Promise<void> {
  const before = await readFile(file);
  const run = await runCli(args, { env: sandboxEnv(sandbox) });
  expect(run.code, run.stderr).toBe(2);
  expect(run.stderr).toContain(`[${code}]`);
  expect(await readFile(file)).toEqual(before);
  expect(sandbox.stats().requests).toBe(0);
}

describe("an output path that is the input is refused, the input kept byte for byte", () => {
  it("validate in.csv -o in.csv", async () => {
    await expectRefused(["validate", input, "-o", input], "E_OUTPUT_IS_INPUT");
    expect(await readFile(input)).toEqual(original);
  });

  it("in.csv -o in.csv", async () => {
    await expectRefused([input, "-o", input], "E_OUTPUT_IS_INPUT");
  });

  it("in.csv --resume -o in.csv", async () => {
    await expectRefused([input, "--resume", "-o", input], "E_OUTPUT_IS_INPUT");
  });

  it("in.csv --dry-run -o in.csv", async () => {
    await expectRefused([input, "--dry-run", "-o", input], "E_OUTPUT_IS_INPUT");
  });

  it("orders.results.failed.csv -o orders.results.csv: the failed-rows file would be the input", async () => {
    // A run, then its failed rows fixed by hand and fed back in, results to the same file.
    const orders = join(dir, "orders.csv");
    await copyFile(input, orders);
    const first = await runCli([orders, "--quiet"], { env: sandboxEnv(sandbox) });
    expect(first.code).toBe(1);
    const failed = join(dir, "orders.results.failed.csv");
    const results = join(dir, "orders.results.csv");
    await writeFile(failed, `${await readFile(failed, "utf8")}12345,,hand-fixed row\n`);
    const fixed = await readFile(failed);
    const resultsBefore = await readFile(results);
    const requests = sandbox.stats().requests;
    const run = await runCli([failed, "-o", results, "--quiet"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("[E_OUTPUT_IS_INPUT]");
    expect(await readFile(failed)).toEqual(fixed);
    expect(await readFile(results)).toEqual(resultsBefore);
    expect(sandbox.stats().requests).toBe(requests);
  });

  it("a hard link to the input, and a symbolic link to it", async () => {
    const hard = join(dir, "hard.csv");
    await link(input, hard);
    await expectRefused([input, "-o", hard], "E_OUTPUT_IS_INPUT");
    const soft = join(dir, "soft.csv");
    await symlink(input, soft);
    await expectRefused(["validate", input, "-o", soft], "E_OUTPUT_IS_INPUT");
  });

  it("the resume partial file or the lock file named like the input", async () => {
    // `--resume -o x.csv` reads and then deletes x.csv.partial; any run removes a stale one.
    const partial = join(dir, "x.csv.partial");
    await copyFile(input, partial);
    await expectRefused(
      [partial, "--resume", "-o", join(dir, "x.csv")],
      "E_OUTPUT_IS_INPUT",
      partial,
    );
    await expectRefused([partial, "-o", join(dir, "x.csv")], "E_OUTPUT_IS_INPUT", partial);
    const lock = join(dir, "y.csv.lock");
    await copyFile(input, lock);
    await expectRefused(["validate", lock, "-o", join(dir, "y.csv")], "E_OUTPUT_IS_INPUT", lock);
    expect(existsSync(join(dir, "x.csv"))).toBe(false);
    expect(existsSync(join(dir, "y.csv"))).toBe(false);
  });
});

describe("a symbolic link at an output path is never followed", () => {
  it("a results or failed-rows path that links to another file: exit 2, that file unchanged", async () => {
    const precious = join(dir, "precious.csv");
    await writeFile(precious, "someone else's file\n");
    const results = join(dir, "out.csv");
    await symlink(precious, results);
    await expectRefused(["validate", input, "-o", results], "E_OUTPUT_SYMLINK", precious);
    await expectRefused([input, "-o", results], "E_OUTPUT_SYMLINK", precious);

    const other = join(dir, "other.csv");
    await symlink(precious, join(dir, "other.failed.csv"));
    await expectRefused(["validate", input, "-o", other], "E_OUTPUT_SYMLINK", precious);
    expect(existsSync(other)).toBe(false);
  });

  it("a dangling link is refused too (it would create the file it points to)", async () => {
    const target = join(dir, "elsewhere.csv");
    const results = join(dir, "out.csv");
    await symlink(target, results);
    await expectRefused(["validate", input, "-o", results], "E_OUTPUT_SYMLINK");
    expect(existsSync(target)).toBe(false);
  });
});

describe("validate and --dry-run never replace a real run's results", () => {
  it("a real run's results and failed rows survive a later validate and dry run byte for byte", async () => {
    const results = join(dir, "in.results.csv");
    const failed = join(dir, "in.results.failed.csv");
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(1);
    const resultsBytes = await readFile(results);
    const failedBytes = await readFile(failed);

    const validate = await runCli(["validate", input, "--quiet"], { env: {} });
    expect(validate.code).toBe(1);
    const validated = await readResults(join(dir, "in.validate.csv"));
    checkInvariants({ inputRows: 16, results: validated, run: validate });
    expect(new Set(validated.rows.map((row) => row.result))).toEqual(new Set(["valid", "invalid"]));
    expect(existsSync(join(dir, "in.validate.failed.csv"))).toBe(true);

    const dry = await runCli([input, "--dry-run", "--quiet"], { env: sandboxEnv(sandbox) });
    expect(dry.code).toBe(1);
    const dried = await readResults(join(dir, "in.dry-run.csv"));
    checkInvariants({
      inputRows: 16,
      results: dried,
      run: dry,
      allowedResults: ["would_update", "unchanged", "failed", "invalid"],
    });
    expect(existsSync(join(dir, "in.dry-run.failed.csv"))).toBe(true);

    expect(await readFile(results)).toEqual(resultsBytes);
    expect(await readFile(failed)).toEqual(failedBytes);

    // And so --resume still carries every row over: nothing is written to the store again.
    const before = sandbox.stats().requestLog.length;
    const resumed = await runCli([input, "--resume", "--json", "--quiet"], {
      env: sandboxEnv(sandbox),
    });
    expect(resumed.code).toBe(1);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ rows: 16, shipments_created: 0 });
    const writes = sandbox
      .stats()
      .requestLog.slice(before)
      .filter((e) => e.method !== "GET");
    expect(writes).toEqual([]);
  });

  it("-o naming the real results file is obeyed: that is an explicit choice", async () => {
    const results = join(dir, "in.results.csv");
    const validate = await runCli(["validate", input, "-o", results, "--quiet"], { env: {} });
    expect(validate.code).toBe(1);
    const file = await readResults(results);
    expect(file.rows.some((row) => row.result === "valid")).toBe(true);
  });
});
