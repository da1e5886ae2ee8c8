// One lint configuration for the whole monorepo; each package's `lint` script runs `eslint .`
// from its own directory and ESLint finds this file by walking up.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Generated or produced by builds and tests (as in .gitignore): the server's tests compile into .test-dist while lint may run.
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.test-dist/**',
      '**/.turbo/**',
      '**/.cache/**',
      '**/data/**',
      '**/coverage/**',
      'packages/contract/generated/**',
      'packages/client/src/generated/**',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Async methods without an await implement promise-returning interfaces (the store on synchronous SQLite, fakes in tests).
      '@typescript-eslint/require-await': 'off',
      // A leading underscore marks a value left out on purpose (rest destructuring, unused callback parameters).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // The generated contract types widen IpAddress and EndedReason to `unknown` (openapi-typescript's reading of anyOf),
      // so every String() of those validated strings would be flagged.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    files: ['**/test/**/*.ts', 'e2e/**/*.ts'],
    rules: {
      // Tests read JSON answers and check their shape with expect(); typing every parsed body adds nothing the assertion does not.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // Helpers default a parsed body's type to `any` so that tests can reach into it (see the rules above).
      '@typescript-eslint/no-explicit-any': 'off',
      // expect(object.method).toHaveBeenCalled() passes methods around without calling them.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Plain JavaScript entry points and tool configs sit outside every tsconfig project.
    files: ['**/*.js', '**/*.mjs', '**/vitest.config.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
