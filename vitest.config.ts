import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The benchmark's own helpers are tested with the rest; the benchmark itself is `npm run bench`.
    include: ["test/**/*.test.ts", "bench/**/*.test.mjs"],
    setupFiles: ["test/setup.ts"],
    // Builds dist/ when src/ is newer, so the end-to-end tests never run a stale CLI.
    globalSetup: ["test/global-setup.ts"],
    restoreMocks: true,
    // The end-to-end tests mostly wait (child processes, the sandbox's latency): more files at
    // once than cores keeps two cores busy. No test depends on timing a loaded machine can miss.
    maxWorkers: 4,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
