import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "appservice/src/generated/**",
      "data/**",
      "vendor/**",
      "runtime/dist*/**",
      "cli/dist/**",
      "build/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  // Type-aware rules: a promise nobody awaits is an error nobody sees.
  ...tseslint.configs.recommendedTypeCheckedOnly.map((config) => ({ ...config, files: ["**/*.ts"] })),
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      // An interface method may be async without awaiting (it still returns a promise).
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        AbortSignal: "readonly",
        fetch: "readonly",
      },
    },
    rules: {
      // Library code logs through pino; stdout of an ACP agent process is the protocol.
      "no-console": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    files: ["**/test/**", "test/**", "bench/**", "scripts/**"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      // vitest's asymmetric matchers (expect.any, expect.stringMatching) are typed `any`.
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      // Tests read event content as unknown JSON; String() of a missing body is meant to be "".
      "@typescript-eslint/no-base-to-string": "off",
    },
  },
);
