import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const TIME = "/usr/bin/time";
const MAXRSS_PRELOAD = fileURLToPath(new URL("./maxrss.mjs", import.meta.url));

/** GNU time's `-v` report lines: peak RSS in KiB, CPU seconds. */
const MAX_RSS_LINE = /Maximum resident set size \(kbytes\):\s*(\d+)/;
const CPU_LINES = /(?:User|System) time \(seconds\):\s*([\d.]+)/g;

/** How peak RSS is measured on this machine: GNU time when it works, else the preload. */
export const RSS_METHOD = existsSync(TIME) ? "/usr/bin/time -v" : "process.resourceUsage().maxRSS";

/**
 * Peak RSS (KiB) and CPU time (user + system, ms) from GNU time's `-v` report or from the preload's
 * line "<maxRSS KiB> <CPU ms>"; undefined when missing.
 */
export function readUsage(text) {
  let maxRssKiB;
  let cpuMs;
  const match = MAX_RSS_LINE.exec(text);
  if (match) {
    maxRssKiB = Number(match[1]);
    const cpu = [...text.matchAll(CPU_LINES)];
    cpuMs =
      cpu.length === 2 ? cpu.reduce((sum, line) => sum + Number(line[1]) * 1000, 0) : Number.NaN;
  } else {
    const line = /^\s*(\d+)\s+([\d.]+)\s*$/.exec(text);
    if (line) [maxRssKiB, cpuMs] = [Number(line[1]), Number(line[2])];
  }
  return {
    maxRssKiB: Number.isFinite(maxRssKiB) ? maxRssKiB : undefined,
    cpuMs: Number.isFinite(cpuMs) ? cpuMs : undefined,
  };
}

/**
 * Environment for a child: the parent's minus anything that could point it at a real store or a
 * proxy (only 127.0.0.1 may be contacted), plus `extra`.
 */
export function childEnv(extra = {}) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^BIGCOMMERCE_/i.test(name) || /_proxy$/i.test(name)) delete env[name];
  }
  return { ...env, ...extra };
}

/**
 * Runs `node <args>` and resolves with its exit code, output, wall time (from spawn to exit, node
 * start-up included) and, with `measureRss`, its peak RSS in KiB and CPU time (user + system) in ms.
 * Never rejects for a non-zero exit.
 */
export async function runNode(args, { env = childEnv(), measureRss = false, rssFile } = {}) {
  let command = process.execPath;
  let argv = [...args];
  const childEnvironment = { ...env };
  if (measureRss) {
    if (rssFile === undefined) throw new TypeError("runNode: measureRss needs rssFile");
    await rm(rssFile, { force: true });
    if (RSS_METHOD === "/usr/bin/time -v") {
      command = TIME;
      argv = ["-v", "-o", rssFile, process.execPath, ...args];
    } else {
      argv = ["--import", MAXRSS_PRELOAD, ...args];
      childEnvironment.BENCH_MAXRSS_FILE = rssFile;
    }
  }
  const started = performance.now();
  const child = spawn(command, argv, { env: childEnvironment, stdio: ["ignore", "pipe", "pipe"] });
  const out = [];
  const err = [];
  child.stdout.on("data", (chunk) => out.push(chunk));
  child.stderr.on("data", (chunk) => err.push(chunk));
  const code = await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (exitCode, signal) => resolve(exitCode ?? signal));
  });
  const wallMs = performance.now() - started;
  let maxRssKiB;
  let cpuMs;
  if (measureRss) {
    ({ maxRssKiB, cpuMs } = readUsage(await readFile(rssFile, "utf8").catch(() => "")));
    await rm(rssFile, { force: true });
  }
  return {
    code,
    stdout: Buffer.concat(out).toString("utf8"),
    stderr: Buffer.concat(err).toString("utf8"),
    wallMs,
    maxRssKiB,
    cpuMs,
  };
}

/** The last line of stdout that parses as a JSON object (the CLI's `--json` summary). */
export function lastJson(stdout) {
  const lines = stdout.trim().split("\n").reverse();
  for (const line of lines) {
    try {
      const value = JSON.parse(line);
      if (value && typeof value === "object") return value;
    } catch {
      // not the summary line
    }
  }
  return undefined;
}
