// The --help texts.

const connection = `Connection (flags override the environment):
  --url <url>        the API, default $SBC_API_URL or http://127.0.0.1:8080
  --token <token>    the API token, default $SBC_API_TOKEN
  --timeout <ms>     how long to wait for an answer (default 10000)`;

const exits = `Exit codes: 0 ok, 2 bad input or usage (also a --url where the API is not), 3 not found,
4 token missing, rejected or not allowed, 5 server error, server unreachable or not answering
as the API, 1 a bug in sbc.`;

export const help: Record<'sbc' | 'get' | 'list' | 'end' | 'watch' | 'stats' | 'whoami', string> = {
  sbc: `sbc - the SBC session API from the command line

Usage:
  sbc get <callId>       show one session
  sbc list [filters]     list sessions (a table, or --json)
  sbc end <callId>       end a call
  sbc watch [filters]    follow session events as they happen
  sbc stats [--window N] traffic: live calls now and the last N minutes
  sbc whoami             what the token is and may do

Run sbc <command> --help for a command's options; sbc --version for the version.
Times are shown in the zone of TZ (the system's when unset).

${connection}

${exits}
`,
  get: `Usage: sbc get <callId> [--json]

Shows the session of a SIP Call-ID, every property on its own line (--json: the Session object).
Quote Call-IDs that hold shell characters: sbc get 'a3f;tag=1@10.0.0.1'

${connection}

${exits}
`,
  list: `Usage: sbc list [--number N] [--customer ID] [--live] [--direction I|O] [--international]
                [--full] [--limit N] [--offset N] [--all] [--json]

Lists sessions, newest first, as a table sized to the terminal (the Call-ID is never cut):
STARTED in the zone of TZ, RING from the INVITE to the answer (or to the end of a call never
answered), TALK from the answer to the end (or to now while the call goes on).
  --number N         A- or B-number contains these digits (a leading + anchors the start)
  --customer ID      made from or to this customer
  --live             only ongoing calls
  --direction I|O    I: received from a peer, O: from a trusted host
  --international    only calls to numbers outside the home country
  --full             whole sessions (with --json)
  --limit N          page size, 1 to 1000 (default 100)
  --offset N         first session to show
  --all              every matching session, page after page
  --json             the SessionList as JSON (with --all, a JSON array of sessions)

${connection}

${exits}
`,
  end: `Usage: sbc end <callId> [--json]

Ends a call: the SBC that carries it is told to hang up. The call stays live (shown as "end
requested" by get and list) until that SBC reports the end; with no agent serving the SBC, the
request waits for one. Ending a call whose end was already requested, or that has already
ended, says so and exits 0; --json prints the answer, whose "outcome" is requested,
alreadyRequested or alreadyEnded.

${connection}

${exits}
`,
  watch: `Usage: sbc watch [--types T,...] [--customer ID] [--number N] [--last-event-id ID] [--json]

Follows session events (started, answered, ended, terminationRequested) until Ctrl-C, one line
per event: date, time and offset in the zone of TZ, event id, type, Call-ID, numbers, and for an
end its reason and who ended it (A the caller, B the callee, F fraud prevention, S the system);
reconnects by itself after a drop without losing or repeating events, and gives
up (exit 5) after 10 failed reconnections in a row.
  --types T,...      only these event types
  --customer ID      only sessions of this customer
  --number N         only sessions whose A- or B-number contains these digits
  --last-event-id ID start after this event (replays what came since)
  --json             one Event JSON object per line (NDJSON)

${connection}

${exits}
`,
  stats: `Usage: sbc stats [--window N] [--top N] [--json]

Traffic of the calls the token may see (a reseller administrator: its own customers' calls).
First the live calls: how many, answered and ringing, by SBC node, by direction, and the
customers and peers with the most of them. Then the last N minutes, minute by minute (times
in the zone of TZ): calls started in each minute, how many of them were answered and how many
failed (ended unanswered), the calls going on at the end of the minute, the answer-seizure
ratio (ASR: answered / (answered + failed)) and the average duration of answered calls (ACD).
  --window N         minutes back, 1 to the server's retention (default 60)
  --top N            how many customers and peers to name, 1 to 100 (default 10)
  --json             the TrafficStats object

${connection}

${exits}
`,
  whoami: `Usage: sbc whoami [--json]

What the token is: its level, name, customer (id, name and features), the SBC node of a
machine token, when it expires, and the operations it may call. A wrong, expired or revoked
token exits 4 with the API's reason.
  --json             the WhoAmI object

${connection}

${exits}
`,
};
