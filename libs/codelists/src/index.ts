export type { Code, Codelist } from './codelist.js';
export { parseGenericode, CodelistFormatError } from './genericode.parser.js';
export { CodelistRegistry, UnknownCodelistError, CODELIST_IDS, defaultCodelistDirectory, type CodelistId } from './codelist.registry.js';
