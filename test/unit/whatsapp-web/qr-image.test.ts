import { QrImageSigner, renderQrSvg } from '../../../src/modules/channels/infrastructure/providers/whatsapp-web/qr-image';

const CH = '11111111-1111-4111-8111-111111111111';

function parts(url: string) {
  const u = new URL(url, 'http://x');
  return { path: u.pathname, exp: u.searchParams.get('exp'), sig: u.searchParams.get('sig') };
}

describe('QrImageSigner', () => {
  const signer = new QrImageSigner('test-jwt-secret', 60);

  it('when a URL is signed, then it points at the qr-image route and verifies for its channel and session until it expires', () => {
    const now = Date.UTC(2026, 0, 1);
    const { path, exp, sig } = parts(signer.url(CH, 'sess-1', now));
    expect(path).toBe(`/api/channels/${CH}/qr-image/sess-1`);
    expect(signer.verify(CH, 'sess-1', exp, sig, now)).toBe(true);
    expect(signer.verify(CH, 'sess-1', exp, sig, now + 61_000)).toBe(false);
  });

  it('when the channel, session, expiry, signature or secret differ, then it is refused', () => {
    const now = Date.now();
    const { exp, sig } = parts(signer.url(CH, 'sess-1', now));
    expect(signer.verify('22222222-2222-4222-8222-222222222222', 'sess-1', exp, sig, now)).toBe(false);
    expect(signer.verify(CH, 'sess-2', exp, sig, now)).toBe(false);
    expect(signer.verify(CH, 'sess-1', String(Number(exp) + 1000), sig, now)).toBe(false);
    expect(signer.verify(CH, 'sess-1', exp, `${sig}x`, now)).toBe(false);
    expect(signer.verify(CH, 'sess-1', exp, undefined, now)).toBe(false);
    expect(signer.verify(CH, 'sess-1', 'soon', sig, now)).toBe(false);
    expect(new QrImageSigner('other-secret').verify(CH, 'sess-1', exp, sig, now)).toBe(false);
  });
});

describe('renderQrSvg', () => {
  it('when a QR string is rendered, then an SVG document comes back', async () => {
    const svg = await renderQrSvg('2@abc,def,ghi==');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('<path');
  });
});
