import { InputError, parseFormStrictly, parseJsonStrictly, parseQueryStrictly, QUERY_VIOLATIONS } from '@drehscheibe/contracts';

function refusal(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}
const json = (text: string) => parseJsonStrictly(Buffer.from(text));

describe('parseJsonStrictly', () => {
  it('parses JSON like JSON.parse, including escaped surrogate pairs and ": inside strings', () => {
    const text = '{"a": [1, {"b": "x\\": y"}], "c": "\\ud83d\\ude00", "d": null, "e": {"a": 1}}';
    expect(json(text)).toEqual(JSON.parse(text));
  });

  it.each([
    ['{"a": 1, "a": 2}', '/body/a'],
    ['{"x": {"a": 1, "b": 2, "a": 3}}', '/body/x/a'],
    ['[{"k": 1}, {"k": 1, "k": 2}]', '/body/1/k'],
    ['{"a/b": 1, "a/b": 1}', '/body/a~1b'],
    ['{"a": "\\": ", "a": 1}', '/body/a'],
  ])('refuses the duplicate in %s at %s', (text, pointer) => {
    const e = refusal(() => json(text));
    expect(e.kind).toBe('invalid');
    expect(e.violations).toEqual([{ pointer, message: 'is a duplicate member name' }]);
  });

  it.each([
    ['{"s": "a\\u0000b"}', '/body/s', /U\+0000/],
    ['{"s": ["ok", "\\ud800"]}', '/body/s/1', /surrogate/],
    ['{"s": "\\udc00x"}', '/body/s', /surrogate/],
    ['{"n\\u0000": 1}', '/body/n\u0000', /member name .*U\+0000/],
    ['"\\ud800"', '/body', /surrogate/],
  ])('refuses the text in %s at %s', (text, pointer, message) => {
    const e = refusal(() => json(text));
    expect(e.kind).toBe('invalid');
    expect(e.violations).toEqual([{ pointer, message: expect.stringMatching(message) as string }]);
  });

  it.each([
    ['', /empty/],
    ['{"a": 1,}', /not valid JSON/],
    ['{"a": 1} // note', /not valid JSON/],
    ['{"a": 1}{"b": 2}', /not valid JSON/],
    ['{"__proto__": {"admin": true}}', /__proto__/],
    ['{"constructor": {"prototype": {"admin": true}}}', /__proto__/],
  ])('refuses %p as malformed', (text, message) => {
    const e = refusal(() => json(text));
    expect(e.kind).toBe('malformed');
    expect(e.message).toMatch(message);
  });

  it('refuses bytes that are not UTF-8 as malformed', () => {
    expect(refusal(() => parseJsonStrictly(Buffer.from([0x22, 0xff, 0x22]))).message).toMatch(/UTF-8/);
  });
});

describe('parseFormStrictly and parseQueryStrictly', () => {
  it('decode + and percent-encoded UTF-8', () => {
    expect({ ...parseFormStrictly(Buffer.from('a=x+y&b=K%C3%B6ln&c')) }).toEqual({ a: 'x y', b: 'Köln', c: '' });
    expect({ ...parseQueryStrictly('s=a&s=b&t=%F0%9F%98%80') }).toEqual({ s: ['a', 'b'], t: '😀' });
  });

  it.each([
    ['client_id=a%00b', '/body/client_id'],
    ['client_id=%ED%A0%80', '/body/client_id'],
    ['client_id=%FF', '/body/client_id'],
    ['client_id=a&client_id=b', '/body/client_id'],
  ])('the form refuses %s at %s', (form, pointer) => {
    expect(refusal(() => parseFormStrictly(Buffer.from(form))).violations.map((v) => v.pointer)).toEqual([pointer]);
  });

  it('the query keeps what it refused for the request hook, without throwing', () => {
    const parsed = parseQueryStrictly('q=%00&ok=1&r=%E0%A4');
    expect(parsed[QUERY_VIOLATIONS]?.map((v) => v.pointer)).toEqual(['/query/q', '/query/r']);
    expect(Object.keys(parsed)).toEqual(['ok']);
  });
});
