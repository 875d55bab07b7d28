// Bundles examples/bundler-app with esbuild, resolving `pledge-widget` to pkg/ as an npm
// install of the package would (a symlink in node_modules, so its package.json's "exports"
// decide what is imported): `node examples/bundler-app/build.mjs [OUT_DIR]`, default
// target/bundler-app/. tests/e2e/bundler.spec.mjs serves OUT_DIR and signs through it.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

/** Builds the app into `outDir` (emptied first); resolves to esbuild's metafile. */
export async function buildBundlerApp(outDir = join(root, 'target/bundler-app')) {
  rmSync(outDir, { recursive: true, force: true });
  const modules = join(outDir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  symlinkSync(join(root, 'pkg'), join(modules, 'pledge-widget'), 'dir');
  const result = await build({
    entryPoints: [join(here, 'main.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    nodePaths: [modules],
    metafile: true,
    logLevel: 'warning',
  });
  copyFileSync(join(here, 'index.html'), join(outDir, 'index.html'));
  return result.metafile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ? resolve(process.argv[2]) : undefined;
  const meta = await buildBundlerApp(outDir);
  console.log(`bundled: ${Object.keys(meta.inputs).join(', ')}`);
}
