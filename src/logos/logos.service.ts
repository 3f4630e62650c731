import { createHash } from 'node:crypto';
import type { OutputInfo } from 'sharp';
import { AppError, invalid } from '../errors.js';
import { newId } from '../ids.js';
import type { Clock } from '../time.js';
import type { LogosRepository } from './logos.repository.js';

export const MAX_LOGO_BYTES = 1024 * 1024;
const MAX_SIDE = 512;

type Sniffed = 'png' | 'jpeg' | 'webp' | 'svg';

/** The image type from the file's own bytes (the name and declared type are not trusted). */
export function sniffImage(bytes: Buffer): Sniffed | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  const head = bytes.subarray(0, 4096).toString('utf8').replace(/^\uFEFF/, '');
  if (/^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head)) return 'svg';
  return undefined;
}

/** Why an SVG is refused: scripts, event handlers, foreign content, or references outside the file. */
export function unsafeSvgReason(text: string): string | undefined {
  if (/<script[\s>]/i.test(text)) return 'contains a script';
  if (/\son[a-z]+\s*=/i.test(text)) return 'contains an event handler attribute';
  if (/<foreignObject[\s>]/i.test(text)) return 'contains foreign content';
  if (/<!ENTITY/i.test(text)) return 'declares entities';
  if (/(href|src)\s*=\s*["']\s*(?!#|data:image\/(png|jpeg|webp);)/i.test(text)) return 'references an external resource';
  if (/javascript:/i.test(text)) return 'contains a javascript: URL';
  return undefined;
}

/** The public URL of a logo: content-addressed, so it can be cached for a year. */
export function logoUrl(sha256: string): string {
  return `/logos/${sha256}.png`;
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
      if (type === 'svg') {
        const reason = unsafeSvgReason(bytes.toString('utf8'));
        if (reason) throw invalid([{ path: 'file', message: `SVG ${reason}` }]);
      }
      let png: { data: Buffer; info: OutputInfo };
      try {
        // Loaded on the first upload: libvips adds ~28 MB to every process that merely imports sharp.
        const { default: sharp } = await import('sharp');
        png = await sharp(bytes, { limitInputPixels: 40_000_000, density: 144 })
          .rotate()
          .resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
          .png()
          .toBuffer({ resolveWithObject: true });
      } catch {
        throw invalid([{ path: 'file', message: `is not a readable ${type.toUpperCase()} image` }]);
      }
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
