import { KabarError, kabarWarning } from '../errors.js'

/**
 * Template syntax in the bodies of Jekyll and Eleventy posts (Liquid,
 * Nunjucks) and Hugo posts (shortcodes). kabar never runs a template: the
 * few tags whose HTML meaning is obvious are written out here as Markdown
 * or HTML, and every other tag is removed with a warning naming its line,
 * so no raw `{% … %}` reaches a reader.
 *
 * - `{% highlight ruby %}…{% endhighlight %}`, `{{< highlight go >}}` → a fenced code block;
 * - `{% raw %}…{% endraw %}` → its text, as written;
 * - `{% link _posts/….md %}`, `{% post_url 2025-01-29-slug %}`, `{{< ref "…" >}}` → the post's URL;
 * - `{{ site.baseurl }}`, `{{ "/x" | relative_url }}` and a few other values → their text;
 * - `{{< figure src=… caption=… >}}`, `{% image "src", "alt" %}` → `<figure>` / `<img>`;
 * - `{{< youtube id >}}` and the other embeds Hugo ships → a link (readers cannot play them);
 * - comments (`{% comment %}`, `{# … #}`) → nothing.
 */

/** Which template language a post's body may hold: the generator it was written for. */
export type TemplateSyntax = 'jekyll' | 'eleventy' | 'hugo' | 'none'

/** What `{% link %}`, `{% post_url %}` and Hugo's `ref` name, for the caller to look up. */
export type PostReference = { kind: 'link' | 'post_url' | 'ref'; target: string }

export interface TemplateContext {
  syntax: TemplateSyntax
  /** Absolute path of the post, for messages. */
  file: string
  /** 1-based line of the file where the body starts. */
  bodyLine: number
  /** `site.url`, ending with `/`. */
  siteUrl: string
  siteTitle: string
  /** The post's own URL. */
  itemUrl: string
  /** The absolute URL of the post a reference names, or `undefined` when no post matches. */
  findPost(reference: PostReference): string | undefined
}

export interface TemplateResult {
  body: string
  problems: KabarError[]
}

/** Replaces or removes the template syntax in `body`; a body without any comes back unchanged. */
export function expandTemplates(body: string, context: TemplateContext): TemplateResult {
  if (context.syntax === 'none') return { body, problems: [] }
  if (context.syntax === 'hugo') return new HugoExpander(body, context).run()
  return new LiquidExpander(body, context).run()
}

abstract class Expander {
  protected output = ''
  protected position = 0
  protected readonly problems: KabarError[] = []

  constructor(
    protected readonly body: string,
    protected readonly context: TemplateContext,
  ) {}

  abstract run(): TemplateResult

  protected lineAt(index: number): number {
    let line = this.context.bodyLine
    for (let at = this.body.indexOf('\n'); at !== -1 && at < index; at = this.body.indexOf('\n', at + 1)) line++
    return line
  }

  protected warn(index: number, message: string, code: 'TEMPLATE_REMOVED' | 'EMBED_REPLACED' = 'TEMPLATE_REMOVED') {
    this.problems.push(kabarWarning(code, message, { file: this.context.file, line: this.lineAt(index) }))
  }

  protected fail(index: number, message: string) {
    this.problems.push(
      new KabarError('TEMPLATE_LINK_UNRESOLVED', message, { file: this.context.file, line: this.lineAt(index) }),
    )
  }

  protected result(): TemplateResult {
    return { body: this.output, problems: this.problems }
  }

  /** The site's path (`/blog` for `https://x.org/blog/`, empty at the root), as Jekyll's `baseurl`. */
  protected get baseUrl(): string {
    return new URL(this.context.siteUrl).pathname.replace(/\/+$/, '')
  }

  /** A site path (`/about/`) as an absolute URL under `site.url`. */
  protected absolute(sitePath: string): string {
    return new URL(sitePath.replace(/^\/+/, ''), this.context.siteUrl).href
  }
}

/** A fenced code block around `code`, with a fence longer than any run of backticks inside. */
function codeFence(language: string, code: string): string {
  const longestRun = Math.max(0, ...[...code.matchAll(/`+/g)].map((match) => match[0].length))
  const fence = '`'.repeat(Math.max(3, longestRun + 1))
  const inner = `${code.startsWith('\n') ? '' : '\n'}${code}${code.endsWith('\n') ? '' : '\n'}`
  return `${fence}${language}${inner}${fence}`
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function unquote(text: string): string {
  const trimmed = text.trim()
  return /^(["']).*\1$/s.test(trimmed) ? trimmed.slice(1, -1) : trimmed
}

const LIQUID_TOKEN = /\{%-?\s*([A-Za-z_][\w-]*)([\s\S]*?)-?%\}|\{\{-?([\s\S]*?)-?\}\}|\{#[\s\S]*?#\}/g

/** Liquid (Jekyll) and Nunjucks or Liquid (Eleventy). */
class LiquidExpander extends Expander {
  /** Where the last run of `{{ site.url }}{{ site.baseurl }}` output starts and ends. */
  private sitePrefix: { start: number; end: number } | undefined

  run(): TemplateResult {
    LIQUID_TOKEN.lastIndex = 0
    for (let match = LIQUID_TOKEN.exec(this.body); match !== null; match = LIQUID_TOKEN.exec(this.body)) {
      const start = match.index
      const token = match[0]
      this.output += this.body.slice(this.position, start)
      this.position = start + token.length
      if (token.startsWith('{#')) {
        // A Nunjucks comment in Eleventy; in Jekyll's Liquid, plain text.
        if (this.context.syntax !== 'eleventy') this.output += token
      } else if (match[1] !== undefined) {
        this.tag(match[1], (match[2] ?? '').trim(), token, start)
      } else {
        const expression = (match[3] ?? '').trim()
        const before = this.output.length
        this.output += this.value(expression, token, start)
        if (expression === 'site.url' || expression === 'site.baseurl') {
          const isContinued = this.sitePrefix?.end === before
          this.sitePrefix = {
            start: isContinued ? (this.sitePrefix?.start ?? before) : before,
            end: this.output.length,
          }
        }
      }
      LIQUID_TOKEN.lastIndex = this.position
    }
    this.output += this.body.slice(this.position)
    return this.result()
  }

  /** Finds `{% end<name> %}` after the current position and returns the text before it. */
  private blockBody(name: string): string | undefined {
    const end = new RegExp(`\\{%-?\\s*end${name}\\s*-?%\\}`, 'g')
    end.lastIndex = this.position
    const found = end.exec(this.body)
    if (found === null) return undefined
    const inner = this.body.slice(this.position, found.index)
    this.position = found.index + found[0].length
    return inner
  }

  private tag(name: string, argument: string, token: string, start: number): void {
    switch (name) {
      case 'raw':
      case 'verbatim': {
        const inner = this.blockBody(name)
        if (inner === undefined) this.warn(start, `{% ${name} %} is never closed, so it was removed`)
        else this.output += inner
        return
      }
      case 'comment': {
        if (this.blockBody('comment') === undefined)
          this.warn(start, '{% comment %} is never closed, so it was removed')
        return
      }
      case 'highlight': {
        const inner = this.blockBody('highlight')
        if (inner === undefined) {
          this.warn(start, `${token} is never closed with {% endhighlight %}, so it was removed`)
          return
        }
        const language = unquote(argument).split(/[\s,]+/)[0] ?? ''
        this.output += codeFence(language, inner.replace(/\{%-?\s*(?:end)?raw\s*-?%\}/g, ''))
        return
      }
      case 'link':
      case 'post_url': {
        const url = this.postLink(name, unquote(argument), token, start)
        this.output += url
        return
      }
      case 'image': {
        if (this.context.syntax === 'eleventy') {
          this.output += this.eleventyImage(argument, token, start)
          return
        }
        break
      }
      case 'capture': {
        // What a capture holds is shown only where the variable is used, never here.
        this.blockBody('capture')
        this.warn(start, `Liquid tag ${token} and what it captures were removed (kabar does not run templates)`)
        return
      }
    }
    this.warn(start, `${this.language} tag ${token} was removed (kabar does not run templates)`)
  }

  private get language(): string {
    return this.context.syntax === 'eleventy' ? 'template' : 'Liquid'
  }

  private postLink(kind: 'link' | 'post_url', target: string, token: string, start: number): string {
    // `{{ site.baseurl }}{% post_url … %}` (Jekyll 3's way): the URL below is absolute already.
    if (this.sitePrefix !== undefined && this.sitePrefix.end === this.output.length) {
      this.output = this.output.slice(0, this.sitePrefix.start)
    }
    const url = this.context.findPost({ kind, target })
    if (url !== undefined) return url
    if (kind === 'link' && !/\.(md|markdown|html)$/i.test(target)) {
      // A static file (`assets/report.pdf`) is served at its own path.
      return this.absolute(`/${target.replace(/^\/+/, '')}`)
    }
    if (kind === 'link') {
      const guess = this.absolute(`/${target.replace(/^\/+/, '').replace(/\.(md|markdown)$/i, '.html')}`)
      this.problems.push(
        kabarWarning(
          'TEMPLATE_LINK_GUESSED',
          `${token} names a page that is not one of the posts, so its URL was taken to be ${guess} — check it, or write the URL instead of the tag`,
          { file: this.context.file, line: this.lineAt(start) },
        ),
      )
      return guess
    }
    this.fail(start, `${token} names no post — check the file name (YYYY-MM-DD-title, without .md)`)
    return ''
  }

  /** eleventy-img's `{% image "cat.jpg", "A cat" %}`. */
  private eleventyImage(argument: string, token: string, start: number): string {
    const [source, alt] = [...argument.matchAll(/"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'/g)].map(
      (match) => match[1] ?? match[2] ?? '',
    )
    if (source === undefined) {
      this.warn(start, `template tag ${token} has no image path, so it was removed`)
      return ''
    }
    return `<img src="${escapeHtml(source)}" alt="${escapeHtml(alt ?? '')}">`
  }

  /** `{{ … }}`: the few values whose text is known; anything else is removed with a warning. */
  private value(expression: string, token: string, start: number): string {
    const known = this.knownValue(expression)
    if (known !== undefined) return known
    this.warn(
      start,
      `${this.language} value ${token} was removed (kabar does not run templates) — write the text it stood for`,
    )
    return ''
  }

  private knownValue(expression: string): string | undefined {
    const site = new URL(this.context.siteUrl)
    const [head = '', ...filters] = expression.split('|').map((part) => part.trim())
    let value: string | undefined
    if (/^(["']).*\1$/s.test(head)) value = head.slice(1, -1)
    else if (head === 'site.baseurl') value = this.baseUrl
    else if (head === 'site.url') value = site.origin
    else if (head === 'site.title' || head === 'metadata.title') value = this.context.siteTitle
    else if (head === 'page.url') value = new URL(this.context.itemUrl).pathname
    if (value === undefined) return undefined
    for (const filter of filters) {
      if (filter === 'relative_url' || filter === 'url') value = `${this.baseUrl}/${value.replace(/^\/+/, '')}`
      else if (filter === 'absolute_url' || filter === 'absoluteUrl') value = this.absolute(value)
      else return undefined
    }
    return value
  }
}

const SHORTCODE = /\{\{([<%])(\/\*)?\s*(\/?)\s*([\w./-]+)([\s\S]*?)(\*\/)?\s*[>%]\}\}/g

interface Shortcode {
  name: string
  /** Positional and named parameters. */
  positional: string[]
  named: Record<string, string>
  token: string
}

/** Known embeds: each becomes a link to what it shows. */
const EMBEDS: Readonly<Record<string, (code: Shortcode) => { url: string; label: string } | undefined>> = {
  youtube: (code) => {
    const id = code.named.id ?? code.positional[0]
    return id === undefined ? undefined : { url: `https://www.youtube.com/watch?v=${id}`, label: 'YouTube video' }
  },
  vimeo: (code) => {
    const id = code.named.id ?? code.positional[0]
    return id === undefined ? undefined : { url: `https://vimeo.com/${id}`, label: 'Vimeo video' }
  },
  gist: (code) => {
    const [user, id] = code.positional
    return user === undefined || id === undefined
      ? undefined
      : { url: `https://gist.github.com/${user}/${id}`, label: 'GitHub gist' }
  },
  instagram: (code) => {
    const id = code.named.id ?? code.positional[0]
    return id === undefined ? undefined : { url: `https://www.instagram.com/p/${id}/`, label: 'Instagram post' }
  },
  x: (code) => tweet(code),
  twitter: (code) => tweet(code),
  tweet: (code) => tweet(code),
}

function tweet(code: Shortcode): { url: string; label: string } | undefined {
  const id = code.named.id ?? code.positional.at(-1)
  const user = code.named.user ?? (code.positional.length > 1 ? code.positional[0] : undefined)
  if (id === undefined) return undefined
  return {
    url: user === undefined ? `https://x.com/i/status/${id}` : `https://x.com/${user}/status/${id}`,
    label: 'post on X',
  }
}

/** Hugo shortcodes (https://gohugo.io/content-management/shortcodes/). */
class HugoExpander extends Expander {
  run(): TemplateResult {
    SHORTCODE.lastIndex = 0
    for (let match = SHORTCODE.exec(this.body); match !== null; match = SHORTCODE.exec(this.body)) {
      const start = match.index
      const token = match[0]
      this.output += this.body.slice(this.position, start)
      this.position = start + token.length
      if (match[2] !== undefined) {
        // `{{</* figure */>}}` is how Hugo writes a shortcode as text.
        const [open, close] = match[1] === '<' ? ['{{<', '>}}'] : ['{{%', '%}}']
        this.output += `${open}${token.slice(5, token.length - 5)}${close}`
      } else if (match[3] === '/') {
        this.warn(start, `Hugo shortcode ${token} closes nothing, so it was removed`)
      } else {
        this.shortcode(parseShortcode(match[4] ?? '', (match[5] ?? '').replace(/\/\s*$/, ''), token), start)
      }
      SHORTCODE.lastIndex = this.position
    }
    this.output += this.body.slice(this.position)
    return this.result()
  }

  /** The text up to `{{< /name >}}` (or `{{% /name %}}`), or `undefined` when the shortcode is not paired. */
  private pairedBody(name: string): string | undefined {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    const end = new RegExp(`\\{\\{[<%]\\s*/\\s*${escaped}\\s*[>%]\\}\\}`, 'g')
    end.lastIndex = this.position
    const found = end.exec(this.body)
    if (found === null) return undefined
    const inner = this.body.slice(this.position, found.index)
    this.position = found.index + found[0].length
    return inner
  }

  private shortcode(code: Shortcode, start: number): void {
    const embed = EMBEDS[code.name]
    if (embed !== undefined) {
      const target = embed(code)
      if (target !== undefined) {
        this.output += `<a href="${escapeHtml(target.url)}">${target.label}</a>`
        this.warn(
          start,
          `${code.token} cannot play in feed readers, so it was replaced by a link to ${target.url}`,
          'EMBED_REPLACED',
        )
        return
      }
    }
    switch (code.name) {
      case 'highlight': {
        const inner = this.pairedBody('highlight')
        if (inner === undefined) break
        this.output += codeFence(code.positional[0] ?? '', inner)
        return
      }
      case 'figure':
        this.output += figure(code)
        return
      case 'ref':
      case 'relref': {
        const target = code.named.path ?? code.positional[0] ?? ''
        const url = this.context.findPost({ kind: 'ref', target })
        if (url === undefined) this.fail(start, `${code.token} names no post — check the path (relative to content/)`)
        this.output += url ?? ''
        return
      }
      case 'details': {
        const inner = this.pairedBody('details')
        if (inner === undefined) break
        const summary = escapeHtml(code.named.summary ?? 'Details')
        this.output += `<details><summary>${summary}</summary>\n\n${inner.trim()}\n\n</details>`
        return
      }
    }
    const inner = this.pairedBody(code.name)
    if (inner !== undefined) {
      this.output += inner
      this.warn(start, `Hugo shortcode ${code.token} was removed (kabar does not run templates); its content was kept`)
    } else {
      this.warn(start, `Hugo shortcode ${code.token} was removed (kabar does not run templates)`)
    }
  }
}

function parseShortcode(name: string, parameters: string, token: string): Shortcode {
  const positional: string[] = []
  const named: Record<string, string> = {}
  const pattern = /([\w-]+)=("(?:[^"\\]|\\.)*"|`[^`]*`|[^\s"`]+)|("(?:[^"\\]|\\.)*"|`[^`]*`|[^\s"`=]+)/g
  for (const match of parameters.matchAll(pattern)) {
    if (match[1] !== undefined && match[2] !== undefined) named[match[1]] = stripQuotes(match[2])
    else if (match[3] !== undefined) positional.push(stripQuotes(match[3]))
  }
  return { name, positional, named, token }
}

function stripQuotes(text: string): string {
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) return text.slice(1, -1).replace(/\\(.)/g, '$1')
  if (text.startsWith('`') && text.endsWith('`') && text.length >= 2) return text.slice(1, -1)
  return text
}

/** Hugo's `figure` (https://gohugo.io/shortcodes/figure/), as its template writes it. */
function figure(code: Shortcode): string {
  const { src = code.positional[0] ?? '', alt, title, caption, link, attr, attrlink, width, height } = code.named
  const size = `${width === undefined ? '' : ` width="${escapeHtml(width)}"`}${height === undefined ? '' : ` height="${escapeHtml(height)}"`}`
  const image = `<img src="${escapeHtml(src)}" alt="${escapeHtml(alt ?? caption ?? '')}"${size}>`
  const linked = link === undefined ? image : `<a href="${escapeHtml(link)}">${image}</a>`
  const captionParts = [
    title === undefined ? '' : `<h4>${escapeHtml(title)}</h4>`,
    caption === undefined && attr === undefined
      ? ''
      : `<p>${escapeHtml(caption ?? '')}${attr === undefined ? '' : attrlink === undefined ? ` ${escapeHtml(attr)}` : ` <a href="${escapeHtml(attrlink)}">${escapeHtml(attr)}</a>`}</p>`,
  ].join('')
  return `<figure>${linked}${captionParts === '' ? '' : `<figcaption>${captionParts}</figcaption>`}</figure>`
}
