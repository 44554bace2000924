import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A Kafka-protocol broker for tests: librdkafka's mock cluster, started by Debian's `kcat`
 * (there is no Kafka server here). It prints its bootstrap address in a debug log on stderr.
 */
export async function startKafkaMock(): Promise<{ brokers: string; stop(): Promise<void> }> {
  const logPath = join(await mkdtemp(join(tmpdir(), 'atrium-kafka-')), 'kcat.log');
  const log = openSync(logPath, 'w');
  const kcat = spawn('kcat', ['-b', 'localhost:1', '-X', 'test.mock.num.brokers=3', '-d', 'mock', '-C', '-t', '__keepalive', '-q'], {
    stdio: ['ignore', 'ignore', log],
  });
  const failed = new Promise<never>((_, reject) => {
    kcat.once('error', () => reject(new Error('Tests need a Kafka broker: set KAFKA_BROKERS, or install kcat (apt-get install kcat)')));
  });
  const started = Date.now();
  while (Date.now() - started < 10_000) {
    const text = await Promise.race([readFile(logPath, 'utf8'), failed]);
    const match = /bootstrap\.servers=([0-9.:,]+)/.exec(text);
    if (match?.[1]) return { brokers: match[1], stop: async () => void kcat.kill() };
    await new Promise((r) => setTimeout(r, 100));
  }
  kcat.kill();
  throw new Error(`kcat's mock cluster did not report its address (log: ${logPath})`);
}
