import { describe, expect, it } from 'vitest'
import { KabarErrorList } from '../errors.js'
import { resolveConfig } from './config.js'

describe('resolveConfig author URLs', () => {
  it('makes site author URLs canonical, as Atom uri and JSON Feed url need', () => {
    const config = resolveConfig(
      {
        site: {
          title: 'T',
          url: 'https://bücher.example/',
          author: { name: 'A', url: 'https://bücher.example/über uns/' },
          authors: { b: { name: 'B', url: '/team/b c/' } },
        },
      },
      { configPath: '/site/kabar.config.json' },
    )
    expect(config.site.author?.url).toBe('https://xn--bcher-kva.example/%C3%BCber%20uns/')
    expect(config.site.authors.get('b')?.url).toBe('https://xn--bcher-kva.example/team/b%20c/')
  })

  it('names the key of an author URL that is not a URL', () => {
    expect(() =>
      resolveConfig(
        {
          site: { title: 'T', url: 'https://t.example/', authors: { b: { name: 'B', url: 'https://exa mple.com/' } } },
        },
        { configPath: '/site/kabar.config.json' },
      ),
    ).toThrow(KabarErrorList)
    expect(() =>
      resolveConfig(
        {
          site: { title: 'T', url: 'https://t.example/', authors: { b: { name: 'B', url: 'https://exa mple.com/' } } },
        },
        { configPath: '/site/kabar.config.json' },
      ),
    ).toThrow('site.authors.b.url "https://exa mple.com/" is not a URL')
  })
})
