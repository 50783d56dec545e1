import { CodelistRegistry, defaultCodelistDirectory } from '@drehscheibe/codelists';
import { loadOpenApiDocument } from '@drehscheibe/contracts';
import { InvalidProfileError, MappingEngine, MappingError, type MappingProfileDocument, type PollMapping } from '@drehscheibe/mapping';

/** The profile's `poll` section as the generic REST connector needs it: checked when saved, compiled once. */
const engine = new MappingEngine(CodelistRegistry.fromDirectory(defaultCodelistDirectory()), loadOpenApiDocument());

const poll: PollMapping = {
  request: { method: 'POST', path: "'/changes/search'", body: '{"after": watermark.cursor}' },
  initialWatermark: '{"cursor": "start"}',
  changes: 'items',
  sourceRef: 'journalId',
  ticket: 'case.number',
  author: 'by.login',
  at: 'when',
  watermark: '{"cursor": record.cursor}',
  more: 'hasMore',
  payload: '$merge([case, {"note": text}])',
};

describe('the poll section of a mapping profile', () => {
  it('compiles to a typed API over the expressions', async () => {
    const compiled = engine.compile({ poll }).poll!;
    const record = { journalId: 42, case: { number: 'C-7', state: 'open' }, by: { login: 'eve' }, when: '2026-12-01T10:00:00Z', cursor: 'c42', text: 'hi' };

    expect(await compiled.initialWatermark()).toEqual({ cursor: 'start' });
    expect(await compiled.request({ cursor: 'c41' })).toEqual({ method: 'POST', path: '/changes/search', body: { after: 'c41' } });
    expect(await compiled.changes({ items: record })).toEqual([record]);
    expect(await compiled.changes({ items: [] })).toEqual([]);
    expect(await compiled.more({ hasMore: true })).toBe(true);
    expect([await compiled.sourceRef(record), await compiled.ticket(record), await compiled.author(record)]).toEqual(['42', 'C-7', 'eve']);
    expect(await compiled.at(record)).toEqual(new Date('2026-12-01T10:00:00Z'));
    expect(await compiled.watermark({ cursor: 'c41' }, record)).toEqual({ cursor: 'c42' });
    expect(await compiled.payload(record)).toEqual({ number: 'C-7', state: 'open', note: 'hi' });
  });

  it('is absent from a profile without one', () => {
    expect(engine.compile({ inbound: { rules: [] } }).poll).toBeUndefined();
  });

  it('refuses a poll without its required expressions, pointing at each', () => {
    const document = { poll: { request: { method: 'DELETE' }, author: 'who' } } as unknown as MappingProfileDocument;
    expect(engine.validate(document)).toEqual([
      { pointer: '/poll/request/method', message: 'must be one of GET, POST' },
      { pointer: '/poll/request/path', message: 'is required: the path (with query) after a watermark' },
      { pointer: '/poll/changes', message: 'is required: the change records of the response, oldest first' },
      { pointer: '/poll/sourceRef', message: "is required: the system's id of a change" },
      { pointer: '/poll/ticket', message: "is required: the system's ticket number of a change" },
      { pointer: '/poll/watermark', message: 'is required: the watermark after a change' },
    ]);
  });

  it('refuses JSONata that does not compile, and value maps, with pointers; compile throws them all', () => {
    const document: MappingProfileDocument = {
      valueMaps: { status: { toCanonical: { a: 'in_progress' } } },
      poll: { ...poll, ticket: 'case.(number', watermark: '{"cursor": }', payload: "$toCanonical('status', state)" },
    };
    const violations = engine.validate(document);
    expect(violations.map((v) => v.pointer).sort()).toEqual(['/poll/payload', '/poll/ticket', '/poll/watermark']);
    expect(violations.find((v) => v.pointer === '/poll/ticket')?.message).toMatch(/^does not compile: /);
    expect(violations.find((v) => v.pointer === '/poll/payload')?.message).toMatch(/poll expressions see no value maps/);
    expect(() => engine.compile(document)).toThrow(InvalidProfileError);
  });

  it('refuses results the connector cannot use, pointing at the expression', async () => {
    const compiled = engine.compile({ poll: { ...poll, watermark: 'record.cursor', request: { method: 'GET', path: "'changes'" } } }).poll!;
    const failure = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (e: unknown) => (e instanceof MappingError ? [e.code, e.pointer] : e),
      );

    expect(await failure(compiled.watermark({}, { cursor: 'c1' }))).toEqual(['invalid-result', '/poll/watermark']);
    expect(await failure(compiled.request({}))).toEqual(['invalid-result', '/poll/request/path']);
    expect(await failure(compiled.ticket({ case: {} }))).toEqual(['invalid-result', '/poll/ticket']);
    expect(await failure(compiled.at({ when: 'yesterday' }))).toEqual(['invalid-result', '/poll/at']);
    expect(await failure(compiled.changes({ items: 'none' }))).toEqual(['invalid-result', '/poll/changes']);
  });
});
