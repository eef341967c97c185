import { canonicalUrl } from '../urls.js'

/**
 * URLs built from where a post sits, as Hugo, Eleventy and Astro build them:
 * `content/posts/my-post.md` → `/posts/my-post/`.
 */

/** The path under the posts folder without the extension; an `index` file stands for its folder. */
export function contentPath(relativePath: string): string {
  const parts = relativePath.replace(/\.(md|markdown)$/i, '').split('/')
  if (parts.length > 0 && parts.at(-1)?.toLowerCase() === 'index') parts.pop()
  return parts.join('/')
}

/** `/a/b/` from path pieces that may hold slashes themselves; empty pieces are dropped. */
export function joinSitePath(pieces: readonly string[], options: { trailingSlash: boolean }): string {
  const segments = pieces.flatMap((piece) => piece.split('/')).filter((segment) => segment !== '')
  if (segments.length === 0) return '/'
  return `/${segments.map(encodePathSegment).join('/')}${options.trailingSlash ? '/' : ''}`
}

/**
 * Percent-encodes what a path segment cannot hold, and nothing else: `c++`
 * stays `c++`, as the generators wrote it, so ids keep their old bytes.
 */
export function encodePathSegment(segment: string): string {
  return encodeURI(segment).replace(/[?#/]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** A path on the site (`/posts/x/`) as an absolute URL under `site.url`. */
export function siteUrlFor(sitePath: string, siteUrl: string): string | undefined {
  return canonicalUrl(sitePath.replace(/^\/+/, ''), siteUrl)
}
