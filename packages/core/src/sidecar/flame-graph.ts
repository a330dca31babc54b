/**
 * A flame graph as a standalone SVG, for a person with only a browser: one rectangle per call
 * path, its width the share of the weight (samples, bytes) spent in it and below it, callers under
 * callees. Hovering a frame shows its name, file, line and share (an SVG `<title>`). No script, so
 * it is safe to open from anywhere; frames narrower than MIN_WIDTH_PX are left out to keep the file
 * small.
 */
import type { Frame, StackSample } from './stack-samples.js'

const WIDTH = 1200
const PAD = 10
const FRAME_HEIGHT = 17
const HEADER = 34
const MIN_WIDTH_PX = 0.5
const CHAR_WIDTH_PX = 6.6

interface Node {
  frame: Frame
  total: number
  children: Map<string, Node>
}

export interface FlameGraphOptions {
  title: string
  /** Which value of each StackSample is the width. */
  valueIndex: number
  /** Formats a weight for the tooltips, e.g. `12 samples` or `3.4 MB`. */
  format(value: number): string
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** A warm colour from the name, so a function keeps its colour across profiles. */
function colour(name: string): string {
  let h = 0
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0
  return `hsl(${h % 55},${70 + (h % 20)}%,${55 + ((h >> 8) % 15)}%)`
}

function buildTree(samples: StackSample[], valueIndex: number): Node {
  const root: Node = { frame: { name: 'all', file: '', line: 0 }, total: 0, children: new Map() }
  for (const sample of samples) {
    const value = sample.values[valueIndex] ?? 0
    if (value <= 0) continue
    root.total += value
    let node = root
    for (let i = sample.frames.length - 1; i >= 0; i--) {
      const frame = sample.frames[i]!
      const key = `${frame.name}\0${frame.file}\0${frame.line}`
      let child = node.children.get(key)
      if (child === undefined) {
        child = { frame, total: 0, children: new Map() }
        node.children.set(key, child)
      }
      child.total += value
      node = child
    }
  }
  return root
}

function depthOf(node: Node): number {
  let max = 0
  for (const child of node.children.values()) max = Math.max(max, depthOf(child))
  return max + 1
}

/**
 * @example
 * const svg = flameGraph(cpuStackSamples(profile, 1000), { title: 'CPU', valueIndex: 0, format: (n) => `${n} samples` })
 */
export function flameGraph(samples: StackSample[], options: FlameGraphOptions): string {
  const root = buildTree(samples, options.valueIndex)
  const depth = depthOf(root)
  const height = HEADER + depth * FRAME_HEIGHT + PAD
  const scale = root.total > 0 ? (WIDTH - 2 * PAD) / root.total : 0
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Verdana,sans-serif" font-size="11">`,
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#fdfaf3"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="15">${escapeXml(options.title)} (${escapeXml(options.format(root.total))})</text>`,
  ]
  const draw = (node: Node, x: number, level: number): void => {
    const width = node.total * scale
    if (width < MIN_WIDTH_PX) return
    const y = height - PAD - (level + 1) * FRAME_HEIGHT
    const { name, file, line } = node.frame
    const where = file ? ` ${file}${line ? `:${line}` : ''}` : ''
    const share = root.total > 0 ? ((100 * node.total) / root.total).toFixed(2) : '0'
    const tip = `${name}${where} (${options.format(node.total)}, ${share}%)`
    const chars = Math.floor((width - 6) / CHAR_WIDTH_PX)
    const label = chars < 3 ? '' : name.length <= chars ? name : `${name.slice(0, chars - 2)}..`
    parts.push(
      `<g><title>${escapeXml(tip)}</title><rect x="${x.toFixed(2)}" y="${y}" width="${width.toFixed(2)}" height="${FRAME_HEIGHT - 1}" rx="2" fill="${level === 0 ? '#e0d6c8' : colour(name)}"/>` +
        (label ? `<text x="${(x + 3).toFixed(2)}" y="${y + 12}">${escapeXml(label)}</text>` : '') +
        '</g>',
    )
    let childX = x
    const children = [...node.children.values()].sort((a, b) => (a.frame.name < b.frame.name ? -1 : 1))
    for (const child of children) {
      draw(child, childX, level + 1)
      childX += child.total * scale
    }
  }
  draw(root, PAD, 0)
  parts.push('</svg>')
  return parts.join('\n')
}
