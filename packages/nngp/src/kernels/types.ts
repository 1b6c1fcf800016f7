/** Which infinite-width kernel of a spec: the NNGP covariance or the neural tangent kernel. */
export type KernelKind = 'nngp' | 'ntk';
