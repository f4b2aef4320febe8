// The slice of the WebGPU API this package touches. lib.dom has no WebGPU types
// yet, and depending on @webgpu/types would push them onto every user.

export interface GpuAdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
}

export interface GpuDeviceLike {
  readonly features: { has(name: string): boolean };
  readonly lost?: Promise<{ reason?: string; message?: string }>;
  destroy?(): void;
}

export interface GpuAdapterLike {
  readonly features: ReadonlySet<string> | { has(name: string): boolean; [Symbol.iterator](): Iterator<string> };
  readonly limits: object;
  readonly info?: GpuAdapterInfoLike;
  readonly isFallbackAdapter?: boolean;
  requestAdapterInfo?(): Promise<GpuAdapterInfoLike>;
  requestDevice(descriptor?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<GpuDeviceLike>;
}

export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<GpuAdapterLike | null>;
}

/** `GPURequestAdapterOptions.powerPreference`: which GPU to prefer where there are several. */
export type PowerPreference = 'low-power' | 'high-performance';
