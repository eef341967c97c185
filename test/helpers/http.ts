import { createHmac } from 'node:crypto'
import http from 'node:http'
import net from 'node:net'

export interface HttpResponse {
  status: number
  headers: http.IncomingHttpHeaders
  /** The bytes as sent: not decompressed. */
  body: Buffer
}

export interface HttpRequest {
  method?: string
  headers?: Record<string, string>
  body?: Buffer | string
  /** A fresh connection, closed after the answer. */
  agent?: http.Agent | false
}

/** One request with node:http: the path is sent exactly as given, and nothing is decoded. */
export function request(baseUrl: string, target: string, options: HttpRequest = {}): Promise<HttpResponse> {
  const url = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: target,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        agent: options.agent ?? false,
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
        )
        response.on('error', reject)
      },
    )
    outgoing.on('error', reject)
    outgoing.end(options.body)
  })
}

/** Writes raw bytes on a TCP connection and returns the status line of the answer (for targets node:http refuses to send). */
export function rawStatusLine(baseUrl: string, raw: string): Promise<string> {
  const url = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(raw, 'latin1'))
    let received = ''
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1')
      if (received.includes('\r\n')) {
        resolve(received.split('\r\n', 1)[0] ?? '')
        socket.destroy()
      }
    })
    socket.on('error', reject)
    socket.on('end', () => resolve(received.split('\r\n', 1)[0] ?? ''))
  })
}

/** GitHub's `X-Hub-Signature-256` value for `body`. */
export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}
