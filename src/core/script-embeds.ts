import type { Element, Parents } from 'hast'
import { type KabarError, kabarWarning } from '../errors.js'

/**
 * Embeds pasted from Twitter/X, CodePen, Instagram, TikTok, Bluesky and the
 * like are some fallback markup (a quote, a link) plus a `<script src>` that
 * turns it into a widget. Readers never run scripts, so the script goes and
 * the fallback stays. The sanitizer would remove the script too, but its
 * warning would list `<script>`, `async=`, `charset=` and every `data-`
 * attribute of the fallback as "unsafe HTML": for the embed scripts of
 * known services this step says plainly what happened instead, one warning
 * per script, on its own line. Any other script is left to the sanitizer.
 */

/** Hosts (and their subdomains) that serve embed scripts. */
const EMBED_HOSTS = [
  'twitter.com',
  'x.com',
  'codepen.io',
  'instagram.com',
  'tiktok.com',
  'bsky.app',
  'redditmedia.com',
  'reddit.com',
  'threads.net',
  'gist.github.com',
  'facebook.net',
  'imgur.com',
  'asciinema.org',
  'speakerdeck.com',
  'jsfiddle.net',
  'glitch.com',
]

/** Classes that only tell an embed script what to turn into a widget. */
const EMBED_CLASSES = new Set([
  'twitter-tweet',
  'twitter-timeline',
  'codepen',
  'instagram-media',
  'tiktok-embed',
  'bluesky-embed',
  'mastodon-embed',
  'reddit-embed-bq',
  'threads-embed',
])

/**
 * When `node` is the script of a known embed, removes it from `parent` and
 * says so in `warnings`: `true`. render.ts calls this on each element in its
 * walk of the tree and, when any was removed, `removeEmbedAttributes` on
 * every element afterwards.
 */
export function removeScriptEmbed(
  node: Element,
  index: number,
  parent: Parents,
  post: { file: string; bodyLine: number },
  warnings: KabarError[],
): boolean {
  if (node.tagName !== 'script') return false
  const source = node.properties.src
  const host = typeof source === 'string' ? embedHost(source) : undefined
  if (typeof source !== 'string' || host === undefined) return false
  const line = node.position?.start.line
  warnings.push(
    kabarWarning(
      'SCRIPT_REMOVED',
      `the ${host} embed script <script src="${source}"> was removed: feed readers never run scripts, so the embed shows as the text and links written around it`,
      { file: post.file, line: line === undefined ? post.bodyLine : post.bodyLine + line - 1 },
    ),
  )
  parent.children.splice(index, 1)
  return true
}

/** The embed service a script comes from (`twitter.com`), or `undefined` for any other script. */
function embedHost(source: string): string | undefined {
  let url: URL
  try {
    url = new URL(source.trim(), 'https://relative.invalid/')
  } catch {
    return undefined
  }
  const host = EMBED_HOSTS.find((name) => url.hostname === name || url.hostname.endsWith(`.${name}`))
  // Mastodon instances serve their embed script at /embed.js.
  return host ?? (url.hostname !== 'relative.invalid' && url.pathname === '/embed.js' ? url.hostname : undefined)
}

/** Removes the classes and `data-` attributes only an embed script reads, once that script is gone. */
export function removeEmbedAttributes(node: Element): void {
  const classes = node.properties.className
  if (!Array.isArray(classes) || !classes.some((name) => EMBED_CLASSES.has(String(name)))) return
  for (const name of Object.keys(node.properties)) {
    if (name === 'className' || /^data[A-Z]/.test(name)) delete node.properties[name]
  }
}
