import path from 'node:path'
import { z } from 'zod'
import { KabarError, KabarErrorList } from '../errors.js'
import { isValidTimeZone } from './dates.js'
import { type ActivePreset, PRESET_NAMES, type PresetChoice } from './presets/types.js'
import { asDirectoryUrl, canonicalUrl, isWebUrl } from './urls.js'

/**
 * The zod schema is the single source of truth for the config: the
 * `UserConfig` type is inferred from it, so types and validation never drift.
 */

const authorObjectSchema = z
  .object({
    /** Display name. */
    name: z.string().min(1),
    /** E-mail address; RSS `<author>` needs one. */
    email: z.string().email().optional(),
    /** Home page of the author. */
    url: z.string().optional(),
  })
  .strict()

const authorSchema = z.union([z.string().min(1), authorObjectSchema])

const outputNameSchema = z.union([z.string().min(1), z.literal(false)])

const pageNameSchema = z.union([z.string().min(1), z.boolean()])

const feedListSchema = z.union([z.boolean(), z.array(z.string().min(1))])

export const configSchema = z
  .object({
    site: z
      .object({
        /** Feed title. */
        title: z.string().min(1),
        /** Absolute URL of the site; item URLs are built under it. */
        url: z.string().refine((value) => isWebUrl(canonicalUrl(value) ?? ''), {
          message: 'must be an absolute http(s) URL such as https://example.com/',
        }),
        /** Channel description; defaults to the title (RSS requires one). */
        description: z.string().optional(),
        /** Language tag such as `id` or `en-US`. */
        language: z.string().optional(),
        /** IANA zone for dates written without an offset. Default `UTC`. */
        timezone: z
          .string()
          .refine(isValidTimeZone, { message: 'must be an IANA time zone name such as Asia/Jakarta' })
          .optional(),
        copyright: z.string().optional(),
        /** Default author of every post. */
        author: authorSchema.optional(),
        /** Authors posts may name by key (`author: redaksi`). */
        authors: z.record(z.string(), authorSchema).optional(),
        /** Channel image (logo), absolute or relative to `site.url`. */
        image: z.string().optional(),
        /** Small icon, absolute or relative to `site.url`. */
        favicon: z.string().optional(),
        /** WebSub hub announced in every feed and notified by `kabar ping` (https://www.w3.org/TR/websub/). */
        hub: z.string().optional(),
      })
      .strict(),
    /** Pattern for item URLs: `:year`, `:month`, `:day`, `:slug` (or Jekyll's `:title`). Default `/:slug/`. */
    permalink: z
      .string()
      .refine((value) => value.includes(':slug') || value.includes(':title'), {
        message: 'must contain :slug, or two posts would share a URL',
      })
      .optional(),
    /** Read posts as Jekyll, Hugo, Eleventy or Astro do; `auto` recognizes the site, `none` turns it off. Default `auto`. */
    preset: z.enum(['auto', 'none', ...PRESET_NAMES]).optional(),
    /** Where a post without a date gets one, in order: `git` (first commit), `mtime` (file time). Default `["git"]`. */
    dateFallback: z.array(z.enum(['git', 'mtime'])).optional(),
    /** Where the feed files are served. Default `site.url`. */
    feedUrl: z.string().optional(),
    /** Folder whose files are served at `site.url` (for local image sizes). */
    publicDir: z.string().optional(),
    /** Folder of Markdown posts. Default `posts`. */
    posts: z.string().optional(),
    /** Folder the feeds are written to. Default `dist`. */
    out: z.string().optional(),
    /** How many of the newest posts each feed holds; 0 means all. Default 20. */
    limit: z.number().int().min(0).optional(),
    /** `full` (summary and full HTML) or `summary` only. Default `full`. */
    content: z.enum(['full', 'summary']).optional(),
    /** File names of the feeds inside `out`; `false` turns one off. */
    output: z
      .object({
        rss: outputNameSchema.optional(),
        atom: outputNameSchema.optional(),
        json: outputNameSchema.optional(),
        /** The page a browser shows (`feed.html` with `true`). Default off. */
        html: pageNameSchema.optional(),
        /** An OPML list of every feed written (`feeds.opml` with `true`). Default off. */
        opml: pageNameSchema.optional(),
      })
      .strict()
      .optional(),
    /** More subscription feeds: one per tag and one per author, `true` for all or a list. */
    feeds: z
      .object({
        tags: feedListSchema.optional(),
        authors: feedListSchema.optional(),
      })
      .strict()
      .optional(),
    /** RFC 5005 archived feeds: `true`, or `{ pageSize }` (posts per archive page, default 20). */
    archive: z.union([z.boolean(), z.object({ pageSize: z.number().int().positive().optional() }).strict()]).optional(),
    /** File next to the config recording the id published for each post; `false` turns it off. */
    idManifest: outputNameSchema.optional(),
    /** Largest post file accepted, in bytes. Default 1 MiB. */
    maxPostSize: z.number().int().positive().optional(),
  })
  .strict()

/** The config as people write it. */
export type UserConfig = z.input<typeof configSchema>

/** Identity function that gives editors types in a JavaScript config. */
export function defineConfig(config: UserConfig): UserConfig {
  return config
}

export interface Author {
  name: string
  email?: string | undefined
  url?: string | undefined
}

export interface OutputNames {
  rss: string | undefined
  atom: string | undefined
  json: string | undefined
  /** The browser view; `undefined` when off. */
  html: string | undefined
  /** The OPML subscription list; `undefined` when off. */
  opml: string | undefined
}

/** Which per-tag or per-author feeds to write: none, every one, or those named (lower-cased). */
export type FeedSelection = { kind: 'none' } | { kind: 'all' } | { kind: 'listed'; names: readonly string[] }

/** The config with every default filled in, URLs canonical and paths absolute. */
export interface ResolvedConfig {
  configPath: string
  site: {
    title: string
    url: string
    description: string
    language: string | undefined
    timezone: string
    copyright: string | undefined
    author: Author | undefined
    authors: ReadonlyMap<string, Author>
    image: string | undefined
    favicon: string | undefined
    hub: string | undefined
  }
  permalink: string
  feedUrl: string
  publicDir: string | undefined
  postsDir: string
  outDir: string
  limit: number
  content: 'full' | 'summary'
  output: OutputNames
  feeds: { tags: FeedSelection; authors: FeedSelection }
  /** Posts per RFC 5005 archive page; `undefined` when archiving is off. */
  archivePageSize: number | undefined
  /** Absolute path of the id manifest; `undefined` when off. */
  idManifest: string | undefined
  maxPostSize: number
  /** The `preset` key: a generator's name, `auto` or `none`. */
  preset: PresetChoice
  /** The preset the build uses, once chosen (by name, or recognized from the site); `undefined`: none. */
  activePreset: ActivePreset | undefined
  /** Sources of a date for posts that have none, in order. */
  dateFallback: readonly DateFallback[]
  /** Keys the config file sets itself (`permalink`, `output.rss`, …): a preset never overrides them. */
  configuredKeys: ReadonlySet<string>
}

/** Where a post without a date gets one: its first git commit, or the file's modification time. */
export type DateFallback = 'git' | 'mtime'

export const DEFAULT_LIMIT = 20
export const DEFAULT_MAX_POST_SIZE = 1024 * 1024
export const DEFAULT_ARCHIVE_PAGE_SIZE = 20

/**
 * Validates a raw config object and fills in defaults. Throws one
 * `KabarError` listing every problem.
 */
export function resolveConfig(raw: unknown, options: { configPath: string }): ResolvedConfig {
  const { configPath } = options
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) {
    throw new KabarErrorList(
      parsed.error.issues.map((issue) => new KabarError('CONFIG_INVALID', describeIssue(issue), { file: configPath })),
    )
  }
  const config = parsed.data
  const problems: string[] = []
  const configDir = path.dirname(configPath)

  const timezone = config.site.timezone ?? 'UTC'
  const baseUrl = asDirectoryUrl(canonicalUrl(config.site.url) ?? config.site.url)
  const feedUrl = config.feedUrl === undefined ? baseUrl : canonicalUrl(config.feedUrl, baseUrl)
  if (feedUrl === undefined) problems.push(`feedUrl "${config.feedUrl}" is not a URL`)

  const resolveOptionalUrl = (key: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined
    const url = canonicalUrl(value, baseUrl)
    if (url === undefined) problems.push(`${key} "${value}" is not a URL`)
    return url
  }
  // Author URLs go into Atom `uri` and JSON Feed `url` as they are, so they
  // are made canonical here (an IDN host or a space is invalid there).
  const toSiteAuthor = (key: string, value: Parameters<typeof toAuthor>[0]): Author => {
    const author = toAuthor(value)
    return { ...author, url: resolveOptionalUrl(`${key}.url`, author.url) }
  }

  const authors = new Map<string, Author>()
  for (const [key, author] of Object.entries(config.site.authors ?? {})) {
    authors.set(key, toSiteAuthor(`site.authors.${key}`, author))
  }
  const author = config.site.author === undefined ? undefined : toSiteAuthor('site.author', config.site.author)
  const permalink = config.permalink ?? '/:slug/'
  const image = resolveOptionalUrl('site.image', config.site.image)
  const favicon = resolveOptionalUrl('site.favicon', config.site.favicon)
  const hub = resolveOptionalUrl('site.hub', config.site.hub)
  if (hub !== undefined && !isWebUrl(hub)) problems.push(`site.hub "${config.site.hub}" must be an http(s) URL`)

  if (problems.length > 0) {
    throw new KabarErrorList(problems.map((problem) => new KabarError('CONFIG_INVALID', problem, { file: configPath })))
  }

  return {
    configPath,
    site: {
      title: config.site.title,
      url: baseUrl,
      description: config.site.description ?? config.site.title,
      language: config.site.language,
      timezone,
      copyright: config.site.copyright,
      author,
      authors,
      image,
      favicon,
      hub,
    },
    permalink,
    feedUrl: asDirectoryUrl(feedUrl ?? baseUrl),
    publicDir: config.publicDir === undefined ? undefined : path.resolve(configDir, config.publicDir),
    postsDir: path.resolve(configDir, config.posts ?? 'posts'),
    outDir: path.resolve(configDir, config.out ?? 'dist'),
    limit: config.limit ?? DEFAULT_LIMIT,
    content: config.content ?? 'full',
    output: {
      rss: outputName(config.output?.rss, 'rss.xml'),
      atom: outputName(config.output?.atom, 'atom.xml'),
      json: outputName(config.output?.json, 'feed.json'),
      html: pageName(config.output?.html, 'feed.html'),
      opml: pageName(config.output?.opml, 'feeds.opml'),
    },
    feeds: { tags: feedSelection(config.feeds?.tags), authors: feedSelection(config.feeds?.authors) },
    archivePageSize: archivePageSize(config.archive),
    idManifest:
      config.idManifest === false ? undefined : path.resolve(configDir, config.idManifest ?? 'kabar.ids.json'),
    maxPostSize: config.maxPostSize ?? DEFAULT_MAX_POST_SIZE,
    preset: config.preset ?? 'auto',
    activePreset: undefined,
    dateFallback: config.dateFallback ?? ['git'],
    configuredKeys: configuredKeysOf(config),
  }
}

function configuredKeysOf(config: z.output<typeof configSchema>): Set<string> {
  const keys = new Set<string>()
  if (config.permalink !== undefined) keys.add('permalink')
  if (config.site.timezone !== undefined) keys.add('site.timezone')
  for (const [format, name] of Object.entries(config.output ?? {})) {
    if (name !== undefined) keys.add(`output.${format}`)
  }
  return keys
}

function outputName(value: string | false | undefined, fallback: string): string | undefined {
  if (value === false) return undefined
  return value ?? fallback
}

/** Pages are opt-in: a site's own `index.html` must never be overwritten by surprise. */
function pageName(value: string | boolean | undefined, fallback: string): string | undefined {
  if (value === undefined || value === false) return undefined
  return value === true ? fallback : value
}

function feedSelection(value: boolean | string[] | undefined): FeedSelection {
  if (value === undefined || value === false) return { kind: 'none' }
  if (value === true) return { kind: 'all' }
  return { kind: 'listed', names: value.map((name) => name.toLowerCase()) }
}

function archivePageSize(value: boolean | { pageSize?: number | undefined } | undefined): number | undefined {
  if (value === undefined || value === false) return undefined
  return value === true ? DEFAULT_ARCHIVE_PAGE_SIZE : (value.pageSize ?? DEFAULT_ARCHIVE_PAGE_SIZE)
}

function toAuthor(value: string | { name: string; email?: string | undefined; url?: string | undefined }): Author {
  return typeof value === 'string' ? { name: value } : { name: value.name, email: value.email, url: value.url }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.join('.')
  if (issue.code === 'unrecognized_keys') {
    const names = issue.keys.map((name) => (key ? `${key}.${name}` : name))
    return `unknown key ${names.map((name) => `"${name}"`).join(', ')}`
  }
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return `"${key}" is required`
  if (issue.code === 'invalid_type')
    return `"${key}" must be a ${issue.expected}, ${issue.message.replace(/^.*received /, 'not a ')}`
  return `"${key}" ${issue.message.replace(/^Invalid input: /, '')}`
}
