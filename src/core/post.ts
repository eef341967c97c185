import type { Author } from './config.js'

/** A post file as read from disk, before anything is parsed. */
export interface SourceFile {
  /** Absolute path. */
  path: string
  /** Path relative to the posts folder, with `/` separators. */
  relativePath: string
  /** The file's text, already decoded from UTF-8. */
  text: string
  /** A date for a post whose frontmatter and file name give none, looked up by the I/O edge. */
  fallbackDate?: FallbackDate | undefined
  /** Why no fallback date could be found when one was looked for (a shallow clone), for the error. */
  fallbackDateNote?: string | undefined
}

/** The post's first git commit, or (only when the config asks) the file's modification time. */
export interface FallbackDate {
  date: Date
  from: 'git' | 'mtime'
}

/** An image that goes with a post: the featured image, an enclosure in RSS. */
export interface PostImage {
  url: string
  /** MIME type from the file extension, when it is a known image type. */
  type: string | undefined
  /** Absolute path of the file on disk, when it is served from `publicDir` or sits beside the post. */
  localPath: string | undefined
}

/** A post after its frontmatter was validated and normalized. */
export interface Post {
  /** Absolute path of the source file. */
  file: string
  slug: string
  title: string
  date: Date
  updated: Date | undefined
  /** Entry id: a pinned `id`, else the item URL. Canonical, never re-normalized. */
  id: string
  /** Absolute, canonical URL of the item. */
  url: string
  authors: Author[]
  tags: string[]
  /** Summary written in frontmatter, as plain text. */
  summary: string | undefined
  image: PostImage | undefined
  isDraft: boolean
  /** Why the preset's generator would never publish this post (`expiryDate` passed, …), if so. */
  excludedBecause?: string | undefined
  lang: string | undefined
  /** Per-post opt-out of full content (`content: summary`). */
  content: 'full' | 'summary' | undefined
  /** The Markdown body. */
  body: string
  /** 1-based line where the body starts in the file. */
  bodyLine: number
}

/**
 * Every field of a Post but the body, in a fixed order: what a feed file's
 * hash covers of each post (the key of its rendering stands for the body).
 * The post cache and the scanning worker list the fields they keep in a
 * tuple of their own (post-tuple.ts), which builds a Post literal: a field
 * added here and not there fails to compile.
 */
export const POST_FIELDS_BUT_BODY = [
  'file',
  'id',
  'slug',
  'title',
  'date',
  'updated',
  'url',
  'authors',
  'tags',
  'summary',
  'image',
  'isDraft',
  'excludedBecause',
  'lang',
  'content',
  'bodyLine',
] as const satisfies readonly (keyof Post)[]
/** A field added to Post must be added to POST_FIELDS_BUT_BODY, or this fails to compile. */
const _EVERY_FIELD_LISTED: Exclude<keyof Post, (typeof POST_FIELDS_BUT_BODY)[number] | 'body'> extends never
  ? true
  : false = true

/** A post whose Markdown was rendered for a feed. */
export interface RenderedPost extends Post {
  /** Sanitized HTML with every URL absolute. */
  html: string
  /** Plain-text summary: frontmatter, else `<!--more-->`, else the first paragraph. */
  summaryText: string
}
