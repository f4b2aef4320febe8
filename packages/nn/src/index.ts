export * from './losses/index.js';
