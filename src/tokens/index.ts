/**
 * Token counting: exact for OpenAI models (o200k_base / cl100k_base with chat overheads), calibrated
 * and labelled estimates for every other model. Provider-reported usage always wins for billing; these
 * counts serve budgets, routing, baselines and streams that ended before usage arrived.
 */
export { countOutputTokens, countText } from './count-text.js';
export { countRequestTokens } from './count-request.js';
export { type EstimatedTokens, estimateTokens } from './estimate-tokens.js';
export { baseModelName, encodingForModel } from './encoding-for-model.js';
export { type EstimateProfile, estimateProfile } from './estimate-profile.js';
export { anthropicImageTokens, imageSizeFromBase64, openAiImageTokens } from './image-tokens.js';
export type { OpenAiEncoding, TokenCount } from './token-count.js';
export { openAiToolTokens } from './tool-tokens.js';
