import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../../kernel/log.ts';

/** What graphql-ws hands our callbacks as `ctx.extra`: the socket and its upgrade request. */
export interface SocketExtra {
  socket: WebSocket;
  request: IncomingMessage;
}

/** Server-side keepalive: a ping every 12 s, and a socket that does not pong by the next one is dropped. */
const KEEPALIVE_MS = 12_000;

/**
 * The ws binding of graphql-ws's transport-agnostic server (`makeServer`), in place of its
 * `useServer`: a frame the protocol refuses (a client `next`, bad JSON, an unknown type) closes the
 * socket with 4400 and a reason, not 4500, and nothing is written to stderr; an unexpected fault is
 * logged once with a correlation id and the client gets only that id.
 */
export function bindGraphQLWs(wss: WebSocketServer, options: ServerOptions<Record<string, unknown>, SocketExtra>, logger: Logger) {
  const server = makeServer(options);
  wss.options.handleProtocols = handleProtocols;
  wss.on('connection', (socket, request) => {
    socket.once('error', (err) => {
      logger.warn({ err: err.message }, 'socket error');
      socket.terminate();
    });
    let alive = true;
    socket.on('pong', () => {
      alive = true;
    });
    const keepalive = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, KEEPALIVE_MS);
    keepalive.unref();
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            try {
              await handle(String(data));
            } catch (err) {
              const message = err instanceof Error ? err.message : String(err);
              // graphql-ws throws for frames its protocol refuses: the client's fault, said plainly.
              if (/^(Unexpected message|Message is missing|Invalid message|"|Unexpected token|.*JSON)/i.test(message)) {
                socket.close(4400, `Bad frame: ${message}`.slice(0, 120));
                return;
              }
              const correlationId = randomUUID();
              logger.error({ err, correlationId }, 'unexpected error while handling a socket frame');
              socket.close(4500, `Internal server error (${correlationId})`);
            }
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      clearInterval(keepalive);
      void closed(code, String(reason));
    });
  });
  return {
    async dispose() {
      for (const client of wss.clients) client.close(1001, 'Going away: the gateway is shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
