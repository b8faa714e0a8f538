import crypto from 'node:crypto';
import zlib from 'node:zlib';

/**
 * Service-account tokens: `glsa_` + 32 alphanumerics + `_` + CRC32 (IEEE) of
 * the `glsa_<secret>` prefix as little-endian bytes in hex. Only a hash of the
 * full key is stored, as Grafana does; the clear key is returned once.
 */
export const TOKEN_PATTERN = /^glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}$/;

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function tokenChecksum(prefix: string): string {
  const le = Buffer.alloc(4);
  le.writeUInt32LE(zlib.crc32(prefix) >>> 0);
  return le.toString('hex');
}

export function generateToken(): string {
  let secret = '';
  // Rejection sampling keeps the alphabet uniform (256 is not a multiple of 62).
  while (secret.length < 32) {
    for (const b of crypto.randomBytes(48)) {
      if (b < 248 && secret.length < 32) secret += ALPHANUM[b % 62];
    }
  }
  const prefix = `glsa_${secret}`;
  return `${prefix}_${tokenChecksum(prefix)}`;
}

/** True when the key has the token shape and a matching checksum. */
export function isWellFormedToken(key: string): boolean {
  if (!TOKEN_PATTERN.test(key)) return false;
  return tokenChecksum(key.slice(0, 37)) === key.slice(38);
}

export const hashToken = (key: string): string => crypto.createHash('sha256').update(key).digest('hex');
