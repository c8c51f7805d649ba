#!/usr/bin/env node
/**
 * The edge: argv → options, signals → AbortController, errors and summaries → exit codes.
 * The only file that touches `process` (STYLE.md R8).
 */
import { readFileSync } from "node:fs";
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { redactSecret } from "./api/secret.js";
import type { ErrorCode } from "./codes.js";
import type { StoreDirectory } from "./credentials.js";
import { BatchError, UsageError } from "./errors.js";
import { removeInputSnapshotsSync } from "./input/read-rows.js";
import { type CliFlags, normalizeRunOptions } from "./options.js";
import { formatEstimate } from "./output/estimate.js";
import { releaseHeldLocksSync } from "./output/lock.js";
import { defaultOutputPath, outputPathsOf } from "./output/paths.js";
import { ProgressReporter } from "./output/progress.js";
import { resumeCommand } from "./output/resume-command.js";
import {
  exitCodeOf,
  fatalToJson,
  formatSummary,
  type RunMode,
  type RunSummary,
  SIGNAL_EXIT_CODES,
  type StopSignal,
  type SummaryContext,
  summaryToJson,
} from "./output/summarize.js";
import { type RunOptions, runBatch } from "./run.js";
import { SUCCESS_STATES } from "./types.js";
import { USER_AGENT, VERSION } from "./version.js";

const EXAMPLES: readonly [string, string][] = [
  ["$0 tracking.csv", "Nightly tracking upload: create shipments, write tracking.results.csv"],
  ["$0 statuses.csv", "Status change: set each row's status_id (id or name), notes, billing"],
  ["$0 statuses.csv --dry-run", "Show what would change, without writing anything"],
  [
    "$0 tracking.csv --resume",
    "Carry on after an interrupted run (never creates a second shipment)",
  ],
  ["$0 validate export.csv", "Check a file offline: no credentials, no network"],
  ["$0 check", "Check the store's credentials, scope and quota before a first run"],
  ["$0 statuses", "List the store's order statuses (id, system label, custom label)"],
  ["$0 sandbox --orders 500", "Start a local practice store and print its settings"],
];

/** The stores the read-only commands look at, from flags and environment; their tokens redacted. */
async function storesOf(argv: {
  storeHash?: string | undefined;
  apiUrl?: string | undefined;
  credentials?: string | undefined;
  credentialsId?: string | undefined;
}): Promise<StoreDirectory> {
  const { loadStoreDirectory } = await import("./credentials.js");
  const stores = await loadStoreDirectory({
    env: process.env,
    storeHash: argv.storeHash,
    apiUrl: argv.apiUrl,
    credentialsFile: argv.credentials,
    credentialsId: argv.credentialsId,
    platform: process.platform,
  });
  rememberTokens(stores);
  return stores;
}

/** The flags of the read-only store commands (`check`, `statuses`): which store, how long to wait. */
function storeLookupFlags(argv: Argv) {
  return argv
    .option("store-hash", { type: "string", describe: "Store hash [env BIGCOMMERCE_STORE_HASH]" })
    .option("api-url", { type: "string", describe: "API base URL [env BIGCOMMERCE_API_URL]" })
    .option("credentials", {
      type: "string",
      describe: "Credentials file [env BIGCOMMERCE_CREDENTIALS_FILE]",
    })
    .option("credentials-id", { type: "string", describe: "Which entry of the credentials file" })
    .option("timeout", { type: "number", default: 30, describe: "Seconds to wait for one answer" });
}

function runFlags(argv: Argv) {
  const withOutput = argv
    .positional("input", {
      type: "string",
      describe: "CSV file of order updates",
      demandOption: true,
    })
    .option("output", {
      alias: "o",
      type: "string",
      nargs: 1, // without it yargs-parser reads `--output -` as a stray "-" argument
      describe:
        "Results CSV (- for stdout) [default: <input>.results.csv; <input>.dry-run.csv with --dry-run; <input>.validate.csv for validate]",
    })
    .option("report", {
      type: "string",
      nargs: 1,
      describe:
        "Also write a one-page HTML report of the run (one self-contained file: open it in any browser, attach it to an email)",
    });
  return readFlags(withOutput);
}

/** The flags of how a file is read and reported, shared by `run`, `validate` and `inbox`. */
function readFlags<T>(argv: Argv<T>) {
  return argv
    .option("encoding", {
      type: "string",
      describe: "Force the input encoding: utf-8, utf-16le, utf-16be, windows-1252",
    })
    .option("delimiter", {
      type: "string",
      describe: "Force the delimiter: comma, semicolon, tab, pipe",
    })
    .option("map", {
      type: "string",
      array: true,
      describe:
        'Rename input columns: "Ref=order_id,Tracking=tracking_number" (or @file; # comments)',
    })
    .option("allow-extra-columns", {
      type: "boolean",
      describe: "Keep unknown columns (copied to the results untouched)",
    })
    .option("excel", {
      type: "boolean",
      describe: "Write the results with a BOM so Excel shows accents correctly",
    })
    .option("json", { type: "boolean", describe: "Print the summary as one JSON object on stdout" })
    .option("quiet", {
      alias: "q",
      type: "boolean",
      describe: "No progress bar and no summary on stderr (warnings and errors still show)",
    })
    .option("progress-every", {
      type: "number",
      describe: "Seconds between two progress lines when stderr is not a terminal [default: 10]",
    })
    .option("debug", { type: "boolean", describe: "Log every request and show stack traces" });
}

function storeFlags(argv: Argv) {
  return argv
    .option("concurrency", {
      alias: "c",
      type: "number",
      describe: "Orders worked on at once, per store",
      default: 4,
    })
    .option("dry-run", { type: "boolean", describe: "Read only: report what would change" })
    .option("reads", {
      type: "string",
      describe:
        "How orders are read: bulk (orders read together, only changed values written) or per-order (the older flow, several reads per shipment row)",
      default: "bulk",
    })
    .option("already-shipped", {
      type: "string",
      describe:
        "An order another app already shipped (other tracking number, nothing left to ship): ok (unchanged, the default) or fail (failed, E_ALREADY_SHIPPED)",
    })
    .option("resume", {
      type: "boolean",
      describe: "Skip rows the results file already shows as done",
    })
    .option("timeout", { type: "number", describe: "Seconds to wait for one answer", default: 30 })
    .option("reserve", {
      type: "number",
      describe: "Requests per quota window left for other apps [default: 10% of the quota]",
    })
    .option("grace", {
      type: "number",
      describe: "Seconds in-flight rows get to finish after Ctrl-C",
      default: 30,
    })
    .option("store-hash", { type: "string", describe: "Store hash [env BIGCOMMERCE_STORE_HASH]" })
    .option("api-url", {
      type: "string",
      describe: "API base URL [env BIGCOMMERCE_API_URL, default https://api.bigcommerce.com]",
    })
    .option("credentials", {
      type: "string",
      describe: "Credentials file (JSON, mode 0600) [env BIGCOMMERCE_CREDENTIALS_FILE]",
    })
    .option("credentials-id", {
      type: "string",
      describe: "Credentials file entry for rows without credentials_id",
    })
    .option("max-attempts", { type: "number", hidden: true })
    .option("retry-budget", { type: "number", hidden: true })
    .option("backoff-base-ms", { type: "number", hidden: true })
    .option("backoff-max-ms", { type: "number", hidden: true })
    .option("reconcile-delay-ms", { type: "number", hidden: true });
}

interface Printer {
  readonly err: (text: string) => void;
  readonly out: (text: string) => void;
}

/**
 * Every access token of this process (issue 5): the environment's and each entry's of the
 * credentials file. Filled when main starts, so that a usage error already hides them, and again
 * once the store directory is loaded (rememberTokens).
 */
const secrets = new Set<string>();

/** Shorter values are not replaced: "[REDACTED]" for every "t" would garble every message. */
const MIN_REDACTED_LENGTH = 4;

function addSecret(token: string | undefined): void {
  if (token !== undefined && token.length >= MIN_REDACTED_LENGTH) secrets.add(token);
  // The token as sent: trimmed (api/secret.ts), as axios trims the header value.
  const trimmed = token?.trim();
  if (trimmed !== undefined && trimmed.length >= MIN_REDACTED_LENGTH) secrets.add(trimmed);
}

/** The tokens of a loaded store directory: the environment's store and every credentials entry. */
function rememberTokens(stores: StoreDirectory | undefined): void {
  if (!stores) return; // validate: no credentials
  for (const id of [undefined, ...(stores.ids ?? [])]) {
    try {
      addSecret(stores.get(id).accessToken);
    } catch {
      // No store for this id (no default store): no token either.
    }
  }
}

/**
 * Before the flags are parsed (yargs reports an unknown argument before any store is loaded): the
 * environment's token, and every `"access_token": "…"` of the credentials file that --credentials
 * or BIGCOMMERCE_CREDENTIALS_FILE names, read leniently: a file the run will refuse (bad JSON,
 * open permissions) still holds real tokens. Unreadable files are left to loadStoreDirectory.
 */
function rememberNamedTokens(args: readonly string[], env: NodeJS.ProcessEnv): void {
  addSecret(env.BIGCOMMERCE_ACCESS_TOKEN);
  const files = [env.BIGCOMMERCE_CREDENTIALS_FILE];
  args.forEach((arg, i) => {
    if (arg === "--credentials") files.push(args[i + 1]);
    else if (arg.startsWith("--credentials=")) files.push(arg.slice("--credentials=".length));
  });
  for (const file of files) {
    let text: string;
    try {
      text = file ? readFileSync(file, "utf8") : "";
    } catch {
      continue;
    }
    for (const [, raw = ""] of text.matchAll(/"access_token"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) {
      addSecret(raw);
      try {
        addSecret(JSON.parse(`"${raw}"`) as string); // the token itself when it holds escapes
      } catch {
        // Not a valid JSON string: the raw text is all there is.
      }
    }
  }
}

/**
 * Last line of defence for the secrets: whatever we print, no known token shows, even when a user
 * pasted one where an argument was expected ("Unknown argument: <token>") or into the input file.
 */
function redact(text: string): string {
  let out = text;
  // Longest first, so that a token containing another never shows in part.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    out = redactSecret(out, secret); // also its upper-cased, URL-encoded and base64 forms
  }
  return out;
}

/**
 * What is known of this command when it ends without a summary, for `--json` (issue 14: a
 * scheduler always gets one JSON object on stdout): filled as the arguments are understood.
 */
const ending: {
  json: boolean;
  command?: string;
  input?: string;
  results?: string;
} = { json: false };

/** Whether the arguments ask for `--json`, read before (or without) the parser: the last of `--json`, `--no-json`, `--json=…` wins. */
function wantsJson(args: readonly string[]): boolean {
  let json = false;
  for (const arg of args) {
    if (arg === "--") break;
    if (arg === "--json" || arg === "--json=true") json = true;
    else if (arg === "--no-json" || arg === "--json=false") json = false;
  }
  return json;
}

/** `--json` on a fatal ending: one object naming the code, the message (redacted) and what is known. */
function printFatalJson(code: string, message: string, exitCode: number, error?: unknown): void {
  if (!ending.json) return;
  const where = error as { file?: unknown; line?: unknown } | undefined;
  printer.out(
    JSON.stringify(
      fatalToJson({
        code,
        message: redact(message),
        exitCode,
        command: ending.command,
        inputFile: ending.input,
        resultsFile: ending.results,
        file: typeof where?.file === "string" ? where.file : undefined,
        line: typeof where?.line === "number" ? where.line : undefined,
      }),
    ),
  );
}

const printer: Printer = {
  err: (text) => process.stderr.write(`${redact(text)}\n`),
  out: (text) => process.stdout.write(`${redact(text)}\n`),
};

/**
 * SIGINT/SIGTERM/SIGHUP: stop starting rows, let rows in flight finish; a second SIGINT exits at
 * once (issue #4). SIGHUP (the terminal or ssh session closed) is a stop like SIGTERM: without a
 * handler it would kill the run mid-write, leaving no result for the rows in flight. Node resets
 * SIGHUP to its default action at start-up, so `nohup` never protected a run anyway.
 */
function watchSignals(controller: AbortController): () => StopSignal | undefined {
  let received: StopSignal | undefined;
  const onSignal = (name: StopSignal) => {
    if (received !== undefined && name === "SIGINT") {
      const message =
        "Second interrupt: exiting now. Rows in flight have no result; run again with --resume.";
      printer.err(`${message} [E_INTERRUPTED]`);
      printFatalJson("E_INTERRUPTED", message, 130);
      // process.exit runs no `finally`: free the results file's lock here.
      releaseHeldLocksSync();
      removeInputSnapshotsSync(); // the private copy of the input
      process.exit(130);
    }
    received ??= name;
    printer.err(
      `${name}: finishing the rows in flight, then stopping (Ctrl-C again to exit at once)…`,
    );
    controller.abort();
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGHUP", () => onSignal("SIGHUP"));
  return () => received;
}

async function runCommand(
  flags: CliFlags & { quiet?: boolean; debug?: boolean; report?: string },
  mode: "run" | "validate",
): Promise<number> {
  const job: RunMode = mode === "validate" ? "validate" : flags.dryRun ? "dry-run" : "run";
  ending.json = Boolean(flags.json);
  ending.command = mode;
  ending.input = flags.input;
  if (flags.output !== "-") ending.results = flags.output ?? defaultOutputPath(flags.input, job);
  const options = await normalizeRunOptions(flags, mode, {
    env: process.env,
    platform: process.platform,
    stdout: process.stdout,
    readText: (path) => readFileSync(path, "utf8"),
  });
  rememberTokens(options.stores);
  const controller = new AbortController();
  const signalName = watchSignals(controller);
  // A closed or failing stdout (`-o - | head`: EPIPE): stop starting rows, never crash. runBatch,
  // which writes the results there, ends the run itself: a closed pipe like an interrupt (summary
  // on stderr, exit 130), any other write error as E_OUTPUT_WRITE (exit 2). Throwing here would
  // be an uncaught exception past both.
  process.stdout.on("error", () => controller.abort());
  // After SIGHUP the terminal is gone: writing the progress or summary there fails (EIO, EPIPE).
  // That must not crash the run before it has written its results file.
  process.stderr.on("error", () => {});
  const context: SummaryContext = {
    mode: job,
    // validate has no --resume: it sends nothing, running it again is all there is to do.
    resumeCommand: mode === "run" ? resumeCommand(flags) : undefined,
  };
  const report =
    flags.report === undefined ? undefined : await prepareReport(flags.report, options);
  let summary: RunSummary;
  try {
    summary = await runWithProgress(
      report?.hook(options) ?? options,
      flags,
      controller.signal,
      undefined,
      context,
    );
  } catch (error) {
    // A run-level error after some rows (e.g. E_OUTPUT_WRITE): the report shows what was done.
    // Before the first row there is nothing to show.
    if (report !== undefined && report.collector.rows > 0 && error instanceof BatchError) {
      await report.write({ error: { code: error.code, message: error.message } }, flags);
    }
    throw error;
  }
  await report?.write({ summary }, flags);
  const exitCode = exitCodeOf(summary, signalName());
  if (flags.json) {
    printer.out(JSON.stringify(summaryToJson(summary, { ...context, exitCode })));
  }
  return exitCode;
}

/**
 * `--report FILE.html` (issue 16): the path checked before the run, a collector fed by runBatch's
 * callbacks, and the page written at the end, also after an interrupt (not after a second Ctrl-C,
 * which exits at once). A report that cannot be written is a warning: the run's results stand.
 */
async function prepareReport(reportPath: string, options: RunOptions) {
  const { ReportCollector } = await import("./output/report-data.js");
  const { renderReport } = await import("./output/report.js");
  const { checkReportPath, writeReportFile } = await import("./output/report-file.js");
  const outputs =
    typeof options.output === "string"
      ? outputPathsOf(options.output, { resume: options.resume ?? false, failedFile: true })
      : [];
  await checkReportPath(reportPath, options.input, outputs);
  const collector = new ReportCollector({ redact });
  const storeHashes = new Set<string>();
  for (const id of options.stores ? [undefined, ...(options.stores.ids ?? [])] : []) {
    try {
      storeHashes.add(options.stores?.get(id).storeHash ?? "");
    } catch {
      // No store for this id (no default store).
    }
  }
  storeHashes.delete("");
  return {
    collector,
    /** The options with the collector chained before the CLI's own callbacks. */
    hook: (run: RunOptions): RunOptions => ({
      ...run,
      onRow: (outcome) => {
        collector.onRow(outcome);
        run.onRow?.(outcome);
      },
      onApiEvent: (event) => {
        collector.onApiEvent(event);
        run.onApiEvent?.(event);
      },
    }),
    write: async (
      ending: { summary?: RunSummary; error?: { code: string; message: string } },
      flags: { quiet?: boolean },
    ): Promise<void> => {
      const data = collector.build({
        version: VERSION,
        command: options.mode,
        input: options.input,
        storeHashes: [...storeHashes],
        flags: {
          dryRun: options.dryRun ?? false,
          resume: options.resume ?? false,
          concurrency: options.concurrency,
          reserve: options.reserve,
        },
        summary: ending.summary,
        // The store's quota, as its first answer announced it: the chart's line.
        quota: ending.summary?.estimate?.quota,
        error: ending.error,
        reportPath,
        // Issue 15: what the run's undo file would restore.
        undo: ending.summary?.undo && {
          file: ending.summary.undo.file,
          byField: ending.summary.undo.byField,
        },
      });
      try {
        // Redacted whole as well: a token pasted into a cell must not reach the page either.
        await writeReportFile(reportPath, redact(renderReport(data)));
        if (!flags.quiet) printer.err(`report: ${reportPath}`);
      } catch (error) {
        printer.err(
          `warning: could not write the report ${reportPath}: ${(error as Error).message}; the run's results stand [E_OUTPUT_WRITE]`,
        );
      }
    },
  };
}

/** runBatch with the CLI's warnings, progress, debug log and summary on stderr (run and inbox). */
async function runWithProgress(
  options: RunOptions,
  // summary: false leaves the summary to the caller (inbox prints it once the files have moved).
  flags: { quiet?: boolean; debug?: boolean; summary?: boolean; progressEvery?: number },
  signal: AbortSignal,
  label?: string,
  context: SummaryContext = {},
): Promise<RunSummary> {
  // Debug lines would tear a live bar apart: one or the other.
  let progress: ProgressReporter | undefined;
  try {
    const summary = await runBatch({
      ...options,
      signal,
      onStart: (info) => {
        for (const warning of info.warnings) printer.err(`warning: ${warning}`);
        if (!flags.quiet && !flags.debug) {
          const every = flags.progressEvery;
          if (every !== undefined && !(Number.isFinite(every) && every > 0 && every <= 3600)) {
            throw new UsageError(
              `Expected \`--progress-every\` to be a number of seconds above 0 (at most 3600), got ${every}`,
            );
          }
          progress = new ProgressReporter({
            stream: process.stderr,
            total: info.rowCount,
            ...(every !== undefined ? { intervalMs: Math.round(every * 1000) } : {}),
            ...(label !== undefined ? { label } : {}),
          });
        }
      },
      onRow: (outcome) => {
        options.onRow?.(outcome); // e.g. the --report collector
        progress?.row(!SUCCESS_STATES.has(outcome.result), outcome.carriedOver === true);
      },
      onEstimate: (estimate) => {
        // Before the first write: how long this will take at the store's quota (issue 14).
        if (!flags.quiet) printer.err(formatEstimate(estimate));
      },
      onApiEvent: (event) => {
        options.onApiEvent?.(event);
        if (flags.debug) printer.err(`debug: ${JSON.stringify(event)}`);
        else if (event.type === "rate_limited" || event.type === "throttle")
          progress?.waiting(event.waitMs, event);
      },
    });
    progress?.finish();
    if (!flags.quiet && flags.summary !== false) {
      printer.err(formatSummary(summary, context));
      // A dry run counted what the real run will send: its estimate is exact.
      if (summary.estimate?.exact) printer.err(formatEstimate(summary.estimate));
    }
    return summary;
  } finally {
    progress?.finish();
  }
}

/** Flags of `inbox <dir>`: the run's, plus the folder's own. */
type InboxFlags = Omit<CliFlags, "input" | "output"> & {
  readonly dir: string;
  readonly settle?: number | undefined;
  readonly watch?: string | undefined;
  readonly notify?: string | undefined;
  readonly quiet?: boolean;
  readonly debug?: boolean;
};

/** `inbox <dir>` (commands/inbox.ts): each settled CSV of the folder as a run with these flags. */
async function inboxCommand(flags: InboxFlags): Promise<number> {
  const { checkInboxFlags, describeFileReport, fileReportToJson, passReportToJson, runInbox } =
    await import("./commands/inbox.js");
  const { checkNotifyUrl, postNotification, shownUrl } = await import("./commands/notify.js");
  ending.command = "inbox";
  const { settleMs, watchMs } = checkInboxFlags(flags);
  const notifyUrl = flags.notify !== undefined ? checkNotifyUrl(flags.notify) : undefined;
  const environment = {
    env: process.env,
    platform: process.platform,
    stdout: process.stdout,
    readText: (path: string) => readFileSync(path, "utf8"),
  };
  const prepare = async (job: { input: string; output: string; resume: boolean }) => {
    const options = await normalizeRunOptions({ ...flags, ...job }, "run", environment);
    rememberTokens(options.stores);
    return options;
  };
  // Bad flags or credentials fail now (exit 2), before the folder is touched.
  await prepare({ input: "check.csv", output: "check.results.csv", resume: false });
  const controller = new AbortController();
  const signalName = watchSignals(controller);
  process.stdout.on("error", () => controller.abort());
  process.stderr.on("error", () => {});
  const result = await runInbox({
    dir: flags.dir,
    settleMs,
    watchMs,
    signal: controller.signal,
    prepare,
    run: (options, file) =>
      runWithProgress(options, { ...flags, summary: false }, controller.signal, file),
    exitCodeOf: (summary) => exitCodeOf(summary, signalName()),
    stopExitCode: () => SIGNAL_EXIT_CODES[signalName() ?? "SIGINT"],
    redact,
    onWarning: (text) => printer.err(`warning: ${text}`),
    onFile: async (report) => {
      if (!flags.quiet) {
        // The summary names the results where they are now (done/ or failed/), not processing/.
        if (report.summary) printer.err(formatSummary(report.summary, { mode: "run" }));
        printer.err(`inbox: ${describeFileReport(report)}`);
      }
      const line = fileReportToJson(report);
      if (flags.json) printer.out(JSON.stringify(line));
      if (notifyUrl === undefined) return;
      // Redacted like everything we print: the receiver is outside the store.
      const body = JSON.parse(redact(JSON.stringify(line))) as Record<string, unknown>;
      await postNotification(
        notifyUrl,
        { text: redact(`bc-order-batch inbox: ${describeFileReport(report)}`), ...body },
        { userAgent: USER_AGENT },
      ).catch((error: unknown) =>
        printer.err(
          `warning: --notify ${shownUrl(notifyUrl)}: ${(error as Error).message}; the file's result stands`,
        ),
      );
    },
    onPass: (pass) => {
      if (flags.json) printer.out(JSON.stringify(passReportToJson(pass)));
    },
  });
  return result.exitCode;
}

export async function main(args: readonly string[]): Promise<number> {
  rememberNamedTokens(args, process.env);
  ending.json = wantsJson(args);
  let exitCode = 0;
  let debug = args.includes("--debug");
  const parser = yargs([...args])
    .scriptName("bc-order-batch")
    .usage(
      "$0 <input.csv> [options]\n\nApply a CSV of order updates to a BigCommerce store (V2 Orders API).",
    )
    .command(
      "$0 <input>",
      "Apply the file's updates and write a results CSV",
      (argv) => storeFlags(runFlags(argv)),
      async (argv) => {
        exitCode = await runCommand(argv as unknown as CliFlags, "run");
      },
    )
    .command(
      "validate <input>",
      "Check a file offline (no credentials, no network) and write a results CSV",
      (argv) => runFlags(argv),
      async (argv) => {
        exitCode = await runCommand(argv as unknown as CliFlags, "validate");
      },
    )
    .command(
      "inbox <dir>",
      "For cron: run every settled *.csv of a folder, oldest first, into done/ or failed/",
      (argv) =>
        storeFlags(
          readFlags(
            argv.positional("dir", {
              type: "string",
              describe: "The drop folder (its processing/, done/ and failed/ are made in it)",
              demandOption: true,
            }),
          ),
        )
          .option("settle", {
            type: "number",
            default: 30,
            describe: "Take a file only once it has not changed for this many seconds",
          })
          .option("watch", {
            type: "string",
            describe: "Keep polling every S seconds (default 60) until SIGINT/SIGTERM",
          })
          .option("notify", {
            type: "string",
            describe: "POST each file's JSON summary (with a Slack `text`) to this https URL",
          })
          // Refused by inbox (checkInboxFlags): it resumes by itself, and never dry-runs into done/.
          .hide("dry-run")
          .hide("resume"),
      async (argv) => {
        exitCode = await inboxCommand(argv as unknown as InboxFlags);
      },
    )
    .command(
      "sandbox",
      "Run a local practice store (BigCommerce V2 look-alike) and print how to point the tool at it",
      (argv) =>
        argv
          .option("port", {
            type: "number",
            default: 8787,
            describe: "TCP port on 127.0.0.1 (0: any free port)",
          })
          .option("orders", {
            type: "number",
            describe: "Generate this many orders (ids from 100000) instead of samples/store.json",
          })
          .option("quota", {
            type: "number",
            default: 150,
            describe: "Requests per window (0: unlimited)",
          })
          .option("window", { type: "number", default: 30000, describe: "Quota window, ms" })
          .option("latency", { type: "number", default: 0, describe: "Added to every answer, ms" }),
      async (argv) => {
        const { runSandboxCommand, SandboxError } = await import("./sandbox/index.js");
        // Handlers first: a caller that stops the store as soon as the banner is out must not
        // kill it mid-way (exit by signal instead of a clean close).
        const stop = new AbortController();
        process.once("SIGINT", () => stop.abort());
        process.once("SIGTERM", () => stop.abort());
        await runSandboxCommand(
          {
            port: argv.port,
            quota: argv.quota,
            window: argv.window,
            latency: argv.latency,
            ...(argv.orders !== undefined ? { orders: argv.orders } : {}),
          },
          stop.signal,
          (text) => printer.out(text),
        ).catch((error: unknown) => {
          // The sandbox shares no code with the tool, so its errors become the tool's here.
          if (error instanceof SandboxError) {
            // Its codes are in the tool's table too (E_SANDBOX_*).
            throw new BatchError(error.code as ErrorCode, error.message, { cause: error });
          }
          throw error;
        });
      },
    )
    .command(
      "check",
      "Read-only set-up check of a store: credentials, Orders scope, one order, quota",
      (argv) =>
        storeLookupFlags(argv).option("json", {
          type: "boolean",
          describe: "Print the checks as one JSON object on stdout",
        }),
      async (argv) => {
        ending.command = "check";
        const { checkStores, formatStoresCheck, storesCheckToJson } = await import(
          "./commands/check.js"
        );
        const stores = await storesOf(argv);
        // Every store of the credentials file (or the --credentials-id one), each in its block.
        const report = await checkStores(stores, {
          userAgent: USER_AGENT,
          timeoutMs: Math.round(argv.timeout * 1000),
        });
        exitCode = report.ready ? 0 : 2;
        if (argv.json) {
          printer.out(JSON.stringify({ ...storesCheckToJson(report), exit_code: exitCode }));
        } else printer.out(formatStoresCheck(report));
      },
    )
    .command(
      "statuses",
      "List the store's order statuses: id, system label, custom label (read-only)",
      (argv) =>
        storeLookupFlags(argv).option("json", {
          type: "boolean",
          describe: "Print the statuses as a JSON array",
        }),
      async (argv) => {
        const { listStoreStatuses, formatStatuses } = await import("./commands/statuses.js");
        const stores = await storesOf(argv);
        const lines = await listStoreStatuses(stores.get(undefined), {
          userAgent: USER_AGENT,
          timeoutMs: Math.round(argv.timeout * 1000),
        });
        printer.out(argv.json ? JSON.stringify(lines) : formatStatuses(lines));
      },
    )
    .command(
      "demo",
      "Run samples/orders.csv against a fresh in-process sandbox store",
      (argv) => argv.option("json", { type: "boolean" }),
      async (argv) => {
        const { runDemo } = await import("./commands/demo.js");
        const result = await runDemo();
        printer.out(result.text);
        if (argv.json) printer.out(JSON.stringify(summaryToJson(result.summary)));
        exitCode = result.ok ? 0 : 1;
      },
    )
    .example(EXAMPLES as [string, string][])
    .epilogue(
      "Credentials come from the environment: BIGCOMMERCE_STORE_HASH, BIGCOMMERCE_ACCESS_TOKEN (never a flag), BIGCOMMERCE_API_URL.\nExit codes: 0 all rows succeeded, 1 some rows failed or were invalid, 2 fatal (usage, file, credentials, results file in use), 3 outage, 129/130/143 stopped by SIGHUP/SIGINT/SIGTERM.",
    )
    .version(VERSION)
    .strict()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, error) => {
      // yargs' own parse errors (YError, e.g. a flag missing its value) are usage errors, not bugs.
      throw error && error.name !== "YError" ? error : new UsageError(message);
    });
  try {
    const parsed = await parser.parseAsync();
    debug = Boolean(parsed.debug);
    return exitCode;
  } catch (error) {
    if (error instanceof BatchError) {
      printer.err(`bc-order-batch: ${error.message} [${error.code}]`);
      if (debug && error.stack) printer.err(error.stack);
      if (error instanceof UsageError) printer.err("Run bc-order-batch --help for usage.");
      printFatalJson(error.code, error.message, error.exitCode, error);
      return error.exitCode;
    }
    const message = `internal error: ${error instanceof Error ? error.message : String(error)}`;
    printer.err(`bc-order-batch: ${message}`);
    printFatalJson("E_INTERNAL", message, 2);
    if (debug && error instanceof Error && error.stack) printer.err(error.stack);
    printer.err(
      "This is a bug; please report it with the command line (never the token) and --debug output.",
    );
    return 2;
  }
}

process.exitCode = await main(hideBin(process.argv));
