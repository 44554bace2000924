import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { openSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { ensureCdcJars } from '../scripts/cdc-jars.ts';
import { freePort } from './free-port.ts';

/**
 * The real change-data path for the suite, from the jars of deploy/cdc-jars/pom.xml: one Apache
 * Kafka broker (KRaft, broker and controller in one process) and one Kafka Connect worker
 * (standalone) carrying Debezium's Postgres connector. Started once per test run by global-setup
 * and shared by the test files; each file registers its own connector (its own database, slot and
 * topic prefix).
 */
export async function startKafkaAndConnect(): Promise<{ brokers: string; connectUrl: string; stop(): Promise<void> }> {
  const jars = resolve(ensureCdcJars());
  const classpath = `${jars}/*`;
  await mkdir('.data', { recursive: true });
  const dir = resolve(await mkdtemp(join('.data', 'kafka-')));
  const [brokerPort, controllerPort, connectPort] = [await freePort(), await freePort(), await freePort()];
  const brokers = `127.0.0.1:${brokerPort}`;

  await writeFile(
    join(dir, 'server.properties'),
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://${brokers},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://${brokers}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${join(dir, 'logs')}`,
      // One node, and tests want joins and rebalances without waiting.
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'num.partitions=4',
      'auto.create.topics.enable=true',
    ].join('\n'),
  );
  // Like Kafka's own Uuid.randomUuid: never one that starts with '-', which the tool would read as an option.
  let clusterId = '-';
  while (clusterId.startsWith('-')) clusterId = Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url');
  execFileSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', join(dir, 'server.properties'), '--standalone'], {
    stdio: 'ignore',
  });
  const broker = java(['-Xmx512m', '-cp', classpath, 'kafka.Kafka', join(dir, 'server.properties')], join(dir, 'broker.log'));
  await waitFor(() => canConnect(brokerPort), 60_000, 'the Kafka broker did not start (log: .data/kafka-*/broker.log)');

  await writeFile(
    join(dir, 'worker.properties'),
    [
      `bootstrap.servers=${brokers}`,
      'key.converter=org.apache.kafka.connect.json.JsonConverter',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable=false',
      'value.converter.schemas.enable=false',
      `offset.storage.file.filename=${join(dir, 'connect.offsets')}`,
      'offset.flush.interval.ms=1000',
      `listeners=http://127.0.0.1:${connectPort}`,
    ].join('\n'),
  );
  const connect = java(
    ['-Xmx512m', '-cp', classpath, 'org.apache.kafka.connect.cli.ConnectStandalone', join(dir, 'worker.properties')],
    join(dir, 'connect.log'),
  );
  const connectUrl = `http://127.0.0.1:${connectPort}`;
  await waitFor(
    () => fetch(`${connectUrl}/health`).then((r) => r.ok, () => false),
    60_000,
    'the Kafka Connect worker did not start (log: .data/kafka-*/connect.log)',
  );

  return {
    brokers,
    connectUrl,
    // Connect first: its connectors still talk to the broker while they stop.
    async stop() {
      await terminate(connect);
      await terminate(broker);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A JVM whose output goes to `logFile` (Kafka 4 logs warnings and errors to the console without a log4j2 file). */
function java(args: string[], logFile: string): ChildProcess {
  const log = openSync(logFile, 'w');
  const child = spawn('java', args, { stdio: ['ignore', log, log] });
  // Never leave a JVM behind when the test run itself ends abruptly.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  return child;
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function waitFor(check: () => Promise<boolean>, ms: number, failure: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(failure);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
