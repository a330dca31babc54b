/** A pino-compatible logger that keeps every call, to read back what Velox logged. */
import type { Logger } from '../../src/index.js'

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  obj: unknown
  msg: string | undefined
}

export function captureLogger(): { logger: Logger; lines: LogLine[]; text(): string } {
  const lines: LogLine[] = []
  const at =
    (level: LogLine['level']) =>
    (obj: unknown, msg?: string): void => {
      lines.push({ level, obj, msg })
    }
  return {
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    lines,
    /** Everything logged, as one string (what a log file would hold). */
    text: () => lines.map((l) => `${l.level} ${l.msg ?? ''} ${JSON.stringify(l.obj)}`).join('\n'),
  }
}
