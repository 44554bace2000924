import { type Client, createClient } from 'graphql-ws';
import type { ExecutionResult } from 'graphql';
import WebSocket from 'ws';

/**
 * A subgraph socket that stops answering (half-open: no FIN, no RST) must not hang its streams:
 * a ping every `keepAliveMs`, and no pong within half of it ends the socket, which ends its
 * subscriptions with a clear error. The acknowledgement of `connection_init` has the same deadline.
 */
export interface UpstreamTimeouts {
  /** @default 10000 */
  keepAliveMs: number;
}

export interface UpstreamSink {
  next(result: ExecutionResult): void;
  /** The upstream subscription is over; `failure` (safe to show a client) says why when it was not a normal end. */
  end(failure?: string): void;
}

/**
 * The graphql-ws connections of one client connection to the subgraphs, one per subgraph,
 * opened on first use and shared by all of that client's subscriptions (multiplexed), with the
 * client's identity in `connection_init`.
 */
export class UpstreamConnections {
  readonly #clients = new Map<string, Client>();
  readonly #urlOf: (service: string) => string;
  readonly #connectionParams: () => Record<string, unknown>;
  /** Set by {@link drain}: upstreams closing now is a shutdown, and streams end normally. */
  #draining = false;

  readonly #keepAliveMs: number;

  /** `connectionParams` is called for every connection: it carries a fresh gateway credential. */
  constructor(
    urlOf: (service: string) => string,
    connectionParams: () => Record<string, unknown>,
    timeouts: UpstreamTimeouts = { keepAliveMs: 10_000 },
  ) {
    this.#urlOf = urlOf;
    this.#connectionParams = connectionParams;
    this.#keepAliveMs = timeouts.keepAliveMs;
  }

  #client(service: string): Client {
    let client = this.#clients.get(service);
    if (!client) {
      let socket: WebSocket | undefined;
      let pongDeadline: NodeJS.Timeout | undefined;
      client = createClient({
        url: this.#urlOf(service).replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: this.#connectionParams,
        keepAlive: this.#keepAliveMs,
        connectionAckWaitTimeout: this.#keepAliveMs / 2,
        on: {
          connected: (s) => {
            socket = s as WebSocket;
          },
          ping: (received) => {
            if (!received) pongDeadline = setTimeout(() => socket?.terminate(), this.#keepAliveMs / 2);
          },
          pong: (received) => {
            if (received) clearTimeout(pongDeadline);
          },
          closed: () => clearTimeout(pongDeadline),
        },
        lazy: true,
        lazyCloseTimeout: 0,
        // A subgraph that goes away ends its subscriptions with an error; the client may resubscribe.
        retryAttempts: 0,
      });
      this.#clients.set(service, client);
    }
    return client;
  }

  subscribe(service: string, query: string, variables: Record<string, unknown>, sink: UpstreamSink): () => void {
    let done = false;
    const client = this.#client(service);
    const offClosed = client.on('closed', () => {
      // A dead client is dropped so the next subscription opens a fresh connection.
      if (this.#clients.get(service) === client) this.#clients.delete(service);
      if (!done) sink.end(this.#draining ? undefined : `The ${service} subgraph closed the subscription; subscribe again`);
    });
    const unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (result) => sink.next(result as ExecutionResult),
        error: (err) => {
          done = true;
          offClosed();
          // An array is the subgraph's own GraphQL errors (e.g. UNAUTHENTICATED): pass them on as they are.
          if (Array.isArray(err)) {
            sink.next({ errors: err });
            sink.end();
          } else sink.end(`The ${service} subgraph is unavailable; subscribe again`);
        },
        complete: () => {
          done = true;
          offClosed();
          sink.end();
        },
      },
    );
    return () => {
      done = true;
      offClosed();
      unsubscribe();
    };
  }

  /** Stops taking events: each stream ends normally once the events already received are delivered. */
  async drain(): Promise<void> {
    this.#draining = true;
    await this.dispose();
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.#clients.values()].map((c) => c.dispose()));
    this.#clients.clear();
  }
}
