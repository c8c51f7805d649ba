/**
 * End-to-end test kit: temporary files, input CSVs, strict reading of the results CSV, and the
 * invariants every run must keep (issue 2): nothing lost (one result row per input row, in input
 * order), nothing applied twice (never a second shipment), nothing leaked (the access token).
 * The CLI itself is run by cli.ts.
 */
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { expect, onTestFinished } from "vitest";
import { RESULT_COLUMNS } from "../../src/input/columns.js";
import { FORMULA_START } from "../../src/output/csv-line.js";
import {
  GENERATED_FIRST_ID,
  type Sandbox,
  type SandboxOptions,
  startSandbox,
} from "../../src/sandbox/index.js";
import { type RowResultState, SUCCESS_STATES } from "../../src/types.js";
import type { CliResult } from "./cli.js";

/** Calls `cleanup` when the current test finishes; false outside a test (beforeAll, module scope). */
function onTestEnd(cleanup: () => Promise<void>): boolean {
  try {
    onTestFinished(cleanup);
    return true;
  } catch {
    return false;
  }
}

// ---- Temporary directories ----

/** Directories made outside a test (beforeAll, module scope), for removeTempDirs(). */
const pendingDirs = new Set<string>();

const removeDir = (path: string): Promise<void> =>
  // Retries: a child killed a moment ago may still be closing a file in it.
  rm(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });

/**
 * A fresh directory under os.tmpdir(); returns its path. Made inside a test or a beforeEach, it is
 * removed when the test finishes; made in beforeAll, call `removeTempDirs()` in afterAll (what is
 * left is removed when the test process exits).
 */
export async function tempDir(prefix = "bc-order-batch-e2e-"): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  if (!onTestEnd(() => removeDir(path))) {
    if (pendingDirs.size === 0) process.once("exit", removeLeftovers);
    pendingDirs.add(path);
  }
  return path;
}

/** Removes the directories tempDir made outside a test. */
export async function removeTempDirs(): Promise<void> {
  const paths = [...pendingDirs];
  pendingDirs.clear();
  await Promise.all(paths.map(removeDir));
}

function removeLeftovers(): void {
  for (const path of pendingDirs) rmSync(path, { recursive: true, force: true });
}

// ---- Input files ----

export interface CsvOptions {
  /** @default "," */
  delimiter?: string;
  /** Record separator. @default "\n" */
  eol?: string;
  /** Start with a byte-order mark (Excel's "CSV UTF-8"). @default false */
  bom?: boolean;
  /** End the last record with `eol`. @default true */
  eof?: boolean;
  /** @default "utf-8" */
  encoding?: "utf-8" | "utf-16le" | "latin1";
}

/** CSV text of a header and rows, quoted where needed (RFC 4180 style), nothing neutralised. */
export function csvText(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: CsvOptions = {},
): string {
  const text = stringify([header as string[], ...(rows as string[][])], {
    delimiter: options.delimiter ?? ",",
    record_delimiter: options.eol ?? "\n",
    eof: options.eof ?? true,
  });
  return options.bom ? `\uFEFF${text}` : text;
}

/** Writes an input CSV; returns `path`. */
export async function writeCsv(
  path: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: CsvOptions = {},
): Promise<string> {
  const encoding = options.encoding ?? "utf-8";
  if (options.bom && encoding === "latin1") {
    throw new TypeError("writeCsv: a byte-order mark needs a Unicode encoding, not latin1");
  }
  await writeFile(path, Buffer.from(csvText(header, rows, options), encoding));
  return path;
}

// ---- Results files ----

/** A results row by column name. Null prototype: a column named `__proto__` is just a column. */
export type ResultRow = Record<string, string>;

export interface Results {
  readonly header: string[];
  /** By column name; when a name repeats, the later column wins (the tool's own columns are last). */
  readonly rows: ResultRow[];
  /** The data records as arrays, header excluded. */
  readonly records: string[][];
  /** The file's text, for leak checks. */
  readonly text: string;
}

/**
 * Parses results CSV text STRICTLY: no relax options, so a ragged record, a stray quote or a cut
 * short last record throws csv-parse's CsvError (with its `code`). A BOM (--excel) is skipped.
 */
export function parseResults(text: string): Results {
  const records = parse(text, { bom: true, delimiter: delimiterOf(text) }) as string[][];
  const [header, ...data] = records;
  if (header === undefined) {
    throw Object.assign(new Error("The results CSV is empty: no header"), {
      code: "E_RESULTS_EMPTY",
    });
  }
  const rows = data.map((record) => {
    const row: ResultRow = Object.create(null);
    header.forEach((name, i) => {
      row[name] = record[i] ?? "";
    });
    return row;
  });
  return { header, rows, records: data, text };
}

/**
 * The delimiter of a results or failed-rows file: they are written in the input's dialect, so the
 * one the header line uses most (a comma when none).
 */
function delimiterOf(text: string): string {
  const header = text.slice(0, text.search(/\r?\n|$/));
  let best = ",";
  let most = 0;
  for (const delimiter of [",", ";", "\t", "|"]) {
    const count = header.split(delimiter).length - 1;
    if (count > most) {
      best = delimiter;
      most = count;
    }
  }
  return best;
}

/**
 * Reads and parses a results (or failed-rows) file, and checks it holds no secret: throws
 * SecretLeakError (E_SECRET_LEAK) when one of `secrets` appears in it.
 * @param options.secrets @default the access tokens of the latest CLI run (lastRunSecrets())
 */
export async function readResults(
  file: string,
  options: { secrets?: readonly string[] } = {},
): Promise<Results> {
  const text = await readFile(file, "utf8");
  const found = whereSecretsAppear([[file, text]], options.secrets ?? lastRunSecrets());
  if (found.length > 0) throw new SecretLeakError(found);
  return parseResults(text);
}

// ---- Secrets (issue 5: the access token appears in no output) ----

/**
 * Shorter tokens are not looked for in outputs: too short to tell a leak from ordinary text (a
 * test's "t" or "wrong"). BigCommerce's tokens are about 30 characters.
 */
export const MIN_SECRET_LENGTH = 8;

/** A secret appears in an output; `found` names the outputs and the secrets by position only. */
export class SecretLeakError extends Error {
  readonly code = "E_SECRET_LEAK";
  readonly found: readonly string[];

  constructor(found: readonly string[]) {
    super(`A secret appears in an output (issue 5): ${found.join("; ")}`);
    this.name = "SecretLeakError";
    this.found = found;
  }
}

/**
 * Where each secret appears, as "secret #N in WHERE" (by position: a report must not leak it
 * again); empty when nowhere. Empty secrets are ignored.
 */
export function whereSecretsAppear(
  texts: readonly (readonly [where: string, text: string])[],
  secrets: readonly string[],
): string[] {
  const found: string[] = [];
  secrets.forEach((secret, i) => {
    if (secret === "") return;
    for (const [where, text] of texts) {
      if (text.includes(secret)) found.push(`secret #${i + 1} in ${where}`);
    }
  });
  return found;
}

/** `text` with every secret replaced by `[SECRET #N]` (longest first, so none shows in part). */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const order = secrets
    .map((secret, i) => ({ secret, i }))
    .filter(({ secret }) => secret !== "")
    .sort((a, b) => b.secret.length - a.secret.length);
  let out = text;
  for (const { secret, i } of order) out = out.replaceAll(secret, `[SECRET #${i + 1}]`);
  return out;
}

let latestRunSecrets: readonly string[] = [];
const secretsByRun = new WeakMap<CliResult, readonly string[]>();

/** cli.ts records the access tokens of each CLI run it starts (and, once it ended, of its result). */
export function recordRunSecrets(secrets: readonly string[], run?: CliResult): void {
  latestRunSecrets = [...secrets];
  if (run) secretsByRun.set(run, latestRunSecrets);
}

/** The access tokens of the latest CLI run started in this test file (see cliSecrets). */
export function lastRunSecrets(): readonly string[] {
  return latestRunSecrets;
}

// ---- Invariants ----

/** Every result state, checked exhaustively against RowResultState below. */
export const RESULT_STATES = [
  "updated",
  "unchanged",
  "already_shipped",
  "would_update",
  "valid",
  "failed",
  "invalid",
  "needs_review",
  "not_attempted",
  "conflict",
] as const satisfies readonly RowResultState[];

// Compile-time: a state added to RowResultState must be added above.
const everyState: Exclude<RowResultState, (typeof RESULT_STATES)[number]> extends never
  ? true
  : never = true;
void everyState;

const KNOWN_STATES: ReadonlySet<string> = new Set(RESULT_STATES);

/** An input cell as the results file shows it. */
export function neutralised(cell: string): string {
  return FORMULA_START.has(cell.charAt(0)) ? `'${cell}` : cell;
}

export type ViolationCode =
  | "HEADER"
  | "ROW_COUNT"
  | "LINE_NOT_INTEGER"
  | "LINE_ORDER"
  | "LINE_MISMATCH"
  | "RESULT_UNKNOWN"
  | "RESULT_NOT_ALLOWED"
  | "SUCCESS_MISMATCH"
  | "ERROR_CODE"
  | "CELL_MISMATCH"
  | "EXIT_CODE"
  | "DUPLICATE_SHIPMENT"
  | "SECRET_LEAK";

export interface Violation {
  readonly code: ViolationCode;
  readonly message: string;
}

export interface InvariantOptions {
  /** Data rows in the input file. */
  inputRows: number;
  results: Results;
  /** Check the sandbox store: at most one shipment per (order id, tracking number). */
  sandbox?: Sandbox;
  /** The run: its exit code (unless `code` is given) and its output, for the leak check. */
  run?: CliResult;
  /** The exit code observed. */
  code?: number | null;
  /** The exit code(s) wanted; needs `code` or `run`. */
  expectCode?: number | readonly number[];
  /** The input as written (writeCsv's header and rows): results must carry its cells, in order. */
  input?: { header: readonly string[]; rows: readonly (readonly string[])[] };
  /** Results the test allows, e.g. ["updated"]. @default every RowResultState */
  allowedResults?: readonly RowResultState[];
  /**
   * Strings that must appear in no output (stdout, stderr, results file).
   * @default the sandbox's access token when `sandbox` is given, and the access tokens of `run`
   * (of the latest CLI run when `run` is not given or not from runCli)
   */
  secrets?: readonly string[];
}

export interface InvariantSummary {
  /** Rows per result. */
  readonly counts: Readonly<Partial<Record<RowResultState, number>>>;
  /** Shipments the sandbox created through the API (0 without a sandbox). */
  readonly shipmentsCreated: number;
}

/** The invariants were broken; `violations` says which (assert on their codes). */
export class InvariantError extends Error {
  readonly code = "E_INVARIANT";
  readonly violations: readonly Violation[];

  constructor(violations: readonly Violation[]) {
    super(
      `Run invariants broken:\n${violations.map((v) => `  - [${v.code}] ${v.message}`).join("\n")}`,
    );
    this.name = "InvariantError";
    this.violations = violations;
  }
}

/** Every invariant the run breaks (empty: none). Pure except for reading the sandbox's state. */
export function findViolations(options: InvariantOptions): Violation[] {
  const { results } = options;
  const out: Violation[] = [];
  const add = (code: ViolationCode, message: string): void => {
    out.push({ code, message });
  };

  // The results file is a contract: the input's columns as written, then ours (issue 2).
  const tail = results.header.slice(-RESULT_COLUMNS.length);
  if (tail.join(",") !== RESULT_COLUMNS.join(",")) {
    add(
      "HEADER",
      `header must end with ${RESULT_COLUMNS.join(",")}; got ${results.header.join(",")}`,
    );
  }
  const input = options.input;
  if (input !== undefined) {
    const want = [...input.header, ...RESULT_COLUMNS];
    if (results.header.join("\u0000") !== want.join("\u0000")) {
      add("HEADER", `header must be the input's then ours; got ${results.header.join(",")}`);
    }
  }

  if (results.rows.length !== options.inputRows) {
    add("ROW_COUNT", `${options.inputRows} rows in, ${results.rows.length} result rows out`);
  }

  const allowed = new Set<string>(options.allowedResults ?? RESULT_STATES);
  // Without line breaks inside cells, data row i starts on line i + 2 (the header is line 1).
  const oneLinePerRow =
    input !== undefined && !input.rows.some((row) => row.some((cell) => /[\r\n]/.test(cell)));
  let previousLine = 0;
  results.rows.forEach((row, i) => {
    const at = `result row ${i + 1}`;
    const lineText = row.line ?? "";
    const line = /^[1-9]\d*$/.test(lineText) ? Number(lineText) : Number.NaN;
    if (Number.isNaN(line)) {
      add("LINE_NOT_INTEGER", `${at}: line ${JSON.stringify(lineText)} is not a positive integer`);
    } else {
      if (line <= previousLine) {
        add("LINE_ORDER", `${at}: line ${line} does not follow line ${previousLine}`);
      }
      if (oneLinePerRow && line !== i + 2) {
        add("LINE_MISMATCH", `${at}: line ${line}, but the input has it on line ${i + 2}`);
      }
      previousLine = line;
    }
    const result = row.result ?? "";
    if (!KNOWN_STATES.has(result)) {
      add("RESULT_UNKNOWN", `${at} (line ${lineText}): result ${JSON.stringify(result)}`);
    } else if (!allowed.has(result)) {
      add(
        "RESULT_NOT_ALLOWED",
        `${at} (line ${lineText}): result ${result} (error ${row.error ?? ""}: ${row.message ?? ""})`,
      );
    }
    const success = SUCCESS_STATES.has(result as RowResultState) ? "true" : "false";
    if (row.success !== success) {
      add(
        "SUCCESS_MISMATCH",
        `${at}: result ${result} needs success=${success}, got ${row.success}`,
      );
    }
    // Every row that did not succeed names its stable code; a successful one names none.
    const code = row.error_code ?? "";
    if (success === "false" ? !/^E_[A-Z0-9_]+$/.test(code) : code !== "") {
      add(
        "ERROR_CODE",
        `${at} (line ${lineText}): result ${result} with error_code ${JSON.stringify(code)}`,
      );
    }
    const given = input?.rows[i];
    if (given !== undefined) {
      const record = results.records[i] ?? [];
      input?.header.forEach((name, j) => {
        const want = neutralised(given[j] ?? "");
        if (record[j] !== want) {
          add(
            "CELL_MISMATCH",
            `${at}, column ${name}: ${JSON.stringify(record[j])} instead of ${JSON.stringify(want)}`,
          );
        }
      });
    }
  });

  const code = options.code !== undefined ? options.code : options.run?.code;
  if (options.expectCode !== undefined) {
    const wanted =
      typeof options.expectCode === "number" ? [options.expectCode] : options.expectCode;
    if (code === undefined || code === null || !wanted.includes(code)) {
      const stderr = options.run?.stderr.slice(-2000) ?? "";
      add(
        "EXIT_CODE",
        `exit code ${code} (signal ${options.run?.signal ?? "none"}), wanted ${wanted.join(" or ")}${stderr ? `; stderr ends: ${stderr}` : ""}`,
      );
    }
  }

  const sandbox = options.sandbox;
  if (sandbox !== undefined) {
    // Only orders the run created shipments on can hold a duplicate it made; reading just those
    // keeps this cheap on a 100 000-order generated store.
    const touched = new Set(sandbox.store.createdShipments().map((s) => s.order_id));
    for (const orderId of touched) {
      const perTracking = new Map<string, number[]>();
      for (const shipment of sandbox.store.listShipments(orderId)) {
        // Compared as carriers print them: `1Z 999 AA1…` and `1z999aa1…` are one parcel.
        const key = shipment.tracking_number.replace(/[\s-]+/g, "").toLowerCase();
        const ids = perTracking.get(key) ?? [];
        ids.push(shipment.id);
        perTracking.set(key, ids);
      }
      for (const [tracking, ids] of perTracking) {
        if (ids.length > 1) {
          add(
            "DUPLICATE_SHIPMENT",
            `order ${orderId} has ${ids.length} shipments with tracking number ${JSON.stringify(tracking)} (ids ${ids.join(", ")})`,
          );
        }
      }
    }
  }

  const runSecrets = (options.run && secretsByRun.get(options.run)) ?? latestRunSecrets;
  const secrets = options.secrets ?? [
    ...new Set([...(sandbox ? [sandbox.env.BIGCOMMERCE_ACCESS_TOKEN] : []), ...runSecrets]),
  ];
  const texts: [string, string][] = [["results file", results.text]];
  if (options.run) texts.push(["stdout", options.run.stdout], ["stderr", options.run.stderr]);
  for (const where of whereSecretsAppear(texts, secrets)) add("SECRET_LEAK", where);
  return out;
}

/** Throws InvariantError listing every broken invariant; otherwise returns counts per result. */
export function checkInvariants(options: InvariantOptions): InvariantSummary {
  const violations = findViolations(options);
  if (violations.length > 0) throw new InvariantError(violations);
  const counts: Partial<Record<RowResultState, number>> = {};
  for (const row of options.results.rows) {
    const result = row.result as RowResultState;
    counts[result] = (counts[result] ?? 0) + 1;
  }
  return {
    counts,
    shipmentsCreated: options.sandbox?.store.createdShipments().length ?? 0,
  };
}

// ---- Sandbox ----

/** The variables that point the CLI at `sandbox`, plus `extra`. */
export function sandboxEnv(
  sandbox: Pick<Sandbox, "env">,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { ...sandbox.env, ...extra };
}

/**
 * A sandbox store for an end-to-end test: unlimited quota unless given, and a distinctive access
 * token so the leak check means something. Inside a test it is closed when the test finishes;
 * from beforeAll, close it in afterAll.
 */
export async function startE2eSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({
    quota: 0,
    accessToken: `e2e-token-${randomBytes(12).toString("hex")}`,
    ...options,
  });
  onTestEnd(() => sandbox.close());
  return sandbox;
}

// ---- Rows against a generated store ----

export type OrderRowKind = "status" | "note" | "shipment" | "mixed";

/** Columns of orderRows' files. */
export const ORDER_ROW_HEADER: readonly string[] = [
  "order_id",
  "status_id",
  "staff_notes",
  "tracking_number",
  "shipping_provider",
  "tracking_carrier",
  "order_address_id",
];

export interface OrderRowOptions {
  /** Orders the rows spread over (row i is for order firstId + i % orders). @default n */
  orders?: number;
  /** @default GENERATED_FIRST_ID (100000), the first order of `seed: { generate }` */
  firstId?: number;
  /** Makes notes and tracking numbers unique across files of one test. @default "A" */
  tag?: string;
  /** status_id of status rows. @default "10" (Completed: no generated order has it, so it is a change) */
  status?: string;
}

/**
 * `n` valid rows for a sandbox started with `seed: { generate: { orders } }` (at least `orders`
 * orders). Kinds: status changes, staff notes (unique per row), shipments (unique tracking numbers,
 * `ups`, for the order's first address `id * 10 + 1`, which every generated order has), or mixed
 * (status, note, shipment in turn). Two shipment rows on one order (orders < n) leave the second
 * with nothing to ship.
 */
export function orderRows(
  n: number,
  kind: OrderRowKind,
  options: OrderRowOptions = {},
): { header: string[]; rows: string[][] } {
  const orders = options.orders ?? n;
  const firstId = options.firstId ?? GENERATED_FIRST_ID;
  const tag = options.tag ?? "A";
  if (!/^[A-Za-z0-9]{1,20}$/.test(tag))
    throw new TypeError("orderRows: tag must be 1-20 letters or digits");
  const rows = Array.from({ length: n }, (_, i) => {
    const orderId = firstId + (i % Math.max(1, orders));
    const rowKind = kind === "mixed" ? (["status", "note", "shipment"] as const)[i % 3] : kind;
    const row = [String(orderId), "", "", "", "", "", ""];
    if (rowKind === "status") row[1] = options.status ?? "10";
    if (rowKind === "note") row[2] = `e2e ${tag} row ${i + 1}`;
    if (rowKind === "shipment") {
      // At most 50 characters (orders.v2 orderShipment_Post.tracking_number).
      row[3] = `1ZE2E${tag}${String(i + 1).padStart(7, "0")}`;
      row[4] = "ups";
      row[6] = String(orderId * 10 + 1);
    }
    return row;
  });
  return { header: [...ORDER_ROW_HEADER], rows };
}

// ---- Waiting ----

/**
 * Polls `condition` until it holds, e.g. until the sandbox has applied some writes before a test
 * sends a signal. Rejects with a message after `timeoutMs`.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (performance.now() >= deadline) {
      throw new Error(`waitUntil: ${options.what ?? "condition"} not met within ${timeoutMs} ms`);
    }
    await delay(options.intervalMs ?? 10);
  }
}

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** A fixture (or `content`) copied into a fresh directory, so its results file lands beside it. */
export interface PreparedInput {
  readonly dir: string;
  readonly input: string;
  readonly results: string;
}

export async function prepareInput(name: string, content?: string): Promise<PreparedInput> {
  const dir = await tempDir("bc-input-");
  const input = join(dir, name);
  if (content === undefined) await copyFile(join(FIXTURES, name), input);
  else await writeFile(input, content);
  return { dir, input, results: join(dir, name.replace(/\.csv$/, ".results.csv")) };
}

/** Everything a sandbox store holds (orders and their shipments), to check a run changed nothing. */
export function storeState(sandbox: Sandbox): unknown[] {
  return sandbox.store.orderIds().map((id) => ({
    order: sandbox.store.getOrder(id),
    shipments: sandbox.store.listShipments(id),
  }));
}

// ---- The human summary on stderr ----

export interface SummaryCounts {
  /** The rows the summary's first line counts. */
  readonly rows: number;
  /** Rows per result state this run reported (carried-over rows apart). */
  readonly counts: Readonly<Partial<Record<RowResultState, number>>>;
}

/**
 * The counts of the summary's first line (`16 rows: updated 10, failed 3` or, after --resume,
 * `… ; this run: updated 2`); undefined when `text` holds no summary. Only the numbers and the
 * result states are read, never the wording around them.
 */
export function summaryCounts(text: string): SummaryCounts | undefined {
  const line = /^(\d+) rows?: (.*)$/m.exec(text);
  if (line === null) return undefined;
  const own = (line[2] ?? "").split("this run: ").at(-1) ?? "";
  const counts: Partial<Record<RowResultState, number>> = {};
  for (const [, state, count] of own.matchAll(/\b([a-z_]+) (\d+)\b/g)) {
    if (KNOWN_STATES.has(state as string)) counts[state as RowResultState] = Number(count);
  }
  return { rows: Number(line[1]), counts };
}

// ---- Fatal errors ----

/**
 * The stable codes a CLI run printed on stderr, in order: every fatal message ends with
 * `[E_CODE]` (src/cli.ts), as do some warnings. Assert on these, never on the prose before them.
 */
export function stderrCodes(stderr: string): string[] {
  return [...stderr.matchAll(/\[(E_[A-Z0-9_]+)\]$/gm)].map((match) => match[1] as string);
}

/**
 * A run that ended on a fatal error: exit `exit` (2 unless given), `code` as the only code on
 * stderr, no stack trace (nor an unhandled rejection's, which prints one), and, where given, each
 * of `names` (a file the operator must look at) on stderr.
 */
export function expectFatal(
  run: CliResult,
  code: string,
  options: { exit?: number; names?: readonly string[] } = {},
): void {
  expect(run.code, run.stderr).toBe(options.exit ?? 2);
  expect(stderrCodes(run.stderr), run.stderr).toEqual([code]);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  for (const name of options.names ?? []) expect(run.stderr).toContain(name);
}

/**
 * A file refused as a whole (issue #5): exit 2, `file:line: ` on stderr ending with the fatal
 * code (`code` when given), without a stack trace, not one request to the store, the store
 * unchanged, and no results file.
 */
export function expectFileRejected(
  run: CliResult,
  sandbox: Sandbox,
  before: unknown,
  where: {
    readonly input: string;
    readonly results: string;
    readonly line?: number | undefined;
    readonly code?: string | undefined;
  },
): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stderr).toContain(
    where.line === undefined ? `${where.input}: ` : `${where.input}:${where.line}: `,
  );
  const codes = stderrCodes(run.stderr);
  if (where.code === undefined) expect(codes, run.stderr).toHaveLength(1);
  else expect(codes, run.stderr).toEqual([where.code]);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(sandbox.stats().requests).toBe(0);
  expect(storeState(sandbox)).toEqual(before);
  expect(existsSync(where.results)).toBe(false);
}
