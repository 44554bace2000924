import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * `npm run cdc:jars`: Apache Kafka, Kafka Connect and Debezium's Postgres connector as jars from
 * Maven Central (deploy/cdc-jars/pom.xml) into .data/cdc-jars, once per version of the pom (Maven's
 * own cache, ~/.m2, keeps the downloads between runs). The suite starts the broker and the Connect
 * worker from them (dev/kafka-connect.ts).
 */
export const CDC_JARS = '.data/cdc-jars';
const POM = 'deploy/cdc-jars/pom.xml';

export function ensureCdcJars(): string {
  const stamp = createHash('sha256').update(readFileSync(POM)).digest('hex');
  const stampFile = `${CDC_JARS}/.pom-sha256`;
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return CDC_JARS;
  execFileSync(
    'mvn',
    ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${process.cwd()}/${CDC_JARS}`, '-DincludeScope=runtime'],
    { stdio: 'inherit' },
  );
  writeFileSync(stampFile, stamp);
  return CDC_JARS;
}

if (import.meta.main) {
  try {
    console.log(`cdc jars in ${ensureCdcJars()}`);
  } catch {
    console.error('cdc:jars: Maven could not fetch the jars (needs `mvn`, a JDK 17+ and Maven Central)');
    process.exit(1);
  }
}
