import path from 'node:path'
import type { SourceFile } from '../post.js'
import type { PresetName } from './types.js'

/**
 * Recognizing a generator from the site's folders (strong evidence: its
 * config file, Jekyll's `_posts`, Astro's `src/content`) and, when the
 * folders say nothing, from the posts' frontmatter. Pure: the I/O edge
 * lists the folders.
 */

/** A folder above the posts (or the posts folder itself) and the names in it. */
export interface FolderListing {
  /** Absolute path. */
  folder: string
  names: ReadonlySet<string>
}

export interface Recognition {
  name: PresetName
  /** What gave it away, for the report: `_config.yml`, `frontmatter field heroImage in posts/x.md`. */
  evidence: string
  /** The folder holding the generator's config, when one was found: its site root. */
  root: string | undefined
}

const CONFIG_FILES: Readonly<Record<PresetName, readonly string[]>> = {
  jekyll: ['_config.yml', '_config.yaml', '_config.toml'],
  hugo: ['hugo.toml', 'hugo.yaml', 'hugo.yml', 'hugo.json'],
  eleventy: [
    'eleventy.config.js',
    'eleventy.config.mjs',
    'eleventy.config.cjs',
    'eleventy.config.ts',
    'eleventy.config.mts',
    'eleventy.config.cts',
    '.eleventy.js',
    '.eleventy.cjs',
    '.eleventy.mjs',
  ],
  astro: ['astro.config.mjs', 'astro.config.js', 'astro.config.ts', 'astro.config.mts', 'astro.config.cjs'],
}

/** Hugo sites before `hugo.toml` used `config.toml`, which Zola and others use too: only with Hugo's folders. */
const OLD_HUGO_CONFIGS = ['config.toml', 'config.yaml', 'config.yml', 'config.json']
const HUGO_FOLDERS = ['archetypes', 'themes']

/** The generators whose config files sit in `listing`. */
export function configFilesIn(listing: FolderListing): { name: PresetName; file: string }[] {
  const found: { name: PresetName; file: string }[] = []
  for (const [name, files] of Object.entries(CONFIG_FILES) as [PresetName, readonly string[]][]) {
    const file = files.find((candidate) => listing.names.has(candidate))
    if (file !== undefined) found.push({ name, file })
  }
  if (!found.some((entry) => entry.name === 'hugo') && HUGO_FOLDERS.some((name) => listing.names.has(name))) {
    const file = OLD_HUGO_CONFIGS.find((candidate) => listing.names.has(candidate))
    if (file !== undefined) found.push({ name: 'hugo', file })
  }
  return found
}

/**
 * The generator the site was made with. `listings` run from the posts
 * folder up to the site root; the nearest config file wins, named
 * relative to `baseDir` (the config's folder). Returns
 * `ambiguous` when one folder holds the config files of two generators
 * and the posts do not tell them apart.
 */
export function recognizePreset(
  postsDir: string,
  listings: readonly FolderListing[],
  sources: readonly SourceFile[],
  baseDir: string = path.dirname(postsDir),
): Recognition | { ambiguous: PresetName[] } | undefined {
  const relative = (file: string) => path.relative(baseDir, file).split(path.sep).join('/')
  if (path.basename(postsDir) === '_posts') {
    const root = listings.find((listing) => configFilesIn(listing).some((entry) => entry.name === 'jekyll'))
    return { name: 'jekyll', evidence: 'the _posts folder', root: root?.folder }
  }
  for (const listing of listings) {
    const found = configFilesIn(listing)
    if (found.length === 0) continue
    const [first] = found
    if (found.length === 1 && first !== undefined) {
      return { name: first.name, evidence: relative(path.join(listing.folder, first.file)), root: listing.folder }
    }
    const sniffed = sniffFrontmatter(sources)
    const match = found.find((entry) => entry.name === sniffed?.name)
    if (match === undefined || sniffed === undefined) return { ambiguous: found.map((entry) => entry.name) }
    return { name: match.name, evidence: `${match.file} and ${sniffed.evidence}`, root: listing.folder }
  }
  const segments = postsDir.split(path.sep)
  const sourceAt = segments.lastIndexOf('src')
  if (sourceAt >= 0 && (segments[sourceAt + 1] === 'content' || segments[sourceAt + 1] === 'pages')) {
    return { name: 'astro', evidence: `the src/${segments[sourceAt + 1]} folder`, root: undefined }
  }
  const sniffed = sniffFrontmatter(sources)
  return sniffed === undefined ? undefined : { ...sniffed, root: undefined }
}

/** How many posts to look at: enough to be sure, few enough to stay fast on huge sites. */
const SNIFF_LIMIT = 200

const FRONTMATTER_SIGNS: readonly { name: PresetName; pattern: RegExp; sign: string }[] = [
  { name: 'hugo', pattern: /^\s*\+\+\+[ \t]*\n/, sign: 'TOML frontmatter (+++)' },
  { name: 'eleventy', pattern: /^eleventy(?:ExcludeFromCollections|Navigation|Computed)\s*:/m, sign: 'eleventy' },
  { name: 'astro', pattern: /^(?:heroImage|pubDate)\s*:/m, sign: 'astro' },
]

/** The generator whose frontmatter fields most posts use, if any does. */
function sniffFrontmatter(sources: readonly SourceFile[]): { name: PresetName; evidence: string } | undefined {
  const votes = new Map<PresetName, { count: number; evidence: string }>()
  for (const source of sources.slice(0, SNIFF_LIMIT)) {
    const head = frontmatterHead(source.text)
    for (const { name, pattern, sign } of FRONTMATTER_SIGNS) {
      const match = pattern.exec(head)
      if (match === null) continue
      const field = sign === 'eleventy' || sign === 'astro' ? `field ${match[0].replace(/\s*:$/, '')}` : sign
      const vote = votes.get(name)
      votes.set(name, {
        count: (vote?.count ?? 0) + 1,
        evidence: vote?.evidence ?? `${field} in ${source.relativePath}`,
      })
    }
  }
  const ranked = [...votes.entries()].sort((a, b) => b[1].count - a[1].count)
  const [best, second] = ranked
  if (best === undefined || (second !== undefined && second[1].count === best[1].count)) return undefined
  return { name: best[0], evidence: `${best[1].evidence.startsWith('field') ? 'frontmatter ' : ''}${best[1].evidence}` }
}

/** The first lines of a file, where its frontmatter is. */
function frontmatterHead(text: string): string {
  return text.slice(0, 4096)
}
