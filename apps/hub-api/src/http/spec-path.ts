/** `/v1/tickets/:ticketId` → `/v1/tickets/{ticketId}`: a Fastify route as the OpenAPI path it serves. */
export function toSpecPath(fastifyPath: string): string {
  return fastifyPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
