import type { SessionStore } from './domain/session-store.js';

/**
 * On an empty database, creates the first ADMIN token and returns the lines that show it,
 * once, with a curl example; only its hash is stored. Undefined when tokens already exist.
 */
export async function firstStartToken(store: SessionStore, url: string): Promise<string[] | undefined> {
  const created = await store.createFirstToken({ level: 'ADMIN', name: 'first start' });
  if (created === undefined) return undefined;
  const { token } = created;
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
