import { defineProject } from 'vitest/config';

/** The common vitest project settings; each package names itself. */
export function project(name: string, overrides: Parameters<typeof defineProject>[0]['test'] = {}) {
  return defineProject({
    test: {
      name,
      include: ['test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 120_000,
      pool: 'forks',
      server: {
        deps: {
          // tfjs-core's gradient files use extensionless ESM imports: let vite resolve them.
          inline: [/tfjs-core[\\/]dist[\\/](register_all_gradients|gradients|public[\\/]chained_ops)/],
        },
      },
      ...overrides,
    },
  });
}
