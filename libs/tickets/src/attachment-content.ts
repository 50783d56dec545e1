import { basename } from 'node:path';
import { baseMediaType } from '@drehscheibe/contracts';
import { DomainError } from '@drehscheibe/domain';
import { fileTypeFromBuffer, supportedMimeTypes } from 'file-type';

/** Media types whose content is text: their bytes must not be a binary format. */
export function isTextMediaType(baseType: string): boolean {
  return (
    baseType.startsWith('text/') ||
    baseType === 'application/json' ||
    baseType === 'application/xml' ||
    baseType === 'message/rfc822' ||
    baseType.endsWith('+json') ||
    baseType.endsWith('+xml')
  );
}

/**
 * `text/csv; charset=UTF-8` → base type `text/csv` (what the allow-list
 * compares) and the media type to store and serve back: the base type with
 * the charset parameter if one was sent, other parameters dropped.
 */
export function parseMediaType(contentType: string): { baseType: string; mediaType: string } {
  const baseType = baseMediaType(contentType) ?? '';
  const parameters = contentType.split(';').slice(1);
  const charset = parameters.map((p) => /^\s*charset\s*=\s*"?([A-Za-z0-9!#$%&'*+.^_`|~-]{1,40})"?\s*$/i.exec(p)?.[1]).find((c) => c !== undefined);
  return { baseType, mediaType: charset ? `${baseType}; charset=${charset.toLowerCase()}` : baseType };
}

/**
 * Checks the bytes against the declared type with file-type's signatures
 * (RFC 9110 15.5.16: a 415 may come from inspecting the data). A binary type
 * the detector knows (PDF, PNG, JPEG, GIF, WebP, …) must be what the bytes
 * are; a text type, or a type it does not know, must not be a binary format
 * it recognises (an executable, an archive, a PDF, …).
 */
export async function checkContentType(baseType: string, content: Buffer): Promise<void> {
  const detected = await fileTypeFromBuffer(content);
  const confirmable = !isTextMediaType(baseType) && supportedMimeTypes.has(baseType);
  if (confirmable ? detected?.mime === baseType : detected === undefined || isTextMediaType(detected.mime)) return;
  const found = detected ? `${detected.mime} (.${detected.ext})` : 'no format the hub recognises';
  throw new DomainError('attachment-type-not-allowed', `the file is declared as ${baseType}, but its content is ${found}`);
}

/**
 * Bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F,
 * U+061C) and the other invisible format characters (Unicode category Cf:
 * zero-width spaces and joiners, soft hyphen, BOM, …) can make `fdp.exe`
 * look like `exe.pdf`.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}"]/gu;
const MAX_FILENAME = 255;

/**
 * Only the last path segment, without control, format and quote characters,
 * at most 255 characters (cut between characters, never inside a surrogate
 * pair). Refuses what is left empty or only dots (`.`, `..`).
 */
export function cleanFilename(raw: string): string {
  const name = basename(raw.replace(/\\/g, '/')).replace(INVISIBLE, '').trim();
  const cut = Array.from(name).slice(0, MAX_FILENAME).join('');
  if (cut === '' || /^\.+$/.test(cut)) {
    throw new DomainError('invalid-attachment', 'the filename is empty, "." or ".." after removing path, control and invisible characters', {
      errors: [{ pointer: '/query/filename', message: 'must name a file' }],
    });
  }
  return cut;
}
