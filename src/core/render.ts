import type {
  Element,
  ElementContent,
  Nodes as HastNodes,
  Parents as HastParents,
  Root as HastRoot,
  Properties,
} from 'hast'
import type { Nodes as MdastNodes, Root as MdastRoot, RootContent } from 'mdast'
import type { Processor } from 'unified'
import type { VFile } from 'vfile'
import { KabarError, kabarWarning } from '../errors.js'
import type { Post } from './post.js'
import { type RenderLibraries, renderLibraries } from './render-libraries.js'
import { removeEmbedAttributes, removeScriptEmbed } from './script-embeds.js'
import { hasForbiddenCharacters, removeForbiddenCharacters, toSingleLine, truncateAtWord } from './text.js'
import { runEachWithTimeLimit, type TimeLimitResult } from './time-limit.js'
import { canonicalUrl, isWebUrl } from './urls.js'
import { SKIP, walk } from './walk.js'

// The Markdown and HTML libraries are loaded the first time a post is
// rendered (see render-libraries.ts), not when this module is imported.
let find: RenderLibraries['find']
let htmlSchema: RenderLibraries['htmlSchema']
let rehypeRaw: RenderLibraries['rehypeRaw']
let defaultSchema: RenderLibraries['defaultSchema']
let rehypeSanitize: RenderLibraries['rehypeSanitize']
let rehypeStringify: RenderLibraries['rehypeStringify']
let remark: RenderLibraries['remark']
let remarkGfm: RenderLibraries['remarkGfm']
let remarkRehype: RenderLibraries['remarkRehype']

let isBound = false

function bindLibraries(): void {
  if (isBound) return
  ;({ find, htmlSchema, rehypeRaw, defaultSchema, rehypeSanitize, rehypeStringify, remark, remarkGfm, remarkRehype } =
    renderLibraries())
  isBound = true
}

/**
 * Markdown → safe HTML with absolute URLs.
 *
 * remark-html can only drop all raw HTML or pass it through unsanitized, and
 * it never exposes the HTML tree, so kabar runs the same unified pieces
 * remark-html wraps, with two steps of its own in between:
 *
 *   remark + GFM → remark-rehype → rehype-raw (parse raw HTML)
 *   → embeds become links → every URL made absolute
 *   → rehype-sanitize (GitHub's schema, counted) → rehype-stringify
 */

/** Summaries cut from the body stop near this many characters. */
export const SUMMARY_LENGTH = 300

/** How long one post may take to render, in milliseconds: a dense 1 MiB post takes a few seconds. */
export const RENDER_TIME_LIMIT_MS = 10_000

export interface RenderResult {
  html: string
  summaryText: string
  /** Warnings, or one error (and empty HTML) when the post could not be rendered at all. */
  warnings: KabarError[]
}

interface RenderData {
  itemUrl: string
  post: Post
  warnings: KabarError[]
  summaryText?: string
  /** Whether the HTML tree needs parse5: raw HTML in it is still unparsed, or parse5 would change it. */
  needsHtmlParser?: boolean
  /** How many of each element and attribute the tree had before sanitizing. */
  counts?: Map<string, number>
}

const SAFE_EXTRA_TAGS = ['abbr', 'figure', 'figcaption', 'mark', 'small', 'cite', 'time', 'u', 'video', 'audio']

/**
 * GitHub's schema (rehype-sanitize's default) plus harmless elements people
 * write in posts. `clobberPrefix` is empty because remark-rehype already
 * prefixes footnote ids with `user-content-`: the default would prefix them
 * a second time and break every footnote link.
 */
const STRIPPED_TAG_NAMES = ['script', 'style', 'template', 'svg', 'math', 'noscript', 'textarea', 'select', 'button']

const sanitizeSchema = () => ({
  ...defaultSchema,
  clobberPrefix: '',
  tagNames: [...(defaultSchema.tagNames ?? []), ...SAFE_EXTRA_TAGS],
  strip: STRIPPED_TAG_NAMES,
  attributes: {
    ...defaultSchema.attributes,
    abbr: ['title'],
    img: [...(defaultSchema.attributes?.img ?? []), 'srcSet', 'sizes', 'loading'],
    time: ['dateTime'],
    video: ['src', 'poster', 'controls', 'width', 'height', 'preload', 'loop', 'muted', 'playsInline'],
    audio: ['src', 'controls', 'preload', 'loop', 'muted'],
    source: [...(defaultSchema.attributes?.source ?? []), 'src', 'type'],
  },
  protocols: { ...defaultSchema.protocols, poster: ['http', 'https'] },
})

/** Elements that only make sense as live embeds: each becomes a link to its source. */
const EMBED_TAGS = new Set(['iframe', 'embed', 'object', 'frame'])

/** Attributes holding one URL, by hast property name. */
const URL_PROPERTIES = ['href', 'src', 'poster', 'cite'] as const

let processor: Processor<MdastRoot, MdastRoot, HastRoot, HastRoot, string> | undefined

function getProcessor() {
  processor ??= remark()
    .use(remarkGfm)
    .use(guardAutolinkLiterals)
    .use(() => extractSummary)
    .use(() => noteHtmlParserNeed)
    .use(remarkRehype, { allowDangerousHtml: true })
    .use(() => parseRawHtml)
    .use(() => prepareForSanitizing)
    .use(rehypeSanitize, sanitizeSchema())
    .use(() => afterSanitizing)
    .use(rehypeStringify)
    .freeze() as unknown as Processor<MdastRoot, MdastRoot, HastRoot, HastRoot, string>
  return processor
}

/**
 * Renders a post's Markdown body for a feed. Markdown that would take longer
 * than `timeLimitMs` (default {@link RENDER_TIME_LIMIT_MS}) or is nested too
 * deeply for the call stack gives an error instead of a hang or a crash.
 */
export function renderPost(post: Post, options: { timeLimitMs?: number } = {}): RenderResult {
  return renderPosts([post], options)[0] as RenderResult
}

/**
 * Renders posts as {@link renderPost} does, each with its own time limit,
 * at less cost per post than one call each (see `runEachWithTimeLimit`).
 */
export function renderPosts(posts: readonly Post[], options: { timeLimitMs?: number } = {}): RenderResult[] {
  bindLibraries()
  const timeLimitMs = options.timeLimitMs ?? RENDER_TIME_LIMIT_MS
  const rendered = runEachWithTimeLimit(posts, renderBody, timeLimitMs)
  return posts.map((post, index) => {
    const outcome = rendered[index] as TimeLimitResult<RenderedBody | undefined>
    if (!outcome.ok) {
      return notRendered(
        post,
        `its Markdown could not be rendered within ${timeLimitMs / 1000} s — long runs of * _ [ or \` and thousands of quotes or footnotes slow the Markdown parser down: split the post or simplify that part`,
      )
    }
    if (outcome.value === undefined) {
      return notRendered(
        post,
        'its Markdown is nested too deeply to render (lists, quotes, emphasis or HTML elements thousands of levels inside each other) — flatten that part',
      )
    }
    return finish(post, outcome.value)
  })
}

interface RenderedBody {
  html: string
  data: RenderData
}

/** The body through the processor; `undefined` when it is nested too deeply for the call stack. */
function renderBody(post: Post): RenderedBody | undefined {
  const data: RenderData = { itemUrl: post.url, post, warnings: [] }
  const file = new (renderLibraries().VFile)({ value: post.body, path: post.file, data: { kabar: data } })
  try {
    return { html: String(getProcessor().processSync(file)), data }
  } catch (error) {
    if (!(error instanceof RangeError && /call stack/i.test(error.message))) throw error
    return undefined
  }
}

function finish(post: Post, { html: rendered, data }: RenderedBody): RenderResult {
  const html = rendered.trim()
  const summaryText = post.summary ?? data.summaryText ?? ''
  // The file's own control characters were removed before parsing, so these
  // come from character references (`&#1;`, `&#xD800;`, which Markdown turns
  // into U+FFFD): remove them here too, and say so.
  if (hasForbiddenCharacters(html) || hasForbiddenCharacters(summaryText)) {
    data.warnings.push(
      kabarWarning(
        'CHARACTERS_REMOVED',
        'character references such as &#1; or &#xD800; stand for characters feeds cannot carry, so they were removed',
        { file: post.file, line: post.bodyLine },
      ),
    )
  }
  return {
    html: removeForbiddenCharacters(html),
    summaryText: removeForbiddenCharacters(summaryText),
    warnings: data.warnings,
  }
}

function notRendered(post: Post, message: string): RenderResult {
  return {
    html: '',
    summaryText: '',
    warnings: [new KabarError('POST_TOO_COMPLEX', message, { file: post.file, line: post.bodyLine })],
  }
}

function dataOf(file: VFile): RenderData {
  return file.data.kabar as RenderData
}

/**
 * Trees deeper than this take the steps that {@link needsHtmlParser} and
 * {@link mayHaveAutolinkLiterals} would let them skip, as they always did,
 * so that where the call stack overflows on deeply nested Markdown stays the same.
 */
const MAX_CHECKED_DEPTH = 64

/**
 * GFM turns URLs and e-mail addresses in text into links as micromark
 * parses, and then with a transform (of mdast-util-gfm-autolink-literal)
 * that looks at every text outside links again: four walks of the tree with
 * unist-util-visit-parents (see walk.ts), about a twentieth of a render. Each
 * of its four patterns needs `http://`, `https://`, `www.` or `@` in a text
 * to match, and without a match the transform changes nothing: it runs only
 * when some text has one of them.
 */
function guardAutolinkLiterals(this: Processor): void {
  for (const extension of this.data('fromMarkdownExtensions')?.flat() ?? []) {
    const transforms = extension.transforms
    if (transforms === undefined || transforms === null) continue
    extension.transforms = transforms.map((transform) =>
      transform.name === 'transformGfmAutolinkLiterals'
        ? (tree: MdastRoot) => (mayHaveAutolinkLiterals(tree, 0) ? transform(tree) : undefined)
        : transform,
    )
  }
}

const AUTOLINK_LITERAL_START = /https?:\/\/|www\.|@/i

/** Whether a text outside links may hold an autolink literal; trees too deep to tell go through the transform as always. */
function mayHaveAutolinkLiterals(node: MdastNodes, depth: number): boolean {
  if (node.type === 'text') return AUTOLINK_LITERAL_START.test(node.value)
  if (node.type === 'link' || node.type === 'linkReference' || !('children' in node)) return false
  if (depth > MAX_CHECKED_DEPTH) return true
  for (const child of node.children) if (mayHaveAutolinkLiterals(child, depth + 1)) return true
  return false
}

function noteHtmlParserNeed(tree: MdastRoot, file: VFile): void {
  dataOf(file).needsHtmlParser = needsHtmlParser(tree, 0)
}

/**
 * Whether the tree of this Markdown changes when parse5 parses it again
 * (see {@link parseRawHtml}): it has raw HTML, or footnotes (a `true`
 * `data-footnote-ref` comes back as `""`, and a footnote call inside link
 * text is an `<a>` inside an `<a>`, which parse5 takes apart), or a code
 * block that starts with a blank line (parse5 drops a newline that follows
 * `<pre>`).
 */
function needsHtmlParser(node: MdastNodes, depth: number): boolean {
  switch (node.type) {
    case 'html':
    case 'footnoteReference':
    case 'footnoteDefinition':
      return true
    case 'code':
      return node.value.startsWith('\n')
    default:
      if (!('children' in node)) return false
      if (depth > MAX_CHECKED_DEPTH) return true
      for (const child of node.children) if (needsHtmlParser(child, depth + 1)) return true
      return false
  }
}

let parseRaw: ((tree: HastRoot, file: VFile) => HastRoot) | undefined

/**
 * rehype-raw parses the raw HTML in the tree, and to do so serializes the
 * whole tree and parses it again with parse5: about a tenth of a render.
 * Where that leaves the tree as it was (no raw HTML, none of the few
 * Markdown constructs {@link needsHtmlParser} lists), the step is skipped;
 * the 10,000 posts of the bench corpus, nine in ten of them skipped, render
 * byte for byte the same.
 */
function parseRawHtml(tree: HastRoot, file: VFile): HastRoot {
  if (dataOf(file).needsHtmlParser === false) return tree
  parseRaw ??= rehypeRaw()
  return parseRaw(tree, file)
}

/**
 * The summary is the text before a `<!--more-->` marker (as Hugo and Jekyll
 * do), else the first paragraph, as plain text cut near 300 characters.
 */
function extractSummary(tree: MdastRoot, file: VFile): void {
  const data = dataOf(file)
  if (data.post.summary !== undefined) return
  const moreIndex = tree.children.findIndex(
    (node) => node.type === 'html' && /^<!--\s*more\s*-->$/i.test(node.value.trim()),
  )
  if (moreIndex >= 0) {
    const summaryNodes = tree.children.slice(0, moreIndex).filter((node) => node.type !== 'html')
    data.summaryText = toSingleLine(summaryNodes.map(plainText).join(' '))
    return
  }
  let firstParagraph = ''
  for (const node of tree.children) {
    if (node.type === 'paragraph') firstParagraph = plainText(node)
    if (firstParagraph !== '') break
  }
  data.summaryText = truncateAtWord(toSingleLine(firstParagraph), SUMMARY_LENGTH)
}

/**
 * The steps between parsing raw HTML and sanitizing, in two walks of the
 * tree instead of one each: embeds become links and embed scripts go, then
 * each element loses what only an embed script read, gets absolute URLs and
 * is counted for {@link afterSanitizing}.
 */
function prepareForSanitizing(tree: HastRoot, file: VFile): void {
  const data = dataOf(file)
  const scriptWarnings: KabarError[] = []
  const removedScript = removeEmbeds(tree, data, true, scriptWarnings)
  // In the order the steps ran when each walked the tree on its own: embeds, scripts, then URLs.
  data.warnings.push(...scriptWarnings)
  const counts = new Map<string, number>()
  walk<HastNodes>(tree, (node) => {
    if (node.type !== 'element') return undefined
    if (removedScript) removeEmbedAttributes(node)
    // URLs are resolved before sanitizing: the sanitizer compares schemes
    // case-sensitively, so `Https://x.org` (a sentence-initial bare link)
    // would lose its href, while the canonical form keeps it.
    absolutizeUrls(node, data)
    countElement(node, counts)
    return undefined
  })
  data.counts = counts
}

/**
 * Replaces embeds under `parent` by links, and with `scripts` removes the
 * scripts of known embeds (script-embeds.ts); `true` when it removed one.
 * This walks the tree as replacing embeds first and removing scripts after
 * did: the children of a replaced embed are searched for embeds but not for
 * scripts, the children of a removed script for both.
 */
function removeEmbeds(parent: HastParents, data: RenderData, scripts: boolean, scriptWarnings: KabarError[]): boolean {
  let removedScript = false
  let index = 0
  while (index < parent.children.length) {
    const node = parent.children[index] as HastNodes
    if (node.type !== 'element') {
      index++
    } else if (EMBED_TAGS.has(node.tagName)) {
      const replacement = replaceEmbed(node, data)
      parent.children.splice(index, 1, ...replacement)
      removeEmbeds(node, data, false, scriptWarnings)
      index += replacement.length
    } else if (scripts && removeScriptEmbed(node, index, parent, data.post, scriptWarnings)) {
      removedScript = true
      removeEmbeds(node, data, true, scriptWarnings)
    } else {
      if (removeEmbeds(node, data, scripts, scriptWarnings)) removedScript = true
      index++
    }
  }
  return removedScript
}

/** What an embed becomes: a link to its source, or nothing when it has no usable one. */
function replaceEmbed(node: Element, data: RenderData): ElementContent[] {
  const source = firstString(node.properties.src, node.properties.data)
  const replacement: ElementContent[] = []
  if (source !== undefined && /^(https?:)?\/\/|^[^:]*$/i.test(source.trim())) {
    const label = firstString(node.properties.title) ?? source
    replacement.push({
      type: 'element',
      tagName: 'a',
      properties: { href: source },
      children: [{ type: 'text', value: label }],
    })
  }
  data.warnings.push(
    kabarWarning(
      'EMBED_REPLACED',
      replacement.length > 0
        ? `embedded <${node.tagName}> cannot play in feed readers, so it was replaced by a link to ${source}`
        : `embedded <${node.tagName}> has no usable source and was removed`,
      { file: data.post.file, line: lineOf(node, data) },
    ),
  )
  return replacement
}

/**
 * What the sanitizer removed is a warning: nothing a writer wrote vanishes
 * silently. And a body whose text is all in raw HTML, lists or headings (an
 * embed, a list of links) gives no summary from its paragraphs, and RSS then
 * has content without the description the validator wants before it: take
 * the text of the sanitized HTML instead, so nothing the sanitizer removed
 * leaks in. One walk does both.
 */
function afterSanitizing(tree: HastRoot, file: VFile): void {
  const data = dataOf(file)
  const needsSummary = data.post.summary === undefined && (data.summaryText ?? '') === ''
  const after = new Map<string, number>()
  const words: string[] = []
  walk<HastNodes>(tree, (node) => {
    if (node.type === 'element') countElement(node, after)
    else if (needsSummary && node.type === 'text') words.push(node.value)
    return undefined
  })
  const before = data.counts ?? new Map<string, number>()
  const removed: string[] = []
  for (const [key, count] of before) {
    const lost = count - (after.get(key) ?? 0)
    if (lost > 0) removed.push(`${key}${lost > 1 ? ` ×${lost}` : ''}`)
  }
  if (removed.length > 0) {
    data.warnings.push(
      kabarWarning('HTML_SANITIZED', `raw HTML that is unsafe in feed readers was removed: ${removed.join(', ')}`, {
        file: data.post.file,
        line: data.post.bodyLine,
      }),
    )
  }
  if (needsSummary) data.summaryText = truncateAtWord(toSingleLine(words.join('')), SUMMARY_LENGTH)
}

/** Counts the element (`<a>`) and each of its attributes (`href=`). */
function countElement(node: Element, counts: Map<string, number>): void {
  const add = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1)
  add(`<${node.tagName}>`)
  for (const [name, value] of Object.entries(node.properties)) {
    if (value !== undefined && value !== null && value !== false) add(attributeKey(name))
  }
}

/** `href=` for `href`, `accept-charset=` for `acceptCharset`: looked up once per property name. */
const attributeKeys = new Map<string, string>()

function attributeKey(property: string): string {
  let key = attributeKeys.get(property)
  if (key === undefined) {
    key = `${find(htmlSchema, property).attribute}=`
    attributeKeys.set(property, key)
  }
  return key
}

/**
 * Feed readers show content away from the site, so relative URLs point
 * nowhere (and many readers ignore `xml:base`): resolve each one against
 * the item's own URL, on the tree, in all three formats alike.
 */
function absolutizeUrls(node: Element, data: RenderData): void {
  const properties: Properties = node.properties
  for (const name of URL_PROPERTIES) {
    const value = properties[name]
    if (typeof value !== 'string') continue
    const resolved = canonicalUrl(value.trim(), data.itemUrl)
    if (resolved === undefined) {
      delete properties[name]
      data.warnings.push(
        kabarWarning('URL_INVALID', `${name}="${value}" is not a valid URL and was removed — check it for typos`, {
          file: data.post.file,
          line: lineOf(node, data),
        }),
      )
    } else {
      properties[name] = resolved
    }
  }
  const srcSet = properties.srcSet
  if (typeof srcSet === 'string' || Array.isArray(srcSet)) {
    const written = Array.isArray(srcSet) ? srcSet.join(',') : srcSet
    const resolved = resolveSrcSet(written, data.itemUrl)
    // The sanitizer checks the scheme of `src` and `href` but not of each
    // `srcset` candidate, so resolveSrcSet keeps only http(s) ones.
    if (srcSetSize(resolved) < srcSetSize(written)) {
      data.warnings.push(
        kabarWarning('HTML_SANITIZED', `srcset candidates that are not http(s) URLs were removed from "${written}"`, {
          file: data.post.file,
          line: lineOf(node, data),
        }),
      )
    }
    if (resolved === '') delete properties.srcSet
    else properties.srcSet = resolved
  }
}

function srcSetSize(srcSet: string): number {
  return srcSet.split(/,\s+|,(?=\S+\s)/).filter((candidate) => candidate.trim() !== '').length
}

/** Resolves each candidate URL of a `srcset` (`a.jpg 1x, b.jpg 2x`), keeping only http(s) ones. */
export function resolveSrcSet(srcSet: string, base: string): string {
  return srcSet
    .split(/,\s+|,(?=\S+\s)/)
    .map((candidate) => candidate.trim())
    .filter((candidate) => candidate !== '')
    .map((candidate) => {
      const [url = '', ...descriptors] = candidate.split(/\s+/)
      const resolved = canonicalUrl(url, base)
      return resolved === undefined || !isWebUrl(resolved) ? undefined : [resolved, ...descriptors].join(' ')
    })
    .filter((candidate) => candidate !== undefined)
    .join(', ')
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value.trim() !== '') return value
  return undefined
}

function lineOf(node: Element, data: RenderData): number {
  const line = node.position?.start.line
  return line === undefined ? data.post.bodyLine : data.post.bodyLine + line - 1
}

/** Raw HTML elements the sanitizer removes together with their text. */
const STRIPPED_TAGS = new RegExp(`^<(/?)(${STRIPPED_TAG_NAMES.join('|')})\\b[^>]*?(/?)>$`, 'i')

/**
 * The words of a Markdown node: no raw HTML, no image alt text, and none of
 * the text between inline `<script>` and `</script>` (Markdown sees the tags
 * as separate HTML nodes and the code between them as text, which the
 * sanitizer later removes from the content but would leak into a summary).
 */
function plainText(node: RootContent): string {
  let strippedDepth = 0
  const words: string[] = []
  walk<MdastNodes>(node, (child) => {
    if (child.type === 'html') {
      const tag = STRIPPED_TAGS.exec(child.value.trim())
      if (tag !== null && tag[3] !== '/') strippedDepth = Math.max(0, strippedDepth + (tag[1] === '/' ? -1 : 1))
    } else if (child.type === 'image' || child.type === 'imageReference') {
      return SKIP
    } else if (strippedDepth === 0 && (child.type === 'text' || child.type === 'inlineCode')) {
      words.push(child.value)
    }
    return undefined
  })
  return words.join('').trim()
}
