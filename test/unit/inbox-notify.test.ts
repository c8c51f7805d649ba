// `inbox --notify URL` (issue 14): which URLs are accepted, and what counts as delivered, against a
// receiver of the test's own on 127.0.0.1.
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { checkNotifyUrl, NotifyFailure, postNotification } from "../../src/commands/notify.js";
import { BatchError } from "../../src/errors.js";

const servers: { close(): void; closeAllConnections(): void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** A receiver that hands each request to `answer`; returns its URL. */
async function receiver(answer: (response: ServerResponse, body: string) => void): Promise<URL> {
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    request.on("end", () => answer(response, body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret`);
}

const codeOf = (url: string): string => {
  try {
    checkNotifyUrl(url);
    return "accepted";
  } catch (error) {
    return error instanceof BatchError ? error.code : "not a BatchError";
  }
};

describe("--notify URL", () => {
  it("accepts https anywhere and http only on the loopback interface", () => {
    expect(codeOf("https://hooks.slack.com/services/T0/B0/x")).toBe("accepted");
    expect(codeOf("http://127.0.0.1:9000/hook")).toBe("accepted");
    expect(codeOf("http://localhost/hook")).toBe("accepted");
    expect(codeOf("http://[::1]:9000/hook")).toBe("accepted");
    expect(codeOf("http://example.com/hook")).toBe("E_USAGE");
    expect(codeOf("http://10.0.0.1/hook")).toBe("E_USAGE");
    expect(codeOf("ftp://example.com/hook")).toBe("E_USAGE");
    expect(codeOf("https://user:pw@example.com/hook")).toBe("E_USAGE");
    expect(codeOf("not a url")).toBe("E_USAGE");
  });

  it("never names the URL's path (a webhook's secret) in its messages", () => {
    try {
      checkNotifyUrl("http://example.com/services/T0/B0/topsecret");
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain("topsecret");
    }
  });
});

describe("postNotification", () => {
  it("POSTs the body as JSON and resolves on 2xx", async () => {
    const bodies: string[] = [];
    const url = await receiver((response, body) => {
      bodies.push(body);
      response.writeHead(204).end();
    });
    await postNotification(url, { text: "hello", rows: 2 });
    expect(bodies.map((body) => JSON.parse(body))).toEqual([{ text: "hello", rows: 2 }]);
  });

  it("rejects with NotifyFailure on an error answer, a redirect (not followed) and a timeout", async () => {
    const failing = await receiver((response) => response.writeHead(500).end());
    await expect(postNotification(failing, { text: "x" })).rejects.toBeInstanceOf(NotifyFailure);

    let followed = 0;
    const target = await receiver((response) => {
      followed++;
      response.writeHead(200).end();
    });
    const redirecting = await receiver((response) =>
      response.writeHead(302, { location: target.href }).end(),
    );
    await expect(postNotification(redirecting, { text: "x" })).rejects.toBeInstanceOf(
      NotifyFailure,
    );
    expect(followed).toBe(0);

    const silent = await receiver(() => {}); // never answers
    const error = await postNotification(silent, { text: "x" }, { timeoutMs: 100 }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(NotifyFailure);
    expect((error as Error).message).not.toContain("secret");
  });
});
