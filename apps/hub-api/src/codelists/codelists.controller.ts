import { CodelistRegistry } from '@drehscheibe/codelists';
import type { Codelist } from '@drehscheibe/contracts';
import { Controller, Get } from '@nestjs/common';

@Controller('v1/codelists')
export class CodelistsController {
  constructor(private readonly registry: CodelistRegistry) {}

  @Get()
  list(): { items: Codelist[] } {
    return { items: this.registry.list().map((list) => ({ ...list, codes: list.codes.map((c) => ({ ...c })) })) };
  }
}
