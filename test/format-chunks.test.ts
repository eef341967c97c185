import { describe, expect, it } from 'vitest'
import type { FeedItem, FeedModel } from '../src/core/feed-model.js'
import { formatChunks, formats } from '../src/formats/index.js'

/**
 * A full archive's feeds are written in pieces, one item at a time
 * (write-outputs.ts streams them): joined, the pieces must be the very
 * bytes the whole document always was. For JSON that is what
 * `JSON.stringify(document, …, 2)` writes, which the pieces now build by
 * hand; the golden tests hold the XML formats to their bytes.
 */

const date = new Date('2025-02-25T02:00:00Z')

function item(index: number, text: string): FeedItem {
  return {
    id: `https://chunks.example/${index}/`,
    url: `https://chunks.example/${index}/`,
    title: `Item ${index}: ${text}`,
    summary: index % 2 === 0 ? '' : `Summary ${text}`,
    contentHtml: index % 3 === 0 ? undefined : `<p>${text}</p>\n<pre>line\n  indented\n</pre>`,
    published: date,
    updated: new Date(date.getTime() + index * 1000),
    authors: index % 2 === 0 ? [{ name: 'A "quoted" author', url: 'https://chunks.example/a/' }] : [{ name: 'B' }],
    tags: index % 2 === 0 ? [] : ['x', text],
    image: index === 1 ? { url: 'https://chunks.example/i.png', type: 'image/png', length: 10 } : undefined,
    language: index === 2 ? 'en' : undefined,
  }
}

function model(items: FeedItem[], overrides: Partial<FeedModel> = {}): FeedModel {
  return {
    title: 'Chunks',
    description: 'Pieces \u2028 of "feeds"',
    homeUrl: 'https://chunks.example/',
    feedUrls: {
      rss: 'https://chunks.example/rss.xml',
      atom: 'https://chunks.example/atom.xml',
      json: 'https://chunks.example/feed.json',
    },
    language: 'id',
    copyright: undefined,
    image: undefined,
    favicon: undefined,
    author: { name: 'Chunks' },
    updated: date,
    content: 'full',
    items,
    ...overrides,
  }
}

const TEXTS = ['plain', 'tab\there, new\nline', '😀 é € \u0001 \ud800 </x> ]]> & "q"', '\\ back \u2029 slash']

const MODELS: [string, FeedModel][] = [
  ['no items', model([])],
  ['one item', model([item(1, 'one')])],
  ['many items', model(TEXTS.map((text, index) => item(index, text)))],
  [
    'a hub and archive links',
    model([item(0, 'a'), item(1, 'b')], {
      hub: 'https://hub.chunks.example/',
      archive: {
        isPage: true,
        previous: {
          rss: 'https://chunks.example/p/1.rss.xml',
          atom: undefined,
          json: 'https://chunks.example/p/1.json',
        },
        next: undefined,
        current: { rss: 'https://chunks.example/rss.xml', atom: undefined, json: undefined },
      },
    }),
  ],
]

describe('a feed in pieces', () => {
  it.each(MODELS)('with %s joins to the whole document, in a piece per item and at most two more', (_label, feed) => {
    for (const format of ['rss', 'atom', 'json'] as const) {
      const pieces = [...formatChunks[format](feed)]
      expect(pieces.join(''), format).toBe(formats[format](feed))
      expect(pieces.length, format).toBeGreaterThanOrEqual(Math.max(1, feed.items.length))
      expect(pieces.length, format).toBeLessThanOrEqual(feed.items.length + 2)
    }
  })

  it.each(MODELS)('with %s is, in JSON, exactly what JSON.stringify with two spaces writes', (_label, feed) => {
    const text = [...formatChunks.json(feed)].join('')
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`)
    expect(JSON.parse(text).items).toHaveLength(feed.items.length)
  })
})
