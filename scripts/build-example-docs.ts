/**
 * Builds the binary documents of the examples from their text sources, with no dependency beyond Node:
 * `examples/<id>/sources/<name>.pdf.txt` → `examples/<id>/files/<name>.pdf` (a small text-only PDF in Helvetica)
 * and `<name>.docx.txt` → `<name>.docx` (a minimal WordprocessingML package in a zip written here).
 * The output is deterministic (fixed dates), so rebuilding unchanged sources gives identical bytes.
 *
 * Source markup: `# Title`, `## Heading`, `- bullet` (indented lines continue it), `| cell | cell |` table rows;
 * blank lines separate paragraphs, and the lines of one paragraph stay separate lines (address and signature
 * blocks), so write each flowing paragraph on one line.
 *
 * Run: `node --import tsx scripts/build-example-docs.ts [examples-dir]` (`--check` only reports stale files).
 */
import { deflateRawSync, deflateSync } from 'node:zlib';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type Block =
  | { kind: 'title' | 'heading' | 'para' | 'bullet'; text: string }
  | { kind: 'table'; rows: string[][] };

/** Parses the source markup into blocks. */
export function parseSource(text: string): Block[] {
  const blocks: Block[] = [];
  let para: string[] = [];
  let open: Block | undefined;
  const flush = () => {
    if (para.length) blocks.push({ kind: 'para', text: para.join('\n') });
    para = [];
    open = undefined;
  };
  for (const raw of text.replace(/\r\n/g, '\n').split('\n')) {
    const line = raw.trimEnd();
    if (line.trim() === '') {
      flush();
      continue;
    }
    const heading = /^(#{1,2}) (.*)$/.exec(line);
    if (heading) {
      flush();
      blocks.push({ kind: heading[1] === '#' ? 'title' : 'heading', text: heading[2].trim() });
    } else if (line.startsWith('- ')) {
      flush();
      open = { kind: 'bullet', text: line.slice(2).trim() };
      blocks.push(open);
    } else if (line.startsWith('|')) {
      const cells = line.replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
      const last = blocks[blocks.length - 1];
      if (para.length) flush();
      if (last?.kind === 'table' && open === last) last.rows.push(cells);
      else {
        open = { kind: 'table', rows: [cells] };
        blocks.push(open);
      }
    } else if (open?.kind === 'bullet' && /^\s/.test(raw)) {
      open.text += ` ${line.trim()}`;
    } else {
      if (open) open = undefined;
      para.push(line.trim());
    }
  }
  flush();
  return blocks;
}

// ---------------------------------------------------------------------------------------------- zip (store+deflate)

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip archive of the given entries, deflated, with a fixed timestamp (2025-01-01 00:00). */
export function zip(entries: { name: string; data: Buffer }[]): Buffer {
  const DOS_TIME = 0;
  const DOS_DATE = ((2025 - 1980) << 9) | (1 << 5) | 1;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const packed = deflateRawSync(e.data, { level: 9 });
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

// ---------------------------------------------------------------------------------------------------------- DOCX

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

function wParagraph(text: string, style?: string): string {
  const pPr = style ? `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>` : '';
  const runs = text.split('\n').map((line) => `<w:t xml:space="preserve">${xmlEscape(line)}</w:t>`).join('<w:br/>');
  return `<w:p>${pPr}<w:r>${runs}</w:r></w:p>`;
}

function wTable(rows: string[][]): string {
  const border = (side: string) => `<w:${side} w:val="single" w:sz="4" w:space="0" w:color="808080"/>`;
  const borders = `<w:tblBorders>${['top', 'left', 'bottom', 'right', 'insideH', 'insideV'].map(border).join('')}</w:tblBorders>`;
  const cols = Math.max(...rows.map((r) => r.length));
  const grid = `<w:tblGrid>${'<w:gridCol w:w="2400"/>'.repeat(cols)}</w:tblGrid>`;
  const body = rows
    .map((r, i) => `<w:tr>${r.map((c) => `<w:tc><w:tcPr><w:tcW w:w="2400" w:type="dxa"/></w:tcPr>${i === 0 ? `<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">${xmlEscape(c)}</w:t></w:r></w:p>` : wParagraph(c)}</w:tc>`).join('')}</w:tr>`)
    .join('');
  return `<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/>${borders}</w:tblPr>${grid}${body}</w:tbl>`;
}

const STYLES = `${XML_HEAD}<w:styles ${W_NS}>
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri"/><w:sz w:val="22"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="120"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:pPr><w:keepNext/><w:spacing w:before="200" w:after="80"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:sz w:val="26"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="ListBullet"><w:name w:val="List Bullet"/><w:basedOn w:val="Normal"/><w:pPr><w:ind w:left="360" w:hanging="360"/></w:pPr></w:style>
</w:styles>`;

/** A .docx with Heading 1/2 styles, bulleted paragraphs and bordered tables. */
export function buildDocx(blocks: Block[], title: string): Buffer {
  const body = blocks
    .map((b) => {
      switch (b.kind) {
        case 'title':
          return wParagraph(b.text, 'Heading1');
        case 'heading':
          return wParagraph(b.text, 'Heading2');
        case 'bullet':
          return wParagraph(`\u2022 ${b.text}`, 'ListBullet');
        case 'table':
          return wTable(b.rows);
        default:
          return wParagraph(b.text);
      }
    })
    .join('\n');
  const document = `${XML_HEAD}<w:document ${W_NS}><w:body>\n${body}\n<w:sectPr><w:pgSz w:w="12240" w:h="15840"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>`;
  const contentTypes = `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>`;
  const rels = `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`;
  const docRels = `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`;
  const core = `${XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>${xmlEscape(title)}</dc:title><dc:creator>LlamaFarm examples</dc:creator></cp:coreProperties>`;
  const enc = (s: string) => Buffer.from(s, 'utf8');
  return zip([
    { name: '[Content_Types].xml', data: enc(contentTypes) },
    { name: '_rels/.rels', data: enc(rels) },
    { name: 'word/document.xml', data: enc(document) },
    { name: 'word/styles.xml', data: enc(STYLES) },
    { name: 'word/_rels/document.xml.rels', data: enc(docRels) },
    { name: 'docProps/core.xml', data: enc(core) },
  ]);
}

// ----------------------------------------------------------------------------------------------------------- PDF

/** Helvetica advance widths (1/1000 em) for ASCII 32..126, from the standard font metrics. */
const HELVETICA_WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556,
  278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
  611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833,
  556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

function textWidth(s: string, size: number, bold: boolean): number {
  let w = 0;
  for (const ch of s) w += HELVETICA_WIDTHS[ch.charCodeAt(0) - 32] ?? 556;
  return (w * size * (bold ? 1.07 : 1)) / 1000;
}

function wrap(text: string, size: number, bold: boolean, maxWidth: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, size, bold) > maxWidth) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

const pdfString = (s: string) => `(${s.replace(/\\/g, '\\\\').replace(/\(/g, '\\(').replace(/\)/g, '\\)')})`;

/** A text-only PDF (US Letter, Helvetica), one line of text per text object, paragraphs spaced apart. */
export function buildPdf(blocks: Block[], title: string): Buffer {
  for (const b of blocks) {
    const text = b.kind === 'table' ? b.rows.flat().join(' ') : b.text;
    if (/[^\x20-\x7e\n]/.test(text)) throw new Error(`PDF sources must be printable ASCII: ${JSON.stringify(text.slice(0, 60))}`);
  }
  const W = 612;
  const H = 792;
  const M = 72;
  const pages: string[][] = [[]];
  let y = H - M;
  const emit = (text: string, size: number, bold: boolean, indent = 0) => {
    if (y - size < M) {
      pages.push([]);
      y = H - M;
    }
    y -= size * 1.3;
    pages[pages.length - 1].push(`BT /${bold ? 'F2' : 'F1'} ${size} Tf ${M + indent} ${y.toFixed(1)} Td ${pdfString(text)} Tj ET`);
  };
  const gap = (pt: number) => {
    y -= pt;
  };
  const width = W - 2 * M;
  for (const b of blocks) {
    if (b.kind === 'title') {
      for (const l of wrap(b.text, 15, true, width)) emit(l, 15, true);
      gap(10);
    } else if (b.kind === 'heading') {
      gap(4);
      for (const l of wrap(b.text, 12, true, width)) emit(l, 12, true);
      gap(4);
    } else if (b.kind === 'bullet') {
      wrap(b.text, 11, false, width - 18).forEach((l, i) => emit(i === 0 ? `- ${l}` : l, 11, false, i === 0 ? 6 : 16));
      gap(3);
    } else if (b.kind === 'table') {
      for (const row of b.rows) for (const l of wrap(row.join(' | '), 10, false, width)) emit(l, 10, false);
      gap(8);
    } else {
      for (const line of b.text.split('\n')) for (const l of wrap(line, 11, false, width)) emit(l, 11, false);
      gap(8);
    }
  }

  const objects: string[] = [];
  const add = (body: string) => objects.push(body); // the object's number (1-based)
  const catalog = add('');
  const pagesObj = add('');
  const f1 = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const f2 = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
  const info = add(`<< /Title ${pdfString(title)} /Producer (LlamaFarm examples build) >>`);
  const streams: { obj: number; data: Buffer }[] = [];
  const kids: number[] = [];
  for (const ops of pages) {
    const data = deflateSync(Buffer.from(ops.join('\n'), 'latin1'), { level: 9 });
    const content = add('');
    streams.push({ obj: content, data });
    kids.push(add(`<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 ${W} ${H}] /Resources << /Font << /F1 ${f1} 0 R /F2 ${f2} 0 R >> >> /Contents ${content} 0 R >>`));
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesObj} 0 R >>`;
  objects[pagesObj - 1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;

  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0].length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    const n = i + 1;
    offsets.push(offset);
    const stream = streams.find((s) => s.obj === n);
    const chunk = stream
      ? Buffer.concat([Buffer.from(`${n} 0 obj\n<< /Length ${stream.data.length} /Filter /FlateDecode >>\nstream\n`, 'latin1'), stream.data, Buffer.from('\nendstream\nendobj\n', 'latin1')])
      : Buffer.from(`${n} 0 obj\n${body}\nendobj\n`, 'latin1');
    parts.push(chunk);
    offset += chunk.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R /Info ${info} 0 R >>\nstartxref\n${offset}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------------------- main

export interface BuiltDocument {
  source: string;
  output: string;
  bytes: Buffer;
}

/** Every document the examples' sources describe, built in memory. */
export async function buildExampleDocs(examplesDir: string): Promise<BuiltDocument[]> {
  const out: BuiltDocument[] = [];
  for (const ex of (await readdir(examplesDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const sourcesDir = join(examplesDir, ex, 'sources');
    let names: string[];
    try {
      names = (await readdir(sourcesDir)).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const m = /^(.+)\.(pdf|docx)\.txt$/.exec(name);
      if (!m) continue;
      const source = join(sourcesDir, name);
      const blocks = parseSource(await readFile(source, 'utf8'));
      const heading = blocks.find((b) => b.kind === 'title');
      const title = heading && heading.kind !== 'table' ? heading.text : m[1];
      const bytes = m[2] === 'pdf' ? buildPdf(blocks, title) : buildDocx(blocks, title);
      out.push({ source, output: join(examplesDir, ex, 'files', `${m[1]}.${m[2]}`), bytes });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const dir = resolve(args.find((a) => !a.startsWith('--')) ?? fileURLToPath(new URL('../examples', import.meta.url)));
  let stale = 0;
  for (const doc of await buildExampleDocs(dir)) {
    const current = await readFile(doc.output).catch(() => undefined);
    if (current?.equals(doc.bytes)) continue;
    stale++;
    if (check) {
      process.stdout.write(`stale: ${doc.output}\n`);
      continue;
    }
    await mkdir(join(doc.output, '..'), { recursive: true });
    await writeFile(doc.output, doc.bytes);
    process.stdout.write(`wrote ${doc.output} (${doc.bytes.length} bytes)\n`);
  }
  if (check && stale) process.exitCode = 1;
  if (!stale) process.stdout.write('example documents are up to date\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  });
}
