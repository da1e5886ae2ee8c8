import type { SessionStore } from './domain/session-store.js';

/**
 * On an empty database, creates the first ADMIN token and returns the lines that show it,
 * once, with a curl example; only its hash is stored. Undefined when tokens already exist.
 */
export async function firstStartToken(store: SessionStore, url: string): Promise<string[] | undefined> {
  if ((await store.countTokens()) > 0) return undefined;
  const { token } = await store.createToken({ level: 'ADMIN', name: 'first start' });
  return [
    '',
    'A first ADMIN token was created. It is shown only this once: keep it somewhere safe.',
    '',
    `  ${token}`,
    '',
    'Try it:',
    `  curl -H 'Authorization: Bearer ${token}' '${url}/sbc/session?live=true'`,
    '',
  ];
}
