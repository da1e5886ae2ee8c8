import { randomBytes } from 'node:crypto';

/**
 * A new token: the secret shown once to its owner (256 random bits) and the id that names it in
 * lists and revocations. Only the secret's hash is stored (see hashToken in auth.ts).
 */
export function newToken(): { token: string; id: string } {
  return { token: `sbc_${randomBytes(32).toString('base64url')}`, id: `tok_${randomBytes(8).toString('hex')}` };
}
