export { CodelistFormatError, UnknownCodelistError, type Code, type Codelist } from './codelist.js';
export { parseGenericode } from './genericode.parser.js';
export { CodelistRegistry, CODELIST_IDS, defaultCodelistDirectory, type CodelistId } from './codelist.registry.js';
