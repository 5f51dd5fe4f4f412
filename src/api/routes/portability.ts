/** Project export and import (issue 18 item 7): a .tar.gz with a manifest of versions and checksums. */
import Type from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../services/context.js';
import { LfError, unprocessable } from '../../core/errors.js';
import { EXPORT_PARTS, exportProject, parseInclude } from '../../services/portability/export.js';
import { importProject } from '../../services/portability/import.js';
import { errors, NamespaceParams, ProjectParams } from '../schemas.js';

const ImportResult = Type.Object({
  namespace: Type.String(),
  project: Type.String(),
  imported_from: Type.Object({ namespace: Type.String(), project: Type.String(), server_version: Type.String() }),
  include: Type.Array(Type.String()),
  sessions: Type.Integer(),
  task_ids: Type.Array(Type.String(), { description: 'Re-ingestion tasks when the archive has files but no vectors' }),
});

export function portabilityRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['projects'];

  r.get(
    '/v1/projects/:namespace/:project/export',
    {
      schema: {
        operationId: 'project_export',
        tags,
        summary: 'Download the project as a .tar.gz (config + manifest; `include` adds files, vectors, sessions, judgments)',
        params: ProjectParams,
        querystring: Type.Object({ include: Type.Optional(Type.String({ description: `Comma-separated: ${EXPORT_PARTS.join(', ')} (default files,sessions,judgments)` })) }),
        produces: ['application/gzip'],
        response: { ...errors(400, 404, 422) },
      },
    },
    async (req, reply) => {
      const include = parseInclude(req.query.include);
      const { stream, filename } = await exportProject(
        { layout: ctx.layout, projects: ctx.projects, sessions: ctx.chat.sessions, version: ctx.settings.version },
        req.params.namespace,
        req.params.project,
        include,
      );
      void reply.header('content-type', 'application/gzip').header('content-disposition', `attachment; filename="${filename}"`);
      return reply.send(stream as never);
    },
  );

  r.post(
    '/v1/projects/:namespace/import',
    {
      schema: {
        operationId: 'project_import',
        tags,
        summary: 'Create a project from an exported archive (multipart field `file`; `name` renames; 409 if it exists)',
        description: 'The archive is validated completely (paths, sizes, checksums, format version, config) before anything is written.',
        params: NamespaceParams,
        querystring: Type.Object({ name: Type.Optional(Type.String({ description: 'New project name (or a form field `name` before the file)' })) }),
        consumes: ['multipart/form-data'],
        response: { 200: ImportResult, ...errors(400, 409, 413, 415, 422) },
      },
      onRequest: async (req) => {
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > ctx.settings.maxUploadBytes + 64 * 1024) {
          throw new LfError('payload_too_large', `Upload of ${declared} bytes exceeds the limit of ${ctx.settings.maxUploadBytes} bytes (LF_MAX_UPLOAD_BYTES)`);
        }
      },
    },
    async (req) => {
      if (!req.isMultipart()) throw new LfError('unsupported_media_type', 'Upload with Content-Type multipart/form-data and a field named "file"');
      const part = await req.file({ limits: { fileSize: ctx.settings.maxUploadBytes, files: 1 } });
      if (!part || part.fieldname !== 'file') {
        part?.file.resume();
        throw unprocessable([{ loc: ['body', 'file'], msg: 'Field required', type: 'missing' }]);
      }
      const field = part.fields.name as { value?: unknown } | undefined;
      const name = req.query.name ?? (typeof field?.value === 'string' && field.value ? field.value : undefined);
      return importProject(
        {
          layout: ctx.layout,
          projects: ctx.projects,
          sessions: ctx.chat.sessions,
          processDataset: (ns, p, d) => ctx.datasets.process(ns, p, d),
          maxArchiveBytes: ctx.settings.maxUploadBytes,
        },
        req.params.namespace,
        part.file,
        name,
      );
    },
  );
}
