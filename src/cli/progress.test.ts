import { describe, expect, it } from 'vitest'
import { createProgressBar, formatProgress } from './progress.js'

function terminal(isTTY: boolean) {
  const writes: string[] = []
  return { stream: { isTTY, write: (text: string) => writes.push(text) }, writes }
}

describe('createProgressBar', () => {
  it('draws nothing during the first second, then at most ten times a second, and wipes itself', () => {
    let now = 0
    const { stream, writes } = terminal(true)
    const bar = createProgressBar(stream, () => now)
    now = 900
    bar.update({ phase: 'read', done: 10, total: 100 })
    expect(writes).toEqual([])
    now = 1000
    bar.update({ phase: 'read', done: 50, total: 100 })
    now = 1050
    bar.update({ phase: 'read', done: 60, total: 100 })
    now = 1100
    bar.update({ phase: 'render', done: 1, total: 4 })
    bar.done()
    expect(writes).toEqual([
      '\r\x1b[Kkabar: reading   [############------------]  50% 50/100 posts',
      '\r\x1b[Kkabar: rendering [######------------------]  25% 1/4 posts',
      '\r\x1b[K',
    ])
  })

  it('draws nothing when stderr is not a terminal', () => {
    let now = 0
    const { stream, writes } = terminal(false)
    const bar = createProgressBar(stream, () => now)
    now = 5000
    bar.update({ phase: 'render', done: 1, total: 2 })
    bar.done()
    expect(writes).toEqual([])
  })

  it('leaves nothing to wipe when it never drew', () => {
    const { stream, writes } = terminal(true)
    createProgressBar(stream, () => 0).done()
    expect(writes).toEqual([])
  })
})

describe('formatProgress', () => {
  it('groups thousands and keeps the bar full at the end', () => {
    expect(formatProgress({ phase: 'render', done: 10_000, total: 10_000 })).toBe(
      'kabar: rendering [########################] 100% 10,000/10,000 posts',
    )
  })
})
