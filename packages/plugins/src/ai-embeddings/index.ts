export { EmbeddingsClient, EmbeddingsError, parseEmbeddings, type EmbeddingsTarget } from './client.js';
export { cosine, dot, normalize, packFloat32 } from './vector.js';
