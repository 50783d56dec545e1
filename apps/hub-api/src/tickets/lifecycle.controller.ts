import type { Lifecycle } from '@drehscheibe/contracts';
import { describeLifecycle } from '@drehscheibe/domain';
import { Controller, Get } from '@nestjs/common';

/** `GET /v1/lifecycle`: the one state machine of libs/domain, for clients and their menus. */
@Controller('v1/lifecycle')
export class LifecycleController {
  // It never changes while the process runs.
  private readonly lifecycle: Lifecycle = describeLifecycle();

  @Get()
  get(): Lifecycle {
    return this.lifecycle;
  }
}
