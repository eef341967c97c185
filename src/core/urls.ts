/**
 * kabar computes every id and link once, in one canonical ASCII form, so no
 * library re-normalizes them later: a reader that sees an id change shows
 * the post again as new.
 *
 * Canonical means what the WHATWG URL parser produces (IDN hosts as
 * punycode, lower-case scheme and host, no default port, `https://x.org`
 * as `https://x.org/`), plus upper-case percent-escapes (RFC 3986 §6.2.2.1),
 * which the parser leaves as written.
 */

/** Returns the canonical form of an absolute URL, or `undefined` if `value` is not one. */
export function canonicalUrl(value: string, base?: string | URL): string | undefined {
  const url = parsedUrl(value, base)
  return url === undefined ? undefined : canonicalHref(url)
}

/** {@link canonicalUrl} and the URL's path (as the parser gives it), from one parse. */
export function canonicalUrlAndPath(value: string, base: string): { href: string; pathname: string } | undefined {
  const url = parsedUrl(value, base)
  return url === undefined ? undefined : { href: canonicalHref(url), pathname: url.pathname }
}

function parsedUrl(value: string, base: string | URL | undefined): URL | undefined {
  try {
    return base === undefined ? new URL(value) : new URL(value, base)
  } catch {
    return undefined
  }
}

function canonicalHref(url: URL): string {
  return url.href.replace(/%[0-9a-f]{2}/gi, (percentEscape) => percentEscape.toUpperCase())
}

/** True for `http:` and `https:` URLs, the only ones feeds link items to. */
export function isWebUrl(value: string): boolean {
  return /^https?:\/\//i.test(value)
}

/**
 * Resolves a URL written in a post (a link, an image) against the item's own
 * URL. Returns `undefined` when it cannot be parsed at all.
 */
export function resolveUrl(value: string, base: string): string | undefined {
  const trimmed = value.trim()
  if (trimmed === '') return undefined
  return canonicalUrl(trimmed, base)
}

/** Makes `directoryUrl` end with a slash, so relative paths resolve inside it. */
export function asDirectoryUrl(directoryUrl: string): string {
  return directoryUrl.endsWith('/') ? directoryUrl : `${directoryUrl}/`
}
