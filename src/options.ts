import type { Writable } from "node:stream";
import { type DirectorySources, loadStoreDirectory } from "./credentials.js";
import { UsageError } from "./errors.js";
import { parseColumnMap } from "./input/header.js";
import type { Delimiter, ReadOptions, SupportedEncoding } from "./input/read-rows.js";
import { defaultOutputPath } from "./output/paths.js";
import type { RunOptions } from "./run.js";
import { USER_AGENT } from "./version.js";

/** Flags as yargs hands them over (kebab-case names folded to camelCase). */
export interface CliFlags {
  readonly input: string;
  readonly output?: string | undefined;
  readonly concurrency?: number | undefined;
  readonly dryRun?: boolean | undefined;
  /** `bulk` (default) or `per-order` (issue 12). */
  readonly reads?: string | undefined;
  /** `ok` (default) or `fail`: an order another app shipped (README "Split parcels"). */
  readonly alreadyShipped?: string | undefined;
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
export const DELIMITERS: Readonly<Record<string, Delimiter>> = {
  ",": ",",
  comma: ",",
  ";": ";",
  semicolon: ";",
  "\t": "\t",
  "\\t": "\t",
  tab: "\t",
  "|": "|",
  pipe: "|",
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

/**
 * `--map @mapping.txt`: the same "Source=target" pairs, one per line or comma-separated; blank
 * lines and lines starting with `#` are left out. A `#` later in a line is part of the name
 * ("Order #=order_id").
 */
export function mapFileText(text: string): string {
  return text
    .replace(/^\uFEFF/, "")
    .split(/\r\n|\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => line.replace(/,+$/, ""))
    .join(",");
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
  let delimiter: Delimiter | undefined;
  if (flags.delimiter !== undefined) {
    delimiter = DELIMITERS[flags.delimiter.toLowerCase()];
    if (!delimiter) {
      throw new UsageError(
        `Expected \`--delimiter\` to be comma, semicolon, tab or pipe, got "${flags.delimiter}"`,
      );
    }
  }
  // Every --map (repeatable) is one list, so a source mapped twice is seen across flags too.
  const specs = (flags.map ?? []).map((spec) =>
    spec.startsWith("@") ? mapFileText(readText(spec.slice(1))) : spec,
  );
  const mapText = specs.filter((text) => text !== "").join(",");
  const onlyFiles = (flags.map ?? []).every((spec) => spec.startsWith("@"));
  // A mapping file of comments only maps nothing; an empty --map "" is a mistake (parseColumnMap says so).
  const columnMap =
    specs.length === 0 || (mapText === "" && onlyFiles) ? undefined : parseColumnMap(mapText);
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
    ...(flags.reads !== undefined ? { reads: readsMode(flags.reads) } : {}),
    ...(flags.alreadyShipped !== undefined
      ? { alreadyShipped: alreadyShippedPolicy(flags.alreadyShipped) }
      : {}),
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

/** `--reads` values, policy as data (issue 12; README "Costs"). */
export const READS_MODES = ["bulk", "per-order"] as const;

function readsMode(value: string): (typeof READS_MODES)[number] {
  const mode = READS_MODES.find((known) => known === value.trim().toLowerCase());
  if (mode === undefined) {
    throw new UsageError(
      `Expected \`--reads\` to be one of ${READS_MODES.join(", ")}, got "${value}" (e.g. --reads bulk)`,
    );
  }
  return mode;
}

/** `--already-shipped` values, policy as data (README "Split parcels"). */
export const ALREADY_SHIPPED_POLICIES = ["ok", "fail"] as const;

function alreadyShippedPolicy(value: string): (typeof ALREADY_SHIPPED_POLICIES)[number] {
  const policy = ALREADY_SHIPPED_POLICIES.find((known) => known === value.trim().toLowerCase());
  if (policy === undefined) {
    throw new UsageError(
      `Expected \`--already-shipped\` to be one of ${ALREADY_SHIPPED_POLICIES.join(", ")}, got "${value}" (e.g. --already-shipped fail)`,
    );
  }
  return policy;
}

// ---- One check of a run's options, for the CLI and library callers alike ----

/** A number option's rule: `name` as the library spells it, `flag` as the command line does. */
interface NumberRule {
  readonly name: keyof RunOptions | "backoff.baseMs" | "backoff.maxMs" | "read.maxRecordBytes";
  readonly flag?: string;
  readonly min: number;
  /** Whether `min` itself is allowed. */
  readonly minIncluded: boolean;
  readonly max?: number;
  readonly integer: boolean;
}

/** Policy as data: every number a run takes, with its range. */
const NUMBER_RULES: readonly NumberRule[] = [
  { name: "concurrency", flag: "--concurrency", min: 1, minIncluded: true, max: 64, integer: true },
  { name: "timeoutMs", flag: "--timeout", min: 0, minIncluded: false, integer: false },
  { name: "graceMs", flag: "--grace", min: 0, minIncluded: true, integer: false },
  { name: "reserve", flag: "--reserve", min: 0, minIncluded: true, integer: true },
  { name: "maxAttempts", flag: "--max-attempts", min: 1, minIncluded: true, integer: true },
  { name: "retryBudget", min: 0, minIncluded: true, integer: false },
  { name: "reconcileDelayMs", min: 0, minIncluded: true, integer: false },
  { name: "backoff.baseMs", flag: "--backoff-base-ms", min: 0, minIncluded: true, integer: false },
  { name: "backoff.maxMs", min: 0, minIncluded: true, integer: false },
  { name: "read.maxRecordBytes", min: 1, minIncluded: true, integer: true },
];

function optionValue(options: RunOptions, name: NumberRule["name"]): unknown {
  switch (name) {
    case "backoff.baseMs":
      return options.backoff?.baseMs;
    case "backoff.maxMs":
      return options.backoff?.maxMs;
    case "read.maxRecordBytes":
      return options.read?.maxRecordBytes;
    default:
      return options[name];
  }
}

const ENCODING_NAMES: ReadonlySet<string> = new Set(Object.values(ENCODINGS));
const DELIMITER_CHARS: ReadonlySet<string> = new Set(Object.values(DELIMITERS));

/**
 * Checks a run's options once, where runBatch starts, with one wording for every option (the CLI's
 * flags reach it as the numbers normalizeRunOptions made of them). Throws UsageError.
 */
export function checkRunOptions(options: RunOptions): void {
  for (const rule of NUMBER_RULES) {
    const value = optionValue(options, rule.name);
    if (value === undefined) continue;
    const ok =
      typeof value === "number" &&
      Number.isFinite(value) &&
      (rule.minIncluded ? value >= rule.min : value > rule.min) &&
      (rule.max === undefined || value <= rule.max) &&
      (!rule.integer || Number.isInteger(value));
    if (!ok) {
      const range = `${rule.integer ? "a whole number" : "a number"} ${rule.minIncluded ? "from" : "above"} ${rule.min}${rule.max === undefined ? " up" : ` to ${rule.max}`}`;
      const name = rule.flag ? `\`${rule.name}\` (${rule.flag})` : `\`${rule.name}\``;
      throw new UsageError(`Expected ${name} to be ${range}, got ${String(value)}`);
    }
  }
  const encoding = options.read?.encoding;
  if (encoding !== undefined && !ENCODING_NAMES.has(encoding)) {
    throw new UsageError(
      `Expected \`read.encoding\` (--encoding) to be one of ${[...ENCODING_NAMES].join(", ")}, got ${JSON.stringify(encoding)}`,
    );
  }
  const delimiter = options.read?.delimiter;
  if (delimiter !== undefined && !DELIMITER_CHARS.has(delimiter)) {
    throw new UsageError(
      `Expected \`read.delimiter\` (--delimiter) to be one of comma, semicolon, tab, pipe, got ${JSON.stringify(delimiter)}`,
    );
  }
  if (options.mode !== "run" && options.mode !== "validate") {
    throw new UsageError(
      `Expected \`mode\` to be "run" or "validate", got ${JSON.stringify(options.mode)}`,
    );
  }
  if (options.reads !== undefined && !READS_MODES.includes(options.reads)) {
    throw new UsageError(
      `Expected \`reads\` (--reads) to be one of ${READS_MODES.join(", ")}, got ${JSON.stringify(options.reads)}`,
    );
  }
  if (
    options.alreadyShipped !== undefined &&
    !ALREADY_SHIPPED_POLICIES.includes(options.alreadyShipped)
  ) {
    throw new UsageError(
      `Expected \`alreadyShipped\` (--already-shipped) to be one of ${ALREADY_SHIPPED_POLICIES.join(", ")}, got ${JSON.stringify(options.alreadyShipped)}`,
    );
  }
  if (options.resume && typeof options.output !== "string") {
    throw new UsageError(
      "Expected `output` to be a results file with `resume` (--resume), not a stream",
    );
  }
}
