import type { Element, Root as HastRoot } from 'hast'
import { visit } from 'unist-util-visit'
import type { VFile } from 'vfile'
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

/** What render.ts keeps in `file.data.kabar`, as far as this step needs it. */
interface RenderData {
  post: { file: string; bodyLine: number }
  warnings: KabarError[]
}

export function removeScriptEmbeds(tree: HastRoot, file: VFile): void {
  const data = file.data.kabar as RenderData
  let removedAny = false
  visit(tree, 'element', (node, index, parent) => {
    if (node.tagName !== 'script' || parent === undefined || index === undefined) return
    const source = node.properties.src
    const host = typeof source === 'string' ? embedHost(source) : undefined
    if (typeof source !== 'string' || host === undefined) return
    removedAny = true
    const line = node.position?.start.line
    data.warnings.push(
      kabarWarning(
        'SCRIPT_REMOVED',
        `the ${host} embed script <script src="${source}"> was removed: feed readers never run scripts, so the embed shows as the text and links written around it`,
        { file: data.post.file, line: line === undefined ? data.post.bodyLine : data.post.bodyLine + line - 1 },
      ),
    )
    parent.children.splice(index, 1)
    return index
  })
  if (removedAny) visit(tree, 'element', removeEmbedAttributes)
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

function removeEmbedAttributes(node: Element): void {
  const classes = node.properties.className
  if (!Array.isArray(classes) || !classes.some((name) => EMBED_CLASSES.has(String(name)))) return
  for (const name of Object.keys(node.properties)) {
    if (name === 'className' || /^data[A-Z]/.test(name)) delete node.properties[name]
  }
}
