/**
 * Probing the file system tells "not there" from real failures: a missing file is absent, an unreadable one is an
 * error that surfaces (it used to read as "no such file", e.g. a 404 for a file that exists).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { absentAs, isNotFound } from '../../src/core/fs-errors.js';
import { DatasetFileStore } from '../../src/storage/dataset-files.js';
import { findConfigFile } from '../../src/config/project-file.js';
import { tempDir } from '../helpers/tmp.js';

test('isNotFound: ENOENT and ENOTDIR are "not there"; other errors are not', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(isNotFound(err('ENOENT')), true);
  assert.equal(isNotFound(err('ENOTDIR')), true);
  assert.equal(isNotFound(err('EACCES')), false);
  assert.equal(isNotFound(err('EISDIR')), false);
  assert.equal(isNotFound(new Error('x')), false);
  assert.equal(isNotFound(undefined), false);
});

test('absentAs: the fallback for a missing path, the error itself otherwise', async () => {
  const dir = await tempDir();
  try {
    assert.deepEqual(await readdir(join(dir, 'missing')).catch(absentAs([] as string[])), []);
    await writeFile(join(dir, 'file'), 'x');
    assert.deepEqual(await readdir(join(dir, 'file', 'sub')).catch(absentAs([] as string[])), [], 'a path through a file is not there');
    await assert.rejects(readFile(dir).catch(absentAs('')), (e: NodeJS.ErrnoException) => e.code === 'EISDIR');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('dataset files: missing is absent, damaged metadata is skipped, unreadable metadata is an error', async () => {
  const dir = await tempDir();
  try {
    const files = new DatasetFileStore(join(dir, 'ds'));
    assert.deepEqual(await files.list(), [], 'no upload yet');
    const { meta } = await files.save(Readable.from([Buffer.from('hello llamas')]), 'a.txt', 'text/plain', 1024);
    assert.equal((await files.get(meta.hash))?.hash, meta.hash);
    assert.equal(await files.get('0'.repeat(64)), undefined, 'a hash never uploaded is absent');

    const metaDir = join(dir, 'ds', 'meta');
    assert.ok((await readdir(metaDir)).includes(`${meta.hash}.json`), 'the metadata folder is where the test expects it');
    const damaged = 'a'.repeat(64);
    await writeFile(join(metaDir, `${damaged}.json`), '{"hash": "aaa', 'utf8');
    assert.equal(await files.get(damaged), undefined);
    assert.deepEqual((await files.list()).map((m) => m.hash), [meta.hash], 'damaged metadata is skipped');

    const unreadable = 'b'.repeat(64);
    await mkdir(join(metaDir, `${unreadable}.json`)); // reading it fails with EISDIR, not ENOENT
    await assert.rejects(files.get(unreadable), (e: NodeJS.ErrnoException) => e.code === 'EISDIR');
    await assert.rejects(files.list(), (e: NodeJS.ErrnoException) => e.code === 'EISDIR', 'listing does not pretend the dataset is smaller');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('findConfigFile: a missing project folder has no config; a path through a file is "not there" too', async () => {
  const dir = await tempDir();
  try {
    assert.equal(await findConfigFile(join(dir, 'nope')), undefined);
    await writeFile(join(dir, 'file'), 'x');
    assert.equal(await findConfigFile(join(dir, 'file')), undefined);
    await writeFile(join(dir, 'llamafarm.yaml'), 'version: v1\n');
    assert.equal(await findConfigFile(dir), join(dir, 'llamafarm.yaml'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
