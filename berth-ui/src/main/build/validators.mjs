// Compiles the task definition's and docker-worker's payload schemas (the very files the server serves under
// /schemas/) into standalone ajv validators at build time. The page's Content-Security-Policy has no
// 'unsafe-eval', and ajv compiling in the browser would need it; standalone code is ajv's answer for that.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone/index.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const out = here('../../../target/generated/');
mkdirSync(out, { recursive: true });

const schemas = [
  { name: 'task', served: '/schemas/queue/v1/create-task-request.json', file: '../../../../berth-server/src/main/resources/schemas/queue/v1/create-task-request.json', Impl: Ajv2020 },
  { name: 'payload', served: '/schemas/docker-worker/v1/payload.json', file: '../../../../berth-worker/src/main/resources/schemas/docker-worker/v1/payload.json', Impl: Ajv },
];
for (const s of schemas) {
  const schema = JSON.parse(readFileSync(here(s.file), 'utf8'));
  const copy = structuredClone(schema);
  delete copy.$id; // ids relative to the server are not URIs ajv resolves
  const ajv = addFormats(new s.Impl({ allErrors: true, strict: false, code: { source: true, esm: true } }));
  // ajv's ESM output still require()s its runtime helpers and the formats: make those imports for the bundler
  const modules = [];
  const code = standaloneCode(ajv, ajv.compile(copy)).replace(/require\("([^"]+)"\)/g, (_, m) => {
    if (!modules.includes(m)) modules.push(m);
    return `__cjs(__m${modules.indexOf(m)})`;
  }).replace('"use strict";', '');
  // a CommonJS module's exports, whether the importer hands its namespace (bundler) or module.exports as default (node)
  const imports = modules.map((m, i) => `import * as __m${i} from ${JSON.stringify(m.endsWith(".js") ? m : `${m}.js`)};`)
    .concat('const __cjs = (ns) => (ns.default && ns.default.__esModule ? ns.default : ns);').join('\n');
  writeFileSync(`${out}${s.name}-validator.js`, `${imports}\n${code}\nexport const served = ${JSON.stringify(s.served)};\nexport const schema = ${JSON.stringify(schema)};\n`);
}
console.log('berth-ui: schema validators generated');
