import { createLocalJWKSet, calculateJwkThumbprint, exportJWK, importPKCS8, importSPKI, type JSONWebKeySet, type JWK } from 'jose';
import { createPublicKey } from 'node:crypto';
import { JWT_ALG } from '../../../../kernel/auth.ts';

/** The key that signs new access tokens, and the public key set every verifier fetches. */
export interface SigningKeys {
  privateKey: CryptoKey;
  kid: string;
  jwks: JSONWebKeySet;
  /** Verifies locally, so the users subgraph does not fetch its own JWKS over HTTP. */
  localKeySet: ReturnType<typeof createLocalJWKSet>;
}

async function publicJwk(publicPem: string): Promise<JWK> {
  const key = await importSPKI(publicPem, JWT_ALG, { extractable: true });
  const jwk = await exportJWK(key);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: JWT_ALG, use: 'sig' };
}

/**
 * Loads the signing key from its PEM. The kid is the key's thumbprint, so a rotation (new
 * JWT_PRIVATE_KEY, old public key moved to JWT_PREVIOUS_PUBLIC_KEYS) changes it by itself.
 */
export async function loadSigningKeys(privatePem: string, previousPublicPems?: string): Promise<SigningKeys> {
  const privateKey = await importPKCS8(privatePem, JWT_ALG);
  const currentPublicPem = createPublicKey(privatePem).export({ type: 'spki', format: 'pem' }).toString();
  const current = await publicJwk(currentPublicPem);
  const previous = await Promise.all(
    (previousPublicPems?.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? []).map(publicJwk),
  );
  const jwks = { keys: [current, ...previous] };
  return { privateKey, kid: current.kid as string, jwks, localKeySet: createLocalJWKSet(jwks) };
}
