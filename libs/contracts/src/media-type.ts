/** The media type of a Content-Type header without parameters, lower case: `Text/CSV; charset=utf-8` → `text/csv`. */
export function baseMediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0].trim().toLowerCase() || undefined;
}
