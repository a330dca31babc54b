/**
 * Starts an example the way its README says (its `start` script: tsx over the workspace sources),
 * in its own process group, and resolves once it prints the URL it listens on.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

const tsxCli = createRequire(import.meta.url).resolve('tsx/cli')
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/

export interface Running {
  child: ChildProcess
  url: string
  /** Everything it printed so far. */
  output(): string
}

/** Spawns `pnpm start` of the example without pnpm in between (its script is `tsx ...`). */
export function startExample(
  name: string,
  started: Set<ChildProcess>,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<Running> {
  const cwd = fileURLToPath(new URL(`../../${name}/`, import.meta.url))
  const start: string = JSON.parse(readFileSync(`${cwd}package.json`, 'utf8')).scripts.start
  const [command, ...args] = start.split(' ')
  expect(command).toBe('tsx')
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', ...extraEnv }
  delete env.OPENAI_API_KEY
  delete env.VELOX_UPSTREAM_ORIGIN
  // Its own process group, so afterAll can kill tsx and the node process it runs in one go.
  const child = spawn(process.execPath, [tsxCli, ...args], { cwd, env, detached: true })
  started.add(child)
  return new Promise((resolve, reject) => {
    let output = ''
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString()
      const match = LISTENING.exec(output)
      if (match) {
        child.off('exit', onExit)
        resolve({ child, url: match[1]!, output: () => output })
      }
    }
    const onExit = (code: number | null) => {
      reject(new Error(`${name} exited (code ${code}) before listening:\n${output}`))
    }
    child.stdout!.on('data', onOutput)
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.once('exit', onExit)
  })
}

/** Kills every example started (tsx and the node process it runs), whatever state it is in. */
export function killAll(started: Set<ChildProcess>): void {
  for (const child of started) {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // ESRCH: the group exited already
    }
  }
}
