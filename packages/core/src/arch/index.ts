export {
  ACTIVATION_TABLE,
  ACTIVATIONS,
  type ActivationDef,
  activationCode,
  activationDerivative,
  activationFn,
} from './activations.js';
export { featureWidth, forwardReference, hiddenFeatures, NetFeatures } from './forward.js';
export { type ParamLayout, type ParamTensor, paramLayout, paramScales, scaleToPrior } from './params.js';
export { ARCH_SYNTAX, type ArchOptions, archString, parseArch, validateSpec } from './parse.js';
export {
  type Activation,
  type ArchSpec,
  type CnnSpec,
  type ConvLayer,
  cnnShapes,
  convOutSize,
  convPadBefore,
  describeArch,
  type FcnSpec,
  forwardMacs,
  inputSize,
  type Padding,
  type Prior,
} from './spec.js';
