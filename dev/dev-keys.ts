import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A P-256 key pair as PEM, the shape JWT_PRIVATE_KEY takes. */
export function generateSigningKey(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

/** Development's signing key, made once and kept under .data so sessions survive a restart. */
export async function devSigningKey(path: string): Promise<string> {
  if (existsSync(path)) return readFile(path, 'utf8');
  const { privateKey } = generateSigningKey();
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, privateKey, { mode: 0o600 });
  return privateKey;
}
