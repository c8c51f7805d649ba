import { writeFileSync } from "node:fs";

/**
 * Preload (`node --import ./bench/maxrss.mjs …`) used when /usr/bin/time is missing: on exit, writes
 * "<peak resident set size in KiB> <CPU time in ms>" (process.resourceUsage()) to the file named by
 * BENCH_MAXRSS_FILE.
 */
const target = process.env.BENCH_MAXRSS_FILE;
if (target) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    writeFileSync(target, `${usage.maxRSS} ${(usage.userCPUTime + usage.systemCPUTime) / 1000}\n`);
  });
}
