import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/**
 * The Markdown and HTML libraries behind `renderPost`, which a build whose
 * renderings all come from the cache never needs. A caller about to render
 * many posts loads them with `loadRenderLibraries()`; `renderLibraries()`
 * otherwise loads them the first time a post is rendered, synchronously
 * (`require` of ES modules, which Node.js does since 20.19).
 *
 * Compiled, they come from `render-bundle.js`, all of them in one file that
 * `npm run compile` makes next to this module (see render-bundle-entry.ts),
 * or from their own packages when it is missing. Run from source, as the
 * tests do, a TypeScript module cannot be required: vitest's setup file
 * (test/helpers/setup.ts) loads them before any test runs.
 */
export type RenderLibraries = typeof import('./render-bundle-entry.js')

const IS_COMPILED = import.meta.url.endsWith('.js')
// Named from `../core/`: the same files from this module's folder and from the CLI bundle in lib/cli/.
const MODULE =
  IS_COMPILED && existsSync(fileURLToPath(new URL('../core/render-bundle.js', import.meta.url)))
    ? '../core/render-bundle.js'
    : '../core/render-bundle-entry.js'

let libraries: RenderLibraries | undefined

/** Loads the libraries without blocking; later calls return at once. */
export async function loadRenderLibraries(): Promise<void> {
  if (libraries !== undefined) return
  const loaded = (await import(MODULE)) as RenderLibraries
  libraries ??= loaded
}

/** The libraries, loaded now if no one loaded them yet. */
export function renderLibraries(): RenderLibraries {
  if (libraries === undefined && !IS_COMPILED) throw new Error('Run from source: call loadRenderLibraries() first.')
  libraries ??= createRequire(import.meta.url)(MODULE) as RenderLibraries
  return libraries
}
