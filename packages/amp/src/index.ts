export * from './half.js';
