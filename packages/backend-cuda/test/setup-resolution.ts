// pnpm's script shims put its virtual store (node_modules/.pnpm/node_modules, where
// every package is hoisted) on NODE_PATH, so anything would resolve from anywhere.
// An app has no such path: drop it, so a temp folder without a package lacks it.
import Module from 'node:module';

delete process.env.NODE_PATH;
(Module as unknown as { _initPaths(): void })._initPaths();
