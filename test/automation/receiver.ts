import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DeliveryConfig } from "../../src/config";

/** Worker settings for tests: retries come due at once (a delay of 2 ms), so a test drains them without waiting. */
export const FAST_RETRIES: DeliveryConfig = {
  inServer: false,
  maxAttempts: 3,
  pollMs: 20,
  baseDelayMs: 2,
  maxDelayMs: 2,
  timeoutMs: 2000,
};

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  /** Names and values as sent, alternating: repeats of a name show here, not in `headers`. */
  rawHeaders: string[];
  /** The raw body as received, the bytes the signature covers. */
  body: string;
  at: number;
}

/**
 * A real webhook receiver on loopback (port 0 unless given). `answers` are the status codes of
 * the next requests in order; once used up it answers 200. `delays` hold the next answers back
 * by so many milliseconds each (a slow receiver).
 */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  answers: number[] = [];
  delays: number[] = [];
  private server: Server | null = null;
  port = 0;

  async start(port = 0): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        this.requests.push({
          headers: request.headers,
          rawHeaders: request.rawHeaders,
          body: Buffer.concat(chunks).toString("utf8"),
          at: Date.now(),
        });
        const status = this.answers.shift() ?? 200;
        const answer = () => {
          if (response.destroyed) return;
          response.statusCode = status;
          response.end("ok");
        };
        const delay = this.delays.shift() ?? 0;
        if (delay > 0) setTimeout(answer, delay);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
