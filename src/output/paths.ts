/**
 * Which files a run writes, and the checks that keep them from destroying the input (issue 5,
 * "output equal to the input destroys the input"): `in.csv -o in.csv`, `--resume -o in.csv`, or
 * `orders.results.failed.csv -o orders.results.csv` (whose failed-rows file is the input) would
 * truncate, replace or delete the very file being read. Every path the run may write, rename or
 * remove is checked before anything happens, and refused when it is the input (same device and
 * inode, or same real path: hard links and symbolic links included) or a symbolic link.
 */
import { type BigIntStats, realpathSync } from "node:fs";
import { lstat, stat } from "node:fs/promises";
import { lockPathOf } from "./lock.js";
import { undoJournalPathOf, undoPathOf } from "./undo.js";
import { failedRowsPath, isStreamLike, OutputFileError } from "./write-results.js";

/** The job a default output name is for: each has its own, so none replaces another's results. */
export type OutputJob = "run" | "dry-run" | "validate";

/** Suffixes of the default output names, policy as data (issue 7). */
const DEFAULT_SUFFIX: Readonly<Record<OutputJob, string>> = {
  run: ".results.csv",
  "dry-run": ".dry-run.csv",
  validate: ".validate.csv",
};

/**
 * `dir/orders.csv` → `dir/orders.results.csv` (a run), `dir/orders.dry-run.csv` (--dry-run),
 * `dir/orders.validate.csv` (validate): a dry run or a validate never replaces a real run's
 * results (and so its --resume state) unless `-o` names that file. Their failed-rows files follow
 * from these names (`orders.validate.failed.csv`), so they never replace a real run's either.
 */
export function defaultOutputPath(inputPath: string, job: OutputJob): string {
  const base = inputPath.toLowerCase().endsWith(".csv") ? inputPath.slice(0, -4) : inputPath;
  return `${base}${DEFAULT_SUFFIX[job]}`;
}

/** A path a run writes, renames or removes, and what it is, for messages. */
export interface OutputPath {
  readonly path: string;
  readonly role: string;
}

/**
 * Every file a run with results file `resultsPath` may write, rename or remove: the results, the
 * `.partial` file (written by --resume, removed by any run), the `.fold` file (--resume), the
 * failed-rows file and the lock.
 */
export function outputPathsOf(
  resultsPath: string,
  options: { readonly resume: boolean; readonly failedFile: boolean },
): OutputPath[] {
  const paths: OutputPath[] = [
    { path: resultsPath, role: "the results file" },
    { path: `${resultsPath}.partial`, role: "the partial results file" },
  ];
  if (options.resume) paths.push({ path: `${resultsPath}.fold`, role: "the resume work file" });
  if (options.failedFile) {
    paths.push({ path: failedRowsPath(resultsPath), role: "the failed-rows file" });
  }
  // The undo file of a run (issue 15, output/undo.ts), its journal and its temporary file.
  const undo = undoPathOf(resultsPath);
  paths.push(
    { path: undo, role: "the undo file" },
    { path: `${undo}.partial`, role: "the partial undo file" },
    { path: undoJournalPathOf(resultsPath), role: "the undo journal" },
  );
  paths.push({ path: lockPathOf(resultsPath), role: "the lock file" });
  return paths;
}

async function statOf(path: string, follow: boolean): Promise<BigIntStats | undefined> {
  try {
    return await (follow ? stat(path, { bigint: true }) : lstat(path, { bigint: true }));
  } catch {
    return undefined; // Absent (or unreachable, which opening reports): it cannot be the input.
  }
}

function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Refuses, before anything is written, any of `paths` that is the input file (E_OUTPUT_IS_INPUT)
 * or a symbolic link to anything but a device or a pipe (E_OUTPUT_SYMLINK): writing through a
 * link would replace a file the command line does not name. Exit 2 (OutputFileError).
 */
export async function checkOutputPaths(
  inputPath: string,
  paths: readonly OutputPath[],
): Promise<void> {
  const input = await statOf(inputPath, true);
  const inputReal = input ? realPath(inputPath) : undefined;
  const isInput = (target: BigIntStats, path: string): boolean =>
    input !== undefined &&
    ((target.dev === input.dev && target.ino === input.ino && target.ino !== 0n) ||
      (inputReal !== undefined && realPath(path) === inputReal));
  for (const { path, role } of paths) {
    const own = await statOf(path, false);
    if (own === undefined) continue;
    const target = own.isSymbolicLink() ? await statOf(path, true) : own;
    if (target !== undefined && isInput(target, path)) {
      throw new OutputFileError(
        "E_OUTPUT_IS_INPUT",
        `${role} is the input file ${inputPath}: writing it would destroy the input; choose another --output (the failed-rows, partial and lock file names follow from it)`,
        { file: path },
      );
    }
    if (own.isSymbolicLink() && (target === undefined || !isStreamLike(target))) {
      throw new OutputFileError(
        "E_OUTPUT_SYMLINK",
        `${role} is a symbolic link; it is never followed (it would write over the file it points to); remove the link or give the real path with --output`,
        { file: path },
      );
    }
  }
}
