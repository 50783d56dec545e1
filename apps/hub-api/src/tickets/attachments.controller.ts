import type { Ticket } from '@drehscheibe/contracts';
import { TicketAttachments, type WriteConditions } from '@drehscheibe/tickets';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { requiredQueryText, type RawQuery } from '../http/query.js';
import { CallerParticipant, WriteHeaders } from '../http/request-context.js';
import { writeResultHeaders } from './tickets.controller.js';

/** RFC 8187 `attr-char` leaves out these characters that encodeURIComponent keeps. */
const percentEncode = (text: string) => encodeURIComponent(text).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): the exact name
 * for clients that read `filename*`, and a plain-ASCII fallback for those
 * that do not — decomposed, accents and other non-ASCII dropped, no quotes,
 * backslashes or percent signs, never empty.
 */
export function contentDisposition(filename: string): string {
  let fallback = filename
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]|["\\%]/g, '')
    .trim();
  if (fallback === '' || fallback.startsWith('.')) fallback = `attachment${fallback}`;
  return `attachment; filename="${fallback}"; filename*=UTF-8''${percentEncode(filename)}`;
}

/** Upload as the raw body (its own Content-Type), download with the stored type and digest. */
@Controller('v1/tickets/:ticketId/attachments')
export class AttachmentsController {
  constructor(private readonly attachments: TicketAttachments) {}

  @Post()
  @HttpCode(201)
  async upload(
    @CallerParticipant() caller: string,
    @Param('ticketId') ticketId: string,
    @WriteHeaders() write: WriteConditions,
    @Query() query: RawQuery,
    @Headers('content-type') mediaType: string | undefined,
    @Body() content: Buffer,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Ticket> {
    const upload = { filename: requiredQueryText(query, 'filename'), mediaType: mediaType ?? '', content };
    const result = await this.attachments.attach(caller, ticketId, upload, write);
    writeResultHeaders(reply, result);
    if (result.attachmentId) void reply.header('location', `/v1/tickets/${ticketId}/attachments/${result.attachmentId}`);
    // A write whose source reference was applied before made nothing: 200, not 201.
    else void reply.status(200);
    return result.ticket;
  }

  @Get(':attachmentId')
  async download(
    @CallerParticipant() caller: string,
    @Param('ticketId') ticketId: string,
    @Param('attachmentId') attachmentId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    const { attachment, content } = await this.attachments.download(caller, ticketId, attachmentId);
    void reply
      .header('content-type', attachment.mediaType)
      .header('content-disposition', contentDisposition(attachment.filename))
      .header('repr-digest', `sha-256=:${Buffer.from(attachment.sha256, 'hex').toString('base64')}:`)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store');
    return content;
  }
}
