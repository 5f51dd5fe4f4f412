/**
 * Peak memory and time to a verdict for the hostile files of issue #15, each parsed in a fresh process with the
 * default limits: `node --import tsx bench/hostile-files.ts`. Prints one line per file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { writeZip } from '../test/helpers/zip.js';

const CT = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';
const dir = await mkdtemp(join(tmpdir(), 'lf-bench-hostile-'));
try {
  const files: { name: string; path: string; parser: string }[] = [];
  const docx = join(dir, 'bomb.docx');
  await writeZip(docx, [{ name: '[Content_Types].xml', data: CT }, { name: 'word/document.xml', data: { fill: ' ', size: 1 << 30 } }]);
  files.push({ name: 'DOCX inflating to 1 GB', path: docx, parser: 'DocxParser' });
  const xlsx = join(dir, 'strings.xlsx');
  await writeZip(xlsx, [{ name: '[Content_Types].xml', data: CT }, { name: 'xl/sharedStrings.xml', data: { fill: 'a', size: 512 << 20 } }]);
  files.push({ name: 'XLSX with 512 MB shared strings', path: xlsx, parser: 'ExcelParser' });
  const pages = 200_000;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${Array(pages).fill('3 0 R').join(' ')}] /Count ${pages} >>`,
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>',
    '<< /Length 44 >>\nstream\nBT /F1 12 Tf 20 100 Td (hello) Tj ET\nendstream',
  ];
  let pdf = '%PDF-1.4\n';
  const offs: number[] = [];
  objs.forEach((o, i) => { offs.push(pdf.length); pdf += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = pdf.length;
  pdf += `xref\n0 5\n0000000000 65535 f \n${offs.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  const pdfPath = join(dir, 'pages.pdf');
  await writeFile(pdfPath, pdf, 'latin1');
  files.push({ name: `PDF listing ${pages} pages (${(pdf.length / 1e6).toFixed(1)} MB)`, path: pdfPath, parser: 'PDFParser' });
  const z = deflateSync(Buffer.alloc(1 << 30, 0x20), { level: 9 });
  const bombParts = [
    '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n',
    '3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>\nendobj\n',
    `4 0 obj\n<< /Length ${z.length} /Filter /FlateDecode >>\nstream\n`,
  ];
  const bombPath = join(dir, 'bomb.pdf');
  await writeFile(bombPath, Buffer.concat([Buffer.from(bombParts.join('')), z, Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n')]));
  files.push({ name: `PDF flate bomb (${(z.length / 1e6).toFixed(1)} MB inflating to 1 GB)`, path: bombPath, parser: 'PDFParser' });
  const csv = join(dir, 'rows.csv');
  await writeFile(csv, `id,name\n${Array.from({ length: 1_000_000 }, (_, i) => `${i},llama ${i}`).join('\n')}\n`);
  files.push({ name: 'CSV with 1,000,000 rows', path: csv, parser: 'CSVParser' });

  for (const f of files) {
    const code = `
      const { getParser } = await import(${JSON.stringify(new URL('../src/adapters/parsers/registry.ts', import.meta.url).pathname)});
      const { pdfWorkers } = await import(${JSON.stringify(new URL('../src/adapters/parsers/pdf.ts', import.meta.url).pathname)});
      const { stat } = await import('node:fs/promises');
      const base = process.memoryUsage().rss;
      let peak = base;
      const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
      const t0 = performance.now();
      let verdict;
      try {
        const docs = await getParser(${JSON.stringify(f.parser)}).parse({ path: ${JSON.stringify(f.path)}, filename: 'x', mimeType: '', size: (await stat(${JSON.stringify(f.path)})).size }, {});
        verdict = 'parsed ' + docs.length + ' documents';
      } catch (e) { verdict = 'failed: ' + e.message; }
      const ms = performance.now() - t0;
      peak = Math.max(peak, process.memoryUsage().rss);
      clearInterval(timer);
      await pdfWorkers.close();
      console.log(JSON.stringify({ ms: Math.round(ms), peakMb: Math.round((peak - base) / 1048576), verdict }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').pop() ?? r.stderr;
    console.log(`${f.name}: ${line}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
