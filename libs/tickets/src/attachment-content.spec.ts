import { DomainError } from '@drehscheibe/domain';
import { cleanFilename } from '@drehscheibe/tickets';
import { parseMediaType } from './attachment-content.js';

describe('cleanFilename', () => {
  it.each([
    ['C:\\Users\\sb\\Bescheid "2026".pdf', 'Bescheid 2026.pdf'],
    ['Rechnung\u202Efdp.exe', 'Rechnungfdp.exe'],
    ['\u2067a\u2069\u200E\u200F\u061C\u202A\u202B\u202C\u202D.txt', 'a.txt'],
    ['x\u200B\u200C\u200D\u2060\uFEFF\u00AD.txt', 'x.txt'],
    ['😀'.repeat(300), '😀'.repeat(255)],
  ])('cleans %p to %p', (raw, clean) => {
    expect(cleanFilename(raw)).toBe(clean);
  });

  it.each(['', '.', '..', '...', '/x/..', '\u202E', ' \u200B '])('refuses %p', (raw) => {
    expect(() => cleanFilename(raw)).toThrow(DomainError);
  });
});

describe('parseMediaType', () => {
  it.each([
    ['text/plain', 'text/plain', 'text/plain'],
    ['Text/CSV; Charset="UTF-8"', 'text/csv', 'text/csv; charset=utf-8'],
    ['application/json;charset=utf-8; foo=bar', 'application/json', 'application/json; charset=utf-8'],
    ['application/pdf; name=x.pdf', 'application/pdf', 'application/pdf'],
  ])('%p → base %p, stored %p', (header, baseType, mediaType) => {
    expect(parseMediaType(header)).toEqual({ baseType, mediaType });
  });
});
