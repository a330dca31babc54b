/**
 * Child processes for the load benchmarks: the mock upstream and each proxy run in their own
 * process, so none shares the event loop (or the CPU account) of another or of the load generator.
 * Every process is ended by its own handle (SIGTERM to its PID), never by name.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)

export interface Started {
  child: ChildProcess
  url: string
  stop(): Promise<void>
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    await exited
  }
}

/** Starts @velox/mock-upstream's CLI on a free port. */
export function startMock(): Promise<Started> {
  const root = dirname(require.resolve('@velox/mock-upstream/package.json'))
  return startServer([join(root, 'bin', 'velox-mock-upstream.js'), '--port', '0'])
}

/** Starts bench/node/sink-upstream.ts (reads bodies, answers a fixed completion) on a free port. */
export function startSink(): Promise<Started> {
  return startServer(['--import', 'tsx', fileURLToPath(new URL('../node/sink-upstream.ts', import.meta.url))])
}

/** Starts a server process that prints `listening on <url>`. */
async function startServer(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk
      const match = /listening on (\S+)/.exec(out)
      if (match) resolve(match[1]!)
    })
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)))
  })
  return { child, url, stop: stopper(child) }
}

export interface ProxyReport {
  /** CPU time of the proxy process between start and stop, microseconds (user + system). */
  cpuMicros: number
  /** Share of the time the proxy's main thread was busy (event loop utilization, 0 to 1). */
  loopBusy: number
  /** Event-loop delay of the proxy's main thread, milliseconds (when measured). */
  loopDelay?: { p50: number; p99: number; max: number }
  offload?: { offloaded: number; inline: number } | null
}

export interface ProxyProcess extends Started {
  /** The sidecar's URL, when the proxy was started with BENCH_SIDECAR=1 (profile-load.ts). */
  sidecar: string | undefined
  /** Starts the CPU (and event-loop delay) account. */
  begin(): Promise<void>
  /** Ends it and returns what was counted. */
  end(): Promise<ProxyReport>
}

/**
 * Starts bench/node/proxy-server.ts as `kind` in front of `upstream`.
 *
 * @param env extra environment: VELOX_CORE runs another copy of the core (compare-cores.ts)
 */
export async function startProxy(
  kind: string,
  upstream: string,
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<ProxyProcess> {
  const script = fileURLToPath(new URL('../node/proxy-server.ts', import.meta.url))
  const child = fork(script, [kind, upstream, ...extra], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const ask = async <T>(command: string): Promise<T> => {
    const reply = once(child, 'message') as Promise<[T]>
    child.send(command)
    return (await reply)[0]
  }
  const [ready] = (await once(child, 'message')) as [{ port: number; sidecar?: string }]
  return {
    child,
    url: `http://127.0.0.1:${ready.port}`,
    sidecar: ready.sidecar,
    stop: stopper(child),
    begin: () => ask<void>('begin'),
    end: () => ask<ProxyReport>('end'),
  }
}
