import fs from 'node:fs';
import { buildTestApp } from './helpers.js';
const t = await buildTestApp();
const out: Record<string, unknown> = {};
for (const u of ['/openapi.json', '/openapi/public.json', '/openapi/admin.json', '/openapi/test-provider.json']) out[u] = (await t.app.inject({ url: u })).json();
out.routes = t.app.printRoutes({ commonPrefix: false });
fs.writeFileSync(process.argv[2], JSON.stringify(out, null, 1));
await t.close();
