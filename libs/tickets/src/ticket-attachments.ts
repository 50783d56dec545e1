import { createHash } from 'node:crypto';
import { assertOpenForContributions, DomainError, type TicketStatus } from '@drehscheibe/domain';
import type { TicketAttachmentEntity } from '@drehscheibe/persistence';
import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { checkContentType, cleanFilename, parseMediaType } from './attachment-content.js';
import { ATTACHMENT_STORE, type AttachmentContentStore } from './attachment-store.js';
import { TicketCommandRunner, type CommandResult, type WriteConditions } from './ticket-command-runner.js';
import { TicketStore } from './ticket-store.js';
import { toAttachmentView } from './ticket-view.js';

export const ATTACHMENT_POLICY = Symbol('AttachmentPolicy');
export interface AttachmentPolicy {
  maxBytes: number;
  mediaTypes: string[];
}

export interface Upload {
  filename: string;
  mediaType: string;
  content: Buffer;
}

/** Files on a ticket: every party may add and read them. */
@Injectable()
export class TicketAttachments {
  constructor(
    private readonly tickets: TicketStore,
    private readonly runner: TicketCommandRunner,
    @Inject(ATTACHMENT_STORE) private readonly store: AttachmentContentStore,
    @Inject(ATTACHMENT_POLICY) private readonly policy: AttachmentPolicy,
  ) {}

  async attach(actorId: string, ticketId: string, upload: Upload, conditions?: WriteConditions): Promise<CommandResult & { attachmentId?: string }> {
    const { baseType, mediaType } = parseMediaType(upload.mediaType);
    if (!this.policy.mediaTypes.includes(baseType)) {
      const what = baseType ? `${baseType} is not accepted` : 'send the file with its media type as Content-Type';
      throw new DomainError('attachment-type-not-allowed', `${what}; allowed: ${this.policy.mediaTypes.join(', ')}`, {
        allowedMediaTypes: this.policy.mediaTypes,
      });
    }
    if (upload.content.length === 0) throw new DomainError('invalid-attachment', 'the file is empty');
    if (upload.content.length > this.policy.maxBytes) throw new DomainError('attachment-too-large', `files may have at most ${this.policy.maxBytes} bytes`);
    const filename = cleanFilename(upload.filename);
    await checkContentType(baseType, upload.content);

    let written: TicketAttachmentEntity | undefined;
    try {
      const result = await this.runner.run(actorId, ticketId, conditions, async ({ tx, ticket, roles, attachments, now }) => {
        assertOpenForContributions(ticket.status as TicketStatus, roles, 'attachments');
        const attachment: TicketAttachmentEntity = {
          id: uuidv7(),
          ticketId,
          uploaderId: actorId,
          filename,
          mediaType,
          size: upload.content.length,
          sha256: createHash('sha256').update(upload.content).digest('hex'),
          storage: this.store.kind,
          content: null,
          createdAt: now,
        };
        await this.store.write(attachment, upload.content);
        written = attachment;
        await tx.addAttachment(attachment);
        attachments.push(attachment);
        return { type: 'ticket.attachment_added', data: { attachment: toAttachmentView(attachment) } };
      });
      // No attachment when the write's source reference was applied before.
      return { ...result, ...(written ? { attachmentId: written.id } : {}) };
    } catch (e) {
      if (written) await this.store.discard(written).catch(() => undefined);
      throw e;
    }
  }

  async download(viewerId: string, ticketId: string, attachmentId: string): Promise<{ attachment: TicketAttachmentEntity; content: Buffer }> {
    const { attachments } = await this.tickets.load(ticketId, viewerId);
    const attachment = attachments.find((a) => a.id === attachmentId);
    if (!attachment) throw new DomainError('not-found', `ticket ${ticketId} has no attachment ${attachmentId}`);
    return { attachment, content: await this.store.read(attachment) };
  }
}
