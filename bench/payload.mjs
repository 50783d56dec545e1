// The one ticket-creation payload every ingest run sends (hub and baseline):
// the README's walk-through ticket with a requester (encrypted at rest) and
// a unique externalId per request.
export const SERVICE_ID = 'svc-demo-wohngeld';

const DESCRIPTION =
  'Beim Absenden des Wohngeldantrags erscheint nach dem letzten Schritt die Meldung "Technischer Fehler (Code 500)". ' +
  'Der Bürger hat es mit zwei Browsern versucht; die Anlagen (Mietbescheinigung, Einkommensnachweise) sind hochgeladen.';

/**
 * @param {string} externalId
 * @param {Record<string, unknown>} [extra]
 */
export function ticketCreate(externalId, extra = {}) {
  return {
    externalId,
    type: 'incident',
    subject: 'Antrag lässt sich nicht absenden',
    description: DESCRIPTION,
    serviceId: SERVICE_ID,
    category: 'form.submission',
    impact: 2,
    urgency: 2,
    channel: 'phone_115',
    requester: { name: 'Max Mustermann', email: 'max.mustermann@example.org', consent: true },
    ...extra,
  };
}
