import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { ResolvedConfig } from '../core/config.js'
import { isValidTimeZone } from '../core/dates.js'
import type { SourceFile } from '../core/post.js'
import { configFilesIn, type FolderListing, recognizePreset } from '../core/presets/detect.js'
import { applyPreset } from '../core/presets/index.js'
import type { ActivePreset, PresetChoice, PresetName } from '../core/presets/types.js'
import { asDirectoryUrl, canonicalUrl, isWebUrl } from '../core/urls.js'
import { type KabarError, kabarWarning } from '../errors.js'

/**
 * Chooses the build's preset (named by `--preset` or the config, or
 * recognized from the site) and reads the few settings of the generator's
 * own config that decide URLs and dates: Jekyll's `permalink` and
 * `timezone`, Hugo's `[permalinks]`, `timeZone` and `contentDir`,
 * Eleventy's input folder. Those config files are only read, never run.
 */
export async function choosePreset(
  config: ResolvedConfig,
  sources: readonly SourceFile[],
  override?: PresetChoice,
): Promise<{ config: ResolvedConfig; problems: KabarError[] }> {
  const choice = override ?? config.preset
  if (choice === 'none') return { config, problems: [] }
  const listings = await listFoldersUp(config.postsDir, path.dirname(config.configPath))
  let name: PresetName
  let reason: string
  let root: string | undefined
  if (choice === 'auto') {
    const recognized = recognizePreset(config.postsDir, listings, sources, path.dirname(config.configPath))
    if (recognized === undefined) return { config, problems: [] }
    if ('ambiguous' in recognized) {
      const names = recognized.ambiguous.join(' and ')
      return {
        config,
        problems: [
          kabarWarning(
            'PRESET_AMBIGUOUS',
            `the site has the config files of ${names}, so kabar read the posts with no preset — set "preset" in the config (or pass --preset) to say which one they follow`,
            { file: config.configPath },
          ),
        ],
      }
    }
    ;({ name, evidence: reason, root } = recognized)
    reason = `recognized by ${reason}`
  } else {
    name = choice
    reason = override === undefined ? 'set by "preset" in the config' : 'set by --preset'
    root = listings.find((listing) => configFilesIn(listing).some((entry) => entry.name === name))?.folder
  }
  const settings = root === undefined ? {} : await readGeneratorSettings(name, root)
  const section = sectionOf(name, config.postsDir, root, settings)
  const active: ActivePreset = {
    name,
    reason,
    section,
    generatorPermalink: settings.permalink ?? hugoPermalinkFor(settings.permalinks, section),
    generatorTimezone:
      settings.timezone !== undefined && isValidTimeZone(settings.timezone) ? settings.timezone : undefined,
  }
  return { config: applyPreset(config, active), problems: siteUrlProblems(config, settings) }
}

/**
 * Every link and id the generator published starts with its site URL
 * (Jekyll's `url` and `baseurl`, Hugo's `baseURL`, Astro's `site` and
 * `base`): a different `site.url` in kabar's config would change them
 * all, and readers would see the whole archive again as new.
 */
function siteUrlProblems(config: ResolvedConfig, settings: GeneratorSettings): KabarError[] {
  if (settings.siteUrl === undefined) return []
  const generatorUrl = canonicalUrl(settings.siteUrl.url)
  if (generatorUrl === undefined || !isWebUrl(generatorUrl)) return []
  const expected = asDirectoryUrl(generatorUrl)
  if (expected === config.site.url) return []
  return [
    kabarWarning(
      'SITE_URL_DIFFERS',
      `site.url is ${config.site.url}, but ${settings.siteUrl.file} puts the site at ${expected}, where its feeds' links and ids were — set site.url to ${expected} to keep them`,
      { file: config.configPath, field: 'site.url' },
    ),
  ]
}

/** Folders from the posts up to the config's folder (when the posts are inside it) or the git root. */
async function listFoldersUp(postsDir: string, configDir: string): Promise<FolderListing[]> {
  const listings: FolderListing[] = []
  const isInsideConfigDir = !path.relative(configDir, postsDir).startsWith('..')
  let folder = postsDir
  for (let depth = 0; depth < 8; depth++) {
    const names = new Set(await readdir(folder).catch(() => []))
    listings.push({ folder, names })
    if ((isInsideConfigDir && folder === configDir) || names.has('.git')) break
    const parent = path.dirname(folder)
    if (parent === folder) break
    folder = parent
  }
  return listings
}

interface GeneratorSettings {
  permalink?: string | undefined
  /** Hugo's `[permalinks]` table. */
  permalinks?: Record<string, unknown> | undefined
  timezone?: string | undefined
  /** Hugo's `contentDir` or Eleventy's input folder, relative to the root. */
  contentDir?: string | undefined
  /** Where the generator put the site, and the file that says so. */
  siteUrl?: { url: string; file: string } | undefined
}

async function readGeneratorSettings(name: PresetName, root: string): Promise<GeneratorSettings> {
  const names = new Set(await readdir(root).catch(() => []))
  const read = async (file: string) => readFile(path.join(root, file), 'utf8').catch(() => undefined)
  if (name === 'jekyll') {
    const file = ['_config.yml', '_config.yaml'].find((candidate) => names.has(candidate))
    const data = file === undefined ? undefined : await parseYamlText(await read(file))
    const url = stringOf(data?.url)
    const baseUrl = stringOf(data?.baseurl) ?? ''
    return {
      permalink: stringOf(data?.permalink),
      timezone: stringOf(data?.timezone),
      siteUrl: url === undefined || file === undefined ? undefined : { url: joinUrl(url, baseUrl), file },
    }
  }
  if (name === 'hugo') {
    const file = ['hugo.toml', 'hugo.yaml', 'hugo.yml', 'hugo.json', 'config.toml', 'config.yaml', 'config.yml'].find(
      (candidate) => names.has(candidate),
    )
    const data = file === undefined ? undefined : await parseConfigText(file, await read(file))
    const key = (wanted: string) => Object.keys(data ?? {}).find((candidate) => candidate.toLowerCase() === wanted)
    const permalinks = data?.[key('permalinks') ?? '']
    const baseUrl = stringOf(data?.[key('baseurl') ?? ''])
    return {
      siteUrl: baseUrl === undefined || file === undefined ? undefined : { url: baseUrl, file },
      permalinks: isRecord(permalinks) ? permalinks : undefined,
      timezone: stringOf(data?.[key('timezone') ?? '']),
      contentDir: stringOf(data?.[key('contentdir') ?? '']),
    }
  }
  if (name === 'eleventy') {
    const file = [...names].find((candidate) => /^\.?eleventy(\.config)?\.[cm]?[jt]s$/.test(candidate))
    // Read as text, never run: `dir: { input: "content" }` is all kabar needs.
    const input = file === undefined ? undefined : /\binput\s*:\s*["'`]([^"'`]+)["'`]/.exec((await read(file)) ?? '')
    return input?.[1] === undefined ? {} : { contentDir: input[1] }
  }
  // astro.config.*: `site: 'https://example.com'` and `base: '/docs'`, read as text.
  const file = [...names].find((candidate) => /^astro\.config\.[cm]?[jt]s$/.test(candidate))
  const text = file === undefined ? '' : ((await read(file)) ?? '')
  const site = /\bsite\s*:\s*["'`]([^"'`]+)["'`]/.exec(text)?.[1]
  const base = /\bbase\s*:\s*["'`]([^"'`]+)["'`]/.exec(text)?.[1] ?? ''
  return site === undefined || file === undefined ? {} : { siteUrl: { url: joinUrl(site, base), file } }
}

/** `https://x.org` and `/blog` → `https://x.org/blog/`. */
function joinUrl(url: string, basePath: string): string {
  return `${url.replace(/\/+$/, '')}/${basePath.replace(/^\/+|\/+$/g, '')}`
}

async function parseConfigText(file: string, text: string | undefined): Promise<Record<string, unknown> | undefined> {
  if (text === undefined) return undefined
  if (file.endsWith('.toml')) {
    const { parse } = await import('smol-toml')
    try {
      return parse(text) as Record<string, unknown>
    } catch {
      return undefined
    }
  }
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(text) as Record<string, unknown>
    } catch {
      return undefined
    }
  }
  return parseYamlText(text)
}

async function parseYamlText(text: string | undefined): Promise<Record<string, unknown> | undefined> {
  if (text === undefined) return undefined
  const { parse } = await import('yaml')
  try {
    const data = parse(text, { maxAliasCount: 100 }) as unknown
    return data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Hugo's pattern for the section: `[permalinks] posts = …`, or `[permalinks.page] posts = …` since Hugo 0.120. */
function hugoPermalinkFor(permalinks: Record<string, unknown> | undefined, section: string): string | undefined {
  if (permalinks === undefined) return undefined
  const first = section.split('/')[0] ?? ''
  const page = isRecord(permalinks.page) ? permalinks.page : {}
  return stringOf(page[first]) ?? stringOf(permalinks[first])
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

/** Where the posts folder sits inside the generator's content root: the start of path-based URLs. */
function sectionOf(name: PresetName, postsDir: string, root: string | undefined, settings: GeneratorSettings): string {
  const inside = (folder: string) => {
    const relative = path.relative(folder, postsDir)
    return relative.startsWith('..') || path.isAbsolute(relative) ? undefined : relative.split(path.sep).join('/')
  }
  if (name === 'jekyll') return (root === undefined ? undefined : inside(root)) ?? path.basename(postsDir)
  if (name === 'astro') {
    const segments = postsDir.split(path.sep)
    const at = segments.lastIndexOf('src')
    const kind = segments[at + 1]
    if (at >= 0 && (kind === 'content' || kind === 'pages')) return segments.slice(at + 2).join('/')
    return path.basename(postsDir)
  }
  const contentRoot =
    root === undefined
      ? nearestFolderNamed(postsDir, name === 'hugo' ? 'content' : undefined)
      : path.join(root, settings.contentDir ?? (name === 'hugo' ? 'content' : '.'))
  return (contentRoot === undefined ? undefined : inside(contentRoot)) ?? path.basename(postsDir)
}

function nearestFolderNamed(start: string, name: string | undefined): string | undefined {
  if (name === undefined) return undefined
  for (let folder = start; path.dirname(folder) !== folder; folder = path.dirname(folder)) {
    if (path.basename(folder) === name) return folder
  }
  return undefined
}
