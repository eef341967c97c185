import type { FeedItem, FeedModel, FormatUrls } from '../core/feed-model.js'
import { pageText } from '../core/page-text.js'
import { removeForbiddenCharacters } from '../core/text.js'
import { type AnnouncedFeed, alternateLinkTags, FORMAT_LABELS } from './alternate-links.js'
import { FORMAT_NAMES } from './index.js'

/**
 * The browser view (`feed.html`): what someone who clicks a feed link sees.
 * Browsers are removing XSLT, so instead of styling the XML this is a plain
 * static page in the site's language: the title and description, how to
 * subscribe with each feed URL ready to copy, and the latest items with
 * their dates and summaries. No script, no external resource.
 */
export interface BrowserView {
  /** The subscription feed. */
  feed: FeedModel
  /** IANA zone the dates are shown in (the site's). */
  timezone: string
  tags: readonly Topic[]
  authors: readonly Topic[]
}

/** A per-tag or per-author feed, listed by its tag or author name. */
export interface Topic {
  name: string
  urls: FormatUrls
}

export function serializeHtml(view: BrowserView): string {
  const { feed } = view
  const text = pageText(feed.language)
  const formatDate = dateFormatter(feed.language, view.timezone)
  const mainFeed: AnnouncedFeed = { title: feed.title, urls: feed.feedUrls }
  const lines = [
    '<!doctype html>',
    `<html lang="${escapeHtml(feed.language ?? 'en')}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(feed.title)}</title>`,
    `<meta name="description" content="${escapeHtml(feed.description)}">`,
    ...alternateLinkTags([mainFeed]),
    '<style>',
    STYLE,
    '</style>',
    '</head>',
    '<body>',
    '<header>',
    `<h1>${escapeHtml(feed.title)}</h1>`,
    `<p class="description">${escapeHtml(feed.description)}</p>`,
    `<p class="about">${escapeHtml(text.about)}</p>`,
    '</header>',
    '<section class="subscribe" aria-labelledby="subscribe">',
    `<h2 id="subscribe">${escapeHtml(text.subscribeHeading)}</h2>`,
    `<p>${escapeHtml(text.subscribeHelp)}</p>`,
    ...feedAddresses(mainFeed),
    '</section>',
    '<main aria-labelledby="latest">',
    `<h2 id="latest">${escapeHtml(text.latestHeading)}</h2>`,
    ...feed.items.flatMap((item) => itemArticle(item, formatDate, text.updated)),
    '</main>',
    ...topicSection('tags', text.tagsHeading, view.tags),
    ...topicSection('authors', text.authorsHeading, view.authors),
    '<footer>',
    `<p><a href="${escapeHtml(feed.homeUrl)}">${escapeHtml(text.visitSite)}</a>${feed.copyright === undefined ? '' : ` · ${escapeHtml(feed.copyright)}`}</p>`,
    '</footer>',
    '</body>',
    '</html>',
  ]
  return `${lines.join('\n')}\n`
}

/** Each URL in a `<code>` that selects whole on one click: copying needs no script. */
function feedAddresses(feed: AnnouncedFeed): string[] {
  const lines = ['<dl class="addresses">']
  for (const format of FORMAT_NAMES) {
    const url = feed.urls[format]
    if (url === undefined) continue
    lines.push(`<dt>${FORMAT_LABELS[format]}</dt>`, `<dd><code>${escapeHtml(url)}</code></dd>`)
  }
  lines.push('</dl>')
  return lines
}

function itemArticle(item: FeedItem, formatDate: (date: Date) => string, updatedLabel: string): string[] {
  const published = formatDate(item.published)
  const updated = formatDate(item.updated)
  const dates = [`<time datetime="${item.published.toISOString()}">${escapeHtml(published)}</time>`]
  if (updated !== published) {
    dates.push(
      `${escapeHtml(updatedLabel)} <time datetime="${item.updated.toISOString()}">${escapeHtml(updated)}</time>`,
    )
  }
  const byline = [dates.join(' · '), item.authors.map((author) => escapeHtml(author.name)).join(', ')]
  const lang = item.language === undefined ? '' : ` lang="${escapeHtml(item.language)}"`
  return [
    `<article${lang}>`,
    `<h3><a href="${escapeHtml(item.url)}">${escapeHtml(item.title)}</a></h3>`,
    `<p class="meta">${byline.filter(Boolean).join(' · ')}</p>`,
    ...(item.summary === '' ? [] : [`<p>${escapeHtml(item.summary)}</p>`]),
    ...(item.tags.length === 0
      ? []
      : [`<ul class="tags">${item.tags.map((tag) => `<li>${escapeHtml(tag)}</li>`).join('')}</ul>`]),
    '</article>',
  ]
}

function topicSection(id: string, heading: string, feeds: readonly Topic[]): string[] {
  if (feeds.length === 0) return []
  const lines = [
    `<section class="topics" aria-labelledby="${id}">`,
    `<h2 id="${id}">${escapeHtml(heading)}</h2>`,
    '<ul>',
  ]
  for (const feed of feeds) {
    const links = FORMAT_NAMES.flatMap((format) => {
      const url = feed.urls[format]
      return url === undefined ? [] : [`<a href="${escapeHtml(url)}">${FORMAT_LABELS[format]}</a>`]
    })
    lines.push(`<li>${escapeHtml(feed.name)}: ${links.join(' · ')}</li>`)
  }
  lines.push('</ul>', '</section>')
  return lines
}

/** Dates as people of the site's language write them, in the site's zone: `25 Februari 2025`. */
function dateFormatter(language: string | undefined, timeZone: string): (date: Date) => string {
  let format: Intl.DateTimeFormat
  try {
    format = new Intl.DateTimeFormat(language ?? 'en', { dateStyle: 'long', timeZone })
  } catch {
    format = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone })
  }
  return (date) => format.format(date)
}

function escapeHtml(text: string): string {
  return removeForbiddenCharacters(text).replace(/[&<>"]/g, (character) => HTML_REFERENCES[character] ?? character)
}

const HTML_REFERENCES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }

const STYLE = `:root { color-scheme: light dark; --accent: #b4432a; --muted: #6b6b6b; --line: #ddd; --box: #f6f3ef }
@media (prefers-color-scheme: dark) { :root { --accent: #f08a6c; --muted: #a8a8a8; --line: #444; --box: #26221f } }
body { font: 1.05rem/1.6 system-ui, sans-serif; max-width: 42rem; margin: 0 auto; padding: 2rem 1.25rem 4rem }
h1 { font-size: 2rem; margin: 0 0 .25rem } h2 { font-size: 1.2rem; margin: 2.5rem 0 .75rem }
h3 { font-size: 1.1rem; margin: 0 0 .25rem } a { color: var(--accent) }
.description { font-size: 1.15rem; margin: 0 } .about, .meta { color: var(--muted); font-size: .9rem }
.subscribe { background: var(--box); border-radius: .5rem; padding: .25rem 1.25rem 1rem }
.addresses { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; margin: 0 }
.addresses dt { font-weight: 600 } .addresses dd { margin: 0; overflow-wrap: anywhere }
code { user-select: all; font-size: .9rem }
article { border-top: 1px solid var(--line); padding: 1rem 0 }
.tags { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .4rem; font-size: .8rem }
.tags li { border: 1px solid var(--line); border-radius: 1rem; padding: 0 .6rem }
footer { border-top: 1px solid var(--line); margin-top: 2rem; color: var(--muted); font-size: .9rem }`
