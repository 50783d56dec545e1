import type { components } from '@drehscheibe/contracts';
import { IdentityProviderRegistry, type IdentityProvider } from '@drehscheibe/registry';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { RequireScope } from '../http/request-context.js';

/** External identity providers whose tokens the hub accepts for mapped clients. */
@Controller('v1/identity-providers')
@RequireScope('admin')
export class IdentityProvidersController {
  constructor(private readonly providers: IdentityProviderRegistry) {}

  @Get()
  async list(): Promise<{ items: IdentityProvider[] }> {
    return { items: await this.providers.list() };
  }

  @Post()
  @HttpCode(201)
  create(@Body() body: components['schemas']['IdentityProviderCreate']): Promise<IdentityProvider> {
    return this.providers.create(body);
  }

  @Get(':providerId')
  get(@Param('providerId') id: string): Promise<IdentityProvider> {
    return this.providers.get(id);
  }

  @Delete(':providerId')
  @HttpCode(204)
  async remove(@Param('providerId') id: string): Promise<void> {
    await this.providers.remove(id);
  }
}
