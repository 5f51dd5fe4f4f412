import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** One `no-restricted-imports` block per layer: the layers above it may not be imported from it. */
function layerRules(table) {
  return Object.entries(table).map(([files, above]) => ({
    files: [files],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: above.map((layer) => ({ group: [`**/${layer}/**`, `../${layer}`, `../../${layer}`], message: `imports point down: this layer may not import src/${layer} (docs/decisions/0017-layers.md)` })),
      }],
    },
  }));
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // Layering (docs/decisions/0017-layers.md): imports only point down,
  // cli → api → services → adapters / config / storage → core; adapters never import services.
  ...layerRules({
    'src/core/**': ['storage', 'config', 'adapters', 'services', 'api', 'cli'],
    'src/storage/**': ['config', 'adapters', 'services', 'api', 'cli'],
    'src/config/**': ['storage', 'adapters', 'services', 'api', 'cli'],
    'src/adapters/**': ['services', 'api', 'cli'],
    'src/services/**': ['api', 'cli'],
    'src/api/**': ['cli'],
  }),
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
