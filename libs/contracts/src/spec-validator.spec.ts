import { loadOpenApiDocument, SpecValidator } from '@drehscheibe/contracts';

const validator = new SpecValidator(loadOpenApiDocument());
const ticket = {
  externalId: 'MILA-1',
  type: 'incident',
  subject: 'Login fails',
  serviceId: 'svc-demo',
  impact: 2,
  urgency: 3,
  channel: 'phone_115',
};

describe('SpecValidator', () => {
  it('accepts a valid ticket and applies the schema default for supportLevel', () => {
    const body: Record<string, unknown> = { ...ticket };
    expect(validator.validateRequest('POST', '/v1/tickets', { body })).toEqual([]);
    expect(body.supportLevel).toBe(1);
  });

  it('names unknown fields, missing fields, wrong types and over-long strings', () => {
    const { externalId: _omit, ...withoutId } = ticket;
    const body = { ...withoutId, priority: 1, impact: 'high', subject: 'x'.repeat(201) };
    const pointers = validator.validateRequest('POST', '/v1/tickets', { body }).map((v) => v.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/body/externalId', '/body/priority', '/body/impact', '/body/subject']));
  });

  it('validates path parameters and headers', () => {
    const violations = validator.validateRequest('POST', '/v1/tickets/{ticketId}/status', {
      params: { ticketId: 'not-a-uuid' },
      headers: { 'if-match': 'abc' },
      body: { status: 'in_progress' },
    });
    expect(violations.map((v) => v.pointer)).toEqual(['/path/ticketId', '/header/if-match']);
  });

  it('compiles every request and response schema of the document (they are compiled lazily at run time)', () => {
    // Strict mode throws on a schema it cannot compile; here, not at an operation's first use.
    const fresh = new SpecValidator(loadOpenApiDocument());
    expect(() => fresh.compileRequestValidators()).not.toThrow();
    const document = loadOpenApiDocument();
    let statuses = 0;
    for (const key of fresh.operationKeys()) {
      const [method, path] = key.split(' ');
      const responses = (document.paths[path] as Record<string, { responses: Record<string, unknown> }>)[method.toLowerCase()].responses;
      for (const status of Object.keys(responses).filter((s) => /^\d{3}$/.test(s))) {
        expect(() => fresh.validateResponse(method, path, Number(status), 'application/json', {})).not.toThrow();
        statuses++;
      }
    }
    expect(statuses).toBeGreaterThan(fresh.operationKeys().length);
  });

  it('checks responses against the documented status and media type', () => {
    expect(validator.validateResponse('GET', '/health/live', 200, 'application/json', { status: 'ok' })).toEqual([]);
    expect(validator.validateResponse('GET', '/health/live', 200, 'application/json', { status: 'fine' })).not.toEqual([]);
    expect(validator.validateResponse('GET', '/health/live', 418, 'application/json', {})[0].message).toMatch(/not documented/);
  });

  it('knows every operation of the document', () => {
    expect(validator.operationKeys()).toEqual(expect.arrayContaining(['POST /v1/tickets', 'GET /v1/tickets/{ticketId}', 'POST /v1/oauth/token']));
  });
});
