import { useState } from 'preact/hooks';
import type { Problem } from '../api.js';
import { ProblemBox } from './problem-box.js';

export interface SignInProps {
  /** Why the last token was refused, if it was. */
  problem: Problem | undefined;
  busy: boolean;
  onSignIn: (token: string) => void;
}

export function SignIn({ problem, busy, onSignIn }: SignInProps) {
  const [token, setToken] = useState('');
  return (
    <main class="sign-in">
      <h1>SBC console</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim() !== '') onSignIn(token.trim());
        }}
      >
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellcheck={false}
          placeholder="sbc_…"
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
          autoFocus
        />
        <p class="hint">Paste a token of an administrator or a reseller's administrator. It is kept for this browser tab only.</p>
        <button type="submit" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {problem && <ProblemBox problem={problem} />}
      </form>
    </main>
  );
}
