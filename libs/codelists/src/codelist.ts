/** One entry of a code list; `code` is what travels in tickets, the labels are for people. */
export interface Code {
  code: string;
  name: string;
  nameEn: string;
  description?: string;
  /** Code of the parent entry in the same list (only hierarchical lists such as `category`). */
  parent?: string;
}

/** One version of a code list, identified by its canonical URN (XÖV style). */
export interface Codelist {
  id: string;
  name: string;
  uri: string;
  version: string;
  versionUri: string;
  description?: string;
  codes: Code[];
}
