// The shared RTDS corpus for tests; the loader lives in tools/ (it reads files).
export { KEYSTORE_DIR, SHARED_DIR, VECTORS_DIR, loadVectors, type Vector, type VectorKind } from '../tools/rtds-corpus.js';
