#!/usr/bin/env node
/**
 * The edge: argv → options, signals → AbortController, errors and summaries → exit codes.
 * The only file that touches `process` (STYLE.md R8).
 */
import { readFileSync } from "node:fs";
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { redactSecret } from "./api/secret.js";
import type { StoreDirectory } from "./credentials.js";
import { BatchError, UsageError } from "./errors.js";
import { removeInputSnapshotsSync } from "./input/read-rows.js";
import { type CliFlags, normalizeRunOptions } from "./options.js";
import { releaseHeldLocksSync } from "./output/lock.js";
import { ProgressReporter } from "./output/progress.js";
import { exitCodeOf, formatSummary, type StopSignal, summaryToJson } from "./output/summarize.js";
import { runBatch } from "./run.js";
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
  ["$0 sandbox --orders 500", "Start a local practice store and print its settings"],
];

function runFlags(argv: Argv) {
  return argv
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
    .option("encoding", {
      type: "string",
      describe: "Force the input encoding: utf-8, utf-16le, utf-16be, windows-1252",
    })
    .option("delimiter", { type: "string", describe: "Force the delimiter: comma, semicolon, tab" })
    .option("map", {
      type: "string",
      array: true,
      describe: 'Rename input columns: "Order Number=order_id,Tracking=tracking_number" (or @file)',
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
      printer.err(
        "Second interrupt: exiting now. Rows in flight have no result; run again with --resume.",
      );
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
  flags: CliFlags & { quiet?: boolean; debug?: boolean },
  mode: "run" | "validate",
): Promise<number> {
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
  // Debug lines would tear a live bar apart: one or the other.
  let progress: ProgressReporter | undefined;
  try {
    const summary = await runBatch({
      ...options,
      signal: controller.signal,
      onStart: (info) => {
        for (const warning of info.warnings) printer.err(`warning: ${warning}`);
        if (!flags.quiet && !flags.debug) {
          progress = new ProgressReporter({ stream: process.stderr, total: info.rowCount });
        }
      },
      onRow: (outcome) => progress?.row(!SUCCESS_STATES.has(outcome.result)),
      onApiEvent: (event) => {
        if (flags.debug) printer.err(`debug: ${JSON.stringify(event)}`);
        else if (event.type === "rate_limited" || event.type === "throttle")
          progress?.waiting(event.waitMs, event);
      },
    });
    progress?.finish();
    if (!flags.quiet) printer.err(formatSummary(summary));
    if (flags.json) printer.out(JSON.stringify(summaryToJson(summary)));
    return exitCodeOf(summary, signalName());
  } finally {
    progress?.finish();
  }
}

export async function main(args: readonly string[]): Promise<number> {
  rememberNamedTokens(args, process.env);
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
      "sandbox",
      "Run a local practice store (BigCommerce V2 look-alike) and print how to point the tool at it",
      (argv) =>
        argv
          .option("port", { type: "number", default: 8787 })
          .option("orders", {
            type: "number",
            describe: "Generate this many orders instead of the sample store",
          })
          .option("quota", {
            type: "number",
            default: 150,
            describe: "Requests per window (0: unlimited)",
          })
          .option("window", { type: "number", default: 30000, describe: "Quota window, ms" })
          .option("latency", { type: "number", default: 0, describe: "Added to every answer, ms" }),
      async (argv) => {
        const { startSandbox, formatSandboxBanner, SandboxError } = await import(
          "./sandbox/index.js"
        );
        const sandbox = await startSandbox({
          port: argv.port,
          quota: argv.quota,
          windowMs: argv.window,
          latencyMs: argv.latency,
          ...(argv.orders !== undefined ? { seed: { generate: { orders: argv.orders } } } : {}),
        }).catch((error: unknown) => {
          // The sandbox shares no code with the tool, so its errors become the tool's here.
          if (error instanceof SandboxError) {
            throw new BatchError(error.code, error.message, { cause: error });
          }
          throw error;
        });
        printer.out(formatSandboxBanner(sandbox));
        await new Promise<void>((resolve) => {
          const close = () => {
            void sandbox.close().then(resolve);
          };
          process.once("SIGINT", close);
          process.once("SIGTERM", close);
        });
      },
    )
    .command(
      "check",
      "Read-only set-up check of a store: credentials, Orders scope, one order, quota",
      (argv) =>
        argv
          .option("store-hash", {
            type: "string",
            describe: "Store hash [env BIGCOMMERCE_STORE_HASH]",
          })
          .option("api-url", { type: "string", describe: "API base URL [env BIGCOMMERCE_API_URL]" })
          .option("credentials", {
            type: "string",
            describe: "Credentials file [env BIGCOMMERCE_CREDENTIALS_FILE]",
          })
          .option("credentials-id", {
            type: "string",
            describe: "Which entry of the credentials file",
          })
          .option("timeout", {
            type: "number",
            default: 30,
            describe: "Seconds to wait for one answer",
          }),
      async (argv) => {
        const { loadStoreDirectory } = await import("./credentials.js");
        const { checkStore, formatStoreCheck } = await import("./commands/check.js");
        const stores = await loadStoreDirectory({
          env: process.env,
          storeHash: argv.storeHash,
          apiUrl: argv.apiUrl,
          credentialsFile: argv.credentials,
          credentialsId: argv.credentialsId,
          platform: process.platform,
        });
        rememberTokens(stores);
        const report = await checkStore(stores.get(undefined), {
          userAgent: USER_AGENT,
          timeoutMs: Math.round(argv.timeout * 1000),
        });
        printer.out(formatStoreCheck(report));
        exitCode = report.ready ? 0 : 2;
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
      return error.exitCode;
    }
    printer.err(
      `bc-order-batch: internal error: ${error instanceof Error ? error.message : String(error)}`,
    );
    if (debug && error instanceof Error && error.stack) printer.err(error.stack);
    printer.err(
      "This is a bug; please report it with the command line (never the token) and --debug output.",
    );
    return 2;
  }
}

process.exitCode = await main(hideBin(process.argv));
