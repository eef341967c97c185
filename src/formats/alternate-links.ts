import type { FormatUrls } from '../core/feed-model.js'
import { FORMAT_NAMES, type FormatName } from './index.js'
import { escapeAttribute } from './xml.js'

/** Registered media types: RSS and Atom (RFC 4287 §7), JSON Feed 1.1 (`application/feed+json`). */
export const FEED_MEDIA_TYPES: Readonly<Record<FormatName, string>> = {
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
  json: 'application/feed+json',
}

/** How people call each format. */
export const FORMAT_LABELS: Readonly<Record<FormatName, string>> = { rss: 'RSS', atom: 'Atom', json: 'JSON Feed' }

/** A feed to announce: its title and the URL of each format that is on. */
export interface AnnouncedFeed {
  title: string
  urls: FormatUrls
}

/**
 * Autodiscovery tags for an HTML `<head>`, one per feed and format:
 * `<link rel="alternate" type="application/rss+xml" title="Nemes Corp (RSS)" href="…">`.
 * Readers and browsers find feeds this way (the RSS Board's autodiscovery
 * profile; RFC 4287 §7 for Atom).
 */
export function alternateLinkTags(feeds: readonly AnnouncedFeed[]): string[] {
  const tags: string[] = []
  for (const feed of feeds) {
    for (const format of FORMAT_NAMES) {
      const href = feed.urls[format]
      if (href === undefined) continue
      const title = `${feed.title} (${FORMAT_LABELS[format]})`
      tags.push(
        `<link rel="alternate" type="${FEED_MEDIA_TYPES[format]}" title="${escapeAttribute(title)}" href="${escapeAttribute(href)}">`,
      )
    }
  }
  return tags
}
