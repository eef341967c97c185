import type { KabarError } from '../../errors.js'
import type { ResolvedConfig } from '../config.js'
import type { TemplateSyntax } from '../templates.js'

/** The generators whose content kabar reads as they do. */
export const PRESET_NAMES = ['jekyll', 'hugo', 'eleventy', 'astro'] as const
export type PresetName = (typeof PRESET_NAMES)[number]

/** What the `preset` config key and `--preset` accept: `auto` sniffs, `none` turns presets off. */
export type PresetChoice = PresetName | 'auto' | 'none'

/** The preset a build uses, with what it was recognized by. */
export interface ActivePreset {
  name: PresetName
  /** Why: `--preset`, the config's `preset` key, or the file or field it was recognized by. */
  reason: string
  /**
   * Path of the posts folder inside the generator's content root, with `/`:
   * `posts` for Hugo's `content/posts`, `blog` for Astro's
   * `src/content/blog`, `es/_posts` for a Jekyll collection under `es/`.
   * Path-based URLs start with it.
   */
  section: string
  /** The `permalink` pattern the generator's own config sets; kabar's `permalink` wins over it. */
  generatorPermalink: string | undefined
  /** The timezone the generator's own config sets; kabar's `site.timezone` wins over it. */
  generatorTimezone: string | undefined
}

/** One post's frontmatter as a preset sees it. */
export interface PresetPost {
  /** Absolute path of the file. */
  file: string
  /** Path under the posts folder, with `/`. */
  relativePath: string
  data: Readonly<Record<string, unknown>>
  fieldLines: ReadonlyMap<string, number>
}

export interface PresetContext {
  config: ResolvedConfig
  preset: ActivePreset
}

export interface DatedPost extends PresetPost {
  date: Date
  /** kabar's slug: the `slug` field, else the file name without date and extension. */
  slug: string
}

export interface PreparedData {
  data: Record<string, unknown>
  fieldLines?: ReadonlyMap<string, number>
  problems: KabarError[]
}

/** A URL a preset decided, or why the post's own URL field cannot be used. */
export type UrlDecision = { url: string } | { field: string; message: string }

export interface Preset {
  name: PresetName
  /** Feed file names the generator wrote, kept so that subscribers keep their feeds. */
  output: { rss?: string; atom?: string; json?: string }
  /** Template syntax its posts' bodies may hold. */
  templates: TemplateSyntax
  /** Relative frontmatter images are files beside the post (Hugo's page bundles). */
  hasBundles: boolean
  /** Fills and renames frontmatter fields into the ones kabar reads; `fieldLines` when keys were renamed. */
  prepareData(post: PresetPost, context: PresetContext): PreparedData
  /** The item URL, or `undefined` to let kabar's `permalink` decide. */
  postUrl(post: DatedPost, context: PresetContext): UrlDecision | undefined
  /** The entry id the generator's feed gave, when it was not the item URL. */
  postId?(post: DatedPost & { url: string }, context: PresetContext): string | undefined
  /** Why the generator would not publish this post (not drafts: kabar handles those), if so. */
  exclusion(post: PresetPost, context: PresetContext & { now: Date }): string | undefined
}
