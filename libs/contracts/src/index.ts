export { loadOpenApiDocument, OPENAPI_FILE, type OpenApiDocument } from './openapi-document.js';
export { SpecValidator, HTTP_METHODS, type Violation } from './spec-validator.js';
export * from './types.js';
export { omitAbsent } from './omit-absent.js';
export {
  InputError,
  parseFormStrictly,
  parseJsonStrictly,
  parseQueryStrictly,
  pointerOf,
  QUERY_VIOLATIONS,
  textViolation,
  type ParsedQuery,
} from './strict-input.js';
export { baseMediaType } from './media-type.js';
export { encodeCursor, decodeCursor, encodeIdCursor, decodeIdCursor } from './paging.js';
