import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, as, buildTestApp, type TestApp } from '../helpers.js';

// Hostile logo files, each a real file a real decoder would choke on: refused from the header or from the
// SVG's structure, with a problem naming the `file` field, before anything large is decoded.

function multipart(filename: string, data: Buffer) {
  const boundary = '----flowlimits' + Math.random().toString(16).slice(2);
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return { payload: Buffer.concat([Buffer.from(head), data, Buffer.from(`\r\n--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A decompression bomb's header: a valid PNG signature and IHDR claiming width × height, then a token IDAT. */
function pngBombHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // 1-bit greyscale: 50,000 × 50,000 would be 312 MB raw, ~300 KB deflated
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A lossless WebP header claiming the format's maximum 16,383 × 16,383 (268 megapixels). */
function webpBombHeader(): Buffer {
  const bits = Buffer.alloc(5);
  bits[0] = 0x2f;
  bits.writeUInt32LE(16382 | (16382 << 14), 1);
  const payload = Buffer.concat([bits, Buffer.alloc(63)]);
  const size = (n: number) => Buffer.from(Uint32Array.of(n).buffer);
  const chunk = Buffer.concat([Buffer.from('VP8L'), size(payload.length), payload]);
  return Buffer.concat([Buffer.from('RIFF'), size(4 + chunk.length), Buffer.from('WEBP'), chunk]);
}

const SVG = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"';

/** "Billion laughs" without entities: 10 levels of 10 <use> each, 10^10 rectangles from 3 KB. */
function useLaughs(): string {
  let s = `<svg ${SVG} width="200" height="200"><defs><rect id="a0" width="1" height="1" fill="red"/>`;
  for (let i = 1; i <= 10; i++) s += `<g id="a${i}">${Array.from({ length: 10 }, () => `<use xlink:href="#a${i - 1}"/>`).join('')}</g>`;
  return s + '</defs><use xlink:href="#a10"/></svg>';
}

/** The same blow-up through patterns: each pattern paints ten rectangles with the one below it. */
function patternLaughs(): string {
  let s = `<svg ${SVG} width="200" height="200"><defs><pattern id="p0" width="1" height="1" patternUnits="userSpaceOnUse"><rect width="1" height="1" fill="red"/></pattern>`;
  for (let i = 1; i <= 10; i++) {
    s += `<pattern id="p${i}" width="10" height="10" patternUnits="userSpaceOnUse">${Array.from({ length: 10 }, (_, j) => `<rect x="${j}" width="1" height="10" fill="url(#p${i - 1})"/>`).join('')}</pattern>`;
  }
  return s + '</defs><rect width="200" height="200" fill="url(#p10)"/></svg>';
}

describe('logo uploads cannot exhaust the server', () => {
  let t: TestApp;
  let admin: { cookie: string; csrf: string };
  let bigPng: Buffer;
  beforeAll(async () => {
    t = await buildTestApp();
    admin = await t.login(ADMIN.email, ADMIN.password);
    // 12,000 × 12,000 of one colour: 576 MB decoded, ~440 KB as a PNG, ~590 KB as base64 inside an SVG.
    bigPng = await sharp({ create: { width: 12000, height: 12000, channels: 3, background: '#0a7' } }).png({ compressionLevel: 9 }).toBuffer();
  }, 120_000);
  afterAll(async () => t.close());

  const upload = async (filename: string, data: Buffer) => {
    const m = multipart(filename, data);
    const started = performance.now();
    const res = await t.app.inject({ method: 'POST', url: '/admin/v1/logos', payload: m.payload, headers: { ...m.headers, ...as(admin) } });
    return { res, ms: Math.round(performance.now() - started) };
  };
  const logoCount = async () => Number((await t.deps.store.db.selectFrom('logos').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('refuses an SVG embedding a 12,000 × 12,000 PNG as a data: URI, naming the file and the size', async () => {
    const svg = Buffer.from(`<svg ${SVG} width="100" height="100"><image width="100" height="100" xlink:href="data:image/png;base64,${bigPng.toString('base64')}"/></svg>`);
    expect(svg.length).toBeLessThan(1024 * 1024);
    const before = await logoCount();
    const { res, ms } = await upload('logo.svg', svg);
    console.log(`[logo-limits] embedded 12000×12000 PNG in a ${Math.round(svg.length / 1024)} KB SVG: ${res.statusCode} in ${ms} ms`);
    expect(res.statusCode, res.body).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'payload_too_large', errors: [{ path: 'file', message: expect.stringContaining('12000×12000') }] });
    expect(await logoCount()).toBe(before);
  });

  it.each([
    ['a PNG decompression bomb (50,000 × 50,000 header, tiny file)', 'bomb.png', () => pngBombHeader(50_000, 50_000), '50000×50000'],
    ['a WebP claiming 16,383 × 16,383', 'bomb.webp', webpBombHeader, '16383×16383'],
    ['an SVG declaring width="100000" height="100000"', 'huge.svg', () => Buffer.from(`<svg ${SVG} width="100000" height="100000"><rect width="100000" height="100000" fill="red"/></svg>`), '100000×100000'],
    ['an SVG with a 100,000 × 100,000 viewBox and no size', 'huge-viewbox.svg', () => Buffer.from(`<svg ${SVG} viewBox="0 0 100000 100000"><rect width="100000" height="100000" fill="red"/></svg>`), '100000×100000'],
  ])('refuses %s from its header with 413 naming the file and the size', async (_name, filename, make, size) => {
    const { res } = await upload(filename, make());
    expect(res.statusCode, res.body).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'payload_too_large', errors: [{ path: 'file', message: expect.stringContaining(size) }] });
  });

  it.each([
    ['nested <use> (10^10 rectangles from 3 KB)', useLaughs(), /expands to more than/],
    ['nested <pattern> fills', patternLaughs(), /expands to more than/],
    ['a <use> reference cycle', `<svg ${SVG} width="10" height="10"><g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g></svg>`, /cycle/],
    ['an feMorphology filter of radius 1000', `<svg ${SVG} width="700" height="700"><filter id="f"><feMorphology operator="dilate" radius="1000"/></filter><rect width="700" height="700" filter="url(#f)"/></svg>`, /filters/],
    ['an external image hidden behind a character reference', `<svg ${SVG} width="10" height="10"><image width="10" height="10" href="&#104;ttp://evil.example/x.png"/></svg>`, /external/],
    ['an embedded raster that is not base64', `<svg ${SVG} width="10" height="10"><image width="10" height="10" href="data:image/png,%89PNG"/></svg>`, /not a base64/],
  ])('refuses an SVG with %s quickly, naming the file', async (_name, svg, message) => {
    const { res } = await upload('logo.svg', Buffer.from(svg));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'file', message: expect.stringMatching(message) }] });
  });

  it('still accepts a Figma-style SVG that embeds a small PNG through a pattern and <use>, and a large declared canvas', async () => {
    const small = await sharp({ create: { width: 600, height: 200, channels: 4, background: '#1d4ed8' } }).png().toBuffer();
    const figma = `<svg ${SVG} width="300" height="100" viewBox="0 0 300 100" fill="none"><rect width="300" height="100" fill="url(#pattern0)"/><defs><pattern id="pattern0" patternContentUnits="objectBoundingBox" width="1" height="1"><use xlink:href="#image0" transform="scale(0.00166667 0.005)"/></pattern><image id="image0" width="600" height="200" xlink:href="data:image/png;base64,${small.toString('base64')}"/></defs></svg>`;
    const a = await upload('figma.svg', Buffer.from(figma));
    expect(a.res.statusCode, a.res.body).toBe(201);
    expect(a.res.json()).toMatchObject({ width: 512, height: 171 });
    // What Illustrator writes: a prolog, a DOCTYPE, comments, a CDATA stylesheet with a gradient, entities in text.
    const illustrator = `<?xml version="1.0" encoding="utf-8"?>\n<!-- Generator: Adobe Illustrator -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg version="1.1" id="Layer_1" ${SVG} x="0px" y="0px" viewBox="0 0 400 100" xml:space="preserve"><style type="text/css"><![CDATA[ .st0{fill:url(#g1);} .st1{font-family:'Arial';} ]]></style><linearGradient id="g1" gradientUnits="userSpaceOnUse" x1="0" y1="0" x2="400" y2="0"><stop offset="0" style="stop-color:#0A7"/><stop offset="1" style="stop-color:#FC0"/></linearGradient><rect class="st0" width="400" height="100"/><text class="st1" x="10" y="60">Leisure &amp; Co &#8212;</text></svg>`;
    const ai = await upload('illustrator.svg', Buffer.from(illustrator));
    expect(ai.res.statusCode, ai.res.body).toBe(201);
    expect(ai.res.json()).toMatchObject({ width: 512, height: 128 });
    // A print-size canvas is rendered at 1024 px on its long side, not at its declared 6,000 px × 2.
    const big = await upload('print.svg', Buffer.from(`<svg ${SVG} width="6000" height="3000"><rect width="6000" height="3000" fill="#c00"/></svg>`));
    expect(big.res.statusCode, big.res.body).toBe(201);
    expect(big.res.json()).toMatchObject({ width: 512, height: 256 });
  });
});
