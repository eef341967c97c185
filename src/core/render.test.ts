import { remark } from 'remark'
import remarkGfm from 'remark-gfm'
import remarkHtml from 'remark-html'
import { describe, expect, it } from 'vitest'
import { makePost } from '../../test/helpers/posts.js'
import type { Post } from './post.js'
import { renderPost, renderPosts, resolveSrcSet } from './render.js'

const post = (body: string, overrides: Partial<Post> = {}): Post => makePost({ body, ...overrides })

describe('renderPost', () => {
  it('renders plain Markdown exactly as remark-html does', async () => {
    // remark-html is the renderer the project started with; kabar replaces it
    // only to keep safe raw HTML and rewrite URLs, so where neither applies
    // the HTML must be the same.
    const markdown = [
      '# Title',
      '',
      'Some *emphasis*, **strong**, `code` and ~~strike~~.',
      '',
      '- one',
      '- two',
      '  1. nested',
      '',
      '| a | b |',
      '| - | - |',
      '| 1 | 2 |',
      '',
      '> quoted',
      '',
      '```js',
      'const x = 1 < 2',
      '```',
    ].join('\n')
    const reference = String(await remark().use(remarkGfm).use(remarkHtml).process(markdown)).trim()
    expect(renderPost(post(markdown)).html).toBe(reference)
  })

  it('makes every URL absolute against the item URL', () => {
    const { html } = renderPost(post('[up](../b/) ![i](img/x.png) <img srcset="a.png 1x, b.png 2x" src="a.png">'))
    expect(html).toContain('href="https://x.example/2025/b/"')
    expect(html).toContain('src="https://x.example/2025/a/img/x.png"')
    expect(html).toContain('srcset="https://x.example/2025/a/a.png 1x, https://x.example/2025/a/b.png 2x"')
  })

  it('keeps footnote links working: ids prefixed once, anchors absolute', () => {
    const { html } = renderPost(post('Claim.[^n]\n\n[^n]: Source.'))
    expect(html).toContain('href="https://x.example/2025/a/#user-content-fn-n" id="user-content-fnref-n"')
    expect(html).toContain('<li id="user-content-fn-n">')
    expect(html).not.toContain('user-content-user-content')
  })

  it('keeps safe raw HTML, removes the unsafe with a warning naming the file', () => {
    const result = renderPost(
      post('<abbr title="x">X</abbr> <span onclick="evil()">hi</span>\n\n<script>evil()</script>'),
    )
    expect(result.html).toBe('<p><abbr title="x">X</abbr> <span>hi</span></p>')
    expect(result.warnings.map((warning) => [warning.code, warning.file, warning.message])).toEqual([
      ['HTML_SANITIZED', '/site/posts/a.md', 'raw HTML that is unsafe in feed readers was removed: onclick=, <script>'],
    ])
  })

  it('replaces an embed with a link to its source', () => {
    const result = renderPost(post('Watch:\n\n<iframe src="https://video.example/embed/1"></iframe>'))
    expect(result.html).toBe('<p>Watch:</p>\n<a href="https://video.example/embed/1">https://video.example/embed/1</a>')
    expect(result.warnings[0]?.code).toBe('EMBED_REPLACED')
    expect(result.warnings[0]?.line).toBe(7)
  })

  it('summarizes with the first paragraph, or the text before <!--more-->', () => {
    expect(renderPost(post('![img](a.png)\n\nFirst *para*.\n\nSecond.')).summaryText).toBe('First para.')
    expect(renderPost(post('One.\n\nTwo.\n\n<!--more-->\n\nThree.')).summaryText).toBe('One. Two.')
    expect(renderPost(post('Body.', { summary: 'Written summary' })).summaryText).toBe('Written summary')
  })
})

describe('resolveSrcSet', () => {
  it('resolves each candidate and keeps its descriptor', () => {
    expect(resolveSrcSet('a.jpg 480w,b.jpg 800w', 'https://x.example/p/')).toBe(
      'https://x.example/p/a.jpg 480w, https://x.example/p/b.jpg 800w',
    )
  })
})

describe('URL schemes', () => {
  it('keeps a link whose scheme is written in capitals', () => {
    const result = renderPost(post('Https://Example.org/Page is the source.'))
    expect(result.html).toBe('<p><a href="https://example.org/Page">Https://Example.org/Page</a> is the source.</p>')
    expect(result.warnings).toEqual([])
  })

  it('still removes javascript: and data: URLs', () => {
    const result = renderPost(post('<a href="JavaScript:alert(1)">x</a> <img src="data:image/png;base64,AAAA">'))
    expect(result.html).toBe('<p><a>x</a> <img></p>')
    expect(result.warnings[0]?.message).toBe('raw HTML that is unsafe in feed readers was removed: href=, src=')
  })
})

describe('hostile Markdown', () => {
  it('renders quotes and lists nested 500 deep', () => {
    const quotes = renderPost(post(`${'> '.repeat(500)}deep`))
    expect(quotes.html.match(/<blockquote>/g)?.length).toBe(500)
    expect(quotes.warnings).toEqual([])
    const lists = renderPost(post(`${'- '.repeat(500)}deep`))
    expect(lists.html.match(/<ul>/g)?.length).toBe(500)
  })

  it('gives an error, not a stack overflow, for nesting thousands deep', () => {
    for (const body of [`${'> '.repeat(5000)}x`, `${'<div>'.repeat(5000)}x`]) {
      const result = renderPost(post(body))
      expect(result.html).toBe('')
      expect(result.warnings.map((problem) => [problem.code, problem.severity, problem.line])).toEqual([
        ['POST_TOO_COMPLEX', 'error', 5],
      ])
      expect(result.warnings[0]?.message).toContain('nested too deeply')
    }
  })

  it('stops Markdown the parser needs too long for, with an error naming the limit', () => {
    // micromark takes seconds on this (its emphasis matching is quadratic).
    const started = Date.now()
    const result = renderPost(post('a*'.repeat(20_000)), { timeLimitMs: 100 })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(result.warnings.map((problem) => [problem.code, problem.severity])).toEqual([['POST_TOO_COMPLEX', 'error']])
    expect(result.warnings[0]?.message).toContain('within 0.1 s')
  })
})

describe('steps skipped when they would change nothing', () => {
  // Without raw HTML, parse5 (rehype-raw) is skipped only where it would
  // leave the tree alone; these are what it changes, and must keep changing.
  it('still gives footnotes and code blocks what parse5 makes of them', () => {
    expect(renderPost(post('[text[^1]](https://x.example)\n\n[^1]: note')).html).toContain(
      '<p><a href="https://x.example/">text<sup></sup></a><a href="https://x.example/2025/a/#user-content-fn-1" id="user-content-fnref-1" data-footnote-ref="" aria-describedby="footnote-label">1</a></p>',
    )
    expect(renderPost(post('```\n\nafter a blank line\n```')).html).toBe('<pre><code>after a blank line\n</code></pre>')
  })

  it('still links e-mail addresses and www. that only character references or escapes make', () => {
    // micromark links the plain ones as it parses; GFM's transform looks again, when a text has an @ or www.
    expect(renderPost(post('Write to a\\@b.example or see www&#46;example.org.')).html).toBe(
      '<p>Write to <a href="mailto:a@b.example">a@b.example</a> or see <a href="http://www.example.org/">www.example.org</a>.</p>',
    )
  })
})

describe('renderPosts', () => {
  it('renders each post as renderPost does, in order', () => {
    const posts = [
      post('# One\n\n[up](../b/)'),
      post('<iframe src="https://video.example/embed/1"></iframe>', { bodyLine: 9 }),
      post(`${'<div>'.repeat(5000)}x`),
      post('Two', { summary: 'Written summary' }),
    ]
    expect(renderPosts(posts)).toEqual(posts.map((each) => renderPost(each)))
  })

  it('stops only the post the parser needs too long for', () => {
    const results = renderPosts([post('Before.'), post('a*'.repeat(20_000)), post('After.')], { timeLimitMs: 100 })
    expect(results.map((result) => [result.html, result.warnings.map((problem) => problem.code)])).toEqual([
      ['<p>Before.</p>', []],
      ['', ['POST_TOO_COMPLEX']],
      ['<p>After.</p>', []],
    ])
  })
})

describe('hostile HTML in summaries and srcset', () => {
  it('keeps only http(s) candidates of a srcset, and says so', () => {
    const result = renderPost(post('<img src="a.png" srcset="javascript:alert(1) 1x, b.png 2x" alt="x">'))
    expect(result.html).toContain('srcset="https://x.example/2025/a/b.png 2x"')
    expect(result.html).not.toContain('javascript')
    expect(result.warnings.map((problem) => problem.code)).toContain('HTML_SANITIZED')
  })

  it('leaves the text of inline <script> and <svg> out of the summary', () => {
    const result = renderPost(post('Before <script>alert(1)</script> and <svg><text>drawn</text></svg> after.'))
    expect(result.summaryText).toBe('Before and after.')
    expect(result.html).not.toContain('alert')
  })

  it('takes the summary from the sanitized HTML when no paragraph has text', () => {
    const result = renderPost(post('<div>Only raw <b>HTML</b> here<script>alert(1)</script></div>\n\n- and a list'))
    expect(result.summaryText).toBe('Only raw HTML here and a list')
  })

  it('removes characters that references such as &#1; stand for, with a warning', () => {
    const result = renderPost(post('A [&#1;] B [&#xD800;] C'))
    expect(result.html).toBe('<p>A [] B [] C</p>')
    expect(result.summaryText).toBe('A [] B [] C')
    expect(result.warnings.map((problem) => [problem.code, problem.line])).toEqual([['CHARACTERS_REMOVED', 5]])
  })
})
