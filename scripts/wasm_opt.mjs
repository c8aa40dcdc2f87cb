// wasm-opt over many files in one process: binaryen's own optimizer (the npm
// package scripts/lib.sh installs), loaded once rather than once per file,
// which matters when a split site has some 240 chunks.
// Usage: node scripts/wasm_opt.mjs -O1|-O2|-Os|-Oz FILE.wasm...
// Each file is optimized in place, with debug names, the producers section
// and the target-features section stripped (the same as wasm-opt's
// --strip-debug --strip-producers --strip-target-features).
import { readFileSync, writeFileSync } from 'node:fs';

// Installed with the end-to-end packages (scripts/lib.sh ensure_node_deps).
const { default: binaryen } = await import(new URL('../end2end/node_modules/binaryen/index.js', import.meta.url));

const [level, ...files] = process.argv.slice(2);
const LEVELS = { '-O1': [1, 0], '-O2': [2, 0], '-O3': [3, 0], '-Os': [2, 1], '-Oz': [2, 2] };
if (!LEVELS[level] || files.length === 0) {
  console.error('usage: node scripts/wasm_opt.mjs -O1|-O2|-O3|-Os|-Oz FILE.wasm...');
  process.exit(2);
}
const [optimize, shrink] = LEVELS[level];
binaryen.setOptimizeLevel(optimize);
binaryen.setShrinkLevel(shrink);
binaryen.setDebugInfo(false);
const F = binaryen.Features;
// What rustc's wasm32-unknown-unknown emits by default, as wasm-opt's
// --enable-* flags in scripts/lib.sh used to say.
const features = F.MVP | F.MutableGlobals | F.SignExt | F.NontrappingFPToInt | F.BulkMemory
  | F.Multivalue | F.ReferenceTypes;

let before = 0;
let after = 0;
for (const file of files) {
  const input = readFileSync(file);
  const mod = binaryen.readBinary(input);
  mod.setFeatures(mod.getFeatures() | features);
  mod.optimize();
  mod.runPasses(['strip-debug', 'strip-producers', 'strip-target-features']);
  const output = mod.emitBinary();
  mod.dispose();
  writeFileSync(file, output);
  before += input.length;
  after += output.length;
}
console.log(`wasm-opt ${level}: ${files.length} files, ${before} B -> ${after} B`);
