import { describe, expect, it } from 'vitest'
import { runWithTimeLimit } from './time-limit.js'

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
