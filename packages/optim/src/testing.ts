// @descent/optim/testing: what a kernel author or a backend's conformance suite
// tests with. Not part of the main entry.
export { kernelCases, type KernelCase } from './kernel-cases.js';
export {
  BF16_ATOL,
  BF16_RTOL,
  PARITY_ATOL,
  PARITY_RTOL,
  replayTorchCase,
  torchParityTests,
  type TorchParityCase,
  type TorchParityFixtures,
} from './torch-parity.js';
export { lbfgsParityTests, replayLbfgsCase, type TorchLbfgsCase } from './torch-parity-lbfgs.js';
export type { TorchFixtureArray, TorchUpdateBnCase } from './torch-parity-update-bn.js';
