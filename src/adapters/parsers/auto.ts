import { open } from 'node:fs/promises';
import { detectParserType } from './detect.js';
import type { ParsedDocument, ParseOptions, Parser, ParserInput } from './types.js';

async function readHead(path: string, bytes = 4096): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** `auto`: picks the parser from the file name, MIME type or first bytes, and delegates to it. */
export class AutoParser implements Parser {
  readonly type = 'auto';

  constructor(private readonly parserFor: (type: string) => Parser) {}

  /** The concrete parser this file would go to. */
  async resolve(file: ParserInput): Promise<Parser> {
    return this.parserFor(detectParserType(file, await readHead(file.path)));
  }

  async parse(file: ParserInput, config: Record<string, unknown>, o?: ParseOptions): Promise<ParsedDocument[]> {
    return (await this.resolve(file)).parse(file, config, o);
  }
}
