// `bc-order-batch sandbox` as a person starts it: its own errors reach the CLI's error handling.
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

describe("bc-order-batch sandbox", () => {
  it("a taken port exits 2 with the sandbox's code, no stack trace", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const run = await runCli(["sandbox", "--port", String(port)]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("[E_SANDBOX_LISTEN]");
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
