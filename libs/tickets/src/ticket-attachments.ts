import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { DomainError } from '@drehscheibe/domain';
import { TicketAttachmentEntity } from '@drehscheibe/persistence';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { ATTACHMENT_STORE, type AttachmentContentStore } from './attachment-store.js';
import { TicketCommandRunner, type CommandResult, type ExpectedVersions } from './ticket-command-runner.js';
import { loadTicketFor } from './ticket-store.js';
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

/** Only the last path segment, no control characters: filenames end up in headers and file systems. */
export function cleanFilename(raw: string): string {
  const name = basename(raw.replace(/\\/g, '/'))
    .replace(/[\p{Cc}"]/gu, '')
    .trim();
  return name.slice(0, 255);
}

/** Files on a ticket: every party may add and read them. */
@Injectable()
export class TicketAttachments {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runner: TicketCommandRunner,
    @Inject(ATTACHMENT_STORE) private readonly store: AttachmentContentStore,
    @Inject(ATTACHMENT_POLICY) private readonly policy: AttachmentPolicy,
  ) {}

  async attach(actorId: string, ticketId: string, upload: Upload, version?: ExpectedVersions): Promise<CommandResult & { attachmentId: string }> {
    const mediaType = upload.mediaType.split(';')[0].trim().toLowerCase();
    if (!this.policy.mediaTypes.includes(mediaType)) {
      throw new DomainError('attachment-type-not-allowed', `${mediaType} is not accepted; allowed: ${this.policy.mediaTypes.join(', ')}`, {
        allowed: this.policy.mediaTypes,
      });
    }
    if (upload.content.length === 0) throw new DomainError('invalid-attachment', 'the file is empty');
    if (upload.content.length > this.policy.maxBytes) throw new DomainError('attachment-too-large', `files may have at most ${this.policy.maxBytes} bytes`);
    const filename = cleanFilename(upload.filename);
    if (!filename) throw new DomainError('invalid-attachment', 'the filename is empty after removing path and control characters');

    let written: TicketAttachmentEntity | undefined;
    try {
      const result = await this.runner.run(actorId, ticketId, version, async ({ em, attachments, now }) => {
        const attachment = em.create(TicketAttachmentEntity, {
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
        });
        await this.store.write(attachment, upload.content);
        written = attachment;
        await em.insert(TicketAttachmentEntity, attachment);
        attachments.push(attachment);
        return { type: 'ticket.attachment_added', data: { attachment: toAttachmentView(attachment) } };
      });
      return { ...result, attachmentId: written!.id };
    } catch (e) {
      if (written) await this.store.discard(written).catch(() => undefined);
      throw e;
    }
  }

  async download(viewerId: string, ticketId: string, attachmentId: string): Promise<{ attachment: TicketAttachmentEntity; content: Buffer }> {
    const { attachments } = await loadTicketFor(this.dataSource.manager, ticketId, viewerId, false);
    const attachment = attachments.find((a) => a.id === attachmentId);
    if (!attachment) throw new DomainError('not-found', `ticket ${ticketId} has no attachment ${attachmentId}`);
    return { attachment, content: await this.store.read(attachment) };
  }
}
