import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Seals TOTP secrets at rest (AES-256-GCM): a database dump alone cannot mint second-factor codes. */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

const PREFIX = 'v1.';

/**
 * The box for MFA_ENCRYPTION_KEY (32 bytes, base64). Outside production, without it, the key is
 * derived from the signing key, so `npm start` and the tests need nothing more.
 */
export function secretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('MFA encryption key must be 32 bytes');
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${PREFIX}${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed) {
      // Values written before sealing existed are plain base32 secrets.
      if (!sealed.startsWith(PREFIX)) return sealed;
      const [iv = '', tag = '', body = ''] = sealed.slice(PREFIX.length).split('.');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

export const derivedKey = (material: string) => createHash('sha256').update(`atrium-mfa:${material}`).digest();
