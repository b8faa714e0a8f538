import crypto from 'node:crypto';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const LOWER_ALNUM = `${LOWER}0123456789`;

/** Grafana 10.3+ style generated uid: 14 lowercase alphanumerics, first one a letter. */
export function generateUid(): string {
  let uid = LOWER[crypto.randomInt(LOWER.length)] ?? 'a';
  while (uid.length < 14) uid += LOWER_ALNUM[crypto.randomInt(LOWER_ALNUM.length)];
  return uid;
}

/** Spec §2.4: letters, digits, '-' and '_', at most 40. */
export const UID_CHARS = /^[A-Za-z0-9_-]*$/;
export const isValidUid = (uid: string): boolean => uid.length <= 40 && UID_CHARS.test(uid);

/** Service-account login, as 12.x builds it: `sa-<orgId>-<lowercased name, spaces as dashes>`. */
export const serviceAccountLogin = (orgId: number, name: string): string =>
  `sa-${orgId}-${name.trim().toLowerCase().replace(/\s+/g, '-')}`;
