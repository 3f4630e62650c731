import { createHash } from 'node:crypto';
import type { OutputInfo, SharpConstructor } from 'sharp';
import { AppError, invalid } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import type { Clock } from '../kernel/time.js';
import type { LogosRepository } from './logos.repository.js';
import { inspectSvg } from './svg-inspect.js';

export const MAX_LOGO_BYTES = 1024 * 1024;
const MAX_SIDE = 512;
/**
 * Most pixels one decoded image may have: a PNG, JPEG or WebP (libvips streams it, ~35 MB at the limit) and
 * an SVG's declared canvas. Checked from the header, before anything is decoded.
 */
const MAX_PIXELS = 40_000_000;
/**
 * Most pixels of all rasters embedded in one SVG together (2048 × 2048): librsvg decodes each whole, at
 * ~12 bytes a pixel, so the budget is far smaller than for a file sharp streams.
 */
const MAX_EMBEDDED_PIXELS = 2048 * 2048;
/** An SVG is rendered with its long side at most this many pixels (then scaled to 512), whatever it declares. */
const SVG_RENDER_SIDE = 1024;

type Sniffed = 'png' | 'jpeg' | 'webp' | 'svg';

/** The image type from the file's own bytes (the name and declared type are not trusted). */
function sniffImage(bytes: Buffer): Sniffed | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  const head = bytes.subarray(0, 4096).toString('utf8').replace(/^\uFEFF/, '');
  if (/^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head)) return 'svg';
  return undefined;
}

/** The public URL of a logo: content-addressed, so it can be cached for a year. */
export function logoUrl(sha256: string): string {
  return `/logos/${sha256}.png`;
}

const unreadable = (type: Sniffed) => invalid([{ path: 'file', message: `is not a readable ${type.toUpperCase()} image` }]);
const tooManyPixels = (message: string) => new AppError('payload_too_large', `The logo ${message}.`, [{ path: 'file', message }]);
const mp = (pixels: number) => `${(pixels / 1e6).toFixed(1)} megapixels`;

let queue: Promise<unknown> = Promise.resolve();
function serially<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task);
  queue = run.catch(() => undefined);
  return run;
}

/** Width × height from the image's header (sharp reads no pixels for metadata), or undefined if unreadable. */
async function dimensions(sharp: SharpConstructor, bytes: Buffer, density?: number): Promise<{ width: number; height: number } | undefined> {
  try {
    const m = await sharp(bytes, { limitInputPixels: false, density }).metadata();
    return m.width && m.height ? { width: m.width, height: m.height } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks every pixel count before decoding (the file's own, an SVG's canvas, each raster an SVG embeds),
 * then re-encodes to PNG within 512×512.
 */
async function reencode(bytes: Buffer, type: Sniffed): Promise<{ data: Buffer; info: OutputInfo }> {
  // Loaded on the first upload: libvips adds ~28 MB to every process that merely imports sharp.
  const { default: sharp } = await import('sharp');
  let density: number | undefined;
  if (type === 'svg') {
    const svg = inspectSvg(bytes.toString('utf8'));
    if (svg.reason) throw invalid([{ path: 'file', message: `SVG ${svg.reason}` }]);
    let embedded = 0;
    for (const raster of svg.rasters) {
      const d = sniffImage(raster) === undefined ? undefined : await dimensions(sharp, raster);
      if (!d) throw invalid([{ path: 'file', message: 'SVG embeds an image that is not a readable PNG, JPEG or WebP' }]);
      embedded += d.width * d.height;
      if (embedded > MAX_EMBEDDED_PIXELS) {
        throw tooManyPixels(`embeds images of more than ${mp(MAX_EMBEDDED_PIXELS)} (one is ${d.width}×${d.height}); embed a smaller image or upload a PNG`);
      }
    }
  }
  // An SVG's size at 72 dpi is what it declares (width/height, else its viewBox).
  const d = await dimensions(sharp, bytes, type === 'svg' ? 72 : undefined);
  if (!d) throw unreadable(type);
  if (d.width * d.height > MAX_PIXELS) throw tooManyPixels(`is ${d.width}×${d.height} pixels; at most ${mp(MAX_PIXELS)}`);
  // Render an SVG at 2× the output (sharper small logos), never past SVG_RENDER_SIDE whatever it declares.
  if (type === 'svg') density = Math.max(1, Math.min(144, (72 * SVG_RENDER_SIDE) / Math.max(d.width, d.height)));
  try {
    return await sharp(bytes, { limitInputPixels: MAX_PIXELS, density })
      .rotate()
      .resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .png()
      .toBuffer({ resolveWithObject: true });
  } catch {
    throw unreadable(type);
  }
}

/** Accepts a logo upload, checks it, re-encodes it to PNG within 512×512 and stores it. */
export function createLogosService(deps: { repo: LogosRepository; clock: Clock }) {
  const { repo, clock } = deps;
  return {
    async upload(environmentId: string, bytes: Buffer): Promise<{ id: string; url: string; width: number; height: number }> {
      if (bytes.length > MAX_LOGO_BYTES) throw new AppError('payload_too_large', 'The logo must be at most 1 MiB.', [{ path: 'file', message: 'must be at most 1 MiB' }]);
      if (bytes.length === 0) throw invalid([{ path: 'file', message: 'is empty' }]);
      const type = sniffImage(bytes);
      if (!type) {
        throw new AppError('unsupported_media_type', 'The logo must be a PNG, JPEG, WebP or SVG image.', [
          { path: 'file', message: 'must be a PNG, JPEG, WebP or SVG image' },
        ]);
      }
      // One decode at a time per process: memory is bounded by one image, not by how many uploads arrive at once.
      const png = await serially(() => reencode(bytes, type));
      const sha256 = createHash('sha256').update(png.data).digest('hex');
      const id = newId('logo');
      await repo.insert({ id, environmentId, sha256, width: png.info.width, height: png.info.height, data: png.data, createdAt: clock.now().toISOString() });
      return { id, url: logoUrl(sha256), width: png.info.width, height: png.info.height };
    },
    find: (id: string, environmentId: string) => repo.find(id, environmentId),
    shaOf: (ids: string[]) => repo.shaOf(ids),
    /** The PNG bytes behind a content address. */
    data: (sha256: string) => repo.dataBySha(sha256),
  };
}
export type LogosService = ReturnType<typeof createLogosService>;
