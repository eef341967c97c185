import { KabarError } from '../../errors.js'
import { contentPath, joinSitePath, siteUrlFor } from './paths.js'
import type { DatedPost, Preset, PresetContext } from './types.js'
import { isRecord, isTrue, textValue } from './values.js'

/**
 * Eleventy with @11ty/eleventy-plugin-rss (https://www.11ty.dev/docs/permalinks/,
 * https://www.11ty.dev/docs/plugins/rss/). The plugin's feeds use each
 * post's absolute URL as its id.
 */

/** Tags that name Eleventy collections rather than topics, dropped as eleventy-base-blog drops them. */
const COLLECTION_TAGS = new Set(['all', 'nav', 'post', 'posts'])

/** `date:` values Eleventy fills from the file system or git (https://www.11ty.dev/docs/dates/). */
const CREATED_DATES = new Set(['created', 'git created'])
const MODIFIED_DATES = new Set(['last modified', 'git last modified'])

export const eleventy: Preset = {
  name: 'eleventy',
  output: { atom: 'feed.xml' },
  templates: 'eleventy',
  hasBundles: false,

  prepareData(post) {
    const data: Record<string, unknown> = { ...post.data }
    const fieldLines = new Map(post.fieldLines)
    const problems: KabarError[] = []
    // Sites that build their navigation from posts keep the title there.
    if (textValue(data.title) === undefined && isRecord(data.eleventyNavigation)) {
      const title = textValue(data.eleventyNavigation.title) ?? textValue(data.eleventyNavigation.key)
      if (title !== undefined) {
        data.title = title
        const line = post.fieldLines.get('eleventyNavigation')
        if (line !== undefined) fieldLines.set('title', line)
      }
    }
    if (Array.isArray(data.tags)) {
      data.tags = data.tags.filter((tag) => typeof tag !== 'string' || !COLLECTION_TAGS.has(tag.toLowerCase()))
    } else if (typeof data.tags === 'string' && COLLECTION_TAGS.has(data.tags.toLowerCase())) {
      delete data.tags
    }
    const dateWord = typeof data.date === 'string' ? data.date.trim().toLowerCase() : undefined
    if (dateWord !== undefined && CREATED_DATES.has(dateWord)) {
      // Filled in from git history (or, when asked, the file's time) like a missing date.
      delete data.date
    } else if (dateWord !== undefined && MODIFIED_DATES.has(dateWord)) {
      problems.push(
        new KabarError(
          'DATE_INVALID',
          `date "${String(data.date)}" changes with every edit, so feed readers would show the post again as new each time — write the day it was published as YYYY-MM-DD`,
          { file: post.file, line: post.fieldLines.get('date') ?? 1, field: 'date' },
        ),
      )
      delete data.date
    }
    return { data, fieldLines, problems }
  },

  postUrl(post, context) {
    const permalink = post.data.permalink
    if (typeof permalink === 'string' && permalink.trim() !== '') return ownPermalink(permalink.trim(), post, context)
    if (context.config.configuredKeys.has('permalink')) return undefined
    const url = siteUrlFor(defaultPath(post, context.preset.section), context.config.site.url)
    return url === undefined ? { field: 'permalink', message: 'the file path gives no usable URL' } : { url }
  },

  exclusion(post) {
    if (post.data.permalink === false) return 'permalink: false, so Eleventy writes no page for it'
    const excluded = post.data.eleventyExcludeFromCollections
    if (isTrue(excluded) || (Array.isArray(excluded) && excluded.length > 0)) {
      return 'eleventyExcludeFromCollections keeps it out of collections and feeds'
    }
    return undefined
  },
}

/**
 * Eleventy's default output: the folders and the file name, date prefix
 * included, as a folder; `index.md` and `name/name.md` stand for their folder.
 */
function defaultPath(post: DatedPost, section: string): string {
  const parts = contentPath(post.relativePath).split('/')
  if (parts.length >= 2 && parts.at(-1) === parts.at(-2)) parts.pop()
  return joinSitePath([section, ...parts], { trailingSlash: true })
}

/**
 * A `permalink` written in frontmatter. The few template expressions
 * Eleventy sites put there are filled in; anything else is refused rather
 * than run or guessed.
 */
function ownPermalink(
  permalink: string,
  post: DatedPost,
  { config }: PresetContext,
): { url: string } | { field: string; message: string } {
  const fileSlug = eleventyFileSlug(post.relativePath)
  const values: Record<string, string> = {
    'page.fileSlug': fileSlug,
    'page.filePathStem': `/${contentPath(post.relativePath).replace(/(^|\/)(\d{4}-\d{2}-\d{2}-)/, '$1')}`,
    'title | slugify': slugify(textValue(post.data.title) ?? ''),
    'title | slug': slugify(textValue(post.data.title) ?? ''),
    'page.fileSlug | slugify': slugify(fileSlug),
  }
  const unknown: string[] = []
  const filled = permalink.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (match, expression: string) => {
    const value = values[expression.replace(/\s+/g, ' ')]
    if (value === undefined) unknown.push(match)
    return value ?? match
  })
  if (unknown.length > 0 || /\{%/.test(filled)) {
    return {
      field: 'permalink',
      message: `permalink "${permalink}" uses ${unknown[0] ?? 'a {% tag %}'}, which kabar does not run — write the URL it gives, such as /blog/my-post/`,
    }
  }
  const sitePath = `/${filled.replace(/^\/+/, '').replace(/(^|\/)index\.html$/, '$1')}`
  const url = siteUrlFor(sitePath, config.site.url)
  return url === undefined ? { field: 'permalink', message: `permalink "${permalink}" is not a usable path` } : { url }
}

/** Eleventy's `page.fileSlug`: the file name without a date prefix; for `index`, its folder's name. */
function eleventyFileSlug(relativePath: string): string {
  const parts = relativePath.replace(/\.(md|markdown)$/i, '').split('/')
  const name = parts.at(-1) ?? ''
  const stripDate = (text: string) => /^\d{4}-\d{2}-\d{2}-(.*)$/.exec(text)?.[1] ?? text
  if (name === 'index') return parts.length > 1 ? stripDate(parts.at(-2) ?? '') : ''
  return stripDate(name)
}

/** Close to Eleventy's `slugify` filter: lower case, accents dropped, other characters to `-`. */
function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
}
