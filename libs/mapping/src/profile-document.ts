/**
 * A mapping profile: how one participant's ticket system speaks, declared,
 * versioned and stored; the hub translates between it and the canonical
 * model in both directions. Every expression is JSONata
 * (https://docs.jsonata.org), compiled once per profile version.
 *
 * Expressions see, besides their input:
 * - `$toCanonical(map, nativeCode)` and `$toNative(map, canonicalCode)`: the
 *   profile's value maps; a code the map does not know, with no default, is an
 *   error (`unmapped-code`), never a guess;
 * - `$participant`: the participant the profile belongs to.
 */
export interface MappingProfileDocument {
  /**
   * A built-in profile this one extends (e.g. `znuny`). Value-map entries,
   * inbound rules, outbound requests and answer fields given here replace the
   * base's of the same name; everything else is inherited.
   */
  extends?: BuiltinProfileId;
  description?: string;
  valueMaps?: Partial<Record<ValueMapName, ValueMapDefinition>>;
  inbound?: InboundMapping;
  outbound?: OutboundMapping;
  /** How the generic REST connector reads the system's changes (only for a connector of kind `rest`). */
  poll?: PollMapping;
}

export const BUILTIN_PROFILE_IDS = ['znuny', 'zammad', 'jira-service-management', 'servicenow', 'rt5', 'tmf621'] as const;
export type BuiltinProfileId = (typeof BUILTIN_PROFILE_IDS)[number];

/** The canonical code lists a value map translates to, by map name. */
export const VALUE_MAP_CODELISTS = {
  status: 'ticket-status',
  impact: 'impact',
  urgency: 'urgency',
  priority: 'priority',
  category: 'category',
  type: 'ticket-type',
  resolution: 'resolution-code',
} as const;
export type ValueMapName = keyof typeof VALUE_MAP_CODELISTS;

/**
 * Maps whose canonical codes the API carries as integers (`impact: 1`):
 * `$toCanonical` returns them as numbers, `$toNative` takes either form.
 */
export const NUMERIC_VALUE_MAPS: ReadonlySet<ValueMapName> = new Set(['impact', 'urgency', 'priority']);

/**
 * A crosswalk between the system's codes and one canonical code list.
 * `toNative` is the inverse of `toCanonical` unless given: where several
 * native codes map to one canonical code, `toNative` must name the one to
 * send. Defaults are explicit; without one an unknown code is refused.
 */
export interface ValueMapDefinition {
  /** Native code → canonical code. */
  toCanonical: Record<string, string>;
  /** Canonical code → native code, where the inverse of `toCanonical` is ambiguous or differs. */
  toNative?: Record<string, string>;
  /** The canonical code for native codes not in `toCanonical`. */
  defaultCanonical?: string;
  /** The native code for canonical codes with no native counterpart. */
  defaultNative?: string;
}

/** The canonical operations a native message can become (the API's operationIds). */
export const INBOUND_OPERATIONS = ['createTicket', 'setTicketState', 'addComment'] as const;
export type InboundOperation = (typeof INBOUND_OPERATIONS)[number];

/** Native message → canonical command. The first rule whose `when` holds decides. */
export interface InboundMapping {
  rules: InboundRule[];
}

export interface InboundRule {
  /** Unique within the profile; an extending profile replaces a rule by naming it. */
  name: string;
  /** Whether the rule applies (truthy); absent: always. */
  when?: string;
  operation: InboundOperation;
  /**
   * Which ticket the message is about, for `setTicketState` and `addComment`:
   * the participant's own ticket number (its `externalId` on the ticket).
   */
  ticket?: string;
  /** The change's source reference (`Source-Ref`): a replayed message changes nothing. */
  sourceRef?: string;
  /**
   * The request body of the operation, field by field: a dotted path into
   * the body (`requester.name`) → expression. Fields that evaluate to
   * nothing are left out. Paths must exist in the operation's request schema.
   */
  fields: Record<string, string>;
}

/**
 * Canonical event → the one native request the system understands; events
 * that match no request are not delivered to the participant.
 */
export interface OutboundMapping {
  requests: OutboundRequest[];
  /** What the hub keeps from the system's answer to a delivered request. */
  answer?: AnswerMapping;
}

export const OUTBOUND_METHODS = ['POST', 'PUT', 'PATCH'] as const;
export type OutboundMethod = (typeof OUTBOUND_METHODS)[number];

export interface OutboundRequest {
  name: string;
  /** Canonical event types (`ticket.forwarded`) this request renders; `*` for all. */
  on: string[];
  when?: string;
  method: OutboundMethod;
  /**
   * Expression → the path (and query) below the participant's endpoint URL.
   * The token `{externalId}` in it is filled when the request is sent, with
   * the participant's own ticket number as the hub knows it then (it may
   * come from the answer to an earlier request), e.g. `"/incident/{externalId}"`.
   */
  path: string;
  /** Header name → expression. */
  headers?: Record<string, string>;
  /** The JSON body, field by field: dotted path → expression, as in inbound rules. */
  fields: Record<string, string>;
}

/**
 * The system's answer (its JSON response body) → a desired state the hub
 * applies as the participant, e.g. the system's own ticket number as
 * `externalId` with status `acknowledged`. Only for requests named in `after`.
 */
export interface AnswerMapping {
  /** Names of the outbound requests whose answers are read. */
  after: string[];
  /** Dotted path into `TicketStateInput` → expression over the answer body. */
  fields: Record<string, string>;
}

export const POLL_METHODS = ['GET', 'POST'] as const;
export type PollMethod = (typeof POLL_METHODS)[number];

/**
 * How the generic REST connector asks a system that is not built in for its
 * changes since a watermark, and reads them. Every entry is a JSONata
 * expression; they see their input and JSONata's own functions (`$now()`),
 * no value maps. A record is one entry of the system's change log; the
 * inbound rules read its `payload`.
 */
export interface PollMapping {
  /** The request that reads the changes after a watermark. */
  request: {
    method: PollMethod;
    /** Over `{watermark}` → the path (with query) below the connector's base URL. */
    path: string;
    /** Over `{watermark}` → the JSON body (for POST). */
    body?: string;
  };
  /** Over the response body → the change records, oldest first. */
  changes: string;
  /** Over one record → the system's id of that change: the hub's Source-Ref. */
  sourceRef: string;
  /** Over one record → the system's ticket number. */
  ticket: string;
  /**
   * Over one record → the user who made the change. Records of the
   * connector's `systemUser` are the hub's own writes (echoes) and are
   * skipped; records of its `automaticUsers` belong to the record before them
   * on the same ticket (skipped when that one was an echo).
   */
  author?: string;
  /** Over one record → when the system recorded it (ISO time stamp): the settle time and the lag. */
  at?: string;
  /** Over `{watermark, record}` → the watermark after that record (an object). */
  watermark: string;
  /** No input → the first watermark, e.g. `{"after": 0}` or `{"since": $now()}`; absent: `{}`. */
  initialWatermark?: string;
  /** Over the response body → true when more changes wait than one response carries (the connector polls again at once). */
  more?: string;
  /** Over one record → what the inbound rules read; absent: the record itself. */
  payload?: string;
}
