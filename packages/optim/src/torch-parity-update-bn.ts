/** A tensor in a fixture file: its shape and values (row-major, torch's layout). */
export interface TorchFixtureArray {
  shape: number[];
  values: number[];
}

/**
 * One update_bn case of tools/gen_optim2_fixtures.py: a model's torch state dict, the batches (some as
 * `[input, target]`), the mode before, and torch's statistics and eval output on a probe batch after.
 * The model (`update_bn_bn1d`: Linear–BatchNorm1d–ReLU–Linear–BatchNorm1d; `update_bn_bn2d`:
 * Conv2d–BatchNorm2d–ReLU–Conv2d–BatchNorm2d) is built by the test.
 */
export interface TorchUpdateBnCase {
  name: string;
  inputShape: number[];
  weights: Record<string, TorchFixtureArray>;
  batches: TorchFixtureArray[];
  tupleBatches: boolean[];
  training: boolean;
  /** Per batch-norm module key: statistics, counter and the momentum update_bn restores. */
  stats: Record<string, { runningMean: number[]; runningVar: number[]; numBatchesTracked: number; momentum: number | null }>;
  probe: TorchFixtureArray;
  probeOutput: TorchFixtureArray;
}
