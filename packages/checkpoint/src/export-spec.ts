/** The layers of a model, as in core's ModelSpec (dense and conv2d blocks). */
export interface ExportLayer {
  type: 'dense' | 'conv2d';
  units?: number;
  filters?: number;
  kernel?: number;
  stride?: number;
  padding?: 'same' | 'valid';
  pool?: { type: 'max' | 'avg'; size: number; stride?: number; padding?: 'same' | 'valid' };
  activation?: string;
  /** Batch normalisation before the activation (after pooling): a `batchNormalization` layer. */
  batchNorm?: boolean | { momentum?: number; epsilon?: number };
}

export interface ExportSpec {
  name?: string;
  /** The shape the first block sees, e.g. [28, 28, 1] for a conv net fed flat [784] images. */
  input: number[];
  layers: ExportLayer[];
}
