import type { Server as HttpServer } from 'node:http'
import type { Http2SecureServer, ServerHttp2Session } from 'node:http2'
import type { Socket } from 'node:net'

/**
 * Tracks the open sockets (and HTTP/2 sessions) of a server, so tests can count them and close() can
 * destroy them at once instead of waiting for keep-alive timeouts.
 */
export class ConnectionTracker {
  readonly #sockets = new Set<Socket>()
  readonly #sessions = new Set<ServerHttp2Session>()

  constructor(server: HttpServer | Http2SecureServer) {
    // 'connection' gives the raw TCP socket on both servers (before TLS), so one count covers h1 and h2.
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket)
      socket.once('close', () => this.#sockets.delete(socket))
    })
    server.on('session', (session: ServerHttp2Session) => {
      this.#sessions.add(session)
      session.once('close', () => this.#sessions.delete(session))
    })
  }

  /** Sockets currently open. */
  get size(): number {
    return this.#sockets.size
  }

  /** Destroys every session and socket now. */
  destroyAll(): void {
    for (const session of this.#sessions) session.destroy()
    for (const socket of this.#sockets) socket.destroy()
  }
}
