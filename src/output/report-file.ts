/**
 * Where `--report FILE.html` goes: checked before the run (so a typo costs nothing), written
 * whole at the end (a temporary file renamed over it: a reader never sees half a page).
 */
import { randomBytes } from "node:crypto";
import { lstat, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { UsageError } from "../errors.js";
import { checkOutputPaths, type OutputPath } from "./paths.js";

/**
 * Refuses a report path that is the input, one of the run's own output files (results, partial,
 * failed rows, lock), a symbolic link, a directory, or in a folder that does not exist.
 */
export async function checkReportPath(
  reportPath: string,
  input: string,
  runOutputs: readonly OutputPath[],
): Promise<void> {
  if (reportPath.trim() === "") {
    throw new UsageError("`--report` needs a file name, e.g. --report run-report.html");
  }
  const target = resolve(reportPath);
  const clash = runOutputs.find((output) => resolve(output.path) === target);
  if (clash !== undefined) {
    throw new UsageError(
      `\`--report ${reportPath}\` is ${clash.role}: give the report a name of its own, e.g. --report run-report.html`,
    );
  }
  if (resolve(input) === target) {
    throw new UsageError(
      `\`--report ${reportPath}\` is the input file: give the report a name of its own, e.g. --report run-report.html`,
    );
  }
  // The input by another name, or a symbolic link: the same refusals as the results file's.
  await checkOutputPaths(input, [{ path: reportPath, role: "the report file (--report)" }]);
  const own = await lstat(reportPath).catch(() => undefined);
  if (own?.isDirectory()) {
    throw new UsageError(
      `\`--report ${reportPath}\` is a directory: name a file in it, e.g. --report ${reportPath.replace(/[\\/]+$/, "")}/run-report.html`,
    );
  }
  const folder = dirname(reportPath);
  const folderStat = await stat(folder).catch(() => undefined);
  if (!folderStat?.isDirectory()) {
    throw new UsageError(
      `\`--report ${reportPath}\`: the folder ${folder} does not exist; create it or name a file in an existing folder`,
    );
  }
}

/** Writes the page whole: a temporary file beside it, renamed over it. */
export async function writeReportFile(reportPath: string, html: string): Promise<void> {
  const temporary = `${reportPath}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, html, { encoding: "utf8", mode: 0o644 });
    await rename(temporary, reportPath);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
