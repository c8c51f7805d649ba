import type { Writable } from "node:stream";
import { type DirectorySources, loadStoreDirectory } from "./credentials.js";
import { UsageError } from "./errors.js";
import { parseColumnMap } from "./input/header.js";
import type { ReadOptions, SupportedEncoding } from "./input/read-rows.js";
import { defaultOutputPath } from "./output/paths.js";
import type { RunOptions } from "./run.js";
import { USER_AGENT } from "./version.js";

/** Flags as yargs hands them over (kebab-case names folded to camelCase). */
export interface CliFlags {
  readonly input: string;
  readonly output?: string | undefined;
  readonly concurrency?: number | undefined;
  readonly dryRun?: boolean | undefined;
  readonly resume?: boolean | undefined;
  readonly timeout?: number | undefined;
  readonly reserve?: number | undefined;
  readonly grace?: number | undefined;
  readonly storeHash?: string | undefined;
  readonly apiUrl?: string | undefined;
  readonly credentials?: string | undefined;
  readonly credentialsId?: string | undefined;
  readonly encoding?: string | undefined;
  readonly delimiter?: string | undefined;
  readonly map?: readonly string[] | undefined;
  readonly allowExtraColumns?: boolean | undefined;
  readonly excel?: boolean | undefined;
  readonly json?: boolean | undefined;
  /** Advanced tuning (tests and unusual stores). */
  readonly maxAttempts?: number | undefined;
  readonly retryBudget?: number | undefined;
  readonly backoffBaseMs?: number | undefined;
  readonly backoffMaxMs?: number | undefined;
  readonly reconcileDelayMs?: number | undefined;
}

/** Accepted --encoding values, policy as data. */
export const ENCODINGS: Readonly<Record<string, SupportedEncoding>> = {
  "utf-8": "utf-8",
  utf8: "utf-8",
  "utf-16le": "utf-16le",
  "utf-16be": "utf-16be",
  "windows-1252": "windows-1252",
  cp1252: "windows-1252",
  latin1: "windows-1252",
};

/** Accepted --delimiter values. */
export const DELIMITERS: Readonly<Record<string, "," | ";" | "\t">> = {
  ",": ",",
  comma: ",",
  ";": ";",
  semicolon: ";",
  "\t": "\t",
  "\\t": "\t",
  tab: "\t",
};

function positiveInteger(value: number | undefined, flag: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new UsageError(
      `Expected \`${flag}\` to be a whole number from 1 to ${max}, got ${value}`,
    );
  }
  return value;
}

function wholeNumber(value: number, flag: string, max: number): number {
  return positiveInteger(value, flag, max) as number;
}

function seconds(value: number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value <= 0 || value > 3600) {
    throw new UsageError(
      `Expected \`${flag}\` to be a number of seconds above 0 (at most 3600), got ${value}`,
    );
  }
  return Math.round(value * 1000);
}

/** Read options from flags: --encoding, --delimiter, --map (repeatable; a file with @path), --allow-extra-columns. */
export function readOptionsOf(flags: CliFlags, readText: (path: string) => string): ReadOptions {
  let encoding: SupportedEncoding | undefined;
  if (flags.encoding !== undefined) {
    encoding = ENCODINGS[flags.encoding.toLowerCase()];
    if (!encoding) {
      throw new UsageError(
        `Expected \`--encoding\` to be one of utf-8, utf-16le, utf-16be, windows-1252, got "${flags.encoding}"`,
      );
    }
  }
  let delimiter: "," | ";" | "\t" | undefined;
  if (flags.delimiter !== undefined) {
    delimiter = DELIMITERS[flags.delimiter.toLowerCase()];
    if (!delimiter) {
      throw new UsageError(
        `Expected \`--delimiter\` to be comma, semicolon or tab, got "${flags.delimiter}"`,
      );
    }
  }
  let columnMap: Record<string, string> | undefined;
  for (const spec of flags.map ?? []) {
    // `--map @mapping.txt` reads the same "Source=target" pairs from a file, one per line or comma-separated.
    const text = spec.startsWith("@")
      ? readText(spec.slice(1)).split(/\r?\n/).filter(Boolean).join(",")
      : spec;
    columnMap = { ...columnMap, ...parseColumnMap(text) };
  }
  return {
    ...(encoding ? { encoding } : {}),
    ...(delimiter ? { delimiter } : {}),
    ...(columnMap ? { columnMap } : {}),
    ...(flags.allowExtraColumns ? { allowExtraColumns: true } : {}),
  };
}

export interface Environment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: NodeJS.Platform;
  readonly stdout: Writable;
  readonly readText: (path: string) => string;
}

/** Fold flags and environment into one checked RunOptions (issue #2 command line). */
export async function normalizeRunOptions(
  flags: CliFlags,
  mode: "run" | "validate",
  environment: Environment,
): Promise<RunOptions> {
  if (flags.output === "-" && flags.json) {
    throw new UsageError(
      "`--json` prints to stdout, so `--output -` cannot write results there too",
    );
  }
  const concurrency = positiveInteger(flags.concurrency, "--concurrency", 64);
  if (flags.reserve !== undefined && (!Number.isInteger(flags.reserve) || flags.reserve < 0)) {
    throw new UsageError(
      `Expected \`--reserve\` to be a whole number from 0 up, got ${flags.reserve}`,
    );
  }
  if (flags.resume && flags.output === "-") {
    throw new UsageError("`--resume` needs a results file (not `--output -`) to resume from");
  }
  const timeoutMs = seconds(flags.timeout, "--timeout");
  const graceMs = seconds(flags.grace, "--grace");
  // validate and --dry-run have their own default names: they never replace a real run's results
  // (and with them what --resume would carry over) unless --output names that file (issue 7).
  const job = mode === "validate" ? "validate" : flags.dryRun ? "dry-run" : "run";
  const output =
    flags.output === "-"
      ? environment.stdout
      : (flags.output ?? defaultOutputPath(flags.input, job));
  const base: RunOptions = {
    input: flags.input,
    mode,
    output,
    read: readOptionsOf(flags, environment.readText),
    excel: flags.excel ?? false,
    userAgent: USER_AGENT,
  };
  if (mode === "validate") return base;

  const sources: DirectorySources = {
    env: environment.env,
    storeHash: flags.storeHash,
    apiUrl: flags.apiUrl,
    credentialsFile: flags.credentials,
    credentialsId: flags.credentialsId,
    platform: environment.platform,
  };
  const stores = await loadStoreDirectory(sources);
  return {
    ...base,
    stores,
    dryRun: flags.dryRun ?? false,
    resume: flags.resume ?? false,
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(graceMs !== undefined ? { graceMs } : {}),
    ...(flags.reserve !== undefined ? { reserve: flags.reserve } : {}),
    ...(flags.maxAttempts !== undefined
      ? { maxAttempts: wholeNumber(flags.maxAttempts, "--max-attempts", 20) }
      : {}),
    ...(flags.retryBudget !== undefined
      ? { retryBudget: wholeNumber(flags.retryBudget, "--retry-budget", 100_000) }
      : {}),
    ...(flags.backoffBaseMs !== undefined || flags.backoffMaxMs !== undefined
      ? {
          backoff: {
            ...(flags.backoffBaseMs !== undefined
              ? { baseMs: wholeNumber(flags.backoffBaseMs, "--backoff-base-ms", 600_000) }
              : {}),
            ...(flags.backoffMaxMs !== undefined
              ? { maxMs: wholeNumber(flags.backoffMaxMs, "--backoff-max-ms", 600_000) }
              : {}),
          },
        }
      : {}),
    ...(flags.reconcileDelayMs !== undefined
      ? { reconcileDelayMs: Math.max(0, Math.round(flags.reconcileDelayMs)) }
      : {}),
  };
}
