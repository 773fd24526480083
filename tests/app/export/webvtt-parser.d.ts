/** Types for webvtt-parser 2.2.0 (w3c/webvtt.js), which ships none; only what the tests use. */
declare module 'webvtt-parser' {
  export interface VttNode {
    type: 'text' | 'object' | 'timestamp';
    name?: string;
    value?: string | number;
    children?: VttNode[];
  }
  export interface VttCue {
    id: string;
    startTime: number;
    endTime: number;
    text: string;
    tree: { children: VttNode[] };
  }
  export interface VttError {
    message: string;
    line: number;
    col?: number;
  }
  export class WebVTTParser {
    /** Named character references; the default is a small subset, html-entities.json the full spec. */
    constructor(entities?: Record<string, string>);
    parse(input: string, mode?: 'metadata' | 'chapters'): { cues: VttCue[]; errors: VttError[] };
  }
  const _default: { WebVTTParser: typeof WebVTTParser };
  export default _default;
}
