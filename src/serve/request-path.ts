/**
 * What a request's target names in the served folder. Decided on the text of
 * the target alone, before the file system is asked anything.
 */
export type RequestPath =
  /** `/`-separated path below the served folder; `''` is the folder itself. */
  | { kind: 'path'; relativePath: string }
  /** The target cannot be read as a path: answer 400. */
  | { kind: 'malformed'; reason: string }
  /** The target tries to leave the folder or reach a hidden file: answer 404. */
  | { kind: 'forbidden'; reason: string }

/**
 * Reads the path of an origin-form request target (`/feeds/rss.xml?x=1`).
 *
 * Every segment is percent-decoded on its own and then checked, so an encoded
 * `..` (`%2e%2e`), an encoded separator (`%2f`, `%5c`) or an encoded NUL
 * (`%00`) is seen for what it is. Nothing is normalized: a target that
 * needs normalizing is refused rather than guessed at.
 */
export function parseRequestPath(target: string): RequestPath {
  if (!target.startsWith('/')) return { kind: 'malformed', reason: 'the request target must start with /' }
  const rawPath = target.split(/[?#]/, 1)[0] ?? ''
  const segments: string[] = []
  const rawSegments = rawPath.slice(1).split('/')
  for (const [index, rawSegment] of rawSegments.entries()) {
    const isLast = index === rawSegments.length - 1
    let segment: string
    try {
      segment = decodeURIComponent(rawSegment)
    } catch {
      return { kind: 'malformed', reason: `"${rawSegment}" is not valid percent-encoding` }
    }
    if (segment.includes('\0')) return { kind: 'malformed', reason: 'the path contains a NUL byte' }
    // A trailing slash names a folder; an empty segment elsewhere (`//etc`) is
    // how absolute paths get smuggled in.
    if (segment === '' && isLast) continue
    const problem = segmentProblem(segment)
    if (problem !== undefined) return { kind: 'forbidden', reason: problem }
    segments.push(segment)
  }
  return { kind: 'path', relativePath: segments.join('/') }
}

function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'the path has an empty segment'
  if (segment === '.' || segment === '..') return 'the path has a . or .. segment'
  // Lock and temp files of a running build, .git, .env: never served.
  if (segment.startsWith('.')) return 'hidden files are not served'
  if (/[/\\]/.test(segment)) return 'a segment contains an encoded path separator'
  // `C:` and NTFS streams (`rss.xml::$DATA`) on Windows.
  if (segment.includes(':')) return 'a segment contains a colon'
  return undefined
}
