import { CodelistRegistry, defaultCodelistDirectory } from '@drehscheibe/codelists';
import type { HubConfig } from '@drehscheibe/config';
import { loadOpenApiDocument } from '@drehscheibe/contracts';
import { MappingEngine, MappingProfiles, ProfileRenderer } from '@drehscheibe/mapping';
import { OutboxWriter, type DeliveryDispatcher } from '@drehscheibe/outbox';
import { FieldCipher } from '@drehscheibe/security';
import { DesiredState, TicketCommandRunner, TicketCommands, TicketPresenter, TicketSteps, TicketStore } from '@drehscheibe/tickets';
import type { DataSource } from 'typeorm';

/** What the worker changes tickets with (auto-close, native answers): the API's use cases, rendering through the same mapping profiles. */
export interface WorkerTickets {
  store: TicketStore;
  runner: TicketCommandRunner;
  desiredState: DesiredState;
  profiles: MappingProfiles;
}

export function createWorkerTickets(config: HubConfig, dataSource: DataSource, dispatcher: DeliveryDispatcher): WorkerTickets {
  const codelists = CodelistRegistry.fromDirectory(defaultCodelistDirectory());
  const cipher = new FieldCipher(config.keys.dataKey, config.keys.previousDataKeys);
  const profiles = new MappingProfiles(dataSource, new MappingEngine(codelists, loadOpenApiDocument()), cipher, { refreshMs: config.mapping.refreshMs });
  const store = new TicketStore(dataSource);
  const runner = new TicketCommandRunner(store, new TicketPresenter(cipher), new OutboxWriter(new ProfileRenderer(profiles)), dispatcher);
  const steps = new TicketSteps();
  const desiredState = new DesiredState(runner, steps, new TicketCommands(runner, steps, codelists));
  return { store, runner, desiredState, profiles };
}
