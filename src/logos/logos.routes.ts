import fastifyMultipart from '@fastify/multipart';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, invalid } from '../kernel/errors.js';
import { problems } from '../http/schemas.js';
import { MAX_LOGO_BYTES, type LogosService } from './logos.service.js';

/** POST /admin/v1/logos: logo upload for key themes. */
export function logosAdminRoutes(deps: { logos: LogosService }): FastifyPluginAsyncTypebox {
  const { logos } = deps;
  return async (app) => {
    // Multipart is parsed on this route only: the plugin's three hooks would otherwise run on every request.
    await app.register(fastifyMultipart, { limits: { fileSize: MAX_LOGO_BYTES, files: 1, fields: 10, parts: 11, headerPairs: 100 } });
    app.post(
      '/logos',
      {
        config: { adminOnly: true },
        schema: {
          tags: ['Admin: API keys'],
          security: [{ session: [] }],
          summary: 'Upload a checkout logo (multipart field "file": PNG, JPEG, WebP or SVG, at most 1 MiB); stored as PNG ≤ 512×512',
          consumes: ['multipart/form-data'],
          response: { 201: Type.Object({ id: Type.String(), url: Type.String(), width: Type.Integer(), height: Type.Integer() }), ...problems(400, 401, 403, 413, 415) },
        },
      },
      async (request, reply) => {
        if (!request.isMultipart()) throw new AppError('unsupported_media_type', 'Send the logo as multipart/form-data with a field named "file".', [{ path: 'file', message: 'must be sent as multipart/form-data' }]);
        let bytes: Buffer;
        try {
          const part = await request.file({ limits: { fileSize: MAX_LOGO_BYTES, files: 1, fields: 0, parts: 2 } });
          if (!part || part.fieldname !== 'file') throw invalid([{ path: 'file', message: 'is required' }]);
          bytes = await part.toBuffer();
        } catch (err) {
          // Size and count limits carry their own status; anything else is a body the parser could not read.
          if (err instanceof AppError || (err as { statusCode?: number }).statusCode) throw err;
          throw invalid([{ path: 'file', message: 'could not be read: malformed multipart/form-data body' }]);
        }
        const logo = await logos.upload(request.staff.environmentId, bytes);
        return reply.code(201).send(logo);
      },
    );
  };
}

/** GET /logos/:file: the content-addressed logo files (public: checkout pages show them). */
export function logoFileRoutes(deps: { logos: LogosService }): FastifyPluginAsyncTypebox {
  const { logos } = deps;
  return async (app) => {
    app.get(
      '/:file',
      { schema: { hide: true, params: Type.Object({ file: Type.String({ pattern: '^[0-9a-f]{64}\\.png$' }) }) } },
      async (request, reply) => {
        const data = await logos.data(request.params.file.slice(0, 64));
        if (!data) throw new AppError('not_found', 'No such logo.');
        return reply
          .header('Content-Type', 'image/png')
          .header('Cache-Control', 'public, max-age=31536000, immutable')
          .header('Content-Security-Policy', "default-src 'none'; sandbox")
          .send(data);
      },
    );
  };
}
