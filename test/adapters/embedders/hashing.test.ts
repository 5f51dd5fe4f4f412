import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HASHING_MODEL, HashingEmbedder, hashString } from '../../../src/adapters/embedders/hashing.js';
import { stem, textFeatures, words } from '../../../src/adapters/embedders/text-features.js';
import { cosine } from '../../conformance/embedders.js';

describe('text features', () => {
  test('words are lowercased, accent-folded, split on anything but letters and digits', () => {
    assert.deepEqual(words('Café déjà-vu: I saw 3 cats & a DOG!'), ['cafe', 'deja', 'vu', 'saw', '3', 'cats', 'dog']);
    assert.deepEqual(words('日本語 テキスト'), ['日本語', 'テキスト']);
  });

  test('light stemming joins the usual inflections and leaves short words and numbers alone', () => {
    const groups = [
      ['study', 'studies', 'studied'],
      ['run', 'runs', 'running'],
      ['create', 'created', 'creates', 'creating'],
      ['kitten', 'kittens'],
      ['pony', 'ponies'],
    ];
    for (const group of groups) assert.equal(new Set(group.map(stem)).size, 1, group.join('/'));
    for (const w of ['bus', 'analysis', 'speed', 'bring', 'caress', '2021s', 'cat']) {
      assert.ok(stem(w).length >= 3 && w.startsWith(stem(w)), `${w} → ${stem(w)}`);
    }
    assert.equal(stem('speed'), 'speed');
    assert.equal(stem('bring'), 'bring');
  });

  test('stop words break bigrams and are not features', () => {
    const f = textFeatures('The cat sat on the mat');
    assert.deepEqual([...f.unigrams.keys()], ['cat', 'sat', 'mat']);
    assert.deepEqual([...f.bigrams.keys()], ['cat sat']);
    assert.ok(f.charNgrams.has('<cat>') && f.charNgrams.has('<ca') && f.charNgrams.has('at>'));
    assert.equal(f.charNgrams.get('at>'), 3, 'cat, sat and mat all end in "at"');
    assert.ok(![...f.charNgrams.keys()].some((g) => g.includes('the')));
  });
});

describe('HashingEmbedder', () => {
  test('defaults to 384 dimensions and honours `dimension`', async () => {
    assert.equal(new HashingEmbedder().dimension, 384);
    const e = new HashingEmbedder({ dimension: 1024 });
    const [v] = await e.embed(['hello world']);
    assert.equal(v.length, 1024);
    assert.throws(() => new HashingEmbedder({ dimension: 'big' }), /dimension/);
    assert.throws(() => new HashingEmbedder({ dimension: 2 }), />= 8/);
  });

  test('is stable across instances and releases: a change here needs a new HASHING_MODEL', () => {
    assert.equal(HASHING_MODEL, 'lf-hashing-v1');
    assert.equal(hashString('hello', 0), 2290972270);
    const v = new HashingEmbedder().embedOne('Llamas are domesticated South American camelids.');
    const w = new HashingEmbedder().embedOne('Llamas are domesticated South American camelids.');
    assert.deepEqual(v, w);
    let fingerprint = 0;
    v.forEach((x, i) => (fingerprint += x * ((i % 7) + 1)));
    assert.equal(fingerprint.toFixed(4), FINGERPRINT);
  });

  test('text with nothing to hash still gets a unit vector, the same for all such texts', async () => {
    const e = new HashingEmbedder();
    const [empty, punct, stops] = await e.embed(['', '?!…', 'the of and']);
    assert.ok(Math.abs(Math.hypot(...empty) - 1) < 1e-6);
    assert.deepEqual(empty, punct);
    assert.deepEqual(empty, stops);
  });

  test('word order matters a little (bigrams), word forms little (stems and n-grams)', async () => {
    const e = new HashingEmbedder();
    const [a, b, c] = await e.embed(['machine learning models', 'learning machine models', 'machines learned a model']);
    assert.ok(cosine(a, b) < 0.9999 && cosine(a, b) > 0.9);
    assert.ok(cosine(a, c) > 0.6, `inflections stay close: ${cosine(a, c)}`);
  });

  test('a typo keeps much of the similarity through character n-grams', async () => {
    const e = new HashingEmbedder();
    const [right, typo, other] = await e.embed(['vaccination schedule', 'vacination schedul', 'volcanic eruption']);
    assert.ok(cosine(right, typo) > 0.5, `typo ${cosine(right, typo)}`);
    assert.ok(cosine(right, typo) > cosine(right, other) + 0.3);
  });
});

const FINGERPRINT = '9.2643';
