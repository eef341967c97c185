import { describe, expect, it } from 'vitest'
import { expandTemplates, type PostReference, type TemplateContext, type TemplateSyntax } from './templates.js'

const POSTS: Record<string, string> = {
  'post_url:2025-01-01-first': 'https://example.org/blog/2025/01/01/first.html',
  'link:_posts/2025-01-01-first.md': 'https://example.org/blog/2025/01/01/first.html',
  'ref:posts/bundle': 'https://example.org/blog/posts/bundle/',
}

function expand(syntax: TemplateSyntax, body: string) {
  const context: TemplateContext = {
    syntax,
    file: '/site/post.md',
    bodyLine: 5,
    siteUrl: 'https://example.org/blog/',
    siteTitle: 'Example',
    itemUrl: 'https://example.org/blog/2025/02/02/this.html',
    findPost: (reference: PostReference) => POSTS[`${reference.kind}:${reference.target}`],
  }
  const result = expandTemplates(body, context)
  return {
    body: result.body,
    problems: result.problems.map((problem) => `${problem.line}: ${problem.severity}: ${problem.message}`),
  }
}

describe('Liquid in Jekyll posts', () => {
  it('turns highlight blocks into fenced code, keeping the line count', () => {
    const { body, problems } = expand(
      'jekyll',
      'Intro\n{% highlight ruby linenos %}\ndef hi = puts "{{ x }}"\n{% endhighlight %}\nAfter\n',
    )
    expect(body).toBe('Intro\n```ruby\ndef hi = puts "{{ x }}"\n```\nAfter\n')
    expect(problems).toEqual([])
  })

  it('keeps raw blocks as written and drops comments', () => {
    const { body, problems } = expand(
      'jekyll',
      'A {% raw %}{{ not.run }}{% endraw %} B{% comment %} hidden {% endcomment %}.',
    )
    expect(body).toBe('A {{ not.run }} B.')
    expect(problems).toEqual([])
  })

  it('writes post_url and link as the post URL, dropping a baseurl written before them', () => {
    const { body, problems } = expand(
      'jekyll',
      '[a]({% post_url 2025-01-01-first %}) [b]({{ site.baseurl }}{% post_url 2025-01-01-first %}) [c]({% link _posts/2025-01-01-first.md %})',
    )
    expect(body).toBe(
      '[a](https://example.org/blog/2025/01/01/first.html) [b](https://example.org/blog/2025/01/01/first.html) [c](https://example.org/blog/2025/01/01/first.html)',
    )
    expect(problems).toEqual([])
  })

  it('fails on a post_url that names no post, and guesses a page link with a warning', () => {
    const { problems } = expand(
      'jekyll',
      'x\n{% post_url 2020-01-01-gone %} {% link about.md %} {% link assets/a.pdf %}',
    )
    expect(problems).toEqual([
      '6: error: {% post_url 2020-01-01-gone %} names no post — check the file name (YYYY-MM-DD-title, without .md)',
      '6: warning: {% link about.md %} names a page that is not one of the posts, so its URL was taken to be https://example.org/blog/about.html — check it, or write the URL instead of the tag',
    ])
  })

  it('fills in site values and URL filters', () => {
    const { body } = expand(
      'jekyll',
      '![x]({{ site.baseurl }}/img/x.png) {{ "/about/" | relative_url }} {{ \'/a\' | absolute_url }} {{ site.url }}',
    )
    expect(body).toBe('![x](/blog/img/x.png) /blog/about/ https://example.org/blog/a https://example.org')
  })

  it('removes every other tag with a warning naming its line', () => {
    const { body, problems } = expand('jekyll', 'One\n{% include note.html text="hi" %}\nTwo {{ page.author }}.')
    expect(body).toBe('One\n\nTwo .')
    expect(problems).toEqual([
      '6: warning: Liquid tag {% include note.html text="hi" %} was removed (kabar does not run templates)',
      '7: warning: Liquid value {{ page.author }} was removed (kabar does not run templates) — write the text it stood for',
    ])
  })

  it('leaves Nunjucks comments alone in Jekyll, where they are text', () => {
    expect(expand('jekyll', 'a {# b #}').body).toBe('a {# b #}')
  })
})

describe('Nunjucks and Liquid in Eleventy posts', () => {
  it('reads quoted highlight languages, image shortcodes and comments', () => {
    const { body, problems } = expand(
      'eleventy',
      '{%- highlight "js" -%}\nlet a = 1\n{%- endhighlight -%}\n{% image "./cat.jpg", "A <cat>" %}{# note #}',
    )
    expect(body).toBe('```js\nlet a = 1\n```\n<img src="./cat.jpg" alt="A &lt;cat&gt;">')
    expect(problems).toEqual([])
  })
})

describe('Hugo shortcodes', () => {
  it('writes figure as <figure> with its caption', () => {
    expect(expand('hugo', '{{< figure src="cat.jpg" alt="A cat" caption="Our cat" >}}').body).toBe(
      '<figure><img src="cat.jpg" alt="A cat"><figcaption><p>Our cat</p></figcaption></figure>',
    )
  })

  it('turns highlight into fenced code and ref into the post URL', () => {
    const { body, problems } = expand(
      'hugo',
      '{{< highlight go "linenos=table" >}}\nfmt.Println("x")\n{{< /highlight >}}\n[b]({{< ref "posts/bundle" >}})',
    )
    expect(body).toBe('```go\nfmt.Println("x")\n```\n[b](https://example.org/blog/posts/bundle/)')
    expect(problems).toEqual([])
  })

  it('links embeds, keeps the content of unknown paired shortcodes and removes the rest', () => {
    const { body, problems } = expand(
      'hugo',
      '{{< youtube w7Ft2ymGmfc >}}\n{{% note %}}Read **this**.{{% /note %}}\n{{< param "x" >}}',
    )
    expect(body).toBe('<a href="https://www.youtube.com/watch?v=w7Ft2ymGmfc">YouTube video</a>\nRead **this**.\n')
    expect(problems).toEqual([
      '5: warning: {{< youtube w7Ft2ymGmfc >}} cannot play in feed readers, so it was replaced by a link to https://www.youtube.com/watch?v=w7Ft2ymGmfc',
      '6: warning: Hugo shortcode {{% note %}} was removed (kabar does not run templates); its content was kept',
      '7: warning: Hugo shortcode {{< param "x" >}} was removed (kabar does not run templates)',
    ])
  })

  it('writes an escaped shortcode as text, and leaves Go template syntax alone', () => {
    expect(expand('hugo', 'Use {{</* figure src="x" */>}} and {{ .Title }}.').body).toBe(
      'Use {{< figure src="x" >}} and {{ .Title }}.',
    )
  })
})

describe('posts without a preset', () => {
  it('are never touched', () => {
    const body = '{% include x %} {{< figure >}} {{ y }}'
    expect(expand('none', body)).toEqual({ body, problems: [] })
  })
})
