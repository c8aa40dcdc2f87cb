// Finishes a release site's pkg/ directory: names web.js, web.wasm and
// web.css by their content (web.<hash>.js, 16 hex digits of SHA-256), writes
// <site>/hash.txt in the format leptos's <HydrationScripts> reads, and puts a
// brotli (.br, quality 11) and a gzip (.gz, level 9) twin beside every file
// for the server to choose by Accept-Encoding.
// Usage: node scripts/finish_site.mjs <site-root> [pkg-dir]
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const site = process.argv[2];
const pkg = join(site, process.argv[3] ?? 'pkg');
const hashes = {};
for (const [kind, file] of [['js', 'web.js'], ['wasm', 'web.wasm'], ['css', 'web.css']]) {
  const body = readFileSync(join(pkg, file));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  renameSync(join(pkg, file), join(pkg, file.replace(/\.(\w+)$/, `.${hash}.$1`)));
  hashes[kind] = hash;
}
writeFileSync(join(site, 'hash.txt'), Object.entries(hashes).map(([k, h]) => `${k}: ${h}\n`).join(''));

for (const name of readdirSync(pkg)) {
  if (/\.(br|gz)$/.test(name)) { rmSync(join(pkg, name)); continue; }
  const body = readFileSync(join(pkg, name));
  const size = body.length;
  const br = brotliCompressSync(body, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: size },
  });
  const gz = gzipSync(body, { level: 9 });
  writeFileSync(join(pkg, `${name}.br`), br);
  writeFileSync(join(pkg, `${name}.gz`), gz);
  console.log(`${name.padEnd(40)} ${String(size).padStart(9)} B  br ${String(br.length).padStart(8)}  gzip ${String(gz.length).padStart(8)}`);
}
