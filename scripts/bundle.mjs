#!/usr/bin/env node
// Run by `npm run compile`, after tsc. Made on install (`prepare`) from the
// installed packages, so never committed and never older than
// package-lock.json says.
//
// - lib/core/render-bundle.js: lib/core/render-bundle-entry.js and the
//   Markdown and HTML libraries it re-exports, one file that loads four
//   times faster than the modules it holds (see src/core/render-bundle-entry.ts).
// - lib/cli/main.bundle.js: the command line (lib/cli/main.js) and kabar's
//   own modules behind it, in one file (and a chunk per module loaded only
//   on demand) that bin/kabar.js loads: importing some 75 modules one by one
//   was 55 ms of every run, the bundle 32 ms. Packages stay outside it but
//   zod: importing it from node_modules (a hundred modules) took 50 ms of
//   every build that resolves its config, 15 ms from the bundle. The worker
//   scripts and the render bundle stay outside too: its modules name them
//   by `../io/…` and `../core/…` URLs, the same files from lib/cli/ as from
//   their own folders.

import { readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'rolldown'

const LIB = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'lib')

await build({
  input: path.join(LIB, 'core', 'render-bundle-entry.js'),
  platform: 'node',
  logLevel: 'warn',
  output: { file: path.join(LIB, 'core', 'render-bundle.js'), format: 'esm' },
})

// Chunks are named by their hashes: those of an earlier compile would stay beside the new ones.
for (const name of readdirSync(path.join(LIB, 'cli'))) {
  if (name.startsWith('main.bundle')) rmSync(path.join(LIB, 'cli', name))
}
await build({
  input: path.join(LIB, 'cli', 'main.js'),
  platform: 'node',
  logLevel: 'warn',
  // Packages (bare names) but zod are loaded from node_modules as they are.
  external: [/^(?!zod($|\/))[^./]/],
  output: {
    dir: path.join(LIB, 'cli'),
    format: 'esm',
    entryFileNames: 'main.bundle.js',
    chunkFileNames: 'main.bundle-[name]-[hash].js',
  },
})
