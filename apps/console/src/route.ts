// The screen shown follows the URL's hash (`#/live`, `#/call/<Call-ID>`...), so that a view can be
// bookmarked, linked and reached with Back, and the server serves one file for every view.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { view: 'live' }
  | { view: 'history' }
  | { view: 'traffic' }
  | { view: 'call'; callId: string };

export function parseRoute(hash: string): Route {
  const [, view = '', ...rest] = hash.replace(/^#/, '').split('/');
  if (view === 'call' && rest.length > 0) return { view: 'call', callId: decodeURIComponent(rest.join('/')) };
  if (view === 'history' || view === 'traffic') return { view };
  return { view: 'live' };
}

export const callHref = (callId: string): string => `#/call/${encodeURIComponent(callId)}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const follow = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return route;
}
