import { createRequire } from 'node:module'

/**
 * The Markdown and HTML libraries behind `renderPost`: some 400 modules that
 * take a third of a second to load, which a build whose renderings all come
 * from the cache never needs. A caller about to render many posts loads them
 * with `loadRenderLibraries()`; `renderLibraries()` otherwise loads them the
 * first time a post is rendered, synchronously (`require` of ES modules,
 * which Node.js does since 20.19).
 */
export interface RenderLibraries {
  find: typeof import('property-information').find
  htmlSchema: typeof import('property-information').html
  rehypeRaw: typeof import('rehype-raw').default
  rehypeSanitize: typeof import('rehype-sanitize').default
  defaultSchema: typeof import('rehype-sanitize').defaultSchema
  rehypeStringify: typeof import('rehype-stringify').default
  remark: typeof import('remark').remark
  remarkGfm: typeof import('remark-gfm').default
  remarkRehype: typeof import('remark-rehype').default
  VFile: typeof import('vfile').VFile
}

let libraries: RenderLibraries | undefined

/** Loads the libraries without blocking; later calls return at once. */
export async function loadRenderLibraries(): Promise<void> {
  if (libraries !== undefined) return
  const [information, raw, sanitize, stringify, remark, gfm, toHast, vfile] = await Promise.all([
    import('property-information'),
    import('rehype-raw'),
    import('rehype-sanitize'),
    import('rehype-stringify'),
    import('remark'),
    import('remark-gfm'),
    import('remark-rehype'),
    import('vfile'),
  ])
  libraries ??= {
    find: information.find,
    htmlSchema: information.html,
    rehypeRaw: raw.default,
    rehypeSanitize: sanitize.default,
    defaultSchema: sanitize.defaultSchema,
    rehypeStringify: stringify.default,
    remark: remark.remark,
    remarkGfm: gfm.default,
    remarkRehype: toHast.default,
    VFile: vfile.VFile,
  }
}

/** The libraries, loaded now if no one loaded them yet. */
export function renderLibraries(): RenderLibraries {
  libraries ??= requireLibraries()
  return libraries
}

function requireLibraries(): RenderLibraries {
  const require = createRequire(import.meta.url)
  const information = require('property-information') as typeof import('property-information')
  const sanitize = require('rehype-sanitize') as typeof import('rehype-sanitize')
  return {
    find: information.find,
    htmlSchema: information.html,
    rehypeRaw: (require('rehype-raw') as typeof import('rehype-raw')).default,
    rehypeSanitize: sanitize.default,
    defaultSchema: sanitize.defaultSchema,
    rehypeStringify: (require('rehype-stringify') as typeof import('rehype-stringify')).default,
    remark: (require('remark') as typeof import('remark')).remark,
    remarkGfm: (require('remark-gfm') as typeof import('remark-gfm')).default,
    remarkRehype: (require('remark-rehype') as typeof import('remark-rehype')).default,
    VFile: (require('vfile') as typeof import('vfile')).VFile,
  }
}
