import { cpus, platform, release, totalmem, type } from "node:os";

/**
 * The machine a benchmark ran on, for bench/RESULTS.md (issue 6: "CPU, cores, Node version" and the date).
 * Figures are only comparable between runs on the same machine.
 */
export function describeMachine(now = new Date()) {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() || "unknown",
    cores: cores.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${type()} ${release()} (${platform()})`,
    date: now.toISOString().replace(/\.\d+Z$/, "Z"),
  };
}
