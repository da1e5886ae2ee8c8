import type { Session } from '@sbc/client';
import { useEffect, useState } from 'preact/hooks';
import { sessionFields } from 'virtual:contract';
import { describeProblem, type Problem } from '../api.js';
import { directionLabel, localTime, utcTime } from '../format.js';
import { callHref } from '../route.js';
import type { Workspace } from '../workspace.js';
import { Markdownish } from './markdownish.js';
import { ProblemBox } from './problem-box.js';

const timeFields = new Set(['started', 'answered', 'terminationRequested', 'ended']);

/** The session's events, as the stream names them, each at the session's timestamp of the same name. */
const timeline = [
  { field: 'started', label: 'started', what: 'INVITE received' },
  { field: 'answered', label: 'answered', what: '200 OK received' },
  { field: 'terminationRequested', label: 'terminationRequested', what: 'end requested through the API' },
  { field: 'ended', label: 'ended', what: 'call ended' },
] as const;

export function CallView({ workspace, callId }: { workspace: Workspace; callId: string }) {
  const [session, setSession] = useState<Session>();
  const [problem, setProblem] = useState<Problem>();
  const { client, feed } = workspace;
  useEffect(() => {
    let current = true;
    const load = () =>
      client.getSession(callId).then(
        (loaded) => current && (setSession(loaded), setProblem(undefined)),
        (error: unknown) => current && setProblem(describeProblem(error)),
      );
    void load();
    // Read again when the live feed says this call changed (answered, end requested, ended).
    let seen = feed.calls.get(callId);
    const unsubscribe = feed.subscribe(() => {
      const now = feed.calls.get(callId);
      if (now !== seen) {
        seen = now;
        void load();
      }
    });
    return () => {
      current = false;
      unsubscribe();
    };
  }, [client, feed, callId]);

  if (problem) {
    return (
      <section class="call">
        <h2>Call</h2>
        <p class="mono">{callId}</p>
        <ProblemBox problem={problem} />
      </section>
    );
  }
  if (!session) return <p class="status">Loading…</p>;
  const live = session.ended === undefined;
  const values = session as Record<string, unknown>;
  return (
    <section class="call" aria-labelledby="call-title">
      <div class="toolbar">
        <h2 id="call-title">
          {session.aNumber ?? '?'} → {session.bNumber ?? '?'}{' '}
          <span class={`badge ${live ? (session.answered ? 'answered' : 'ringing') : 'ended'}`} data-testid="call-state">
            {live ? (session.answered ? 'answered' : 'ringing') : 'ended'}
          </span>
          {live && session.terminationRequested && <span class="badge end-requested">end requested</span>}
        </h2>
        {workspace.canEnd && live && (
          <button type="button" class="danger" disabled={session.terminationRequested !== undefined} onClick={() => workspace.requestEnd(session)}>
            End call
          </button>
        )}
      </div>
      <h3>Timeline</h3>
      <ol class="timeline" data-testid="timeline">
        {timeline
          .filter((step) => session[step.field] !== undefined)
          .map((step) => (
            <li key={step.field}>
              <strong>{step.label}</strong> <span>{step.what}</span>
              <time dateTime={session[step.field]}>{localTime(session[step.field]!)}</time>
              <span class="utc">{utcTime(session[step.field]!)}</span>
              {step.field === 'ended' && (
                <span>
                  {session.endedReason !== undefined && ` reason ${String(session.endedReason)}`}
                  {session.endedBy !== undefined && `, by ${session.endedBy}`}
                </span>
              )}
            </li>
          ))}
      </ol>
      <h3>Fields</h3>
      <dl class="fields" data-testid="fields">
        {sessionFields.map((field) => (
          <div key={field.name} class="field" data-field={field.name}>
            <dt>
              <code>{field.name}</code>
              <Markdownish text={field.description} />
            </dt>
            <dd>
              <FieldValue name={field.name} value={values[field.name]} workspace={workspace} />
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function FieldValue({ name, value, workspace }: { name: string; value: unknown; workspace: Workspace }) {
  if (value === undefined) return <span class="absent">not set</span>;
  const text = String(value);
  if (timeFields.has(name)) {
    return (
      <>
        <time dateTime={text}>{localTime(text)}</time> <span class="utc">{utcTime(text)}</span>
      </>
    );
  }
  if (name === 'relatedCallId') return <a href={callHref(text)}>{text}</a>;
  if (name === 'direction') return <span>{`${text} (${directionLabel(text)})`}</span>;
  if (name.endsWith('CustomerId')) {
    const customer = workspace.customerName(text);
    return <span class="mono">{customer ? `${text} (${customer})` : text}</span>;
  }
  return <span class="mono">{text}</span>;
}
