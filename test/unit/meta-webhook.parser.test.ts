import { parseMetaWebhook } from '../../src/modules/channels/infrastructure/providers/meta/meta-webhook.parser';
import { fixtureJson } from '../support/fixtures';

function withMessage(message: object) {
  const body = fixtureJson('meta/text-message.json');
  body.entry[0].changes[0].value.messages = [{ from: '15557770123', id: 'wamid.X', timestamp: '1767225600', ...message }];
  return parseMetaWebhook(body)[0].events[0] as any;
}

describe('Meta webhook parser', () => {
  it('when the fixture text message is parsed, then it is one text event for the phone number id', () => {
    const batches = parseMetaWebhook(fixtureJson('meta/text-message.json'));
    expect(batches).toHaveLength(1);
    expect(batches[0].phoneNumberId).toBe('410000000000001');
    expect(batches[0].events[0]).toMatchObject({ kind: 'message', externalId: 'wamid.FIXTURE.TEXT.1', from: '15557770123', contactName: 'Maria Example', contentType: 'text', text: 'Hola, necesito ayuda con mi pedido' });
    expect(batches[0].events[0].timestamp).toEqual(new Date(1767225600 * 1000));
  });

  it('when statuses are parsed, then failed keeps the error code and title', () => {
    const [event] = parseMetaWebhook(fixtureJson('meta/status-failed.json'))[0].events;
    expect(event).toMatchObject({ kind: 'status', externalId: 'wamid.FIXTURE.OUT.2', status: 'FAILED', errorCode: '131026', errorMessage: 'Message undeliverable' });
  });

  it.each([
    [{ type: 'location', location: { latitude: 4.6, longitude: -74.1, name: 'Tienda', address: 'Calle 1' } }, 'location', 'Tienda, Calle 1'],
    [{ type: 'contacts', contacts: [{ name: { formatted_name: 'Ana' } }, { name: { formatted_name: 'Luis' } }] }, 'contacts', 'Ana, Luis'],
    [{ type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'b1', title: 'Sí' } } }, 'interactive', 'Sí'],
    [{ type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'l1', title: 'Opción 2' } } }, 'interactive', 'Opción 2'],
    [{ type: 'button', button: { text: 'Confirmar', payload: 'ok' } }, 'interactive', 'Confirmar'],
    [{ type: 'reaction', reaction: { message_id: 'wamid.Y', emoji: '👍' } }, 'reaction', '👍'],
    [{ type: 'document', document: { id: 'm1', mime_type: 'application/pdf', filename: 'factura.pdf' } }, 'document', ''],
    [{ type: 'unsupported', errors: [{ code: 131051 }] }, 'unsupported', ''],
    [{ type: 'something_new' }, 'unsupported', ''],
  ])('when a %j message arrives, then it is %s with text %j', (message, contentType, text) => {
    expect(withMessage(message)).toMatchObject({ contentType, text });
  });

  it('when a document arrives, then the attachment keeps its filename and media id', () => {
    const e = withMessage({ type: 'document', document: { id: 'm1', mime_type: 'application/pdf', filename: 'factura.pdf' } });
    expect(e.attachments).toEqual([{ type: 'document', providerMediaId: 'm1', mimeType: 'application/pdf', filename: 'factura.pdf', caption: undefined, sha256: undefined }]);
  });

  it.each([null, 'x', 42, {}, { entry: 'x' }, { entry: [{ changes: [{ value: null }] }] }, { entry: [{ changes: [{ value: { messages: [{}] } }] }] }])(
    'when the body is %j, then no events and no exception',
    (body) => {
      expect(parseMetaWebhook(body).flatMap((b) => b.events)).toEqual([]);
    },
  );
});
