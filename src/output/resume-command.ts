/**
 * The exact command that carries on a stopped run (issue 14): the same input path, the same -o,
 * and every flag that changes what is read, which store is written or where the results go, then
 * `--resume`. Pure: the CLI passes its parsed flags in and prints the result for a person to paste.
 */

import type { CliFlags } from "../options.js";

/** The flags of a run that the command repeats (the CLI's parsed flags, camelCase). */
export type ResumeFlags = Pick<
  CliFlags,
  | "input"
  | "output"
  | "dryRun"
  | "map"
  | "encoding"
  | "delimiter"
  | "allowExtraColumns"
  | "excel"
  | "credentials"
  | "credentialsId"
  | "storeHash"
  | "apiUrl"
  | "concurrency"
  | "timeout"
  | "grace"
  | "reserve"
  | "reads"
  | "alreadyShipped"
>;

/** Flags with a value, in the order the command lists them (policy as data). */
const VALUE_FLAGS: readonly (readonly [keyof ResumeFlags, string])[] = [
  ["encoding", "--encoding"],
  ["delimiter", "--delimiter"],
  ["credentials", "--credentials"],
  ["credentialsId", "--credentials-id"],
  ["storeHash", "--store-hash"],
  ["apiUrl", "--api-url"],
  ["reads", "--reads"],
  ["alreadyShipped", "--already-shipped"],
];

/** Switches repeated when on. */
const SWITCHES: readonly (readonly [keyof ResumeFlags, string])[] = [
  ["dryRun", "--dry-run"],
  ["allowExtraColumns", "--allow-extra-columns"],
  ["excel", "--excel"],
];

/** Tuning flags, repeated when they differ from the CLI's defaults (cli.ts storeFlags). */
const TUNING: readonly (readonly [keyof ResumeFlags, string, number | undefined])[] = [
  ["concurrency", "--concurrency", 4],
  ["timeout", "--timeout", 30],
  ["grace", "--grace", 30],
  ["reserve", "--reserve", undefined],
];

/** Characters a POSIX shell reads literally outside quotes. */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument as a POSIX shell reads it back: as is when safe, else in single quotes. */
export function shellQuote(arg: string): string {
  if (SHELL_SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * `bc-order-batch orders.csv -o out.csv --map 'Order Number=order_id' --resume`; undefined when the
 * results went to a stream (`-o -`), which --resume cannot read back.
 */
export function resumeCommand(flags: ResumeFlags, program = "bc-order-batch"): string | undefined {
  if (flags.output === "-") return undefined;
  const args = [program, flags.input];
  // A path starting with "-" would be read as a flag: "./-x.csv" is the same file.
  if (flags.input.startsWith("-")) args[1] = `./${flags.input}`;
  if (flags.output !== undefined) args.push("-o", flags.output);
  for (const [name, flag] of SWITCHES) if (flags[name] === true) args.push(flag);
  for (const spec of flags.map ?? []) args.push("--map", spec);
  for (const [name, flag] of VALUE_FLAGS) {
    const value = flags[name];
    if (typeof value === "string") args.push(flag, value);
  }
  for (const [name, flag, fallback] of TUNING) {
    const value = flags[name];
    if (typeof value === "number" && value !== fallback) args.push(flag, String(value));
  }
  args.push("--resume");
  return args.map(shellQuote).join(" ");
}
