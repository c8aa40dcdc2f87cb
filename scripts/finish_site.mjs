// Finishes a release site's pkg/ directory:
// - names every file by its content (16 hex digits of SHA-256): each lazy
//   chunk (chunk_3.<hash>.wasm) by its own bytes; web.js, web.wasm and the
//   chunk loader __wasm_split.<hash>.js by one hash of all three, because
//   web.js and the loader import each other (a cached web.js must never
//   point at a loader that is gone);
// - rewrites the references: the loader's chunk URLs, web.js's import of the
//   loader, the loader's import of web.js, and the preload manifest
//   (__wasm_split_manifest.<hash>.json, read by the server);
// - writes <site>/hash.txt in the format leptos's <HydrationScripts> reads
//   (js, wasm, css, split, manifest);
// - puts a brotli (.br, quality 11) and a gzip (.gz, level 9) twin beside
//   every file, for the server to choose by Accept-Encoding.
// Usage: node scripts/finish_site.mjs <site-root> [pkg-dir]
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const site = process.argv[2];
const pkg = join(site, process.argv[3] ?? 'pkg');
const LOADER = '__wasm_split.______________________.js';
const MANIFEST = '__wasm_split_manifest.json';
const hashOf = (...bodies) => {
  const h = createHash('sha256');
  for (const b of bodies) h.update(b);
  return h.digest('hex').slice(0, 16);
};
const read = (name) => readFileSync(join(pkg, name));
const fail = (why) => { console.error(`finish_site: ${why}`); process.exit(1); };
// Replaces `from` in `text` exactly `count` times, or stops the build.
const replaceExactly = (text, from, to, count, what) => {
  const parts = text.split(from);
  if (parts.length - 1 !== count) fail(`${what}: expected ${count} of ${from}, found ${parts.length - 1}`);
  return parts.join(to);
};

for (const name of readdirSync(pkg)) {
  if (/\.(br|gz)$/.test(name)) rmSync(join(pkg, name));
}

// The chunks, each named by its own content.
const chunkNames = {};
for (const name of readdirSync(pkg)) {
  if (!name.endsWith('.wasm') || name === 'web.wasm') continue;
  const stem = name.slice(0, -'.wasm'.length);
  chunkNames[stem] = `${stem}.${hashOf(read(name))}`;
  renameSync(join(pkg, name), join(pkg, `${chunkNames[stem]}.wasm`));
}

const split = existsSync(join(pkg, LOADER));
if (!split && Object.keys(chunkNames).length) fail('chunks without their loader');
let loader = split ? read(LOADER).toString() : '';
let manifestHash;
if (split) {
  let seen = 0;
  loader = loader.replace(/"\.\/([\w.-]+)\.wasm"/g, (_, stem) => {
    if (!chunkNames[stem]) fail(`the loader names ${stem}.wasm, which the splitter did not write`);
    seen += 1;
    return `"./${chunkNames[stem]}.wasm"`;
  });
  if (seen !== Object.keys(chunkNames).length) fail(`the loader names ${seen} chunks of ${Object.keys(chunkNames).length}`);
  const manifest = JSON.parse(read(MANIFEST));
  for (const [point, stems] of Object.entries(manifest)) {
    manifest[point] = stems.map((s) => chunkNames[s] ?? fail(`the manifest names ${s}, which is not a chunk`));
  }
  const text = JSON.stringify(manifest, null, 1);
  manifestHash = hashOf(text);
  rmSync(join(pkg, MANIFEST));
  writeFileSync(join(pkg, `__wasm_split_manifest.${manifestHash}.json`), text);
}

// web.js, web.wasm and the loader: one name.
let js = read('web.js').toString();
const wasm = read('web.wasm');
const bundle = hashOf(js, loader, wasm);
if (split) {
  // Only the import statements: the same string is also the key of the
  // wasm module's imports, which must stay as the module names them.
  const imports = js.match(new RegExp(`from "\\./${LOADER.replaceAll('.', '\\.')}"`, 'g'))?.length ?? 0;
  if (imports === 0) fail('web.js does not import the chunk loader');
  js = replaceExactly(js, `from "./${LOADER}"`, `from "./__wasm_split.${bundle}.js"`, imports, 'web.js');
  loader = replaceExactly(loader, 'from "./web.js"', `from "./web.${bundle}.js"`, 1, 'the loader');
  rmSync(join(pkg, LOADER));
  writeFileSync(join(pkg, `__wasm_split.${bundle}.js`), loader);
}
rmSync(join(pkg, 'web.js'));
writeFileSync(join(pkg, `web.${bundle}.js`), js);
renameSync(join(pkg, 'web.wasm'), join(pkg, `web.${bundle}.wasm`));
const css = hashOf(read('web.css'));
renameSync(join(pkg, 'web.css'), join(pkg, `web.${css}.css`));

const hashes = { js: bundle, wasm: bundle, css };
if (split) Object.assign(hashes, { split: bundle, manifest: manifestHash });
writeFileSync(join(site, 'hash.txt'), Object.entries(hashes).map(([k, h]) => `${k}: ${h}\n`).join(''));

let total = { raw: 0, br: 0, gz: 0, files: 0 };
for (const name of readdirSync(pkg).sort()) {
  const body = read(name);
  const size = body.length;
  const br = brotliCompressSync(body, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: size },
  });
  const gz = gzipSync(body, { level: 9 });
  writeFileSync(join(pkg, `${name}.br`), br);
  writeFileSync(join(pkg, `${name}.gz`), gz);
  total = { raw: total.raw + size, br: total.br + br.length, gz: total.gz + gz.length, files: total.files + 1 };
  if (!name.startsWith('chunk_')) {
    console.log(`${name.padEnd(64)} ${String(size).padStart(9)} B  br ${String(br.length).padStart(8)}  gzip ${String(gz.length).padStart(8)}`);
  }
}
console.log(`${`all ${total.files} files`.padEnd(64)} ${String(total.raw).padStart(9)} B  br ${String(total.br).padStart(8)}  gzip ${String(total.gz).padStart(8)}`);
