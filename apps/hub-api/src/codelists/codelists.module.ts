import { Module } from '@nestjs/common';
import { CodelistsController } from './codelists.controller.js';

/** The code lists tickets are validated against (the registry itself is in the core: tickets and routing use it too). */
@Module({ controllers: [CodelistsController] })
export class CodelistsModule {}
