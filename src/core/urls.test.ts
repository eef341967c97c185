import { describe, expect, it } from 'vitest'
import { canonicalUrl } from './urls.js'

describe('canonicalUrl', () => {
  it('writes hosts as lower-case punycode and drops default ports', () => {
    expect(canonicalUrl('HTTPS://Bücher.Example:443/a')).toBe('https://xn--bcher-kva.example/a')
  })

  it('gives a bare origin its slash and upper-cases percent-escapes', () => {
    expect(canonicalUrl('https://x.org')).toBe('https://x.org/')
    expect(canonicalUrl('https://x.org/caf%c3%a9 x')).toBe('https://x.org/caf%C3%A9%20x')
  })

  it('keeps tag: and urn: ids as written', () => {
    expect(canonicalUrl('tag:example.org,2025:post-1')).toBe('tag:example.org,2025:post-1')
    expect(canonicalUrl('urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66')).toBe(
      'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66',
    )
  })

  it('resolves relative references against a base and refuses what is not a URL', () => {
    expect(canonicalUrl('../b/', 'https://x.org/2025/a/')).toBe('https://x.org/2025/b/')
    expect(canonicalUrl('//cdn.x.org/y.png', 'https://x.org/')).toBe('https://cdn.x.org/y.png')
    expect(canonicalUrl('/no/base')).toBeUndefined()
    expect(canonicalUrl('http://exa mple.com/')).toBeUndefined()
  })
})
