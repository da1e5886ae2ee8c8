import type { SessionSummary, WhoAmI } from '@sbc/client';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { clientFor, describeProblem, forgetToken, isSignInProblem, storedToken, storeToken, type Problem } from './api.js';
import { customerNames, whoIsSignedIn } from './identity.js';
import { LiveFeed } from './live/feed.js';
import { localTime } from './format.js';
import { useRoute } from './route.js';
import { CallView } from './views/call.js';
import { ConfirmEnd } from './views/confirm-end.js';
import { HistoryView } from './views/history.js';
import { LiveView } from './views/live.js';
import { ProblemBox } from './views/problem-box.js';
import { SignIn } from './views/sign-in.js';
import { lazyView } from './views/lazy.js';
import type { Workspace } from './workspace.js';

const TrafficView = lazyView(() => import('./views/traffic.js').then((module) => module.TrafficView));

/** The server's HOME_COUNTRY_CODE default, which the live table's international filter compares with. */
const homeCountryCode = '45';

/** Renders before the next frame; in a hidden tab (no frames) at most once a second. */
const nextFrame = (run: () => void) => (document.hidden ? setTimeout(run, 1000) : requestAnimationFrame(run));

/** A token that the API answers but that may not read calls (an SBC node's, a reseller's without TELE). */
function cannotWatchCalls(identity: WhoAmI): Problem {
  return {
    title: 'This token may not watch calls.',
    detail: `It is ${identity.name ?? 'a token'} at level ${identity.level}${identity.customer ? ` for ${identity.customer.name ?? identity.customer.id}` : ''}; the console needs a token that may list sessions: ADMIN, or RESELLER_ADMIN whose customer has the TELE feature.`,
  };
}

interface SignedIn {
  token: string;
  identity: WhoAmI;
}

export function App() {
  const [signedIn, setSignedIn] = useState<SignedIn>();
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);

  async function signIn(token: string) {
    setBusy(true);
    setProblem(undefined);
    try {
      const identity = await whoIsSignedIn(clientFor(token));
      if (!identity.operations.includes('listSessions')) {
        forgetToken();
        setProblem(cannotWatchCalls(identity));
        return;
      }
      storeToken(token);
      setSignedIn({ token, identity });
    } catch (error) {
      forgetToken();
      setProblem(describeProblem(error));
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    const token = storedToken();
    if (token !== undefined) void signIn(token);
  }, []);

  const signOut = (why?: Problem) => {
    forgetToken();
    setSignedIn(undefined);
    setProblem(why);
  };

  if (!signedIn) return <SignIn problem={problem} busy={busy} onSignIn={(token) => void signIn(token)} />;
  return <Console key={signedIn.token} token={signedIn.token} identity={signedIn.identity} onSignOut={signOut} />;
}

function Console({ token, identity, onSignOut }: { token: string; identity: WhoAmI; onSignOut: (why?: Problem) => void }) {
  const route = useRoute();
  const client = useMemo(() => clientFor(token), [token]);
  // One map for the life of the console, filled once the names are read: the feed's sort and filter read it too.
  const names = useMemo(() => new Map<string, string>(), [token]);
  const [, setNamesRead] = useState(false);
  const [ending, setEnding] = useState<SessionSummary>();
  const [endProblem, setEndProblem] = useState<Problem>();
  const feed = useMemo(
    () =>
      new LiveFeed(client, {
        homeCountryCode,
        lingerMs: 5000,
        reconnectMs: 5000,
        customerName: (id) => names.get(id),
        schedule: nextFrame,
        onFailure: (error) => {
          if (isSignInProblem(error)) onSignOut(describeProblem(error));
        },
      }),
    [client],
  );
  useEffect(() => {
    feed.start();
    return () => feed.close();
  }, [feed]);
  useEffect(() => {
    customerNames(client, identity).then(
      (loaded) => {
        for (const [id, name] of loaded) names.set(id, name);
        setNamesRead(true);
        feed.update((calls) => calls.rebuild());
      },
      // Names are a help, not a need: without them the table shows customer ids.
      () => undefined,
    );
  }, [client]);

  const workspace: Workspace = {
    client,
    identity,
    feed,
    canEnd: identity.operations.includes('endCall'),
    customerName: (id) => names.get(id),
    requestEnd: (call) => setEnding(call),
  };

  async function endCall(call: SessionSummary) {
    setEnding(undefined);
    setEndProblem(undefined);
    feed.update((calls) => calls.markEndRequested(call.callId));
    try {
      await client.endCall(call.callId);
    } catch (error) {
      feed.update((calls) => calls.markEndRequested(call.callId, false));
      if (isSignInProblem(error)) onSignOut(describeProblem(error));
      else setEndProblem(describeProblem(error));
    }
  }

  return (
    <div class="shell">
      <header>
        <h1>SBC console</h1>
        <IdentityLine identity={identity} />
        <nav aria-label="Views">
          <a href="#/live" aria-current={route.view === 'live' ? 'page' : undefined}>
            Live calls
          </a>
          <a href="#/history" aria-current={route.view === 'history' ? 'page' : undefined}>
            History
          </a>
          <a href="#/traffic" aria-current={route.view === 'traffic' ? 'page' : undefined}>
            Traffic
          </a>
        </nav>
        <button type="button" onClick={() => onSignOut()}>
          Sign out
        </button>
      </header>
      {endProblem && <ProblemBox problem={endProblem} prefix="The call could not be ended: " />}
      <main>
        {route.view === 'live' && <LiveView workspace={workspace} />}
        {route.view === 'history' && <HistoryView workspace={workspace} />}
        {route.view === 'traffic' && <TrafficView workspace={workspace} />}
        {route.view === 'call' && <CallView workspace={workspace} callId={route.callId} />}
      </main>
      {ending && (
        <ConfirmEnd
          callId={ending.callId}
          summary={`${ending.aNumber ?? '?'} → ${ending.bNumber ?? '?'}${ending.answered ? ', answered' : ', ringing'}`}
          onCancel={() => setEnding(undefined)}
          onConfirm={() => void endCall(ending)}
        />
      )}
    </div>
  );
}

function IdentityLine({ identity }: { identity: WhoAmI }) {
  const customer = identity.customer && (identity.customer.name ?? identity.customer.id);
  return (
    <p class="identity" data-testid="identity">
      Signed in as <strong>{identity.name ?? 'an unnamed token'}</strong> · <span data-testid="level">{identity.level}</span>
      {customer && <> · for {customer}</>}
      {identity.expires && <> · expires {localTime(identity.expires)}</>}
    </p>
  );
}
