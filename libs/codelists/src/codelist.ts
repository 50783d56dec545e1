export interface Code {
  code: string;
  name: string;
  nameEn: string;
  description?: string;
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

export class CodelistFormatError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'CodelistFormatError';
  }
}

export class UnknownCodelistError extends Error {
  constructor(id: string) {
    super(`no codelist ${id} is loaded`);
    this.name = 'UnknownCodelistError';
  }
}
