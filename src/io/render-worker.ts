import { parentPort, workerData } from 'node:worker_threads'
import type { Post } from '../core/post.js'
import { renderPost } from '../core/render.js'
import { loadRenderLibraries } from '../core/render-libraries.js'
import { renderForReply, type WorkerStart } from './render-pool.js'

/**
 * A rendering worker thread (see render-pool.ts): receives batches of
 * posts, answers with their renderings. Everything a rendering needs is in
 * the post, so a worker reads no files and holds no config.
 *
 * A worker started before there is work (`startRenderPool`) warms up in the
 * meantime: the first posts a cold thread renders take three times as long,
 * in the interpreter and while the compiler catches up, so it renders a
 * sample post a few times, one at a time, and stops as soon as work comes.
 */

/** Renders of the sample post at most: about as many as it takes for the time per render to settle. */
const WARM_UP_RENDERS = 30
/** Milliseconds of warming up at most, so that an idle pool stops taking CPU from the thread reading the posts. */
const WARM_UP_MS = 1000

/** A post with most of what Markdown and raw HTML in real posts have, for warming up. */
const SAMPLE_POST: Post = {
  file: '/warm-up/sample.md',
  slug: 'sample',
  title: 'Sample',
  date: new Date(0),
  updated: undefined,
  id: 'https://warm-up.invalid/sample/',
  url: 'https://warm-up.invalid/sample/',
  authors: [],
  tags: [],
  summary: undefined,
  image: undefined,
  isDraft: false,
  lang: undefined,
  content: undefined,
  bodyLine: 1,
  body: [
    'An *opening* paragraph with **strong** words, `code`, ~~struck~~ text, a [relative link](../other/ "Other")',
    'and an [absolute one](https://example.org/page), a bare https://example.org/bare link and <https://example.org/>.',
    '',
    '## A heading',
    '',
    'Text with a footnote[^1], an ![image](images/photo.jpg "Photo") and &amp; a character reference.',
    'A second line of the same paragraph,  ',
    'after a hard break.',
    '',
    '- [ ] a task',
    '- [x] a task done with [a link](./done/)',
    '  1. nested',
    '  2. ordered',
    '',
    '> A quote with *emphasis*',
    '> > and a nested one.',
    '',
    '| Name | Size | Time |',
    '| :--- | ---: | :---: |',
    '| RSS | 12 KB | `3 ms` |',
    '| Atom | **14 KB** | 4 ms |',
    '',
    '```ts',
    'const answer: number = 6 * 7 // < 50 && > 40',
    '```',
    '',
    '<div class="note"><p>Raw <em>HTML</em> with a <a href="/about/">link</a>.</p></div>',
    '',
    '<figure><img src="figure.png" alt="A figure" width="300"><figcaption>A caption</figcaption></figure>',
    '',
    '<!--more-->',
    '',
    '### Then',
    '',
    '1. First _item_',
    '2. Second item with `inline code` and a www.example.org link',
    '',
    '---',
    '',
    '[^1]: The footnote, with [a link](https://example.org/source).',
  ]
    .join('\n')
    .repeat(3),
}

const start = workerData as WorkerStart | undefined
let hasWork = false

await loadRenderLibraries()
parentPort?.on('message', (batch: { index: number; post: Post }[]) => {
  hasWork = true
  parentPort?.postMessage(renderForReply(batch))
})
if (start?.warmUp === true) warmUp(0, Date.now())

/** Renders the sample post once, then lets messages in before the next time. */
function warmUp(done: number, startedAt: number): void {
  if (hasWork || done >= WARM_UP_RENDERS || Date.now() - startedAt > WARM_UP_MS) return
  renderPost(SAMPLE_POST)
  setImmediate(() => warmUp(done + 1, startedAt))
}
