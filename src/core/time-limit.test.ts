import { describe, expect, it } from 'vitest'
import { runEachWithTimeLimit, runWithTimeLimit } from './time-limit.js'

describe('runWithTimeLimit', () => {
  it('returns what the task returns when it finishes in time', () => {
    expect(runWithTimeLimit(() => 'done', 1000)).toEqual({ ok: true, value: 'done' })
  })

  it('stops a synchronous loop that never ends', () => {
    const started = Date.now()
    const result = runWithTimeLimit(() => {
      for (;;) {}
    }, 100)
    expect(result).toEqual({ ok: false })
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('passes the task’s own errors through', () => {
    expect(() =>
      runWithTimeLimit(() => {
        throw new TypeError('broken')
      }, 1000),
    ).toThrow(TypeError)
  })
})

describe('runEachWithTimeLimit', () => {
  const busy = (milliseconds: number) => {
    const until = Date.now() + milliseconds
    while (Date.now() < until) {}
    return milliseconds
  }

  it('gives each item the whole budget, however late in the batch it starts', () => {
    // Together they take three times the budget; none of them alone does.
    expect(runEachWithTimeLimit([60, 60, 60, 60, 60], busy, 100)).toEqual(
      Array.from({ length: 5 }, () => ({ ok: true, value: 60 })),
    )
  })

  it('stops only the item that runs too long, and goes on with the rest', () => {
    const started = Date.now()
    const results = runEachWithTimeLimit(
      [1, 2, 'forever', 3],
      (item) => {
        if (item === 'forever') for (;;) {}
        return item
      },
      100,
    )
    expect(results).toEqual([{ ok: true, value: 1 }, { ok: true, value: 2 }, { ok: false }, { ok: true, value: 3 }])
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('passes the task’s own errors through', () => {
    expect(() =>
      runEachWithTimeLimit(
        [1],
        () => {
          throw new TypeError('broken')
        },
        1000,
      ),
    ).toThrow(TypeError)
  })
})
