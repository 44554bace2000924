import { GraphQLError } from 'graphql';
import type { Identity } from '../../../kernel/auth.ts';
import type { KeyValueStore } from '../../../kernel/kv/index.ts';
import type { Logger } from '../../../kernel/log.ts';
import { ends, type Revocation, revocationsOf, revokedError } from '../../../kernel/revocation.ts';

/** What one caller may hold on one gateway replica; each cap has its own clear refusal. */
export interface SocketLimits {
  /** @default 100 */
  subscriptionsPerSocket: number;
  /** @default 500 */
  subscriptionsPerUser: number;
  /** @default 50 */
  socketsPerUser: number;
  /** @default 1000 */
  socketsPerAddress: number;
}

/** One open client socket, as the registry sees it: no socket library, only a way to close it. */
export interface SocketHandle {
  identity: Identity | null;
  ip: string | null;
  subscriptions: number;
  close(code: number, reason: string): void;
}

/** A close the client can act on: 4401 sign in again, 4403 refused, 4429 too many. */
export interface Refusal {
  code: number;
  reason: string;
}

const limitExceeded = (limit: string, max: number, message: string) =>
  new GraphQLError(message, { extensions: { code: 'LIMIT_EXCEEDED', limit, max } });

/**
 * The open sockets of this gateway replica: enforces the caps on sockets and subscriptions, and
 * closes every socket whose session, user or key is revoked, from the bus at once and from a sweep
 * of the shared store (the backstop if a bus message is lost), so nothing streams past its revocation.
 */
export class SocketRegistry {
  readonly #sockets = new Set<SocketHandle>();
  readonly #bySession = new Map<string, Set<SocketHandle>>();
  readonly #perUser = new Map<string, number>();
  readonly #subscriptionsPerUser = new Map<string, number>();
  readonly #perAddress = new Map<string, number>();
  readonly #limits: SocketLimits;
  readonly #kv: KeyValueStore;
  readonly #log: Logger;

  constructor(limits: SocketLimits, kv: KeyValueStore, log: Logger) {
    this.#limits = limits;
    this.#kv = kv;
    this.#log = log;
  }

  get size(): number {
    return this.#sockets.size;
  }

  /** Registers a socket, or says why not (too many for its user or address). */
  admit(handle: SocketHandle): Refusal | null {
    const userId = handle.identity?.userId;
    if (userId && (this.#perUser.get(userId) ?? 0) >= this.#limits.socketsPerUser) {
      return { code: 4429, reason: `LIMIT_EXCEEDED: at most ${this.#limits.socketsPerUser} sockets per user` };
    }
    if (handle.ip && (this.#perAddress.get(handle.ip) ?? 0) >= this.#limits.socketsPerAddress) {
      return { code: 4429, reason: `LIMIT_EXCEEDED: at most ${this.#limits.socketsPerAddress} sockets per address` };
    }
    this.#sockets.add(handle);
    if (userId) bump(this.#perUser, userId, 1);
    if (handle.ip) bump(this.#perAddress, handle.ip, 1);
    const sessionId = handle.identity?.sessionId;
    if (sessionId) {
      const set = this.#bySession.get(sessionId) ?? new Set<SocketHandle>();
      set.add(handle);
      this.#bySession.set(sessionId, set);
    }
    return null;
  }

  release(handle: SocketHandle): void {
    if (!this.#sockets.delete(handle)) return;
    const { identity } = handle;
    if (identity) {
      bump(this.#perUser, identity.userId, -1);
      bump(this.#subscriptionsPerUser, identity.userId, -handle.subscriptions);
      const set = this.#bySession.get(identity.sessionId);
      set?.delete(handle);
      if (set?.size === 0) this.#bySession.delete(identity.sessionId);
    }
    if (handle.ip) bump(this.#perAddress, handle.ip, -1);
    handle.subscriptions = 0;
  }

  /** Counts one more subscription on the socket, or answers the cap it would break. */
  startSubscription(handle: SocketHandle): GraphQLError | null {
    if (handle.subscriptions >= this.#limits.subscriptionsPerSocket) {
      return limitExceeded('subscriptionsPerSocket', this.#limits.subscriptionsPerSocket, `At most ${this.#limits.subscriptionsPerSocket} subscriptions per socket`);
    }
    const userId = handle.identity?.userId;
    if (userId && (this.#subscriptionsPerUser.get(userId) ?? 0) >= this.#limits.subscriptionsPerUser) {
      return limitExceeded('subscriptionsPerUser', this.#limits.subscriptionsPerUser, `At most ${this.#limits.subscriptionsPerUser} subscriptions per user`);
    }
    handle.subscriptions += 1;
    if (userId) bump(this.#subscriptionsPerUser, userId, 1);
    return null;
  }

  endSubscription(handle: SocketHandle): void {
    if (handle.subscriptions <= 0) return;
    handle.subscriptions -= 1;
    if (handle.identity && this.#sockets.has(handle)) bump(this.#subscriptionsPerUser, handle.identity.userId, -1);
  }

  /** A revocation announced on the bus: its sockets close now. */
  revoke(revocation: Revocation): void {
    for (const id of revocation.ids) {
      for (const handle of [...(this.#bySession.get(id) ?? [])]) {
        if (handle.identity && ends(revocation, handle.identity)) this.#end(handle, revocation);
      }
    }
  }

  /** Checks every authenticated socket against the shared store in one round trip. */
  async sweep(): Promise<void> {
    const handles = [...this.#sockets].filter((h): h is SocketHandle & { identity: Identity } => h.identity !== null);
    if (!handles.length) return;
    let found: (Revocation | null)[];
    try {
      found = await revocationsOf(this.#kv, handles.map((h) => h.identity));
    } catch {
      // The store is down or being rebuilt: the bus still closes sockets; the next sweep retries.
      return;
    }
    found.forEach((revocation, i) => {
      if (revocation) this.#end(handles[i] as SocketHandle, revocation);
    });
  }

  #end(handle: SocketHandle, revocation: Revocation): void {
    const error = revokedError(revocation.reason, handle.identity?.client ?? 'web');
    const code = error.extensions.code === 'FORBIDDEN' ? 4403 : 4401;
    this.release(handle);
    this.#log.info({ sessionId: handle.identity?.sessionId, reason: revocation.reason }, 'socket closed: revoked');
    handle.close(code, `${error.extensions.code}: ${error.message}`);
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const next = (map.get(key) ?? 0) + by;
  if (next > 0) map.set(key, next);
  else map.delete(key);
}
