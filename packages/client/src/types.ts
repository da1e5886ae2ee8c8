// Names for the contract's generated types, as the client's methods take and return them.
// Every alias points into the generated file: nothing here restates a schema.
import type { components, operations, paths } from './generated/contract.js';

export type { components, operations, paths };

type Schemas = components['schemas'];

export type Session = Schemas['Session'];
export type SessionSummary = Schemas['SessionSummary'];
export type SessionList = Schemas['SessionList'];
export type SessionReport = Schemas['SessionReport'];
export type IngestReport = Schemas['IngestReport'];
export type IngestResponse = Schemas['IngestResponse'];
export type IngestResult = Schemas['IngestResult'];
export type EndCallResult = Schemas['EndCallResult'];
export type SbcEvent = Schemas['Event'];
export type SessionEvent = Schemas['SessionEvent'];
export type TerminateCommand = Schemas['TerminateCommand'];
export type EventType = Schemas['EventType'];
export type Customer = Schemas['Customer'];
export type CustomerInput = Schemas['CustomerInput'];
export type CustomerList = Schemas['CustomerList'];
export type WhoAmI = Schemas['WhoAmI'];
export type TrafficStats = Schemas['TrafficStats'];
export type TrafficMinute = Schemas['TrafficMinute'];
/** The API's one error body. */
export type ErrorBody = Schemas['Error'];

/** The query of `GET /sbc/session`: filters and paging. */
export type ListSessionsQuery = NonNullable<operations['listSessions']['parameters']['query']>;
/** The filters of `GET /sbc/session`, without paging: what `listAllSessions` walks. */
export type SessionFilters = Omit<ListSessionsQuery, 'offset'>;
/** The query of `GET /sbc/customer`. */
export type ListCustomersQuery = NonNullable<operations['listCustomers']['parameters']['query']>;
/** The query of `GET /sbc/stats`: the window in minutes and how many top customers and peers. */
export type TrafficStatsQuery = NonNullable<operations['getTrafficStats']['parameters']['query']>;
/** The query of `GET /sbc/events`. */
export type EventsQuery = NonNullable<operations['streamEvents']['parameters']['query']>;
