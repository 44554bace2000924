import { RedisPubSub } from 'graphql-redis-subscriptions';
import { PubSub } from 'graphql-subscriptions';
import { Redis } from 'ioredis';

/** What publishers (the bridge) and subscription resolvers need from the event bus. */
export interface EventBus {
  publish(channel: string, payload: object): Promise<void>;
  /** An async iterator of every payload published on `channel` from now on. */
  listen<T>(channel: string): AsyncIterableIterator<T>;
  /**
   * Calls `onMessage` for every payload published on `channel` once listening (the promise resolves
   * then), and `onResync` after the connection was lost and regained (payloads may have been missed).
   */
  subscribe<T>(channel: string, onMessage: (payload: T) => void, onResync?: () => void): Promise<() => void>;
  /** Resolves when the bus can carry events (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// One in-process bus per process: `npm start` runs the bridge and the subgraphs side by side.
let processBus: PubSub | undefined;

/**
 * Redis pub/sub (graphql-redis-subscriptions) when REDIS_URL is set, so every replica of the
 * bridge and of a subgraph shares it; otherwise the process-wide in-memory bus.
 */
export function createEventBus(opts: { redisUrl?: string; prefix: string }): EventBus {
  if (!opts.redisUrl) {
    processBus ??= new PubSub();
    const bus = processBus;
    return {
      publish: (channel, payload) => bus.publish(channel, payload),
      listen: <T>(channel: string) => bus.asyncIterableIterator<T>(channel),
      subscribe: async <T>(channel: string, onMessage: (payload: T) => void) => {
        const id = await bus.subscribe(channel, onMessage as (payload: unknown) => void);
        return () => bus.unsubscribe(id);
      },
      ping: async () => {},
      close: async () => {},
    };
  }
  // ioredis's keyPrefix does not apply to channels, so the prefix is added to channel names here.
  const options = { maxRetriesPerRequest: null, lazyConnect: false };
  // Named, so an operator's CLIENT LIST shows whose connections these are.
  const publisher = new Redis(opts.redisUrl, { ...options, connectionName: `${opts.prefix}bus-publisher` });
  const subscriber = new Redis(opts.redisUrl, { ...options, connectionName: `${opts.prefix}bus-subscriber` });
  for (const client of [publisher, subscriber]) client.on('error', () => {});
  // graphql-redis-subscriptions drops the promises of these two calls: an unsubscribe racing a
  // closing or lost connection would otherwise be an unhandled rejection (and crash a process).
  for (const method of ['unsubscribe', 'punsubscribe'] as const) {
    const original = subscriber[method].bind(subscriber) as (...args: unknown[]) => Promise<unknown>;
    (subscriber as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => original(...args).catch(() => 0);
  }
  // Our ioredis 6 clients; the package's own nested ioredis 5 types differ only nominally.
  let closing: Promise<void> | undefined;
  const redis = new RedisPubSub({ publisher: publisher as never, subscriber: subscriber as never });
  // A lost subscriber connection loses what was published meanwhile: whoever can refill a gap is told when it is back.
  const resyncs = new Set<() => void>();
  let lost = false;
  subscriber.on('close', () => {
    lost = true;
  });
  subscriber.on('ready', () => {
    if (!lost) return;
    lost = false;
    for (const resync of resyncs) resync();
  });
  return {
    publish: (channel, payload) => redis.publish(`${opts.prefix}${channel}`, payload),
    listen: <T>(channel: string) => redis.asyncIterableIterator(`${opts.prefix}${channel}`) as AsyncIterableIterator<T>,
    subscribe: async <T>(channel: string, onMessage: (payload: T) => void, onResync?: () => void) => {
      const id = await redis.subscribe(`${opts.prefix}${channel}`, onMessage as (payload: unknown) => void);
      if (onResync) resyncs.add(onResync);
      return () => {
        if (onResync) resyncs.delete(onResync);
        redis.unsubscribe(id);
      };
    },
    ping: async () => {
      await publisher.ping();
    },
    // Idempotent, and quiet when the connection is already gone: closing is best effort.
    close() {
      closing ??= redis.close().then(
        () => undefined,
        () => undefined,
      );
      return closing;
    },
  };
}
