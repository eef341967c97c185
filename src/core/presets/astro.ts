import { type KabarError, kabarWarning } from '../../errors.js'
import { contentPath, joinSitePath, siteUrlFor } from './paths.js'
import type { Preset } from './types.js'
import { textValue } from './values.js'

/**
 * Astro's blog template with @astrojs/rss (https://docs.astro.build/en/guides/rss/):
 * content collections in `src/content/<collection>/` (or pages in
 * `src/pages/`), `pubDate`, `updatedDate`, `description`, `heroImage`,
 * and `rss.xml` whose items link `/<collection>/<id>/`, with a trailing
 * slash as @astrojs/rss adds it; the link is the guid.
 */

export const astro: Preset = {
  name: 'astro',
  output: { rss: 'rss.xml' },
  templates: 'none',
  hasBundles: false,

  prepareData(post) {
    const data: Record<string, unknown> = { ...post.data }
    const fieldLines = new Map(post.fieldLines)
    const problems: KabarError[] = []
    const heroImage = textValue(data.heroImage)
    if (data.image === undefined && heroImage !== undefined) {
      const line = post.fieldLines.get('heroImage')
      if (heroImage.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(heroImage)) {
        data.image = heroImage
        if (line !== undefined) fieldLines.set('image', line)
      } else {
        // `image()` assets are resized and renamed by Astro's build; their final URL is unknowable here.
        problems.push(
          kabarWarning(
            'IMAGE_URL_UNKNOWN',
            `heroImage "${heroImage}" is an asset Astro renames when it builds, so the feed cannot link it — put the image in public/ and write its path, such as /images/hero.jpg`,
            { file: post.file, line, field: 'heroImage' },
          ),
        )
      }
    }
    return { data, fieldLines, problems }
  },

  postUrl(post, context) {
    if (textValue(post.data.permalink) !== undefined || textValue(post.data.url) !== undefined) return undefined
    if (context.config.configuredKeys.has('permalink')) return undefined
    const slug = textValue(post.data.slug)
    const id = slug ?? contentPath(post.relativePath).split('/').map(githubSlug).join('/')
    const url = siteUrlFor(joinSitePath([context.preset.section, id], { trailingSlash: true }), context.config.site.url)
    return url === undefined ? { field: 'slug', message: 'the file path gives no usable URL' } : { url }
  },

  exclusion() {
    return undefined
  },
}

/** The slug Astro gives a content entry (github-slugger): lower case, punctuation dropped, spaces to `-`. */
function githubSlug(segment: string): string {
  return segment
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/ /g, '-')
}
