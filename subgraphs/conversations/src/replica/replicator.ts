import pg from 'pg';
import type { ChangeLog, LoggedEvent } from '../../../../cdc/delivery/change-log.ts';
import { openChangeFeed } from '../../../../cdc/delivery/change-feed.ts';
import type { Logger } from '../../../../kernel/log.ts';
import {
  ENTRY_EVENTS,
  type EntryEventMessage,
  INSTANCE_EVENTS,
  type InstanceEventMessage,
  KNOWLEDGE_BASE_EVENTS,
  type KnowledgeBaseEventMessage,
} from '../../../../cdc/published/instances.ts';

type Apply = (db: pg.PoolClient, event: never) => Promise<void>;

const deleteEntriesOf = `delete from conversations.entry_replica where knowledge_base_id in
  (select id from conversations.knowledge_base_replica where instance_id = $1)`;

/** How each followed channel changes the replica: upserts by id, so an event applied twice is harmless. */
const APPLY: Record<string, Apply> = {
  [INSTANCE_EVENTS]: (async (db: pg.PoolClient, e: InstanceEventMessage) => {
    if (e.type === 'DELETED') {
      await db.query(deleteEntriesOf, [e.instanceId]);
      await db.query('delete from conversations.knowledge_base_replica where instance_id = $1', [e.instanceId]);
      await db.query('delete from conversations.instance_replica where id = $1', [e.instanceId]);
    } else if (e.instance) {
      await db.query(
        `insert into conversations.instance_replica (id, owner_id, title) values ($1, $2, $3)
         on conflict (id) do update set owner_id = excluded.owner_id, title = excluded.title`,
        [e.instance.id, e.instance.ownerId, e.instance.title],
      );
    }
  }) as Apply,
  [KNOWLEDGE_BASE_EVENTS]: (async (db: pg.PoolClient, e: KnowledgeBaseEventMessage) => {
    if (e.type === 'DELETED') {
      await db.query('delete from conversations.entry_replica where knowledge_base_id = $1', [e.knowledgeBaseId]);
      await db.query('delete from conversations.knowledge_base_replica where id = $1', [e.knowledgeBaseId]);
    } else {
      await db.query(
        'insert into conversations.knowledge_base_replica (id, instance_id) values ($1, $2) on conflict (id) do update set instance_id = excluded.instance_id',
        [e.knowledgeBaseId, e.instanceId],
      );
    }
  }) as Apply,
  [ENTRY_EVENTS]: (async (db: pg.PoolClient, e: EntryEventMessage) => {
    if (e.type === 'REMOVED') {
      await db.query('delete from conversations.entry_replica where id = $1', [e.entryId]);
    } else if (e.entry) {
      await db.query(
        `insert into conversations.entry_replica (id, knowledge_base_id, title, content) values ($1, $2, $3, $4)
         on conflict (id) do update set knowledge_base_id = excluded.knowledge_base_id, title = excluded.title, content = excluded.content`,
        [e.entry.id, e.entry.knowledgeBaseId, e.entry.title, e.entry.content],
      );
    }
  }) as Apply,
};

export interface Replicator {
  /** Whether this instance is in the replica and belongs to this user. */
  ownsInstance(userId: string, instanceId: string): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * Keeps this subgraph's replica of instances, knowledge bases and their entries from the instances
 * subgraph's published events (cdc/published/instances.ts), never from its tables. Each channel
 * is followed from the cursor stored with the last change it applied (one transaction), so a restart
 * resumes where it stopped and nothing is applied twice.
 */
export function startReplicator(opts: { databaseUrl: string; changes: ChangeLog; logger: Logger }): Replicator {
  const log = opts.logger.child({ component: 'replicator' });
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 3 });
  pool.on('error', () => {});
  const feeds = new Set<AsyncIterableIterator<unknown>>();
  let stopped = false;

  async function storedCursor(channel: string): Promise<string | null> {
    const { rows } = await pool.query<{ cursor: string }>('select cursor from conversations.replication_cursor where channel = $1', [channel]);
    return rows[0]?.cursor ?? null;
  }

  async function apply(channel: string, logged: LoggedEvent) {
    const db = await pool.connect();
    try {
      await db.query('begin');
      await (APPLY[channel] as Apply)(db, logged.event as never);
      await db.query(
        `insert into conversations.replication_cursor (channel, cursor, updated_at) values ($1, $2, now())
         on conflict (channel) do update set cursor = excluded.cursor, updated_at = excluded.updated_at`,
        [channel, logged.cursor],
      );
      await db.query('commit');
    } catch (err) {
      await db.query('rollback').catch(() => {});
      throw err;
    } finally {
      db.release();
    }
  }

  async function follow(channel: string) {
    for (let delay = 500; !stopped; delay = Math.min(delay * 2, 10_000)) {
      try {
        // The first time, from the start of the kept history (the epoch's origin); then from where it stopped.
        const from = (await storedCursor(channel)) ?? `0-0.${(await opts.changes.now()).split('.')[1]}`;
        const feed = await openChangeFeed(opts.changes, channel, from);
        feeds.add(feed);
        delay = 500;
        for await (const logged of feed) await apply(channel, logged);
        feeds.delete(feed);
      } catch (err) {
        if (stopped) return;
        const code = (err as { extensions?: { code?: string } }).extensions?.code;
        if (code === 'CURSOR_EXPIRED') {
          // The history it needs is gone: start over from what is kept, and say that the replica may lack changes older than that.
          log.error({ channel }, 'replica fell behind the kept event history; following from the oldest kept event: changes before it are missing until their rows change again');
          await pool.query('delete from conversations.replication_cursor where channel = $1', [channel]).catch(() => {});
          await pool.query(`insert into conversations.replication_cursor (channel, cursor, updated_at) values ($1, $2, now())`, [channel, await opts.changes.now()]).catch(() => {});
        } else {
          log.warn({ channel, err: (err as Error).message, retryInMs: delay }, 'replica could not follow its channel; retrying');
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  for (const channel of Object.keys(APPLY)) void follow(channel);
  return {
    async ownsInstance(userId, instanceId) {
      const { rowCount } = await pool.query('select 1 from conversations.instance_replica where id = $1 and owner_id = $2', [instanceId, userId]);
      return Boolean(rowCount);
    },
    async stop() {
      stopped = true;
      await Promise.all([...feeds].map((feed) => feed.return?.()));
      await pool.end();
    },
  };
}
