import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TicketAttachmentEntity } from '@drehscheibe/persistence';
import type { DataSource } from 'typeorm';

/** Where attachment contents live: in PostgreSQL, or in a directory (e.g. a mounted volume). */
export interface AttachmentContentStore {
  readonly kind: 'database' | 'directory';
  /** Called inside the uploading transaction, before the row is committed. */
  write(attachment: TicketAttachmentEntity, content: Buffer): Promise<void>;
  read(attachment: TicketAttachmentEntity): Promise<Buffer>;
  /** Undoes `write` when the transaction fails. */
  discard(attachment: TicketAttachmentEntity): Promise<void>;
}

export const ATTACHMENT_STORE = Symbol('AttachmentContentStore');

export class DatabaseAttachmentStore implements AttachmentContentStore {
  readonly kind = 'database' as const;
  constructor(private readonly dataSource: DataSource) {}

  write(attachment: TicketAttachmentEntity, content: Buffer): Promise<void> {
    attachment.content = content;
    return Promise.resolve();
  }

  async read(attachment: TicketAttachmentEntity): Promise<Buffer> {
    const row = await this.dataSource.manager
      .createQueryBuilder(TicketAttachmentEntity, 'a')
      .addSelect('a.content')
      .where('a.id = :id', { id: attachment.id })
      .getOneOrFail();
    return row.content!;
  }

  async discard(): Promise<void> {
    // The row, and with it the content, is rolled back.
  }
}

export class DirectoryAttachmentStore implements AttachmentContentStore {
  readonly kind = 'directory' as const;
  constructor(private readonly root: string) {}

  private path(a: TicketAttachmentEntity): string {
    return join(this.root, a.ticketId, a.id);
  }

  async write(attachment: TicketAttachmentEntity, content: Buffer): Promise<void> {
    const target = this.path(attachment);
    await mkdir(join(this.root, attachment.ticketId), { recursive: true });
    // Write then rename: a reader never sees half a file.
    await writeFile(`${target}.partial`, content, { mode: 0o600 });
    await rename(`${target}.partial`, target);
  }

  read(attachment: TicketAttachmentEntity): Promise<Buffer> {
    return readFile(this.path(attachment));
  }

  async discard(attachment: TicketAttachmentEntity): Promise<void> {
    await rm(this.path(attachment), { force: true });
  }
}
